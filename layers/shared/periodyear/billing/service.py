"""The billing run: one pricing and issuing path for monthly and annual invoices.

``run`` lists the tenants and bills them; ``bill_tenants`` bills a given list (what a worker
of a fanned-out run does with one batch). Tenants are worked a chunk at a time: each is read
and priced, the chunk's invoices are issued in one transaction (see the invoice repository),
then their documents are made and announced together. A tenant that fails is reported and
never stops the run; a tenant already invoiced for the period is left alone.

Reading a tenant: its register profile; its invoices for the period P and the period P′
before it, in one query; then one usage query per meter, each widened over P′ and P when
P′ was invoiced, so P's invoice carries the corrections of late usage (CONTRACT §5a).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import batched
from typing import Any, Protocol

from periodyear.billing.request import BillingPlan
from periodyear.documents.publisher import DocumentResult, DocumentWork
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import Catalog
from periodyear.domain.corrections import outstanding, review, review_meters
from periodyear.domain.errors import InvoiceContention, PeriodYearError
from periodyear.domain.invoice import (
    Invoice,
    InvoiceDraft,
    InvoiceLine,
    IssuedInvoice,
    IssueOutcome,
    PeriodInvoices,
    compose_invoice,
    meters_billed,
)
from periodyear.domain.meters import Meter
from periodyear.domain.runs import Tally, number_ranges, run_summary
from periodyear.domain.tenant import TenantAccount
from periodyear.domain.usage import InvalidUsage, UsageRecord, read_usage
from periodyear.observability import logger

CHUNK = 25  # tenants priced, then issued in one transaction, then documented together


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


@dataclass(frozen=True)
class Outstanding:
    """Usage of a tenant's period that no invoice billed (an operator's report, §5a): the lines a
    correction (or, for a period never invoiced, an invoice) would bill, and whether the next
    invoice (``corrected_on``) is issued already, so nothing will correct it but a person."""

    tenant_id: str
    period: Period
    invoice_number: int | None  # the invoice of ``period``; None: the period was never invoiced
    corrected_on: int | None  # the next invoice of the kind, None while it is not issued
    lines: tuple[InvoiceLine, ...]
    next_period_ended: bool  # the next period has ended (its scheduled run is due or done)

    @property
    def action(self) -> str:
        """What an operator does about it."""
        following = self.period.following().label
        if self.invoice_number is None:
            return f"run {self.period.label} for it (never invoiced)"
        if self.corrected_on is not None:
            return "correct by hand"
        if self.next_period_ended:
            return f"run {following} for it (no invoice yet)"
        return f"{following}'s run bills it"


@dataclass
class _Priced:
    """A tenant read and priced, waiting for its chunk's issuing transaction."""

    account: TenantAccount
    draft: InvoiceDraft
    invalid: int
    invalid_reviewed: int = 0


@dataclass
class _Found:
    """A tenant whose invoice for the period was issued already (its documents may be pending)."""

    account: TenantAccount
    issued: IssuedInvoice
    invalid: int = 0  # invalid usage read by this attempt (only when the invoice is this run's)
    invalid_reviewed: int = 0


@dataclass
class _Usage:
    """A tenant's valid usage of the billed period and of the reviewed one, and the invalid items."""

    billed: list[UsageRecord] = field(default_factory=list)
    reviewed: list[UsageRecord] = field(default_factory=list)
    invalid: int = 0
    invalid_reviewed: int = 0


