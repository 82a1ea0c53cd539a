"""The invoices table (CONTRACT §6) and the one invoice-number sequence.

An invoice is issued in one transaction of two writes:
  1. Put the invoice item, on condition that its key (tenant, kind, period) is new;
  2. Update the counter item to ``n``, on condition that it still holds ``n - 1``.
Either both happen or neither, so numbers are unique and without gaps, and a
period is invoiced once, however many runs race or repeat. A cancelled
transaction is read by position: the first condition failing means the invoice
exists (done); the second means another invoice took the number (read the
counter again and retry, with back-off).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.items import from_item, tenant_pk, to_item
from periodyear.domain.allocation import Allocation
from periodyear.domain.calendar import Period, PeriodKind, format_instant
from periodyear.domain.errors import InvoiceContention
from periodyear.domain.invoice import Invoice, InvoiceDraft, InvoiceLine
from periodyear.domain.meters import Meter
from periodyear.domain.money import to_ore
from periodyear.domain.pricing import PricePiece

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Other items of this table must not have an sk beginning with "INVOICE#" (CONTRACT §6).
COUNTER_KEY = {"pk": "SEQUENCE#INVOICE_NUMBER", "sk": "COUNTER"}
DOCUMENT_STEPS = ("xml", "pdf", "csv", "event")  # what an issued invoice still needs, in this order


def invoice_sk(period: Period) -> str:
    return f"INVOICE#{period.kind.value}#{period.label}"


def invoice_record(invoice: Invoice) -> dict[str, Any]:
    """The invoice's attributes as CONTRACT §6 writes them (plus each line's price pieces)."""
    draft = invoice.draft
    return {
        "invoice_number": invoice.invoice_number,
        "tenant_id": draft.tenant_id,
        "kind": draft.kind.value,
        "period_start": draft.period.start.isoformat(),
        "period_end": draft.period.end.isoformat(),
        "issue_date": draft.issue_date.isoformat(),
        "due_date": draft.due_date.isoformat(),
        "package": draft.package,
        "price_list": draft.price_list,
        "currency": draft.currency,
        "lines": [
            {
                "code": line.code,
                "description": line.description,
                "meter": line.meter.value if line.meter else None,
                "quantity": line.quantity,
                "amount": line.amount,
                "allocations": [
                    {"client_id": a.client_id, "quantity": a.quantity, "amount": a.amount}
                    for a in line.allocations
                ],
                "pieces": [
                    {"quantity": p.quantity, "unit_price": p.unit_price, "amount": p.amount}
                    for p in line.pieces
                ],
            }
            for line in draft.lines
        ],
        "subtotal": draft.subtotal,
        "vat_rate": draft.vat_rate,
        "vat_amount": draft.vat_amount,
        "total": draft.total,
        "status": "ISSUED",
    }


def invoice_from_record(record: dict[str, Any]) -> Invoice:
    """The invoice as it was issued, from its stored record (documents are made from this)."""
    kind = PeriodKind(record["kind"])
    start, end = date.fromisoformat(record["period_start"]), date.fromisoformat(record["period_end"])
    lines = tuple(
        InvoiceLine(
            code=line["code"],
            description=line["description"],
            meter=Meter(line["meter"]) if line.get("meter") else None,
            quantity=int(line["quantity"]),
            amount=to_ore(Decimal(line["amount"])),
            allocations=tuple(
                Allocation(a["client_id"], int(a["quantity"]), to_ore(Decimal(a["amount"])))
                for a in line["allocations"]
            ),
            pieces=tuple(
                PricePiece(int(p["quantity"]), Decimal(p["unit_price"]), Decimal(p["amount"]))
                for p in line.get("pieces", [])
            ),
        )
        for line in record["lines"]
    )
    draft = InvoiceDraft(
        tenant_id=record["tenant_id"],
        period=Period(kind, start, end),
        issue_date=date.fromisoformat(record["issue_date"]),
        due_date=date.fromisoformat(record["due_date"]),
        package=record["package"],
        price_list=record["price_list"],
        currency=record["currency"],
        lines=lines,
        subtotal=to_ore(Decimal(record["subtotal"])),
        vat_rate=Decimal(record["vat_rate"]),
        vat_amount=to_ore(Decimal(record["vat_amount"])),
        total=to_ore(Decimal(record["total"])),
    )
    return Invoice(int(record["invoice_number"]), draft)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


@dataclass(frozen=True)
class StoredInvoice:
    invoice: Invoice
    pending: frozenset[str]  # document steps not yet done (see DOCUMENT_STEPS)
    documents: dict[str, str]  # extension → key of stored documents


@dataclass(frozen=True)
class IssueOutcome:
    invoice_number: int
    issued_now: bool  # False: the invoice existed already (issued by another or an earlier run)


class InvoiceRepository:
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        max_attempts: int = 12,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table
        self._max_attempts = max_attempts
        self._sleep = sleep

    def _key(self, tenant_id: str, period: Period) -> dict[str, Any]:
        return {"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": invoice_sk(period)}}

    def issued(self, tenant_id: str, period: Period) -> dict[str, Any] | None:
        """The stored invoice record, or None."""
        response = self._client.get_item(
            TableName=self._table, Key=self._key(tenant_id, period), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def stored(self, tenant_id: str, period: Period) -> StoredInvoice | None:
        record = self.issued(tenant_id, period)
        if record is None:
            return None
        return StoredInvoice(
            invoice=invoice_from_record(record),
            pending=frozenset(record.get("documents_pending", ())),
            documents=dict(record.get("documents", {})),
        )

    def documents_stored(self, tenant_id: str, period: Period, keys: dict[str, str]) -> None:
        """Record stored documents: their keys set, their steps no longer pending."""
        self._client.update_item(
            TableName=self._table,
            Key=self._key(tenant_id, period),
            UpdateExpression="SET documents = :keys DELETE documents_pending :done",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":keys": to_item({"v": keys})["v"], ":done": {"SS": sorted(keys)}},
        )

    def event_sent(self, tenant_id: str, period: Period, at: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=self._key(tenant_id, period),
            UpdateExpression="SET event_sent_at = :at DELETE documents_pending :done",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": {"S": format_instant(at)}, ":done": {"SS": ["event"]}},
        )

    def last_number(self) -> int:
        response = self._client.get_item(TableName=self._table, Key=to_item(COUNTER_KEY), ConsistentRead=True)
        item = response.get("Item")
        return int(from_item(item)["value"]) if item else 0

    def issue(self, draft: InvoiceDraft, *, run_id: str, issued_at: datetime) -> IssueOutcome:
        """Give the draft the next number and store it, exactly once per (tenant, kind, period)."""
        for attempt in range(self._max_attempts):
            current = self.last_number()
            number = current + 1
            record = _without_none(invoice_record(Invoice(number, draft)))
            item = {
                "pk": tenant_pk(draft.tenant_id),
                "sk": invoice_sk(draft.period),
                **record,
                "run_id": run_id,
                "issued_at": format_instant(issued_at),
                "documents_pending": set(DOCUMENT_STEPS),  # completed by the document publisher
            }
            counter_condition = "attribute_not_exists(#value)" if current == 0 else "#value = :current"
            values = {":next": {"N": str(number)}}
            if current:
                values[":current"] = {"N": str(current)}
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": to_item(item),
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": self._table,
                                "Key": to_item(COUNTER_KEY),
                                "UpdateExpression": "SET #value = :next",
                                "ConditionExpression": counter_condition,
                                "ExpressionAttributeNames": {"#value": "value"},
                                "ExpressionAttributeValues": values,
                            }
                        },
                    ]
                )
                return IssueOutcome(number, issued_now=True)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    existing = self.issued(draft.tenant_id, draft.period)
                    if existing is not None:
                        # Our own earlier attempt may have landed with its response lost.
                        mine = existing.get("run_id") == run_id
                        return IssueOutcome(int(existing["invoice_number"]), issued_now=mine)
            self._sleep(min(1.0, 0.02 * 2**attempt) * random.random())
        raise InvoiceContention(
            f"the invoice number kept moving over {self._max_attempts} attempts; "
            f"{draft.tenant_id} {draft.period.label} is left for the next run"
        )
