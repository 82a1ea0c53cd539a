"""The late-usage report (an operator's, CONTRACT §5a): usage of a tenant's period that no
invoice billed, and what an operator does about it. It reads like a run and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from periodyear.billing.reading import Reader
from periodyear.domain.corrections import outstanding, review_meters
from periodyear.domain.invoice import compose_invoice, meters_billed

if TYPE_CHECKING:
    from datetime import date

    from periodyear.billing.ports import Invoices, Register, Usage
    from periodyear.domain.calendar import Period
    from periodyear.domain.catalog import Catalog
    from periodyear.domain.invoice import Invoice, InvoiceLine
    from periodyear.domain.tenant import Subscription


@dataclass(frozen=True)
class Outstanding:
    """Usage of a tenant's period that no invoice billed: the lines a correction (or, for a
    period never invoiced, an invoice) would bill, and whether the next invoice
    (``corrected_on``) is issued already, so nothing will correct it but a person."""

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


class LateUsageReport:
    def __init__(self, *, register: Register, usage: Usage, invoices: Invoices, catalog: Catalog) -> None:
        self._register = register
        self._invoices = invoices
        self._catalog = catalog
        self._reader = Reader(register=register, usage=usage, invoices=invoices, catalog=catalog)

    def tenant_ids(self) -> Iterable[str]:
        return self._register.tenant_ids()

    def outstanding(self, tenant_id: str, period: Period, today: date) -> Outstanding | None:
        """The usage of ``period`` the tenant's invoices have not billed, or None when there is
        none. Reads like a run (the profile, the invoices of ``period`` and the one after in one
        query, one usage query per meter). A tenant with no invoice for ``period`` is reported
        with the metered lines a run of ``period`` would bill now (once the period has ended):
        the rule reviews only an invoiced period, so usage of a period nothing was billed for is
        never corrected. ``today`` (an Oslo date) tells whether the next period's run is still
        to come."""
        subscription = self._register.account(tenant_id).subscription
        invoices = self._invoices.period_invoices(tenant_id, period.following())
        corrected_on = invoices.current.invoice if invoices.current else None
        if invoices.previous is None:
            if period.end > today:
                return None  # not ended: its scheduled run is still to come
            lines = self._never_invoiced(tenant_id, period, subscription)
        else:
            lines = self._not_corrected(tenant_id, period, invoices.previous, corrected_on, subscription)
        if not lines:
            return None
        return Outstanding(
            tenant_id,
            period,
            invoices.previous.invoice_number if invoices.previous else None,
            corrected_on.invoice_number if corrected_on else None,
            lines,
            period.following().end <= today,
        )

    def _never_invoiced(
        self, tenant_id: str, period: Period, subscription: Subscription
    ) -> tuple[InvoiceLine, ...]:
        """The metered lines a run of the period would bill now (a flat fee is not usage)."""
        usage = self._reader.usage(tenant_id, period, meters_billed(self._catalog, period, subscription))
        draft = compose_invoice(
            tenant_id=tenant_id,
            subscription=subscription,
            period=period,
            usage=usage.billed,
            catalog=self._catalog,
            issue_date=period.end,
        )
        return tuple(line for line in draft.lines if line.meter is not None) if draft else ()

    def _not_corrected(
        self,
        tenant_id: str,
        period: Period,
        reviewed: Invoice,
        corrected_on: Invoice | None,
        subscription: Subscription,
    ) -> tuple[InvoiceLine, ...]:
        """The late usage of the invoiced period that neither it nor the next invoice billed."""
        meters = review_meters(reviewed, self._catalog, subscription)
        usage = self._reader.usage(tenant_id, period, meters)
        return outstanding(
            reviewed, corrected_on, usage.billed, subscription=subscription, catalog=self._catalog
        )
