"""Outbound messages: the notice e-mail (SES v2), the move's schedule (EventBridge Scheduler),
migration and billing events on the project's bus (EventBridge), invoice documents (S3), and
the batches of a fanned-out billing run (SQS)."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy as copy_message
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import error_code
from periodyear.domain.events import BILLING_SOURCE, MIGRATION_SOURCE, REGISTER_SOURCE

if TYPE_CHECKING:
    from email.message import EmailMessage

    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient


class Mailer:
    def __init__(self, client: SESV2Client, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, message: EmailMessage, recipients: Iterable[str]) -> str:
        """Send a complete MIME message to every recipient; returns SES's message ids,
        comma-separated. SES takes at most 50 recipients a message, its To, CC and BCC fields and
        its destinations counted together: more than 25 go out as copies, each addressed (``To``
        and destination) to its own 25, within the limit even where an address in both counts
        twice (moto counts so)."""
        addresses = list(recipients)
        ids = []
        from periodyear.domain.migration import SES_RECIPIENTS_PER_MESSAGE  # noqa: PLC0415 (the notice's)

        per_copy = SES_RECIPIENTS_PER_MESSAGE // 2
        for start in range(0, len(addresses), per_copy):
            part = addresses[start : start + per_copy]
            copy = message
            if len(part) < len(addresses):
                copy = copy_message(message)
                copy.replace_header("To", ", ".join(part))
            response = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": part},
                Content={"Raw": {"Data": copy.as_bytes()}},
            )
            ids.append(response["MessageId"])
        return ",".join(ids)


def schedule_name(tenant_id: str) -> str:
    """A valid, unique schedule name for any tenant id (1–64 of [0-9A-Za-z-_.])."""
    readable = re.sub(r"[^0-9A-Za-z_.-]", "-", tenant_id)[:40]
    return f"move-{readable}-{hashlib.sha256(tenant_id.encode()).hexdigest()[:12]}"


def resume_schedule_name(tenant_id: str) -> str:
    """The tenant's resume schedule, beside its move schedule (``move-…``), within 64 characters."""
    return "resume-" + schedule_name(tenant_id).removeprefix("move-")


class MoveScheduler:
    """One-time schedules that put ``TenantMigrationDue`` on the bus: one per tenant at its move
    time, and one once a move's lease has run out (``resume``), so a crashed move is taken over
    and completed without waiting for a retry (Lambda retries an asynchronous event only twice,
    within about three minutes, well inside the lease)."""

    def __init__(
        self, client: EventBridgeSchedulerClient, *, group: str, bus_arn: str, role_arn: str
    ) -> None:
        self._client = client
        self._group = group
        self._bus_arn = bus_arn
        self._role_arn = role_arn

    def set_move(self, tenant_id: str, move_at: datetime) -> None:
        self._due_at(schedule_name(tenant_id), move_at, {"tenant_id": tenant_id})  # a reset move: updated

    def set_resume(self, tenant_id: str, at: datetime) -> None:
        self._due_at(resume_schedule_name(tenant_id), at, {"tenant_id": tenant_id, "resume": True})

    def set_notice_resume(self, tenant_id: str, at: datetime) -> None:
        """``TenantMigrationRequested`` with ``resume`` once a notice's lease has run out: brings
        on a tenant whose notice step died (the move's own resume later takes the same name)."""
        detail = {"tenant_id": tenant_id, "resume": True}
        self._due_at(resume_schedule_name(tenant_id), at, detail, "TenantMigrationRequested")

    def _due_at(
        self, name: str, at: datetime, detail: Mapping[str, Any], detail_type: str = "TenantMigrationDue"
    ) -> None:
        """Create the schedule, or move it to ``at`` when it exists."""
        arguments: dict[str, Any] = {
            "Name": name,
            "GroupName": self._group,
            "ScheduleExpression": f"at({at:%Y-%m-%dT%H:%M:%S})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": self._bus_arn,
                "RoleArn": self._role_arn,
                "Input": json.dumps(dict(detail)),
                "EventBridgeParameters": {"DetailType": detail_type, "Source": MIGRATION_SOURCE},
                "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400},
            },
        }
        try:
            self._client.create_schedule(**arguments)
        except ClientError as error:
            if error_code(error) != "ConflictException":
                raise
            self._client.update_schedule(**arguments)

    def get(self, tenant_id: str) -> dict[str, Any] | None:
        try:
            response = self._client.get_schedule(Name=schedule_name(tenant_id), GroupName=self._group)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise
        return dict(response)


