"""The invoice rules (CONTRACT §5–6): which charges apply, at which price list, to what.

``compose_invoice`` is the one pricing path for monthly and annual invoices alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from periodyear.domain.allocation import Allocation, allocate
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.catalog import Catalog, Charge, FlatCharge, PriceListName
from periodyear.domain.errors import TenantDataError
from periodyear.domain.meters import METER_SOURCES, Meter
from periodyear.domain.money import to_ore
from periodyear.domain.pricing import PricePiece, price_charge
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord, distinct_ids

DocumentType = Literal["INVOICE", "CREDIT_NOTE"]


@dataclass(frozen=True)
class InvoiceLine:
    code: str
    description: str
    meter: Meter | None  # None for a flat charge
    quantity: int
    amount: Decimal
    allocations: tuple[Allocation, ...]
    pieces: tuple[PricePiece, ...]
    correction_of: int | None = None  # on a correction line (§5a): the number of the invoice corrected

    @property
    def corrected_period(self) -> str | None:
        """The label of the period a correction line corrects (``K-P-STD@2022-02`` → ``2022-02``)."""
        return self.code.rpartition("@")[2] if self.correction_of is not None else None


@dataclass(frozen=True)
class InvoiceDraft:
    """Everything of an invoice but its number: what a dry run previews."""

    tenant_id: str
    period: Period
    issue_date: date
    due_date: date
    package: str
    price_list: PriceListName
    currency: str
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    total: Decimal

    @property
    def kind(self) -> PeriodKind:
        return self.period.kind

    @property
    def document_type(self) -> DocumentType:
        """A negative subtotal makes the invoice a credit note (CONTRACT §5a)."""
        return "CREDIT_NOTE" if self.subtotal < 0 else "INVOICE"

    @property
    def corrections(self) -> tuple[InvoiceLine, ...]:
        return tuple(line for line in self.lines if line.correction_of is not None)

    @property
    def corrected_invoices(self) -> tuple[int, ...]:
        """The numbers of the invoices this one corrects, ascending."""
        return tuple(sorted({line.correction_of for line in self.corrections if line.correction_of}))


@dataclass(frozen=True)
class Invoice:
    invoice_number: int
    draft: InvoiceDraft


DOCUMENT_STEPS = ("xml", "pdf", "csv", "event")  # what an issued invoice still needs, in this order


@dataclass(frozen=True)
class IssuedInvoice:
    """An invoice as stored: its numbered content, the run that issued it, what it still needs."""

    invoice: Invoice
    run_id: str
    documents_pending: frozenset[str]  # steps of DOCUMENT_STEPS not yet done
    documents: dict[str, str]  # extension → key of a stored document


@dataclass(frozen=True)
class PeriodInvoices:
    """What one read of the invoices table says about a tenant's period P: its invoice if P is
    issued already, and the invoice of P′ (the period before) that P's invoice reviews (§5a)."""

    current: IssuedInvoice | None
    previous: Invoice | None


@dataclass(frozen=True)
class IssueOutcome:
    """What issuing one draft came to."""

    tenant_id: str
    issued: IssuedInvoice | None  # None when the invoice could not be issued (see ``error``)
    issued_now: bool = False  # False: it existed already (issued by another run)
    error: Exception | None = None


def price_list_for(period: Period, subscription: Subscription) -> PriceListName:
    """Monthly: by the month's first day; annual: by the window's last day."""
    reference = period.start if period.kind is PeriodKind.MONTHLY else period.last_day
    return "intro" if reference < subscription.price_switch_date else "standard"


def meters_billed(catalog: Catalog, period: Period, subscription: Subscription) -> frozenset[Meter]:
    """The meters whose usage the invoice needs: only these usage types are read.

    A package's meters are not needed while ``paid_through`` covers the whole period
    (none of its usage could be billed); add-ons are always read.
    """
    package_charges, addon_charges = _charges(catalog, period, subscription)
    prepaid = subscription.paid_through is not None and period.last_day <= subscription.paid_through
    charges = addon_charges if prepaid else package_charges + addon_charges
    return frozenset(charge.meter for charge in charges if not isinstance(charge, FlatCharge))


def _charges(
    catalog: Catalog, period: Period, subscription: Subscription
) -> tuple[list[Charge], list[Charge]]:
    price_list = price_list_for(period, subscription)
    try:
        package = list(catalog.package_charges(price_list, subscription.package, period.kind))
    except KeyError:
        raise TenantDataError(
            f"package {subscription.package!r} is not in the catalog's {price_list} price list"
        ) from None
    return package, list(catalog.addon_charges(period.kind))


def _line(charge: Charge, ids: frozenset[str]) -> InvoiceLine | None:
    priced = price_charge(charge, len(ids))
    if priced.quantity == 0:
        return None
    if isinstance(charge, FlatCharge):
        return InvoiceLine(charge.code, charge.description, None, 1, priced.amount, (), priced.pieces)
    allocations = allocate(priced.amount, ids) if METER_SOURCES[charge.meter].counts_clients else ()
    return InvoiceLine(
        charge.code,
        charge.description,
        charge.meter,
        priced.quantity,
        priced.amount,
        allocations,
        priced.pieces,
    )


def _period_lines(
    catalog: Catalog, period: Period, subscription: Subscription, records: Sequence[UsageRecord]
) -> list[InvoiceLine]:
    """The period's own lines: the package's charges (none of its usage on or before
    ``paid_through``, its flat charge only after it), then the add-ons' (neither exclusion)."""
    package_charges, addon_charges = _charges(catalog, period, subscription)
    paid_through = subscription.paid_through
    lines: list[InvoiceLine] = []
    for charge in package_charges:
        if isinstance(charge, FlatCharge):
            billable = paid_through is None or period.last_day > paid_through
            line = _line(charge, frozenset()) if billable else None
        else:
            line = _line(charge, distinct_ids(records, charge.meter, after=paid_through))
        if line:
            lines.append(line)
    for charge in addon_charges:
        meter_ids = frozenset() if isinstance(charge, FlatCharge) else distinct_ids(records, charge.meter)
        if line := _line(charge, meter_ids):
            lines.append(line)
    return lines


def compose_invoice(
    *,
    tenant_id: str,
    subscription: Subscription,
    period: Period,
    usage: Iterable[UsageRecord],
    catalog: Catalog,
    issue_date: date,
    corrections: Sequence[InvoiceLine] = (),
) -> InvoiceDraft | None:
    """The invoice for one tenant and period, or None when no line is left.

    Package charges never count usage on or before ``paid_through``, and a package's
    flat charge is billed only for a period whose last day is after it; add-ons have
    neither exclusion. Lines with quantity 0 are left out. ``corrections`` (the review of
    the previous period, see ``corrections.review``) follow the period's own lines; an
    invoice may hold corrections only.
    """
    lines = [*_period_lines(catalog, period, subscription, list(usage)), *corrections]
    if not lines:
        return None
    subtotal = sum((line.amount for line in lines), Decimal(0))
    vat_amount = to_ore(subtotal * catalog.vat_rate)  # a negative one rounds as its absolute value
    return InvoiceDraft(
        tenant_id=tenant_id,
        period=period,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=catalog.payment_terms_days),
        package=subscription.package,
        price_list=price_list_for(period, subscription),
        currency=catalog.currency,
        lines=tuple(lines),
        subtotal=subtotal,
        vat_rate=catalog.vat_rate,
        vat_amount=vat_amount,
        total=subtotal + vat_amount,
    )
