"""The invoices table (CONTRACT §6) and the one invoice-number sequence.

Invoices are issued a group at a time, in one transaction:
  * a Put of each invoice item, on condition that its key (tenant, kind, period) is new;
  * an Update of the counter from ``n`` to ``n + k``, on condition that it still holds ``n``;
  * for a large invoice, a ConditionCheck of each of its allocation items (see below).
Either all happen or none, so numbers are unique and without gaps, and a period is invoiced
once however many runs race or repeat. A cancelled transaction is read reason by reason, and
its ``ALL_OLD`` items answer what happened without another request: an invoice that exists
comes back whole (done, never issued twice); a counter that moved comes back with its new
value (retry with it, after a short jittered pause, at most ``max_attempts`` times).

A group is at most 100 actions and about 3.5 MB (DynamoDB allows 100 and 4 MB).

Large invoices (CONTRACT §6): an invoice whose item would pass 300 KB carries
``allocation_items`` and ``allocations_digest`` and no allocations on its lines; its
allocations are written first, in ``ALLOCATIONS#…`` items, by transactions that also check
that the invoice does not exist yet (so an issued invoice's allocations are never
overwritten). The issuing transaction checks that every allocation item still holds this
draft's digest (so a concurrent run with other usage cannot leave its allocations under
this invoice). An invoice item is therefore never visible without all of its allocation
items, and those are exactly its own.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import CancellationReason, cancellation_reasons, transact_write
from periodyear.adapters.items import from_item, item_size, tenant_pk, to_item
from periodyear.domain.allocation import Allocation
from periodyear.domain.calendar import Period, PeriodKind, format_instant, parse_date
from periodyear.domain.errors import InvoiceContention, InvoiceTooLarge
from periodyear.domain.invoice import (
    DOCUMENT_STEPS,
    Invoice,
    InvoiceDraft,
    InvoiceLine,
    IssuedInvoice,
    IssueOutcome,
    PeriodInvoices,
)
from periodyear.domain.meters import Meter
from periodyear.domain.money import to_ore
from periodyear.domain.pricing import PricePiece

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Other items of this table must not have an sk beginning with "INVOICE#" (CONTRACT §6).
COUNTER_KEY = {"pk": "SEQUENCE#INVOICE_NUMBER", "sk": "COUNTER"}
LARGE_INVOICE_BYTES = 300_000
ALLOCATIONS_PER_ITEM = 2_000  # CONTRACT §6: at most 2,000 entries an item
ALLOCATION_ITEM_BYTES = 300_000  # and, whatever the ids' length, within DynamoDB's 400 KB
TRANSACTION_ACTIONS = 100
TRANSACTION_BYTES = 3_500_000


def invoice_sk(period: Period) -> str:
    return f"INVOICE#{period.kind.value}#{period.label}"


def allocations_sk(period: Period, number: int) -> str:
    return f"ALLOCATIONS#{period.kind.value}#{period.label}#{number:04d}"


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
                "correction_of": line.correction_of,  # only on a correction line (None is left out)
            }
            for line in draft.lines
        ],
        "subtotal": draft.subtotal,
        "vat_rate": draft.vat_rate,
        "vat_amount": draft.vat_amount,
        "total": draft.total,
        "status": "ISSUED",
        "document_type": draft.document_type,
    }


def invoice_from_record(
    record: dict[str, Any], allocations: dict[str, list[dict[str, Any]]] | None = None
) -> Invoice:
    """The invoice as it was issued, from its stored record; ``allocations`` (by line code) are
    the merged allocation items of a large invoice."""
    kind = PeriodKind(record["kind"])
    start, end = parse_date(record["period_start"]), parse_date(record["period_end"])
    lines = tuple(
        InvoiceLine(
            code=line["code"],
            description=line["description"],
            meter=Meter(line["meter"]) if line.get("meter") else None,
            quantity=int(line["quantity"]),
            amount=to_ore(Decimal(line["amount"])),
            allocations=tuple(
                Allocation(a["client_id"], int(a["quantity"]), to_ore(Decimal(a["amount"])))
                for a in (line["allocations"] or (allocations or {}).get(line["code"], []))
            ),
            pieces=tuple(
                PricePiece(int(p["quantity"]), Decimal(p["unit_price"]), Decimal(p["amount"]))
                for p in line.get("pieces", [])
            ),
            correction_of=int(line["correction_of"]) if "correction_of" in line else None,
        )
        for line in record["lines"]
    )
    draft = InvoiceDraft(
        tenant_id=record["tenant_id"],
        period=Period(kind, start, end),
        issue_date=parse_date(record["issue_date"]),
        due_date=parse_date(record["due_date"]),
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


@dataclass
class _Prepared:
    """A draft turned into the items that issue it (its number is set per attempt)."""

    draft: InvoiceDraft
    record: dict[str, Any]  # the invoice item without its number
    allocation_items: list[dict[str, Any]] = field(default_factory=list)
    digest: str | None = None

    @property
    def key(self) -> dict[str, Any]:
        return {"pk": {"S": self.record["pk"]}, "sk": {"S": self.record["sk"]}}

    @property
    def actions(self) -> int:
        return 1 + len(self.allocation_items)  # the Put, and a ConditionCheck per allocation item

    @property
    def size(self) -> int:
        return item_size(self.record)


def _split_allocations(draft: InvoiceDraft, record: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    entries = [
        {"line_code": line.code, "client_id": a.client_id, "quantity": a.quantity, "amount": a.amount}
        for line in draft.lines
        for a in line.allocations
    ]
    canonical = json.dumps(entries, default=str, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    items = [
        {"pk": record["pk"], "sk": allocations_sk(draft.period, n), "allocations": part, "digest": digest}
        for n, part in enumerate(_allocation_parts(entries), 1)
    ]
    for line in record["lines"]:
        line["allocations"] = []
    record["allocation_items"] = len(items)
    record["allocations_digest"] = digest
    return items, digest


def _allocation_parts(entries: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The entries in order, in parts of at most ``ALLOCATIONS_PER_ITEM`` entries and
    ``ALLOCATION_ITEM_BYTES`` bytes (long client ids and codes fill an item before 2,000 do)."""
    part: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        entry_bytes = item_size({"e": entry})
        if part and (len(part) == ALLOCATIONS_PER_ITEM or size + entry_bytes > ALLOCATION_ITEM_BYTES):
            yield part
            part, size = [], 0
        part.append(entry)
        size += entry_bytes
    if part:
        yield part


