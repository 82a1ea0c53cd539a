"""What a boto3 error says, read in one place: its code, and a cancelled transaction's reasons.

``transact_write`` runs a DynamoDB transaction and tries it again while every reason it was
cancelled for is passing (another transaction on one of its items, throttling): botocore's own
retries do not cover a ``TransactionCanceledException``, and a conflict on a shared item (the
run record every worker counts on) is ordinary under load, never a reason to drop the write.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CONDITION_FAILED = "ConditionalCheckFailed"
# Reasons a transaction may meet and pass on a later attempt.
PASSING_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)


def error_code(error: BaseException) -> str | None:
    """The service's error code (``ConditionalCheckFailedException``, …), None for any other error."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


@dataclass(frozen=True)
class CancellationReason:
    """Why one action of a cancelled transaction failed (``code`` "None": it did not)."""

    code: str
    message: str = ""
    item: dict[str, Any] | None = None  # the item as it was, where the action asked for ALL_OLD

    @property
    def failed(self) -> bool:
        return self.code != "None"

    @property
    def condition_failed(self) -> bool:
        return self.code == CONDITION_FAILED


def cancellation_reasons(error: ClientError) -> list[CancellationReason]:
    """One reason per action, in the transaction's order; any other error is raised again."""
    if error_code(error) != "TransactionCanceledException":
        raise error
    return [
        CancellationReason(
            code=str(reason.get("Code") or "None"),
            message=str(reason.get("Message") or ""),
            item=dict(reason["Item"]) if reason.get("Item") else None,
        )
        for reason in error.response.get("CancellationReasons", [])
    ]


def passing(reasons: Sequence[CancellationReason]) -> bool:
    """True when nothing but passing reasons cancelled the transaction (a retry may commit it)."""
    failed = [r for r in reasons if r.failed]
    return bool(failed) and all(r.code in PASSING_REASONS for r in failed)


@dataclass(frozen=True)
class Transacted:
    """A transaction's end: committed, or cancelled for reasons that a retry would not change."""

    reasons: list[CancellationReason]
    error: ClientError | None = None
    actions: Sequence[Any] = ()  # the transaction's actions, in its order

    def failed(self, action: object) -> bool:
        """Whether this action (the object given to ``transact_write``) failed its condition:
        callers name the action they ask about, never its position."""
        found = self.reason(action)
        return found is not None and found.condition_failed

    def reason(self, action: object) -> CancellationReason | None:
        """Why this action failed, when the transaction was cancelled (None: it committed)."""
        return next((r for a, r in zip(self.actions, self.reasons, strict=False) if a is action), None)

    @property
    def committed(self) -> bool:
        return self.error is None

    def raise_for_conditions(self) -> None:
        if self.error is not None:
            raise self.error


def transact_write(
    client: DynamoDBClient,
    actions: Sequence[Any],
    *,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
) -> Transacted:
    """Run the transaction, again after a jittered pause while it is cancelled for passing
    reasons only; a failed condition ends it at once (the caller reads which). Passing reasons
    on every attempt raise the last cancellation: the caller's own retry takes it from there."""
    for attempt in range(attempts):
        try:
            client.transact_write_items(TransactItems=list(actions))
        except ClientError as error:
            reasons = cancellation_reasons(error)
            if not passing(reasons) or attempt + 1 == attempts:
                if passing(reasons):
                    raise
                return Transacted(reasons, error, actions)
            sleep(min(1.0, 0.02 * 2**attempt) * (0.5 + random.random() / 2))
        else:
            return Transacted([], actions=actions)
    raise AssertionError("unreachable")  # pragma: no cover
