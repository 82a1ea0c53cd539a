"""Issuing a chunk's invoices, then completing their documents.

The priced drafts are issued in one transaction (see the invoice repository); should that
raise, each alone, so that one tenant the table refuses never holds up its neighbours. With
the invoices found issued already, each invoice's pending documents are then made and
announced together: an invoice this run issued before a crash or a redelivery counts as this
run's, another run's as already issued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from periodyear.billing.outcomes import Outcome, TenantResult, failed
from periodyear.documents.publisher import DocumentWork
from periodyear.domain.invoice import IssueOutcome
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.billing.ports import Documents, Invoices
    from periodyear.billing.pricing import Found, Priced
    from periodyear.billing.request import BillingPlan
    from periodyear.documents.publisher import DocumentResult
    from periodyear.domain.invoice import IssuedInvoice


class Issuer:
    def __init__(self, *, invoices: Invoices, documents: Documents | None) -> None:
        self._invoices = invoices
        self._documents = documents

    def issue(
        self, priced: Mapping[str, Priced], found: Mapping[str, Found], plan: BillingPlan
    ) -> dict[str, TenantResult]:
        results: dict[str, TenantResult] = {}
        work: list[DocumentWork] = []
        tried = zip(priced.items(), self._issue_isolating(priced, plan), strict=True) if priced else ()
        outcomes: list[tuple[str, IssueOutcome | Exception, Priced | Found]] = [
            (tenant_id, outcome, entry) for (tenant_id, entry), outcome in tried
        ]
        outcomes += [
            (tenant_id, IssueOutcome(tenant_id, entry.issued, entry.issued.run_id == plan.run_id), entry)
            for tenant_id, entry in found.items()
        ]
        for tenant_id, outcome, entry in outcomes:
            if isinstance(outcome, Exception) or outcome.issued is None:
                error = outcome if isinstance(outcome, Exception) else outcome.error
                results[tenant_id] = failed(tenant_id, error or RuntimeError("not issued"))
                continue
            results[tenant_id] = _issued(tenant_id, outcome.issued, entry, now=outcome.issued_now)
            if outcome.issued.documents_pending:
                work.append(DocumentWork(outcome.issued, entry.account))
        if work and self._documents is not None:
            results.update(_documented(self._documents.complete(work, plan.now), results))
        return results

    def _issue_isolating(
        self, priced: Mapping[str, Priced], plan: BillingPlan
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


def _issued(tenant_id: str, issued: IssuedInvoice, entry: Priced | Found, *, now: bool) -> TenantResult:
    """An invoice that stands: issued by this run (``now``), or found issued by another."""
    invoice = issued.invoice
    logger.info(
        "invoice issued" if now else "invoiced already by another run",
        extra={"tenant_id": tenant_id, "invoice_number": invoice.invoice_number},
    )
    return TenantResult(
        tenant_id,
        Outcome.ISSUED if now else Outcome.ALREADY_ISSUED,
        invoice_number=invoice.invoice_number,
        draft=invoice.draft if now else None,
        account=entry.account,
        invalid_usage=entry.invalid,
        invalid_reviewed=entry.invalid_reviewed,
    )


def _documented(
    completed: Mapping[str, DocumentResult], results: Mapping[str, TenantResult]
) -> dict[str, TenantResult]:
    """Each result with what its documents came to (made, left pending, or the EHF held)."""
    documented: dict[str, TenantResult] = {}
    for tenant_id, done in completed.items():
        if done.error:
            logger.error(
                "invoice documents left pending", extra={"tenant_id": tenant_id, "error": done.error}
            )
        if done.held:
            logger.warning("invoice EHF held", extra={"tenant_id": tenant_id, "reason": done.held})
        documented[tenant_id] = replace(
            results[tenant_id], documents_done=done.done, documents_error=done.error, documents_held=done.held
        )
    return documented
