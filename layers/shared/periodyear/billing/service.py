"""The billing run: one pricing and issuing path for monthly and annual invoices.

``run`` lists the tenants and bills each; ``bill_tenants`` bills a given batch (the
seam for fanning a large run out over queues). A tenant that fails is reported
and never stops the run; a tenant already invoiced for the period is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from periodyear.billing.request import BillingPlan
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import Catalog
from periodyear.domain.errors import PeriodYearError
from periodyear.domain.invoice import InvoiceDraft, compose_invoice, meters_billed
from periodyear.domain.meters import Meter
from periodyear.domain.tenant import TenantAccount
from periodyear.domain.usage import InvalidUsage, UsageRecord, read_usage
from periodyear.observability import logger


class Register(Protocol):
    def tenant_ids(self) -> Iterable[str]: ...
    def account(self, tenant_id: str) -> TenantAccount: ...


class Usage(Protocol):
    def read(self, tenant_id: str, meter: Meter, period: Period) -> Iterable[tuple[str, dict[str, Any]]]: ...


class IssueResult(Protocol):
    @property
    def invoice_number(self) -> int: ...
    @property
    def issued_now(self) -> bool: ...


class Invoices(Protocol):
    def issued(self, tenant_id: str, period: Period) -> dict[str, Any] | None: ...
    def issue(self, draft: InvoiceDraft, *, run_id: str, issued_at: datetime) -> IssueResult: ...


class Documents(Protocol):
    def complete(
        self, tenant_id: str, period: Period, now: datetime, account: TenantAccount | None = None
    ) -> list[str]: ...


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
    invalid_usage: int = 0
    error: str | None = None
    documents_needed: bool = False  # the invoice may still have documents pending
    documents_done: tuple[str, ...] = ()  # document steps completed by this run
    documents_error: str | None = None  # why the invoice's documents are still pending


@dataclass
class RunResult:
    plan: BillingPlan
    tenants: list[TenantResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for t in self.tenants if t.outcome is outcome)

    def summary(self) -> dict[str, Any]:
        """The JSON summary of CONTRACT §7, with a few more counts."""
        billed = [
            t.draft for t in self.tenants if t.draft and t.outcome in (Outcome.ISSUED, Outcome.PREVIEWED)
        ]
        return {
            "run_id": self.plan.run_id,
            "kind": self.plan.kind.value,
            "period": self.plan.period.label,
            "issue_date": self.plan.issue_date.isoformat(),
            "dry_run": self.plan.dry_run,
            "tenants_seen": len(self.tenants),
            "invoices_issued": self.count(Outcome.ISSUED),
            "invoices_already_issued": self.count(Outcome.ALREADY_ISSUED),
            "invoices_previewed": self.count(Outcome.PREVIEWED),
            "tenants_with_nothing_to_bill": self.count(Outcome.NOTHING_TO_BILL),
            "invalid_usage_records": sum(t.invalid_usage for t in self.tenants),
            "failed_tenants": [
                {"tenant_id": t.tenant_id, "error": t.error}
                for t in self.tenants
                if t.outcome is Outcome.FAILED
            ],
            "total_billed": str(sum((d.total for d in billed), Decimal("0.00"))),
            "documents_completed": sum(1 for t in self.tenants if "event" in t.documents_done),
            "documents_pending": [
                {"tenant_id": t.tenant_id, "error": t.documents_error}
                for t in self.tenants
                if t.documents_error
            ],
        }


class BillingService:
    def __init__(
        self,
        *,
        register: Register,
        usage: Usage,
        invoices: Invoices,
        catalog: Catalog,
        documents: Documents | None = None,
    ) -> None:
        self._register = register
        self._usage = usage
        self._invoices = invoices
        self._catalog = catalog
        self._documents = documents

    def run(self, plan: BillingPlan, on_tenant: Callable[[TenantResult], None] | None = None) -> RunResult:
        tenant_ids = plan.tenant_ids if plan.tenant_ids is not None else self._register.tenant_ids()
        return self.bill_tenants(tenant_ids, plan, on_tenant)

    def bill_tenants(
        self,
        tenant_ids: Iterable[str],
        plan: BillingPlan,
        on_tenant: Callable[[TenantResult], None] | None = None,
    ) -> RunResult:
        result = RunResult(plan)
        with logger.append_context_keys(run_id=plan.run_id, period=plan.period.label, kind=plan.kind.value):
            for tenant_id in tenant_ids:
                with logger.append_context_keys(tenant_id=tenant_id):
                    outcome = self._bill_one(tenant_id, plan)
                result.tenants.append(outcome)
                if on_tenant:
                    on_tenant(outcome)
            logger.info("billing run finished", extra={"summary": result.summary()})
        return result

    def _bill_one(self, tenant_id: str, plan: BillingPlan) -> TenantResult:
        try:
            result = self._bill(tenant_id, plan)
        except PeriodYearError as error:
            logger.warning("tenant not billed", extra={"error": str(error)})
            return TenantResult(tenant_id, Outcome.FAILED, error=str(error))
        except Exception as error:  # a bad tenant never stops the run; the summary names it
            logger.exception("tenant failed unexpectedly")
            return TenantResult(tenant_id, Outcome.FAILED, error=f"{type(error).__name__}: {error}")
        if plan.dry_run or self._documents is None or not result.documents_needed:
            return result
        return self._complete_documents(self._documents, result, plan)

    def _complete_documents(
        self, documents: Documents, result: TenantResult, plan: BillingPlan
    ) -> TenantResult:
        """Store the invoice's documents and announce it; a failure leaves them pending, not lost."""
        try:
            done = documents.complete(result.tenant_id, plan.period, plan.now, result.account)
        except Exception as error:  # the invoice stands; the next run completes its documents
            logger.exception("invoice documents left pending")
            return replace(result, documents_error=f"{type(error).__name__}: {error}")
        if done:
            logger.info("invoice documents completed", extra={"steps": done})
        return replace(result, documents_done=tuple(done))

    def _read_usage(
        self, tenant_id: str, meters: Iterable[Meter], period: Period
    ) -> tuple[list[UsageRecord], int]:
        records: list[UsageRecord] = []
        invalid = 0
        for meter in sorted(meters):
            for reference, attributes in self._usage.read(tenant_id, meter, period):
                parsed = read_usage(meter, attributes, period, reference)
                if isinstance(parsed, InvalidUsage):
                    invalid += 1
                    logger.warning(
                        "invalid usage skipped", extra={"usage": parsed.reference, "reason": parsed.reason}
                    )
                else:
                    records.append(parsed)
        return records, invalid

    def _bill(self, tenant_id: str, plan: BillingPlan) -> TenantResult:
        existing = self._invoices.issued(tenant_id, plan.period)
        if existing is not None:
            number = int(existing["invoice_number"])
            logger.info("already invoiced for the period", extra={"invoice_number": number})
            return TenantResult(
                tenant_id,
                Outcome.ALREADY_ISSUED,
                invoice_number=number,
                documents_needed=bool(existing.get("documents_pending")),
            )
        account = self._register.account(tenant_id)
        meters = meters_billed(self._catalog, plan.period, account.subscription)
        records, invalid = self._read_usage(tenant_id, meters, plan.period)
        draft = compose_invoice(
            tenant_id=tenant_id,
            subscription=account.subscription,
            period=plan.period,
            usage=records,
            catalog=self._catalog,
            issue_date=plan.issue_date,
        )
        if draft is None:
            logger.info("nothing to bill")
            return TenantResult(tenant_id, Outcome.NOTHING_TO_BILL, account=account, invalid_usage=invalid)
        if plan.dry_run:
            return TenantResult(
                tenant_id, Outcome.PREVIEWED, draft=draft, account=account, invalid_usage=invalid
            )
        issued = self._invoices.issue(draft, run_id=plan.run_id, issued_at=plan.now)
        outcome = Outcome.ISSUED if issued.issued_now else Outcome.ALREADY_ISSUED
        logger.info(
            "invoice issued" if issued.issued_now else "issued meanwhile by another run",
            extra={"invoice_number": issued.invoice_number, "total": str(draft.total)},
        )
        return TenantResult(
            tenant_id,
            outcome,
            invoice_number=issued.invoice_number,
            draft=draft if issued.issued_now else None,
            account=account,
            invalid_usage=invalid,
            documents_needed=True,
        )