_Role = tuple[str, "_Prepared | None"]  # "invoice", "allocations" (of that draft) or "counter"


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
        self.conflicts = 0  # cancelled attempts because the counter moved (for benchmarks and logs)

    def _key(self, tenant_id: str, period: Period) -> dict[str, Any]:
        return {"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": invoice_sk(period)}}

    # ------------------------------------------------------------------ reading
    def _allocations(self, tenant_id: str, period: Period, count: int) -> dict[str, list[dict[str, Any]]]:
        """The merged allocation items 1..count of a large invoice, by line code."""
        merged: dict[str, list[dict[str, Any]]] = {}
        if not count:
            return merged
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": {"S": tenant_pk(tenant_id)},
                ":first": {"S": allocations_sk(period, 1)},
                ":last": {"S": allocations_sk(period, count)},
            },
            ConsistentRead=True,
        )
        for page in pages:
            for raw in page["Items"]:
                for entry in from_item(raw)["allocations"]:
                    merged.setdefault(entry["line_code"], []).append(entry)
        return merged

    def _issued_from(self, record: dict[str, Any]) -> IssuedInvoice:
        count = int(record.get("allocation_items", 0))
        period = Period(
            PeriodKind(record["kind"]),
            parse_date(record["period_start"]),
            parse_date(record["period_end"]),
        )
        allocations = self._allocations(record["tenant_id"], period, count) if count else None
        return IssuedInvoice(
            invoice=invoice_from_record(record, allocations),
            run_id=str(record.get("run_id", "")),
            documents_pending=frozenset(record.get("documents_pending", ())),
            documents={str(k): str(v) for k, v in dict(record.get("documents", {})).items()},
        )

    def period_invoices(self, tenant_id: str, period: Period) -> PeriodInvoices:
        """The tenant's invoices for ``period`` and the period before it, in one query: the two
        sort keys are adjacent (``INVOICE#MONTHLY#2022-02`` and ``…#2022-03``; no other item
        sorts between them). A large invoice's allocation items take one more query."""
        previous = period.previous()
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :previous AND :current",
            ExpressionAttributeValues={
                ":pk": {"S": tenant_pk(tenant_id)},
                ":previous": {"S": invoice_sk(previous)},
                ":current": {"S": invoice_sk(period)},
            },
            ConsistentRead=True,
        )
        found = {str(item["sk"]): item for page in pages for item in map(from_item, page["Items"])}
        current, before = found.get(invoice_sk(period)), found.get(invoice_sk(previous))
        return PeriodInvoices(
            current=self._issued_from(current) if current else None,
            previous=self._issued_from(before).invoice if before else None,
        )

    def issued(self, tenant_id: str, period: Period) -> IssuedInvoice | None:
        """The invoice of the tenant and period as issued (allocations merged), or None."""
        response = self._client.get_item(
            TableName=self._table, Key=self._key(tenant_id, period), ConsistentRead=True
        )
        item = response.get("Item")
        return self._issued_from(from_item(item)) if item else None

    # ------------------------------------------------------------------ the register API's reads
    def newest(
        self, tenant_id: str, kind: PeriodKind, *, limit: int, before: str | None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``limit`` of the tenant's invoices of ``kind``, newest period first, each its
        record without lines; ``before``: the period label to continue before. True: more."""
        prefix = f"INVOICE#{kind.value}#"
        condition = "pk = :pk AND begins_with(sk, :prefix)"
        values: dict[str, Any] = {":pk": {"S": tenant_pk(tenant_id)}, ":prefix": {"S": prefix}}
        if before is not None:
            condition = "pk = :pk AND sk BETWEEN :prefix AND :before"
            values[":before"] = {"S": f"{prefix}{before}"}
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ProjectionExpression="sk, invoice_number, kind, period_start, issue_date, due_date, "
            "document_type, #total, currency",
            ExpressionAttributeNames={"#total": "total"},
            ScanIndexForward=False,
            # One more says whether there are more, and BETWEEN takes the bound itself, dropped here.
            Limit=limit + 1 + (before is not None),
            ConsistentRead=True,
        )
        items = [i for i in map(from_item, page["Items"]) if i["sk"] != f"{prefix}{before}"]
        return items[:limit], len(items) > limit

    def by_number(self, tenant_id: str, number: int) -> IssuedInvoice | None:
        """The tenant's invoice of that number (allocations merged), or None: a query of the
        tenant's own invoices, so another tenant's number is never found."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :invoice)",
            FilterExpression="invoice_number = :number",
            ExpressionAttributeValues={
                ":pk": {"S": tenant_pk(tenant_id)},
                ":invoice": {"S": "INVOICE#"},
                ":number": {"N": str(number)},
            },
            ConsistentRead=True,
        )
        for page in pages:
            for raw in page["Items"]:
                return self._issued_from(from_item(raw))
        return None

    def last_number(self) -> int:
        response = self._client.get_item(TableName=self._table, Key=to_item(COUNTER_KEY), ConsistentRead=True)
        item = response.get("Item")
        return int(from_item(item)["value"]) if item else 0

    # ------------------------------------------------------------------ documents
    def documents_done(
        self,
        tenant_id: str,
        period: Period,
        *,
        keys: dict[str, str],
        done: Sequence[str],
        at: datetime,
        held: str | None = None,
    ) -> None:
        """One update per invoice: the stored documents' keys, and the steps now done. ``held``:
        why the EHF is held (``xml`` stays pending, ``documents_held`` says why); without it a
        ``documents_held`` left by an earlier run is removed."""
        expression = "SET documents = :keys"
        values: dict[str, Any] = {":keys": to_item({"v": keys})["v"], ":done": {"SS": sorted(done)}}
        if "event" in done:
            expression += ", event_sent_at = :at"
            values[":at"] = {"S": format_instant(at)}
        if held:
            expression += ", documents_held = :held"
            values[":held"] = {"S": held}
        else:
            expression += " REMOVE documents_held"
        self._client.update_item(
            TableName=self._table,
            Key=self._key(tenant_id, period),
            UpdateExpression=f"{expression} DELETE documents_pending :done",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=values,
        )

    # ------------------------------------------------------------------ issuing
    def _prepare(self, draft: InvoiceDraft, run_id: str, issued_at: datetime) -> _Prepared:
        record = _without_none(invoice_record(Invoice(0, draft)))
        record.update(
            pk=tenant_pk(draft.tenant_id),
            sk=invoice_sk(draft.period),
            run_id=run_id,
            issued_at=format_instant(issued_at),
            documents_pending=set(DOCUMENT_STEPS),  # completed by the document publisher
        )
        prepared = _Prepared(draft, record)
        if item_size(record) > LARGE_INVOICE_BYTES:
            prepared.allocation_items, prepared.digest = _split_allocations(draft, record)
        if prepared.actions + 1 > TRANSACTION_ACTIONS or prepared.size > TRANSACTION_BYTES:
            raise InvoiceTooLarge(
                f"the invoice of {draft.tenant_id} for {draft.period.label} needs "
                f"{len(prepared.allocation_items)} allocation items; at most {TRANSACTION_ACTIONS - 2} fit"
            )
        return prepared

    def _groups(self, prepared: Sequence[_Prepared]) -> Iterator[list[_Prepared]]:
        group: list[_Prepared] = []
        actions, size = 1, 0  # the counter update
        for entry in prepared:
            if group and (
                actions + entry.actions > TRANSACTION_ACTIONS or size + entry.size > TRANSACTION_BYTES
            ):
                yield group
                group, actions, size = [], 1, 0
            group.append(entry)
            actions += entry.actions
            size += entry.size
        if group:
            yield group

    def _write_allocations(self, entry: _Prepared) -> dict[str, Any] | None:
        """Write a large invoice's allocation items while the invoice does not exist.
        Returns the existing invoice record when it does (nothing is written then)."""
        batch: list[dict[str, Any]] = []
        size = 0

        def flush() -> dict[str, Any] | None:
            check = {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": entry.key,
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            puts = [{"Put": {"TableName": self._table, "Item": to_item(item)}} for item in batch]
            written = transact_write(self._client, [check, *puts], sleep=self._sleep)
            held = written.reason(check)  # the invoice as it is, where it exists already
            if held is not None and held.condition_failed and held.item:
                return from_item(held.item)
            written.raise_for_conditions()
            return None

        for item in entry.allocation_items:
            item_bytes = item_size(item)
            if batch and (len(batch) + 2 > TRANSACTION_ACTIONS or size + item_bytes > TRANSACTION_BYTES):
                if (existing := flush()) is not None:
                    return existing
                batch, size = [], 0
            batch.append(item)
            size += item_bytes
        return flush() if batch else None

    def issue(
        self, drafts: Sequence[InvoiceDraft], *, run_id: str, issued_at: datetime
    ) -> list[IssueOutcome]:
        """Give each draft the next number and store it, exactly once per (tenant, kind, period).

        One outcome per draft, in order. A draft that cannot be issued (too large; the counter
        kept moving) gets an outcome with ``error``; the others are issued regardless.
        """
        outcomes: dict[int, IssueOutcome] = {}
        prepared: list[tuple[int, _Prepared]] = []
        for index, draft in enumerate(drafts):
            try:
                prepared.append((index, self._prepare(draft, run_id, issued_at)))
            except InvoiceTooLarge as error:
                outcomes[index] = IssueOutcome(draft.tenant_id, None, error=error)
        by_identity = {id(entry): index for index, entry in prepared}
        for group in self._groups([entry for _, entry in prepared]):
            for entry, outcome in self._issue_group(group, run_id):
                outcomes[by_identity[id(entry)]] = outcome
        return [outcomes[index] for index in range(len(drafts))]

    def _read_cancellation(
        self,
        reasons: list[CancellationReason],
        roles: list[_Role],
        pending: list[_Prepared],
        current: int,
        run_id: str,
    ) -> tuple[list[tuple[_Prepared, IssueOutcome]], int | None, bool]:
        """What a cancelled issuing transaction says, action by action: invoices found issued
        (removed from ``pending``), the counter's current value (None: read it again), and
        whether to retry at once (something was settled, so the next attempt differs)."""
        settled: list[tuple[_Prepared, IssueOutcome]] = []
        next_current: int | None = current
        retry_now = False
        for reason, (role, entry) in zip(reasons, roles, strict=False):
            if not reason.failed:
                continue
            if role == "counter":
                if reason.condition_failed:
                    moved = reason.item
                    next_current = int(from_item(moved)["value"]) if moved else 0
                    self.conflicts += 1
                else:
                    next_current = None  # a transaction conflict: read the counter again
            elif entry is None or entry not in pending or not reason.condition_failed:
                continue
            elif role == "invoice":
                pending.remove(entry)  # issued already: settled without another request
                settled.append((entry, self._existing(entry, from_item(reason.item or {}), run_id)))
                retry_now = True
            else:  # another run's allocations under this key: write ours again, unless it issued
                if (existing := self._write_allocations(entry)) is not None:
                    pending.remove(entry)
                    settled.append((entry, self._existing(entry, existing, run_id)))
                retry_now = True
        return settled, next_current, retry_now

    def _existing(self, entry: _Prepared, record: dict[str, Any], run_id: str) -> IssueOutcome:
        # Our own earlier attempt (a lost response, a redelivered batch) counts as issued by this run.
        issued = self._issued_from(record)
        return IssueOutcome(entry.draft.tenant_id, issued, issued_now=issued.run_id == run_id)

    def _actions(self, pending: Sequence[_Prepared], current: int) -> tuple[list[Any], list[_Role]]:
        """The issuing transaction for ``pending`` numbered from ``current + 1``, and each action's role."""
        actions: list[Any] = []
        roles: list[_Role] = []
        for offset, entry in enumerate(pending, start=1):
            item = {**entry.record, "invoice_number": current + offset}
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
            roles.append(("invoice", entry))
            for allocation in entry.allocation_items:
                actions.append(
                    {
                        "ConditionCheck": {
                            "TableName": self._table,
                            "Key": {"pk": {"S": allocation["pk"]}, "sk": {"S": allocation["sk"]}},
                            "ConditionExpression": "digest = :digest",
                            "ExpressionAttributeValues": {":digest": {"S": str(entry.digest)}},
                        }
                    }
                )
                roles.append(("allocations", entry))
        values = {":next": {"N": str(current + len(pending))}}
        if current:
            values[":current"] = {"N": str(current)}
        actions.append(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(COUNTER_KEY),
                    "UpdateExpression": "SET #value = :next",
                    "ConditionExpression": "attribute_not_exists(#value)"
                    if current == 0
                    else "#value = :current",
                    "ExpressionAttributeNames": {"#value": "value"},
                    "ExpressionAttributeValues": values,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
        roles.append(("counter", None))
        return actions, roles

    def _issue_group(self, group: list[_Prepared], run_id: str) -> Iterator[tuple[_Prepared, IssueOutcome]]:
        pending = list(group)
        for entry in [e for e in pending if e.allocation_items]:
            if (existing := self._write_allocations(entry)) is not None:
                pending.remove(entry)
                yield entry, self._existing(entry, existing, run_id)
        current: int | None = None
        for attempt in range(self._max_attempts):
            if not pending:
                return
            if current is None:
                current = self.last_number()
            actions, roles = self._actions(pending, current)
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as error:
                reasons = cancellation_reasons(error)
            else:
                for offset, entry in enumerate(pending, start=1):
                    issued = IssuedInvoice(
                        invoice=Invoice(current + offset, entry.draft),
                        run_id=run_id,
                        documents_pending=frozenset(DOCUMENT_STEPS),
                        documents={},
                    )
                    yield entry, IssueOutcome(entry.draft.tenant_id, issued, issued_now=True)
                return
            settled, current, retry_now = self._read_cancellation(reasons, roles, pending, current, run_id)
            yield from settled
            if not retry_now and attempt > 0:  # a fresh counter value is tried at once, then with back-off
                self._sleep(min(1.0, 0.02 * 2**attempt) * random.random())
        for entry in pending:
            contention = InvoiceContention(
                f"the invoice number kept moving over {self._max_attempts} attempts; "
                f"{entry.draft.tenant_id} {entry.draft.period.label} is left for the next run"
            )
            yield entry, IssueOutcome(entry.draft.tenant_id, None, error=contention)
