"""Delivers issued invoices (CONTRACT §10), fed by the delivery queue: ``InvoiceIssued``, SES's
events about the e-mails, and resend requests; see ``periodyear.delivery.job``.
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
    """Built on the first message (the job's imports come with it, not with the handler)."""
    from periodyear.delivery.bootstrap import from_environment  # noqa: PLC0415
    from periodyear.delivery.job import MetricCounter  # noqa: PLC0415

    return from_environment(MetricCounter(metrics))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, services: DeliveryServices | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    from periodyear.delivery.job import handle_messages  # noqa: PLC0415

    return handle_messages(event, context, metrics, services or _process())
