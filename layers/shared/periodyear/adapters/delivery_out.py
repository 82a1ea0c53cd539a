"""What delivery sends out besides PEPPOL: the invoice e-mail through SES v2 (raw MIME, with the
configuration set whose events settle it) and ``InvoiceDelivered``/``InvoiceDeliveryFailed`` on
the project's bus."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import error_code
from periodyear.adapters.messaging import put_events
from periodyear.domain.events import DELIVERY_SOURCE
from periodyear.domain.sending import MailNotTaken, MailRefused

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sesv2 import SESV2Client

# SES's answers that no retry changes: the message or its address is refused for good.
# (A paused account or an unverified sender is the operator's to fix: raised, retried, alarmed.)
_REFUSED_FOR_GOOD = frozenset({"MessageRejected", "BadRequestException"})
# SES's answers that prove it sent nothing (anything else, a 5xx above all, may have been taken).
_SENT_NOTHING = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "SendingPausedException",
        "AccountSuspendedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",
        "AccessDeniedException",
        "ThrottlingException",
        "Throttling",
    }
)


class SesInvoiceMailer:
    def __init__(self, client: SESV2Client, *, sender: str, configuration_set: str) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, raw: bytes, *, recipient: str, tags: Mapping[str, str]) -> str:
        try:
            response = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [recipient]},
                Content={"Raw": {"Data": raw}},
                ConfigurationSetName=self._configuration_set,
                EmailTags=[{"Name": name, "Value": value} for name, value in tags.items()],
            )
        except ClientError as error:
            if error_code(error) in _REFUSED_FOR_GOOD:
                # The code only: SES's message can name the recipient, and the reason reaches the
                # bus (InvoiceDeliveryFailed carries no address, CONTRACT §10) and the logs.
                raise MailRefused(f"SES refused the e-mail: {error_code(error)}") from None
            if error_code(error) in _SENT_NOTHING:
                raise MailNotTaken(f"SES sent nothing: {error_code(error)}") from error
            raise
        return str(response["MessageId"])


class DeliveryEvents:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def announce(self, detail: Mapping[str, Any]) -> None:
        body = {k: v for k, v in detail.items() if k != "detail_type"}
        entry = {
            "Source": DELIVERY_SOURCE,
            "DetailType": str(detail["detail_type"]),
            "Detail": json.dumps(body),
            "EventBusName": self._bus,
        }
        (failure,) = put_events(self._client, [entry])
        if failure is not None:
            raise RuntimeError(f"{detail['detail_type']} was not put on the bus: {failure}")
