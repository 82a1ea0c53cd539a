"""What a billing run returns: each tenant's outcome, and the run's tally and summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from periodyear.domain.errors import InvoiceContention, PeriodYearError
from periodyear.domain.runs import Tally, number_ranges, run_summary
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.billing.request import BillingPlan
    from periodyear.domain.invoice import InvoiceDraft
    from periodyear.domain.tenant import TenantAccount


class Outcome(StrEnum):
    ISSUED = "issued"
    ALREADY_ISSUED = "already_issued"
    NOTHING_TO_BILL = "nothing_to_bill"
    PREVIEWED = "previewed"
    FAILED = "failed"


@dataclass(frozen=True)
class TenantResult:
    tenant_id: str
    outcome: Outcome
    invoice_number: int | None = None
    draft: InvoiceDraft | None = None
    account: TenantAccount | None = None
    invalid_usage: int = 0  # invalid usage items read, those of the reviewed period included
    invalid_reviewed: int = 0  # of which in the reviewed period (counted by its own run too)
    error: str | None = None
    transient: bool = False  # a failure another attempt may not meet (throttling, contention, a bug)
    documents_done: tuple[str, ...] = ()  # document steps completed by this run
    documents_error: str | None = None  # why the invoice's documents are still pending
    documents_held: str | None = None  # why its EHF is held (PDF and CSV stored and announced)


def is_transient(error: Exception) -> bool:
    """A refusal of the tenant's data is final; anything else may pass on another attempt."""
    return isinstance(error, InvoiceContention) or not isinstance(error, PeriodYearError)


def failed(tenant_id: str, error: Exception) -> TenantResult:
    """A tenant not billed: logged (with the trace when the error is not the tenant's data's)."""
    if isinstance(error, PeriodYearError):
        logger.warning("tenant not billed", extra={"tenant_id": tenant_id, "error": str(error)})
        message = str(error)
    else:
        logger.exception("tenant failed unexpectedly", extra={"tenant_id": tenant_id})
        message = f"{type(error).__name__}: {error}"
    return TenantResult(tenant_id, Outcome.FAILED, error=message, transient=is_transient(error))


@dataclass
class RunResult:
    plan: BillingPlan
    tenants: list[TenantResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for t in self.tenants if t.outcome is outcome)

    def tally(self) -> Tally:
        billed = [
            t.draft for t in self.tenants if t.draft and t.outcome in (Outcome.ISSUED, Outcome.PREVIEWED)
        ]
        return Tally(
            tenants_seen=len(self.tenants),
            invoices_issued=self.count(Outcome.ISSUED),
            invoices_already_issued=self.count(Outcome.ALREADY_ISSUED),
            invoices_previewed=self.count(Outcome.PREVIEWED),
            tenants_with_nothing_to_bill=self.count(Outcome.NOTHING_TO_BILL),
            invalid_usage_records=sum(t.invalid_usage for t in self.tenants),
            invalid_usage_reviewed=sum(t.invalid_reviewed for t in self.tenants),
            documents_completed=sum(1 for t in self.tenants if "event" in t.documents_done),
            total_billed=sum((d.total for d in billed), Decimal("0.00")),
            correction_lines=sum(len(d.corrections) for d in billed),
            credit_notes=sum(1 for d in billed if d.document_type == "CREDIT_NOTE"),
        )

    def failed(self) -> list[dict[str, Any]]:
        return [
            {"tenant_id": t.tenant_id, "error": t.error, "transient": t.transient}
            for t in self.tenants
            if t.outcome is Outcome.FAILED
        ]

    def pending(self) -> list[dict[str, Any]]:
        return [
            {"tenant_id": t.tenant_id, "error": t.documents_error} for t in self.tenants if t.documents_error
        ]

    def held(self) -> list[dict[str, Any]]:
        return [
            {"tenant_id": t.tenant_id, "reason": t.documents_held} for t in self.tenants if t.documents_held
        ]

    def issued_numbers(self) -> list[int]:
        return [t.invoice_number for t in self.tenants if t.outcome is Outcome.ISSUED and t.invoice_number]

    def summary(self) -> dict[str, Any]:
        return run_summary(
            self.plan.header(),
            self.tally(),
            failed=self.failed(),
            pending=self.pending(),
            invoice_numbers=number_ranges(self.issued_numbers()),
            held=self.held(),
        )
