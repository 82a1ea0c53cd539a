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

import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import CancellationReason, cancellation_reasons, transact_write
from periodyear.adapters.invoice_items import (
    COUNTER_KEY,
    TRANSACTION_ACTIONS,
    TRANSACTION_BYTES,
    allocations_sk,
    invoice_from_record,
    invoice_sk,
)
from periodyear.adapters.invoice_transactions import Prepared, Role, groups, issuing_actions, prepare
from periodyear.adapters.items import from_item, item_size, tenant_pk, to_item
from periodyear.domain.calendar import Period, PeriodKind, format_instant, parse_date
from periodyear.domain.errors import InvoiceContention, InvoiceTooLarge
from periodyear.domain.invoice import (
    DOCUMENT_STEPS,
    Invoice,
    InvoiceDraft,
    IssuedInvoice,
    IssueOutcome,
    PeriodInvoices,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
    def _write_allocations(self, entry: Prepared) -> dict[str, Any] | None:
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
        prepared: list[tuple[int, Prepared]] = []
        for index, draft in enumerate(drafts):
            try:
                prepared.append((index, prepare(draft, run_id, issued_at)))
            except InvoiceTooLarge as error:
                outcomes[index] = IssueOutcome(draft.tenant_id, None, error=error)
        by_identity = {id(entry): index for index, entry in prepared}
        for group in groups([entry for _, entry in prepared]):
            for entry, outcome in self._issue_group(group, run_id):
                outcomes[by_identity[id(entry)]] = outcome
        return [outcomes[index] for index in range(len(drafts))]

    def _read_cancellation(
        self,
        reasons: list[CancellationReason],
        roles: list[Role],
        pending: list[Prepared],
        current: int,
        run_id: str,
    ) -> tuple[list[tuple[Prepared, IssueOutcome]], int | None, bool]:
        """What a cancelled issuing transaction says, action by action: invoices found issued
        (removed from ``pending``), the counter's current value (None: read it again), and
        whether to retry at once (something was settled, so the next attempt differs)."""
        settled: list[tuple[Prepared, IssueOutcome]] = []
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

    def _existing(self, entry: Prepared, record: dict[str, Any], run_id: str) -> IssueOutcome:
        # Our own earlier attempt (a lost response, a redelivered batch) counts as issued by this run.
        issued = self._issued_from(record)
        return IssueOutcome(entry.draft.tenant_id, issued, issued_now=issued.run_id == run_id)

    def _issue_group(self, group: list[Prepared], run_id: str) -> Iterator[tuple[Prepared, IssueOutcome]]:
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
            actions, roles = issuing_actions(self._table, pending, current)
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