class BillingService:
    def __init__(
        self,
        *,
        register: Register,
        usage: Usage,
        invoices: Invoices,
        catalog: Catalog,
        documents: Documents | None = None,
        chunk: int = CHUNK,
    ) -> None:
        self._register = register
        self._usage = usage
        self._invoices = invoices
        self._catalog = catalog
        self._documents = documents
        self._chunk = chunk

    def tenant_ids(self) -> Iterable[str]:
        return self._register.tenant_ids()

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
            for chunk in batched(tenant_ids, self._chunk, strict=False):
                for outcome in self._bill_chunk(chunk, plan):
                    result.tenants.append(outcome)
                    if on_tenant:
                        on_tenant(outcome)
            logger.info("billing finished", extra={"tally": result.tally().as_dict()})
        return result

    def outstanding(self, tenant_id: str, period: Period, today: date) -> Outstanding | None:
        """The usage of ``period`` the tenant's invoices have not billed, or None when there is
        none. Reads like a run (the profile, the invoices of ``period`` and the one after in one
        query, one usage query per meter) and writes nothing. A tenant with no invoice for
        ``period`` is reported with the metered lines a run of ``period`` would bill now (once the
        period has ended): the rule reviews only an invoiced period, so usage of a period nothing
        was billed for is never corrected.
        ``today`` (an Oslo date) tells whether the next period's run is still to come."""
        account = self._register.account(tenant_id)
        subscription = account.subscription
        invoices = self._invoices.period_invoices(tenant_id, period.following())
        reviewed = invoices.previous
        corrected_on = invoices.current.invoice if invoices.current else None
        if reviewed is None:
            if period.end > today:
                return None  # not ended: its scheduled run is still to come
            meters = meters_billed(self._catalog, period, subscription)
            usage = self._read_usage(tenant_id, period, meters, None, frozenset())
            draft = compose_invoice(
                tenant_id=tenant_id,
                subscription=subscription,
                period=period,
                usage=usage.billed,
                catalog=self._catalog,
                issue_date=period.end,
            )
            used = tuple(line for line in draft.lines if line.meter is not None) if draft else ()
            if not used:  # a flat fee is not usage: a tenant that used nothing is not reported
                return None
            return Outstanding(
                tenant_id,
                period,
                None,
                corrected_on.invoice_number if corrected_on else None,
                used,
                period.following().end <= today,
            )
        meters = review_meters(reviewed, self._catalog, subscription)
        usage = self._read_usage(tenant_id, period, meters, None, frozenset())
        lines = outstanding(
            reviewed, corrected_on, usage.billed, subscription=subscription, catalog=self._catalog
        )
        if not lines:
            return None
        return Outstanding(
            tenant_id,
            period,
            reviewed.invoice_number,
            corrected_on.invoice_number if corrected_on else None,
            lines,
            period.following().end <= today,
        )

    # ------------------------------------------------------------------ one chunk
    def _bill_chunk(self, tenant_ids: Sequence[str], plan: BillingPlan) -> list[TenantResult]:
        results: dict[str, TenantResult] = {}
        priced: dict[str, _Priced] = {}
        found: dict[str, _Found] = {}
        for tenant_id in dict.fromkeys(tenant_ids):
            with logger.append_context_keys(tenant_id=tenant_id):
                try:
                    outcome = self._price(tenant_id, plan)
                except Exception as error:  # a bad tenant never stops the run; the summary names it
                    results[tenant_id] = self._failed(tenant_id, error)
                    continue
            if isinstance(outcome, _Priced):
                priced[tenant_id] = outcome
            elif isinstance(outcome, _Found):
                found[tenant_id] = outcome
            else:
                results[tenant_id] = outcome
        if priced or found:
            results.update(self._issue(priced, found, plan))
        return [results[t] for t in dict.fromkeys(tenant_ids)]

    @staticmethod
    def _failed(tenant_id: str, error: Exception) -> TenantResult:
        transient = is_transient(error)
        if isinstance(error, PeriodYearError):
            logger.warning("tenant not billed", extra={"tenant_id": tenant_id, "error": str(error)})
            message = str(error)
        else:
            logger.exception("tenant failed unexpectedly", extra={"tenant_id": tenant_id})
            message = f"{type(error).__name__}: {error}"
        return TenantResult(tenant_id, Outcome.FAILED, error=message, transient=transient)

    def _read_usage(
        self,
        tenant_id: str,
        period: Period,
        meters: frozenset[Meter],
        reviewed: Period | None,
        reviewed_meters: frozenset[Meter],
    ) -> _Usage:
        """One query per meter, over the reviewed period and the billed one where both need it."""
        usage = _Usage()
        for meter in sorted(meters | reviewed_meters):
            periods = [
                within
                for within, needed in ((reviewed, meter in reviewed_meters), (period, meter in meters))
                if within is not None and needed
            ]
            for within, reference, attributes in self._usage.read(tenant_id, meter, periods):
                parsed = read_usage(meter, attributes, within, reference)
                in_review = within != period
                if isinstance(parsed, InvalidUsage):
                    usage.invalid += 1
                    usage.invalid_reviewed += in_review
                    logger.warning(
                        "invalid usage skipped",
                        extra={"usage": parsed.reference, "reason": parsed.reason, "period": within.label},
                    )
                else:
                    (usage.reviewed if in_review else usage.billed).append(parsed)
        return usage

    def _price(self, tenant_id: str, plan: BillingPlan) -> TenantResult | _Priced | _Found:
        account = self._register.account(tenant_id)
        invoices = self._invoices.period_invoices(tenant_id, plan.period)
        current = invoices.current
        if current is not None and (plan.dry_run or current.run_id != plan.run_id):
            if plan.dry_run:
                return TenantResult(tenant_id, Outcome.ALREADY_ISSUED, account=account)
            return _Found(account, current)  # another run's invoice: this run reads none of its usage
        previous: Invoice | None = invoices.previous
        subscription = account.subscription
        usage = self._read_usage(
            tenant_id,
            plan.period,
            meters_billed(self._catalog, plan.period, subscription),
            previous.draft.period if previous else None,
            review_meters(previous, self._catalog, subscription) if previous else frozenset(),
        )
        if current is not None:  # this run's own earlier attempt (a batch delivered again): its
            # invoice stands; the usage is read again only so the counted attempt counts it
            return _Found(account, current, usage.invalid, usage.invalid_reviewed)
        corrections = (
            review(previous, usage.reviewed, subscription=subscription, catalog=self._catalog)
            if previous
            else ()
        )
        if corrections:
            logger.info(
                "late usage corrected",
                extra={
                    "corrections": [c.code for c in corrections],
                    "correction_of": previous and previous.invoice_number,
                },
            )
        draft = compose_invoice(
            tenant_id=tenant_id,
            subscription=subscription,
            period=plan.period,
            usage=usage.billed,
            catalog=self._catalog,
            issue_date=plan.issue_date,
            corrections=corrections,
        )
        if draft is None:
            logger.info("nothing to bill")
            return TenantResult(
                tenant_id,
                Outcome.NOTHING_TO_BILL,
                account=account,
                invalid_usage=usage.invalid,
                invalid_reviewed=usage.invalid_reviewed,
            )
        if plan.dry_run:
            return TenantResult(
                tenant_id,
                Outcome.PREVIEWED,
                draft=draft,
                account=account,
                invalid_usage=usage.invalid,
                invalid_reviewed=usage.invalid_reviewed,
            )
        return _Priced(account, draft, usage.invalid, usage.invalid_reviewed)

    def _issue_isolating(
        self, priced: dict[str, _Priced], plan: BillingPlan
    ) -> list[IssueOutcome | Exception]:
        """Issue the chunk in one go; should that raise, each draft alone, so that one tenant whose
        invoice the table refuses (a poison tenant) never holds up its neighbours."""
        drafts = [p.draft for p in priced.values()]
        try:
            return list(self._invoices.issue(drafts, run_id=plan.run_id, issued_at=plan.now))
        except Exception as error:
            if len(drafts) == 1:
                return [error]
            logger.warning("chunk not issued; issuing its tenants one by one", extra={"error": str(error)})
        outcomes: list[IssueOutcome | Exception] = []
        for draft in drafts:
            try:
                (outcome,) = self._invoices.issue([draft], run_id=plan.run_id, issued_at=plan.now)
            except Exception as error:
                outcomes.append(error)
            else:
                outcomes.append(outcome)
        return outcomes

    def _issue(
        self, priced: dict[str, _Priced], found: dict[str, _Found], plan: BillingPlan
    ) -> dict[str, TenantResult]:
        """Issue the priced drafts; with the invoices found issued already, finish what each still
        needs (an invoice this run issued before a crash or a redelivery counts as this run's)."""
        results: dict[str, TenantResult] = {}
        work: list[DocumentWork] = []
        outcomes: list[tuple[str, IssueOutcome | Exception, _Priced | _Found]] = [
            (tenant_id, issued, priced[tenant_id])
            for tenant_id, issued in zip(
                priced, self._issue_isolating(priced, plan) if priced else [], strict=True
            )
        ]
        outcomes += [
            (
                tenant_id,
                IssueOutcome(tenant_id, entry.issued, issued_now=entry.issued.run_id == plan.run_id),
                entry,
            )
            for tenant_id, entry in found.items()
        ]
        for tenant_id, issued, entry in outcomes:
            if isinstance(issued, Exception) or issued.issued is None:
                error = issued if isinstance(issued, Exception) else issued.error
                results[tenant_id] = self._failed(tenant_id, error or RuntimeError("not issued"))
                continue
            invoice = issued.issued.invoice
            logger.info(
                "invoice issued" if issued.issued_now else "invoiced already by another run",
                extra={"tenant_id": tenant_id, "invoice_number": invoice.invoice_number},
            )
            results[tenant_id] = TenantResult(
                tenant_id,
                Outcome.ISSUED if issued.issued_now else Outcome.ALREADY_ISSUED,
                invoice_number=invoice.invoice_number,
                draft=invoice.draft if issued.issued_now else None,
                account=entry.account,
                invalid_usage=entry.invalid,
                invalid_reviewed=entry.invalid_reviewed,
            )
            if issued.issued.documents_pending:
                work.append(DocumentWork(issued.issued, entry.account))
        if work and self._documents is not None:
            for tenant_id, done in self._documents.complete(work, plan.now).items():
                if done.error:
                    logger.error(
                        "invoice documents left pending", extra={"tenant_id": tenant_id, "error": done.error}
                    )
                if done.held:
                    logger.warning("invoice EHF held", extra={"tenant_id": tenant_id, "reason": done.held})
                results[tenant_id] = replace(
                    results[tenant_id],
                    documents_done=done.done,
                    documents_error=done.error,
                    documents_held=done.held,
                )
        return results
