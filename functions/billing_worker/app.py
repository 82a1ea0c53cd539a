"""Bills the batches of a fanned-out monthly or annual run, fed by the billing queue.

Each SQS message is one batch of tenants (CONTRACT §7 "Fan-out"); failed messages are
reported one by one (``ReportBatchItemFailures``) and come again, up to the queue's limit.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.billing.bootstrap import BillingServices, from_environment
from periodyear.billing.worker import handle_batches
from periodyear.observability import logger

metrics = Metrics()
_process = functools.cache(from_environment)  # built on the first message


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, services: BillingServices | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    return handle_batches(event, context, metrics, services or _process())
