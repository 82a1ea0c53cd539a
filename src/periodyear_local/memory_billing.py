"""In-memory repositories behind the billing service's protocols: fast tests and benchmarks.

They keep the adapters' promises (one invoice per tenant, kind and period; numbers 1..N
without gaps; a batch counted once; a run completed once) without any AWS, and they count
the requests the real adapters would make for the same work, so a benchmark can compare
the service's requests with the floor of CONTRACT-level work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from periodyear.domain.calendar import Period
from periodyear.domain.errors import TenantNotFound
from periodyear.domain.invoice import (
    DOCUMENT_STEPS,
    Invoice,
    InvoiceDraft,
    IssuedInvoice,
    IssueOutcome,
    PeriodInvoices,
)
from periodyear.domain.meters import METER_SOURCES, Meter
from periodyear.domain.runs import ANNOUNCE_LEASE, BatchReport, RunRecord, RunStatus, Tally
from periodyear.domain.tenant import TenantAccount

if TYPE_CHECKING:
    from periodyear.config import Seller

CHUNK_TRANSACTION = 100  # actions one issuing transaction may hold, as in DynamoDB


@dataclass
class Requests:
    """What the real adapters would have sent, by API name."""

    calls: Counter[str] = field(default_factory=Counter)

    def __call__(self, api: str, count: int = 1) -> None:
        self.calls[api] += count

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class MemoryRegister:
    def __init__(self, accounts: Iterable[TenantAccount], requests: Requests | None = None) -> None:
        self.accounts = {a.tenant_id: a for a in accounts}
        self.requests = requests or Requests()

    def tenant_ids(self) -> Iterator[str]:
        self.requests("Query gsi1", max(1, len(self.accounts) // 20_000))  # 1 MB pages of keys
        yield from sorted(self.accounts)

    def account(self, tenant_id: str) -> TenantAccount:
        self.requests("Query register")
        if tenant_id not in self.accounts:
            raise TenantNotFound(f"tenant {tenant_id} has no profile in the register")
        return self.accounts[tenant_id]


class MemoryUsage:
    """Usage items by tenant, as ``(sk, attributes)`` with the contract's sort key."""

    def __init__(self, requests: Requests | None = None) -> None:
        self.items: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.requests = requests or Requests()

    def add(
        self, tenant_id: str, usage_type: str, occurred_at: str, event_id: str, **attributes: Any
    ) -> None:
        sk = f"{usage_type}#{occurred_at}#{event_id}"
        item = {"type": usage_type, "occurred_at": occurred_at, "event_id": event_id, **attributes}
        self.items.setdefault(tenant_id, []).append((sk, item))

    def read(
        self, tenant_id: str, meter: Meter, periods: Sequence[Period]
    ) -> Iterator[tuple[Period, str, dict[str, Any]]]:
        self.requests("Query usage")
        usage_type = METER_SOURCES[meter].usage_type
        low = f"{usage_type}#{periods[0].utc_bounds()[0]}"
        ends = [(period, f"{usage_type}#{period.utc_bounds()[1]}") for period in periods]
        for sk, item in self.items.get(tenant_id, []):
            if low <= sk <= ends[-1][1]:
                yield next(period for period, end in ends if sk <= end), sk, item


class MemoryInvoices:
    def __init__(self, requests: Requests | None = None, chunk: int = CHUNK_TRANSACTION - 1) -> None:
        self.stored: dict[tuple[str, str, str], IssuedInvoice] = {}
        self.held: dict[tuple[str, str, str], str] = {}  # documents_held: why an invoice's EHF is held
        self.counter = 0
        self.requests = requests or Requests()
        self._chunk = chunk
        self.fail_for: set[str] = set()  # tenants whose issuing raises (a throttled or broken table)

    @staticmethod
    def _key(draft: InvoiceDraft) -> tuple[str, str, str]:
        return (draft.tenant_id, draft.kind.value, draft.period.label)

    def period_invoices(self, tenant_id: str, period: Period) -> PeriodInvoices:
        self.requests("Query invoices")
        before = self.stored.get((tenant_id, period.kind.value, period.previous().label))
        return PeriodInvoices(
            current=self.stored.get((tenant_id, period.kind.value, period.label)),
            previous=before.invoice if before else None,
        )

    def issue(
        self, drafts: Sequence[InvoiceDraft], *, run_id: str, issued_at: datetime
    ) -> list[IssueOutcome]:
        if failing := [d.tenant_id for d in drafts if d.tenant_id in self.fail_for]:
            raise RuntimeError(f"the invoices table refused the transaction ({', '.join(failing)})")
        outcomes: list[IssueOutcome] = []
        for start in range(0, len(drafts), self._chunk):
            self.requests("GetItem counter")
            self.requests("TransactWriteItems")
            fresh = []
            for draft in drafts[start : start + self._chunk]:
                existing = self.stored.get(self._key(draft))
                if existing is not None:
                    outcomes.append(
                        IssueOutcome(draft.tenant_id, existing, issued_now=existing.run_id == run_id)
                    )
                else:
                    fresh.append(draft)
            if fresh and len(fresh) < len(drafts[start : start + self._chunk]):
                self.requests("TransactWriteItems")  # the first attempt was cancelled by the ones found
            for draft in fresh:
                self.counter += 1
                issued = IssuedInvoice(Invoice(self.counter, draft), run_id, frozenset(DOCUMENT_STEPS), {})
                self.stored[self._key(draft)] = issued
                outcomes.append(IssueOutcome(draft.tenant_id, issued, issued_now=True))
        order = {d.tenant_id: i for i, d in enumerate(drafts)}
        return sorted(outcomes, key=lambda o: order[o.tenant_id])

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
        self.requests("UpdateItem invoice")
        key = (tenant_id, period.kind.value, period.label)
        if held:
            self.held[key] = held
        else:
            self.held.pop(key, None)
        issued = self.stored[key]
        self.stored[key] = replace(
            issued, documents_pending=issued.documents_pending - set(done), documents=keys
        )

    def numbers(self) -> list[int]:
        return sorted(i.invoice.invoice_number for i in self.stored.values())


