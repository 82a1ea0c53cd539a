"""Sign-ins for the users a move brought over: ``TenantMigrated`` from ``periodyear.migration``
(CONTRACT §9); see ``periodyear.register.sign_ins``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.observability import logger
from periodyear.register.bootstrap import sign_ins_from_environment
from periodyear.register.sign_in_job import handle_tenant_migrated

if TYPE_CHECKING:
    from periodyear.register.sign_ins import MovedSignIns

metrics = Metrics()
_process = functools.cache(sign_ins_from_environment)  # built on the first event


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, services: MovedSignIns | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    return handle_tenant_migrated(event, metrics, services or _process())
