"""The client register's HTTP API (CONTRACT §9), behind an HTTP API with a JWT authorizer.

Every route, its models and its errors are in ``periodyear.register.api`` and its routers.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.observability import logger
from periodyear.register.api import handle
from periodyear.register.bootstrap import RegisterServices, from_environment

_process = functools.cache(from_environment)  # built on the first event


@logger.inject_lambda_context(clear_state=True)
def handler(
    event: dict[str, Any], context: LambdaContext, services: RegisterServices | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    return handle(event, context, services or _process())
