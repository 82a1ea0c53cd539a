"""Sign-ins for the users a move brought over: ``TenantMigrated`` from ``periodyear.migration``
(CONTRACT §9); see ``periodyear.register.sign_ins``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.observability import logger
from periodyear.register.sign_in_job import handle_tenant_migrated

metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_tenant_migrated(event, metrics)