def put_events(
    client: EventBridgeClient, entries: Sequence[Mapping[str, Any]], attempts: int = 5
) -> list[str | None]:
    """Put entries ten to a call, resending failed ones; per entry, None or why it failed."""
    results: list[str | None] = [None] * len(entries)
    for start in range(0, len(entries), 10):
        pending = list(range(start, min(start + 10, len(entries))))
        for attempt in range(attempts):
            if attempt:  # failed entries (throttled) again after a jittered pause
                time.sleep(min(1.0, 0.05 * 2**attempt) * random.random())
            response = client.put_events(Entries=[dict(entries[i]) for i in pending])  # type: ignore[misc]
            failed = []
            for index, result in zip(pending, response["Entries"], strict=True):
                if result.get("ErrorCode"):
                    results[index] = f"{result.get('ErrorCode')}: {result.get('ErrorMessage', '')}".strip()
                    failed.append(index)
                else:
                    results[index] = None
            pending = failed
            if not pending:
                break
    return results


class MigrationEvents:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def request_moves(self, moves: Iterable[Mapping[str, str]]) -> int:
        """Put one ``TenantMigrationRequested`` per move (10 per call, failed entries resent)."""
        entries = [
            {
                "Source": MIGRATION_SOURCE,
                "DetailType": "TenantMigrationRequested",
                "Detail": json.dumps(dict(move)),
                "EventBusName": self._bus,
            }
            for move in moves
        ]
        failures = [f for f in put_events(self._client, entries) if f is not None]
        if failures:
            raise RuntimeError(
                f"{len(failures)} migration requests could not be put on the bus: {failures[0]}"
            )
        return len(entries)

    def tenant_migrated(self, tenant_id: str, migrated_at: str) -> None:
        """``TenantMigrated``: the moved tenant's users may now be given their sign-ins."""
        entry = {
            "Source": MIGRATION_SOURCE,
            "DetailType": "TenantMigrated",
            "Detail": json.dumps({"tenant_id": tenant_id, "migrated_at": migrated_at}),
            "EventBusName": self._bus,
        }
        (failure,) = put_events(self._client, [entry])
        if failure is not None:
            raise RuntimeError(f"TenantMigrated was not put on the bus: {failure}")


class DocumentStore:
    """Invoice documents in S3 under ``invoices/<tenant_id>/<invoice_number>.<ext>``."""

    CONTENT_TYPES: Mapping[str, str] = {
        "xml": "application/xml",
        "pdf": "application/pdf",
        "csv": "text/csv; charset=utf-8",
    }

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    @staticmethod
    def key(tenant_id: str, invoice_number: int, extension: str) -> str:
        return f"invoices/{tenant_id}/{invoice_number}.{extension}"

    def put(self, key: str, body: bytes, extension: str) -> None:
        self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=self.CONTENT_TYPES[extension],
            ServerSideEncryption="AES256",
            # A bucket under Object Lock takes only uploads with an integrity checksum; asked for
            # here, it does not depend on the runtime's boto3 adding one by default.
            ChecksumAlgorithm="SHA256",
        )


class DocumentLinks:
    """Presigned GET URLs of stored invoice documents (the function may only read them)."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def url(self, key: str, seconds: int) -> str:
        return str(
            self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
            )
        )


class BillingEvents:
    """``InvoiceIssued`` and ``BillingRunCompleted`` on the project's bus."""

    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def _entry(self, detail_type: str, detail: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "Source": BILLING_SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(dict(detail), default=str),
            "EventBusName": self._bus,
        }

    def invoices_issued(self, details: Sequence[Mapping[str, Any]]) -> list[str | None]:
        return put_events(self._client, [self._entry("InvoiceIssued", d) for d in details])

    def run_completed(self, summary: Mapping[str, Any]) -> None:
        (failure,) = put_events(self._client, [self._entry("BillingRunCompleted", summary)])
        if failure is not None:
            raise RuntimeError(f"BillingRunCompleted was not put on the bus: {failure}")


