"""Pricing a tenant's reading: the invoice a run would issue, or why it issues none.

The outcome is one of three typed records: a ``Priced`` draft waiting for its chunk's issuing
transaction, a ``Found`` invoice issued already (whose documents may still be pending), or a
final ``TenantResult`` (nothing to bill, a dry run's preview, an invoice found by a dry run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from periodyear.billing.outcomes import Outcome, TenantResult
from periodyear.domain.corrections import review
from periodyear.domain.invoice import compose_invoice
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.billing.reading import TenantReading, UsageRead
    from periodyear.billing.request import BillingPlan
    from periodyear.domain.catalog import Catalog
    from periodyear.domain.invoice import Invoice, InvoiceDraft, InvoiceLine, IssuedInvoice
    from periodyear.domain.tenant import Subscription, TenantAccount


@dataclass(frozen=True)
class Priced:
    """A tenant's invoice priced, waiting for its chunk's issuing transaction."""

    account: TenantAccount
    draft: InvoiceDraft
    invalid: int
    invalid_reviewed: int = 0


@dataclass(frozen=True)
class Found:
    """A tenant whose invoice for the period was issued already (its documents may be pending)."""

    account: TenantAccount
    issued: IssuedInvoice
    invalid: int = 0  # invalid usage read by this attempt (only when the invoice is this run's)
    invalid_reviewed: int = 0


def price(reading: TenantReading, plan: BillingPlan, catalog: Catalog) -> Priced | Found | TenantResult:
    account, current, usage = reading.account, reading.invoices.current, reading.usage
    if current is not None:
        if plan.dry_run:
            return TenantResult(reading.tenant_id, Outcome.ALREADY_ISSUED, account=account)
        # another run's invoice (none of its usage was read), or this run's own earlier attempt (a
        # batch delivered again): the invoice stands, its usage read again only to be counted
        return Found(account, current, usage.invalid, usage.invalid_reviewed)
    corrections = _corrections(reading.invoices.previous, usage, account.subscription, catalog)
    draft = compose_invoice(
        tenant_id=reading.tenant_id,
        subscription=account.subscription,
        period=plan.period,
        usage=usage.billed,
        catalog=catalog,
        issue_date=plan.issue_date,
        corrections=corrections,
    )
    if draft is None:
        logger.info("nothing to bill")
        return _final(reading, Outcome.NOTHING_TO_BILL)
    if plan.dry_run:
        return _final(reading, Outcome.PREVIEWED, draft)
    return Priced(account, draft, usage.invalid, usage.invalid_reviewed)


def _corrections(
    previous: Invoice | None, usage: UsageRead, subscription: Subscription, catalog: Catalog
) -> tuple[InvoiceLine, ...]:
    """The lines correcting the reviewed period's invoice for its late usage (CONTRACT §5a)."""
    if previous is None:
        return ()
    corrections = review(previous, usage.reviewed, subscription=subscription, catalog=catalog)
    if corrections:
        logger.info(
            "late usage corrected",
            extra={"corrections": [c.code for c in corrections], "correction_of": previous.invoice_number},
        )
    return corrections


def _final(reading: TenantReading, outcome: Outcome, draft: InvoiceDraft | None = None) -> TenantResult:
    usage = reading.usage
    return TenantResult(
        reading.tenant_id,
        outcome,
        draft=draft,
        account=reading.account,
        invalid_usage=usage.invalid,
        invalid_reviewed=usage.invalid_reviewed,
    )
