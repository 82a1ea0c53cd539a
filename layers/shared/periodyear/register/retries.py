"""A ``POST`` repeated with an ``Idempotency-Key`` (CONTRACT §9), through Powertools' idempotency
utility: within 24 hours, the same key with the same body returns the first answer and writes
nothing again; with another body it is a 409. The key counts per caller and route, so another
caller's key never returns its answer. A first request still running, or one that failed, is
not kept: a failure's repeat runs again (the register's own rules answer it the same way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from periodyear.domain.client_register import Caller, Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEPT_SECONDS = 24 * 60 * 60
REPLAYED = "Idempotent-Replayed"  # the header a repeated request's answer carries


class Retries:
    """The first answers of keyed POSTs, kept in the idempotency table. Powertools' utility (its
    import and its persistence layer) is built on the first keyed POST of a process: every other
    request's cold start leaves it out."""

    def __init__(self, table: str, dynamodb: Callable[[], DynamoDBClient]) -> None:
        self.table = table
        self._dynamodb = dynamodb
        self._built: tuple[Callable[..., dict[str, Any]], Any] | None = None

    def _once(self) -> tuple[Callable[..., dict[str, Any]], Any]:
        """The idempotent call and its config."""
        if self._built is not None:
            return self._built
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=KEPT_SECONDS,
        )
        store = DynamoDBPersistenceLayer(table_name=self.table, boto3_client=self._dynamodb())

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="request", persistence_store=store, config=config, key_prefix="register"
        )
        def answer(*, request: dict[str, Any], run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            del request  # what makes the call the same one; ``run`` does the work
            return run()

        self._built = answer, config
        return self._built

    def once(
        self,
        *,
        caller: Caller,
        route: str,
        key: str,
        body: Any,
        run: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> dict[str, Any]:
        """``run()``'s answer (status, headers, JSON body), once per caller, route and key."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        answer, config = self._once()
        if lambda_context is not None:
            config.register_lambda_context(lambda_context)  # a crashed first try frees the key in time
        fresh = False

        def first() -> dict[str, Any]:
            nonlocal fresh
            fresh = True
            return run()

        digest = hashlib.sha256(key.encode()).hexdigest()  # the key itself is the client's text
        request = {"key": [_scope(caller), route, digest], "body": body}
        try:
            result = answer(request=request, run=first)
        except IdempotencyValidationError:
            raise Conflict("this Idempotency-Key was used with another body; use a new key") from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict(
                "the first request with this Idempotency-Key is still running; repeat it later"
            ) from None
        if fresh:
            return result
        return {**result, "headers": {**result.get("headers", {}), REPLAYED: "true"}}


def _scope(caller: Caller) -> str:
    return f"{caller.tenant_id}/{caller.user_id}" if caller.tenant_id else f"operator/{caller.subject}"
