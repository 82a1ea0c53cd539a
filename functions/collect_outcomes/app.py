"""Collects the access point's outcomes every five minutes (CONTRACT §10): each delivered or
failed submission is recorded, a failure e-mailed instead; see ``periodyear.delivery.job``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.delivery.bootstrap import DeliveryServices

metrics = Metrics()


@functools.cache
def _process() -> DeliveryServices:
    """Built on the first run (the job's imports come with it, not with the handler)."""
    from periodyear.delivery.bootstrap import from_environment  # noqa: PLC0415
    from periodyear.delivery.job import MetricCounter  # noqa: PLC0415

    return from_environment(MetricCounter(metrics))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, services: DeliveryServices | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    from periodyear.delivery.job import collect_outcomes  # noqa: PLC0415

    return collect_outcomes(context, metrics, services or _process())
