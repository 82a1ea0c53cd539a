"""Late usage (CONTRACT §5a): the review of the previous period, billed as correction lines.

When period P is billed for a tenant that has an invoice for P′ (the period before, of the
same kind), every metered charge of that invoice's price list and package (plus, monthly,
the add-ons) is counted again over all usage now known for P′. Where more is counted now
than the invoice billed, P's invoice gets a correction line for the difference: its amount
is the price of the new quantity less the price of the billed one (each rounded as a line
is), so a volume tier can make it negative, and it is allocated to the clients counted now
but not on the reviewed line. Only P's invoice carries P′'s corrections, and P is invoiced
once, so a correction is billed once however often or concurrently P is run.

Example (a volume tier [up to 5: 100.00, above: 70.00]): February billed 5 clients, 500.00.
A sixth client's February close arrives on 2 March; the March invoice reviews February:
6 × 70.00 − 5 × 100.00 = −80.00 on code ``PERIOD@2022-02``, allocated to the sixth client.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from periodyear.domain.allocation import Allocation, allocate
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.catalog import Catalog, Charge, FlatCharge
from periodyear.domain.errors import TenantDataError
from periodyear.domain.invoice import Invoice, InvoiceLine
from periodyear.domain.meters import METER_SOURCES, Meter
from periodyear.domain.pricing import net_pieces, price_charge
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord, distinct_ids

CORRECTION_MARK = "@"  # <charge code>@<period label>


@dataclass(frozen=True)
class _Reviewed:
    charge: Charge
    package: bool  # a package charge (paid_through applies), else an add-on


def _reviewed_charges(reviewed: Invoice, catalog: Catalog) -> list[_Reviewed]:
    draft = reviewed.draft
    try:
        package = catalog.package_charges(draft.price_list, draft.package, draft.kind)
    except KeyError:
        raise TenantDataError(
            f"invoice {reviewed.invoice_number} was for package {draft.package!r}, which the catalog's "
            f"{draft.price_list} price list no longer prices; its period cannot be reviewed"
        ) from None
    addons = catalog.addon_charges(draft.kind) if draft.kind is PeriodKind.MONTHLY else ()
    return [
        _Reviewed(charge, is_package)
        for is_package, charges in ((True, package), (False, addons))
        for charge in charges
        if not isinstance(charge, FlatCharge)  # flat charges are never corrected
    ]


def _charges(reviewed: Invoice, catalog: Catalog) -> list[Charge]:
    return [entry.charge for entry in _reviewed_charges(reviewed, catalog)]


def review_meters(reviewed: Invoice, catalog: Catalog, subscription: Subscription) -> frozenset[Meter]:
    """The meters whose usage in the reviewed period the review needs (none of a package's while
    ``paid_through`` covered the whole period: none of that usage could be billed)."""
    period = reviewed.draft.period
    prepaid = subscription.paid_through is not None and period.last_day <= subscription.paid_through
    return frozenset(
        entry.charge.meter
        for entry in _reviewed_charges(reviewed, catalog)
        if not isinstance(entry.charge, FlatCharge) and not (prepaid and entry.package)
    )


def _billed_lines(reviewed: Invoice, charges: Sequence[Charge]) -> dict[str, InvoiceLine]:
    """Each reviewed charge's line on the reviewed invoice, by the charge's code now: the line of
    its code, else, for a code renamed in the catalog since, the one line on the charge's meter
    whose code no reviewed charge has any longer. Two renamed lines on one meter cannot be told
    apart, and the period is not reviewed (never billed again by guess)."""
    own = {line.code: line for line in reviewed.draft.lines if line.correction_of is None}
    codes = {charge.code for charge in charges}
    found: dict[str, InvoiceLine] = {}
    for charge in charges:
        if charge.code in own:
            found[charge.code] = own[charge.code]
            continue
        meter = getattr(charge, "meter", None)
        orphans = [line for code, line in own.items() if code not in codes and line.meter == meter]
        rivals = [c for c in charges if getattr(c, "meter", None) == meter and c.code not in own]
        if len(orphans) == 1 and len(rivals) == 1:
            found[charge.code] = orphans[0]  # the same charge under its old code
        elif orphans:
            old = sorted(line.code for line in orphans)
            raise TenantDataError(
                f"invoice {reviewed.invoice_number}'s lines {old} have codes the catalog no longer has "
                f"on {meter}; which charge each was cannot be told, so its period cannot be reviewed"
            )
    return found


def correction_code(code: str, period: Period) -> str:
    return f"{code}{CORRECTION_MARK}{period.label}"


def review(
    reviewed: Invoice,
    usage: Iterable[UsageRecord],
    *,
    subscription: Subscription,
    catalog: Catalog,
) -> tuple[InvoiceLine, ...]:
    """The correction lines for the reviewed invoice's period, given all usage now known for it."""
    records: Sequence[UsageRecord] = list(usage)
    period = reviewed.draft.period
    entries = _reviewed_charges(reviewed, catalog)
    billed = _billed_lines(reviewed, [entry.charge for entry in entries])
    corrections: list[InvoiceLine] = []
    for entry in entries:
        charge = entry.charge
        if isinstance(charge, FlatCharge):
            continue
        after = subscription.paid_through if entry.package else None
        counted = distinct_ids(records, charge.meter, after=after)
        line = billed.get(charge.code)
        quantity_billed = line.quantity if line else 0
        if len(counted) <= quantity_billed:
            continue
        now, before = price_charge(charge, len(counted)), price_charge(charge, quantity_billed)
        amount = now.amount - before.amount
        allocations: tuple[Allocation, ...] = ()
        if METER_SOURCES[charge.meter].counts_clients:
            if line and len(line.allocations) != line.quantity:
                raise TenantDataError(
                    f"invoice {reviewed.invoice_number}'s line {line.code} has {len(line.allocations)} "
                    f"allocations for {line.quantity} clients; its period cannot be reviewed"
                )
            allocated = {a.client_id for a in line.allocations} if line else set()
            allocations = allocate(amount, counted - allocated)
        corrections.append(
            InvoiceLine(
                code=correction_code(charge.code, period),
                description=f"{charge.description} ({period.label})",
                meter=charge.meter,
                quantity=len(counted) - quantity_billed,
                amount=amount,
                allocations=allocations,
                pieces=net_pieces(now, before),
                correction_of=reviewed.invoice_number,
            )
        )
    return tuple(corrections)


