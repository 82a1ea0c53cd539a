"""Per-tenant migration state, moved only by conditional writes.

States: REQUESTED (move set, notice not yet sent) → NOTIFIED → MOVING → MOVED, or FAILED
with the reason. Whoever acts (sends a notice, copies data) first takes a lease: a
conditional write that only one of several concurrent deliveries can win. A lease that
outlives its holder (a crash) expires, and the next delivery takes over.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import error_code
from periodyear.adapters.items import from_item, tenant_pk, to_item
from periodyear.domain.calendar import format_instant, parse_date, parse_instant
from periodyear.domain.errors import Conflict
from periodyear.domain.migration_state import LEASE, Lease, MigrationState, PromisedTerms, Status

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _promised_terms(item: dict[str, Any]) -> PromisedTerms | None:
    """The terms the notice promised, as ``claim_notice`` stored them; None when missing or unreadable."""
    try:
        return PromisedTerms(
            package=str(item["package"]),
            legacy_package=str(item["legacy_package"]),
            paid_through=parse_date(item["paid_through"]),
            price_switch_date=parse_date(item["price_switch_date"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _state(tenant_id: str, item: dict[str, Any]) -> MigrationState:
    lease = item.get("lease_until")
    return MigrationState(
        tenant_id=tenant_id,
        status=Status(item["status"]),
        move_at=parse_instant(item["move_at"]),
        version=int(item["version"]),
        notices_sent=int(item.get("notices_sent", 0)),
        schedule_set=bool(item.get("schedule_set", False)),
        lease_until=parse_instant(lease) if lease else None,
        failure_reason=item.get("failure_reason"),
        terms=_promised_terms(item),
    )


class MigrationStateRepository:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, tenant_id: str) -> dict[str, Any]:
        return {"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": "MIGRATION"}}

    def get(self, tenant_id: str) -> MigrationState | None:
        raw = self._client.get_item(TableName=self._table, Key=self._key(tenant_id), ConsistentRead=True).get(
            "Item"
        )
        return _state(tenant_id, from_item(raw)) if raw else None

    def every_state(self) -> Iterator[MigrationState]:
        """Every tenant's state: a Scan, for the operator's ``migrate stalled`` only (one small
        item per tenant; no run reads it)."""
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="sk = :sk",
            ExpressionAttributeValues={":sk": {"S": "MIGRATION"}},
            ConsistentRead=True,
        )
        for page in pages:
            for raw in page["Items"]:
                item = from_item(raw)
                yield _state(str(item["pk"]).removeprefix("TENANT#"), item)

    def _update(self, tenant_id: str, expression: str, condition: str, values: dict[str, Any]) -> None:
        names = {"#status": "status", "#version": "version"}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(tenant_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={k: v for k, v in names.items() if k in expression + condition},
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise Conflict(tenant_id) from error
            raise

    def claim_notice(
        self,
        tenant_id: str,
        *,
        move_at: datetime,
        now: datetime,
        expected: MigrationState | None,
        terms: PromisedTerms,
    ) -> Lease:
        """Set (or reset) the move and take the lease to send its notice."""
        token = uuid.uuid4().hex
        promised = terms.as_record()
        values = {
            ":requested": Status.REQUESTED.value,
            ":move_at": format_instant(move_at),
            ":lease": format_instant(now + LEASE),
            ":token": token,
            ":now": format_instant(now),
            ":one": 1,
            ":false": False,
            **{f":{k}": v for k, v in promised.items()},
        }
        terms_set = ", ".join(f"{k} = :{k}" for k in promised)
        if expected is None:
            condition = "attribute_not_exists(pk)"
            expression = (
                "SET #status = :requested, move_at = :move_at, lease_until = :lease, lease_token = :token, "
                f"requested_at = :now, updated_at = :now, #version = :one, notices_sent = :zero, "
                f"schedule_set = :false, {terms_set}"
            )
            values[":zero"] = 0
        else:
            condition = "#version = :version AND (attribute_not_exists(lease_until) OR lease_until <= :now)"
            expression = (
                "SET #status = :requested, move_at = :move_at, lease_until = :lease, lease_token = :token, "
                f"updated_at = :now, #version = #version + :one, schedule_set = :false, {terms_set} "
                "REMOVE failure_reason"
            )
            values[":version"] = expected.version
        self._update(tenant_id, expression, condition, values)
        return Lease(tenant_id, token)

    def notice_sent(self, lease: Lease, *, message_id: str, recipients: int, now: datetime) -> None:
        self._update(
            lease.tenant_id,
            "SET #status = :notified, notice_message_id = :message, notice_recipients = :recipients, "
            "notice_sent_at = :now, updated_at = :now, notices_sent = notices_sent + :one, "
            "#version = #version + :one REMOVE lease_until, lease_token",
            "lease_token = :token",
            {
                ":notified": Status.NOTIFIED.value,
                ":message": message_id,
                ":recipients": recipients,
                ":now": format_instant(now),
                ":one": 1,
                ":token": lease.token,
            },
        )

    def release(self, lease: Lease, *, reason: str, now: datetime) -> None:
        """Give the lease back (the notice was not sent): the next delivery may try again."""
        self._update(
            lease.tenant_id,
            "SET last_error = :reason, updated_at = :now, #version = #version + :one "
            "REMOVE lease_until, lease_token",
            "lease_token = :token",
            {":reason": reason, ":now": format_instant(now), ":one": 1, ":token": lease.token},
        )

    def schedule_set(self, tenant_id: str, *, move_at: datetime, now: datetime) -> None:
        self._update(
            tenant_id,
            "SET schedule_set = :true, updated_at = :now, #version = #version + :one",
            "move_at = :move_at",
            {":true": True, ":now": format_instant(now), ":one": 1, ":move_at": format_instant(move_at)},
        )

    def claim_move(self, state: MigrationState, *, now: datetime) -> Lease:
        token = uuid.uuid4().hex
        self._update(
            state.tenant_id,
            "SET #status = :moving, lease_until = :lease, lease_token = :token, updated_at = :now, "
            "#version = #version + :one",
            "#version = :version AND #status IN (:notified, :moving, :failed) "
            "AND (attribute_not_exists(lease_until) OR lease_until <= :now)",
            {
                ":moving": Status.MOVING.value,
                ":notified": Status.NOTIFIED.value,
                ":failed": Status.FAILED.value,
                ":lease": format_instant(now + LEASE),
                ":token": token,
                ":now": format_instant(now),
                ":one": 1,
                ":version": state.version,
            },
        )
        return Lease(state.tenant_id, token)

    def moved(self, lease: Lease, *, now: datetime, clients: int, users: int) -> None:
        self._update(
            lease.tenant_id,
            "SET #status = :moved, moved_at = :now, updated_at = :now, clients_moved = :clients, "
            "users_moved = :users, #version = #version + :one "
            "REMOVE lease_until, lease_token, failure_reason",
            "lease_token = :token",
            {
                ":moved": Status.MOVED.value,
                ":now": format_instant(now),
                ":clients": clients,
                ":users": users,
                ":one": 1,
                ":token": lease.token,
            },
        )

    def failed(self, lease: Lease, *, reason: str, now: datetime) -> None:
        self._update(
            lease.tenant_id,
            "SET #status = :failed, failure_reason = :reason, updated_at = :now, #version = #version + :one "
            "REMOVE lease_until, lease_token",
            "lease_token = :token",
            {
                ":failed": Status.FAILED.value,
                ":reason": reason,
                ":now": format_instant(now),
                ":one": 1,
                ":token": lease.token,
            },
        )
