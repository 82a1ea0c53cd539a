"""The client register's HTTP API (CONTRACT §9), behind an HTTP API with a JWT authorizer.

Every route, its models and its errors are in ``periodyear.register.api``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.observability import logger
from periodyear.register.api import handle


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, context)