def outstanding(
    reviewed: Invoice,
    corrected_on: Invoice | None,
    usage: Iterable[UsageRecord],
    *,
    subscription: Subscription,
    catalog: Catalog,
) -> tuple[InvoiceLine, ...]:
    """What usage now known for the reviewed invoice's period still leaves unbilled, after the
    corrections ``corrected_on`` (the next invoice of the kind, if issued) already carries: the
    lines a correction by hand would bill. Usage arriving after the next invoice is outside
    the rule's window (CONTRACT §5a) and shows here."""
    label = reviewed.draft.period.label
    carried = {
        line.code.removesuffix(f"{CORRECTION_MARK}{label}"): line
        for line in (corrected_on.draft.corrections if corrected_on else ())
        if line.correction_of == reviewed.invoice_number
    }
    # The reviewed lines under their charges' codes now, as the corrections carried them.
    current = {id(line): code for code, line in _billed_lines(reviewed, _charges(reviewed, catalog)).items()}
    lines: list[InvoiceLine] = []
    for original in reviewed.draft.lines:
        if original.correction_of is not None:
            continue
        line = replace(original, code=current.get(id(original), original.code))
        extra = carried.pop(line.code, None)
        lines.append(
            line
            if extra is None
            else replace(
                line,
                quantity=line.quantity + extra.quantity,
                allocations=line.allocations + extra.allocations,
            )
        )
    lines += [replace(extra, code=code, correction_of=None) for code, extra in carried.items()]
    billed = Invoice(reviewed.invoice_number, replace(reviewed.draft, lines=tuple(lines)))
    return review(billed, usage, subscription=subscription, catalog=catalog)
