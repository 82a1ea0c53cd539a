"""Outbound messages: the notice e-mail (SES v2), the move's schedule (EventBridge Scheduler),
migration and invoice events on the project's bus (EventBridge), invoice documents (S3)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sesv2 import SESV2Client

SOURCE = "periodyear.migration"


class Mailer:
    def __init__(self, client: SESV2Client, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, message: EmailMessage, recipients: Iterable[str]) -> str:
        """Send a complete MIME message; returns SES's message id."""
        response = self._client.send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": list(recipients)},
            Content={"Raw": {"Data": message.as_bytes()}},
        )
        return response["MessageId"]


def schedule_name(tenant_id: str) -> str:
    """A valid, unique schedule name for any tenant id (1–64 of [0-9A-Za-z-_.])."""
    readable = re.sub(r"[^0-9A-Za-z_.-]", "-", tenant_id)[:40]
    return f"move-{readable}-{hashlib.sha256(tenant_id.encode()).hexdigest()[:12]}"


class MoveScheduler:
    """One one-time schedule per tenant that puts ``TenantMigrationDue`` on the bus at the move time."""

    def __init__(
        self, client: EventBridgeSchedulerClient, *, group: str, bus_arn: str, role_arn: str
    ) -> None:
        self._client = client
        self._group = group
        self._bus_arn = bus_arn
        self._role_arn = role_arn

    def set_move(self, tenant_id: str, move_at: datetime) -> None:
        arguments: dict[str, Any] = {
            "Name": schedule_name(tenant_id),
            "GroupName": self._group,
            "ScheduleExpression": f"at({move_at:%Y-%m-%dT%H:%M:%S})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": self._bus_arn,
                "RoleArn": self._role_arn,
                "Input": json.dumps({"tenant_id": tenant_id}),
                "EventBridgeParameters": {"DetailType": "TenantMigrationDue", "Source": SOURCE},
                "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400},
            },
        }
        try:
            self._client.create_schedule(**arguments)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConflictException":
                raise
            self._client.update_schedule(**arguments)  # the move was reset: the schedule follows

    def get(self, tenant_id: str) -> dict[str, Any] | None:
        try:
            response = self._client.get_schedule(Name=schedule_name(tenant_id), GroupName=self._group)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return dict(response)


class MigrationEvents:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def request_moves(self, moves: Iterable[Mapping[str, str]]) -> int:
        """Put one ``TenantMigrationRequested`` per move (10 per call, failed entries resent)."""
        entries = [
            {
                "Source": SOURCE,
                "DetailType": "TenantMigrationRequested",
                "Detail": json.dumps(dict(move)),
                "EventBusName": self._bus,
            }
            for move in moves
        ]
        sent = 0
        for start in range(0, len(entries), 10):
            pending = entries[start : start + 10]
            for _attempt in range(5):
                response = self._client.put_events(Entries=pending)  # type: ignore[arg-type]
                results = response["Entries"]
                failed = [
                    entry for entry, result in zip(pending, results, strict=True) if result.get("ErrorCode")
                ]
                sent += len(pending) - len(failed)
                pending = failed
                if not pending:
                    break
            if pending:
                raise RuntimeError(f"{len(pending)} migration requests could not be put on the bus")
        return sent


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
        )


class InvoiceEvents:
    SOURCE = "periodyear.billing"

    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def invoice_issued(self, detail: Mapping[str, Any]) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "Source": self.SOURCE,
                    "DetailType": "InvoiceIssued",
                    "Detail": json.dumps(dict(detail)),
                    "EventBusName": self._bus,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"InvoiceIssued was not put on the bus: {response['Entries']}")
