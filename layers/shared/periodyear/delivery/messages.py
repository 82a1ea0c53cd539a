"""The delivery queue's messages, read into typed requests (no I/O).

The queue carries three kinds: ``InvoiceIssued`` from the project's bus (source
``periodyear.billing``), SES's events about our e-mails (source ``aws.ses``, from the default
bus), and resend requests (``{"resend": …}``, sent by the register API or the operator's
command). Anything else is a ``MalformedMessage``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from periodyear.delivery.service import EmailEvent, Issued, from_tag_value
from periodyear.domain.calendar import PeriodKind
from periodyear.domain.client_register import ID
from periodyear.domain.delivery import RESEND_PREFIX, InvoiceRef, Status
from periodyear.domain.errors import PeriodYearError
from periodyear.domain.events import BILLING_SOURCE

SES_SOURCE = "aws.ses"
_FACTS = ("document_type", "issue_date", "due_date", "currency", "total", "kid", "documents")


class MalformedMessage(PeriodYearError):
    """A message delivery cannot act on (it goes to the DLQ after its receives, alarmed)."""


@dataclass(frozen=True)
class Resend:
    issued: Issued
    cause: str
    address: str | None


@dataclass(frozen=True)
class Fallback:
    ref: InvoiceRef


Request = Issued | EmailEvent | Resend | Fallback


def read_message(body: str) -> Request:
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        raise MalformedMessage("the message is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedMessage("the message is not a JSON object")
    if "resend" in message:
        return _resend(message["resend"])
    if "fallback" in message:
        body = message["fallback"]
        if not isinstance(body, dict):
            raise MalformedMessage("a fallback names no invoice")
        return Fallback(_ref(body, body.get("invoice_number")))
    source, detail_type = message.get("source"), message.get("detail-type")
    detail = message.get("detail")
    if not isinstance(detail, dict):
        raise MalformedMessage(f"{detail_type!r} from {source!r} has no detail")
    if source == BILLING_SOURCE and detail_type == "InvoiceIssued":
        return issued_from_detail(detail)
    if source == SES_SOURCE:
        return _email_event(detail)
    raise MalformedMessage(f"no delivery step for {detail_type!r} from {source!r}")


def issued_from_detail(detail: Mapping[str, Any]) -> Issued:
    """``InvoiceIssued``'s detail (as the document publisher writes it)."""
    key = detail.get("invoice_key")
    if not isinstance(key, dict):
        raise MalformedMessage("InvoiceIssued without invoice_key")
    missing = [name for name in _FACTS if name not in detail]
    documents = detail.get("documents")
    if missing or not isinstance(documents, dict) or not {"bucket", "pdf", "csv"} <= documents.keys():
        raise MalformedMessage(f"InvoiceIssued lacks {', '.join(missing) or 'its documents'}")
    held = detail.get("ehf_held")
    return Issued(
        ref=_ref(key, detail.get("invoice_number")),
        facts={n: detail[n] for n in _FACTS},
        ehf_held=held or None,
    )


def _ref(key: Mapping[str, Any], number: Any) -> InvoiceRef:
    tenant_id, kind, period = key.get("tenant_id"), key.get("kind"), key.get("period")
    if not (isinstance(tenant_id, str) and ID.match(tenant_id)):
        raise MalformedMessage("the invoice key names no valid tenant id")
    if kind not in ("MONTHLY", "ANNUAL") or not isinstance(period, str) or not period:
        raise MalformedMessage("the invoice key names no kind and period")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise MalformedMessage("the message names no invoice number")
    return InvoiceRef(tenant_id, PeriodKind(kind), period, number)


def _resend(body: Any) -> Resend:
    if not isinstance(body, dict) or not isinstance(body.get("invoice"), dict):
        raise MalformedMessage("a resend names no invoice")
    request_id = body.get("request_id")
    if not (isinstance(request_id, str) and ID.match(request_id)):
        raise MalformedMessage("a resend has no request id")
    address = body.get("email")
    if address is not None and not isinstance(address, str):
        raise MalformedMessage("a resend's email is not text")
    return Resend(issued_from_detail(body["invoice"]), RESEND_PREFIX + request_id, address or None)


def _email_event(detail: Mapping[str, Any]) -> EmailEvent:
    """SES's event (``eventType`` Delivery, Bounce, Complaint or Reject), by its mail's tags."""
    mail = detail.get("mail")
    if not isinstance(mail, dict) or not isinstance(mail.get("tags"), dict):
        raise MalformedMessage("an SES event without its mail's tags")
    tags = {name: values[0] for name, values in mail["tags"].items() if isinstance(values, list) and values}
    try:
        number = int(tags.get("invoice_number", ""))
    except ValueError:
        raise MalformedMessage("an SES event about an e-mail that names no invoice") from None
    key = {
        "tenant_id": from_tag_value(tags.get("tenant_id", "")),
        "kind": tags.get("kind"),
        "period": tags.get("period"),
    }
    ref, cause, message_id = _ref(key, number), str(tags.get("cause", "")), str(mail.get("messageId", ""))
    kind = detail.get("eventType")
    if kind == "Delivery":
        return EmailEvent(ref, cause, message_id, Status.DELIVERED, "delivered", None)
    if kind == "Bounce":
        bounce = detail.get("bounce") or {}
        what = f"bounced: {bounce.get('bounceType', '?')} {bounce.get('bounceSubType', '')}".strip()
        if bounce.get("bounceType") == "Permanent":
            return EmailEvent(ref, cause, message_id, Status.FAILED, "bounced", what)
        return EmailEvent(ref, cause, message_id, Status.PENDING, "bounced-transient", what)
    if kind == "Complaint":
        feedback = (detail.get("complaint") or {}).get("complaintFeedbackType")
        return EmailEvent(ref, cause, message_id, Status.PENDING, "complaint", feedback)
    if kind == "Reject":
        reason = (detail.get("reject") or {}).get("reason", "rejected")
        return EmailEvent(ref, cause, message_id, Status.FAILED, "rejected", f"rejected: {reason}")
    raise MalformedMessage(f"no delivery step for SES's {kind!r}")
