"""Annual invoices in September for clients submitted to Altinn (CONTRACT §5–7).

Scheduled at 04:00 Europe/Oslo on 1 September of Y: bills year Y, the window
[Y−1-09-01, Y-09-01). Manual: ``{"year": Y, "issue_date"?, "dry_run"?, "tenant_ids"?}``.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.billing.bootstrap import BillingServices, from_environment
from periodyear.billing.job import run_billing_job
from periodyear.domain.calendar import PeriodKind
from periodyear.observability import logger

metrics = Metrics()
_process = functools.cache(from_environment)  # built on the first event


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, services: BillingServices | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    return run_billing_job(PeriodKind.ANNUAL, event, metrics, context.aws_request_id, services or _process())