class BillingQueue:
    """Batches of a fanned-out run's tenants, as SQS messages (ten to a ``SendMessageBatch``)."""

    def __init__(self, client: SQSClient, url: str) -> None:
        self._client = client
        self._url = url

    def send(self, bodies: Sequence[Mapping[str, Any]], attempts: int = 5) -> None:
        for start in range(0, len(bodies), 10):
            pending = {
                str(i): json.dumps(dict(bodies[i])) for i in range(start, min(start + 10, len(bodies)))
            }
            for _attempt in range(attempts):
                response = self._client.send_message_batch(
                    QueueUrl=self._url, Entries=[{"Id": k, "MessageBody": v} for k, v in pending.items()]
                )
                pending = {f["Id"]: pending[f["Id"]] for f in response.get("Failed", [])}
                if not pending:
                    break
            if pending:
                raise RuntimeError(f"{len(pending)} billing batches could not be queued")


class RegisterEvents:
    """One event on the project's bus per change of the register (``source`` periodyear.register);
    a detail names ids and the actor, never an e-mail address."""

    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def changed(self, detail_type: str, detail: dict[str, str]) -> None:
        entry = {
            "Source": REGISTER_SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail),
            "EventBusName": self._bus,
        }
        (failure,) = put_events(self._client, [entry])
        if failure is not None:
            raise RuntimeError(f"{detail_type} was not put on the bus: {failure}")


class CognitoSignIns:
    """The register's users' sign-ins in the user pool: the pool sends the invitation; the user's
    tenant and id are custom attributes, which the app client may read and never write."""

    def __init__(self, client: Any, pool_id: str) -> None:
        self._client = client
        self._pool = pool_id

    def create(self, tenant_id: str, user: Any) -> None:
        from periodyear.domain.client_register import Conflict, Invalid  # noqa: PLC0415

        try:
            self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=user.email,
                UserAttributes=[
                    {"Name": "email", "Value": user.email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": user.name},
                    {"Name": "custom:tenant_id", "Value": tenant_id},
                    {"Name": "custom:user_id", "Value": user.user_id},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except ClientError as error:
            code = error_code(error)
            if code == "UsernameExistsException":
                raise Conflict(
                    "that email signs in to the service already (one sign-in an address)"
                ) from None
            if code == "InvalidParameterException":  # an address the pool cannot take
                raise Invalid(
                    "the user pool cannot take that email", fields={"email": "refused by the pool"}
                ) from None
            raise

    def owner(self, email: str) -> tuple[str, str] | None:
        """The tenant and user whose sign-in this address is, if the pool holds one."""
        try:
            found = self._client.admin_get_user(UserPoolId=self._pool, Username=email)
        except ClientError as error:
            if error_code(error) == "UserNotFoundException":
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in found.get("UserAttributes", [])}
        return attributes.get("custom:tenant_id", ""), attributes.get("custom:user_id", "")

    def change_email(self, old: str, new: str) -> None:
        """Move the sign-in to the new address; a user without one yet (moved from the old
        platform, its sign-in not made) has nothing to move."""
        try:
            self._client.admin_update_user_attributes(
                UserPoolId=self._pool,
                Username=old,
                UserAttributes=[{"Name": "email", "Value": new}, {"Name": "email_verified", "Value": "true"}],
            )
        except ClientError as error:
            if error_code(error) != "UserNotFoundException":
                raise

    def disable(self, email: str) -> None:
        try:
            self._client.admin_disable_user(UserPoolId=self._pool, Username=email)
        except ClientError as error:
            if error_code(error) != "UserNotFoundException":
                raise
