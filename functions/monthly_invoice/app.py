"""Monthly collective invoices, in arrears (CONTRACT §5–7).

Scheduled at 03:00 Europe/Oslo on the 1st: bills the Oslo month before the event's
``time``. Manual: ``{"period": "YYYY-MM", "issue_date"?, "dry_run"?, "tenant_ids"?}``.
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
    return run_billing_job(PeriodKind.MONTHLY, event, metrics, context.aws_request_id, services or _process())