class MemoryStore:
    bucket = "memory"

    def __init__(self, requests: Requests | None = None) -> None:
        self.objects: dict[str, bytes] = {}
        self.requests = requests or Requests()

    @staticmethod
    def key(tenant_id: str, invoice_number: int, extension: str) -> str:
        return f"invoices/{tenant_id}/{invoice_number}.{extension}"

    def put(self, key: str, body: bytes, extension: str) -> None:
        self.requests("PutObject")
        self.objects[key] = body


class MemoryEvents:
    def __init__(self, requests: Requests | None = None) -> None:
        self.issued: list[Mapping[str, Any]] = []
        self.completed: list[Mapping[str, Any]] = []
        self.requests = requests or Requests()

    def invoices_issued(self, details: Sequence[Mapping[str, Any]]) -> list[str | None]:
        self.requests("PutEvents", -(-len(details) // 10))
        self.issued += details
        return [None] * len(details)

    def run_completed(self, summary: Mapping[str, Any]) -> None:
        self.requests("PutEvents")
        self.completed.append(dict(summary))


class MemoryQueue:
    def __init__(self, requests: Requests | None = None) -> None:
        self.messages: list[dict[str, Any]] = []
        self.requests = requests or Requests()

    def send(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        self.requests("SendMessageBatch", -(-len(bodies) // 10))
        self.messages += [dict(b) for b in bodies]


class MemoryRuns:
    def __init__(self, requests: Requests | None = None) -> None:
        self.records: dict[str, RunRecord] = {}
        self.plans: dict[tuple[str, str], list[list[str]]] = {}
        self.reports: dict[str, dict[int, BatchReport]] = {}
        self.requests = requests or Requests()

    def get(self, run_id: str) -> RunRecord | None:
        self.requests("GetItem run")
        return self.records.get(run_id)

    def start(
        self, header: Mapping[str, Any], *, batches: Sequence[Sequence[str]], plan_id: str, at: datetime
    ) -> RunRecord:
        self.requests("PutItem plan", -(-len(batches) // 2000))
        self.requests("PutItem run")
        run_id = str(header["run_id"])
        self.plans[(run_id, plan_id)] = [list(b) for b in batches]
        if run_id not in self.records:
            tenants = sum(len(b) for b in batches)
            self.records[run_id] = RunRecord(
                dict(header),
                tenants,
                len(batches),
                0,
                Tally(),
                RunStatus.PLANNED,
                False,
                None,
                False,
                plan_id,
            )
            self.reports[run_id] = {}
        return self.records[run_id]

    def planned_batches(self, record: RunRecord) -> list[list[str]]:
        self.requests("Query plan")
        return [list(b) for b in self.plans[(record.run_id, record.plan_id)]]

    def batches_sent(self, run_id: str, at: datetime) -> None:
        self.requests("UpdateItem run")
        self.records[run_id] = replace(self.records[run_id], batches_sent=True)

    def record_batch(self, run_id: str, report: BatchReport) -> bool:
        self.requests("TransactWriteItems")
        if report.batch in self.reports[run_id]:
            return False
        self.reports[run_id][report.batch] = report
        record = self.records[run_id]
        total = {k: v + getattr(report.tally, k) for k, v in record.tally.as_dict().items()}
        self.records[run_id] = replace(record, batches_done=record.batches_done + 1, tally=Tally(**total))
        return True

    def batch_reports(self, run_id: str) -> Iterator[BatchReport]:
        self.requests("Query batches", max(1, len(self.reports[run_id]) // 1000))
        yield from self.reports[run_id].values()

    def complete(self, run_id: str, summary: Mapping[str, Any], at: datetime) -> bool:
        self.requests("UpdateItem run")
        record = self.records[run_id]
        if record.status is RunStatus.COMPLETED or not record.all_counted:
            return False
        self.records[run_id] = replace(
            record, status=RunStatus.COMPLETED, summary=dict(summary), announcing_until=at + ANNOUNCE_LEASE
        )
        return True

    def claim_announcement(self, run_id: str, at: datetime) -> bool:
        self.requests("UpdateItem run")
        record = self.records[run_id]
        held = record.announcing_until is not None and record.announcing_until > at
        if record.status is not RunStatus.COMPLETED or record.announced or held:
            return False
        self.records[run_id] = replace(record, announcing_until=at + ANNOUNCE_LEASE)
        return True

    def announced(self, run_id: str, at: datetime) -> None:
        self.requests("UpdateItem run")
        self.records[run_id] = replace(self.records[run_id], announced=True, announcing_until=None)


def stub_documents(invoice: Invoice, buyer: TenantAccount, seller: Seller) -> dict[str, bytes]:
    """Stand-in documents for tests of the billing verbs (the documents have tests of their
    own): the same set the real ones make, the EHF left out when it must be held."""
    from periodyear.documents.publisher import ehf_held  # noqa: PLC0415

    number = str(invoice.invoice_number).encode()
    made = {"pdf": b"%PDF-stub " + number, "csv": b"stub;" + number}
    if ehf_held(buyer) is None:
        made["xml"] = b"<stub>" + number + b"</stub>"
    return made
