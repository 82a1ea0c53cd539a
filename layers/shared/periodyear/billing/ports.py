"""What a billing run reads and writes, as the run sees it; the adapters (and the in-memory
repositories of the tests and the demo) provide them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from periodyear.documents.publisher import DocumentResult, DocumentWork
    from periodyear.domain.calendar import Period
    from periodyear.domain.invoice import InvoiceDraft, IssueOutcome, PeriodInvoices
    from periodyear.domain.meters import Meter
    from periodyear.domain.tenant import TenantAccount


class Register(Protocol):
    def tenant_ids(self) -> Iterable[str]: ...
    def account(self, tenant_id: str) -> TenantAccount: ...


class Usage(Protocol):
    def read(
        self, tenant_id: str, meter: Meter, periods: Sequence[Period]
    ) -> Iterable[tuple[Period, str, dict[str, Any]]]: ...


class Invoices(Protocol):
    def period_invoices(self, tenant_id: str, period: Period) -> PeriodInvoices: ...

    def issue(
        self, drafts: Sequence[InvoiceDraft], *, run_id: str, issued_at: datetime
    ) -> list[IssueOutcome]: ...


class Documents(Protocol):
    def complete(self, work: Sequence[DocumentWork], now: datetime) -> dict[str, DocumentResult]: ...
