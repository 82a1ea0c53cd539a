"""Reading a tenant for a run: what the pricing needs, and nothing it does not.

A tenant's reading is its register account; its invoices for the period P and the period P′
before it, in one query; then one usage query per meter, each widened over P′ and P when P′
was invoiced, so P's invoice carries the corrections of late usage (CONTRACT §5a). When P's
invoice stands already as another run's (or a dry run finds one), no usage is read at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from periodyear.domain.corrections import review_meters
from periodyear.domain.invoice import meters_billed
from periodyear.domain.usage import InvalidUsage, UsageRecord, read_usage
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.billing.ports import Invoices, Register, Usage
    from periodyear.billing.request import BillingPlan
    from periodyear.domain.calendar import Period
    from periodyear.domain.catalog import Catalog
    from periodyear.domain.invoice import PeriodInvoices
    from periodyear.domain.meters import Meter
    from periodyear.domain.tenant import TenantAccount


@dataclass
class UsageRead:
    """A tenant's valid usage of the billed period and of the reviewed one, and the invalid items."""

    billed: list[UsageRecord] = field(default_factory=list)
    reviewed: list[UsageRecord] = field(default_factory=list)
    invalid: int = 0  # invalid items read, those of the reviewed period included
    invalid_reviewed: int = 0  # of which in the reviewed period


@dataclass(frozen=True)
class TenantReading:
    """What a run read of one tenant, for the pricing."""

    tenant_id: str
    account: TenantAccount
    invoices: PeriodInvoices  # of the billed period and the one before it (the reviewed one)
    usage: UsageRead  # empty when the period's invoice is another run's: none of its usage is read


class Reader:
    def __init__(self, *, register: Register, usage: Usage, invoices: Invoices, catalog: Catalog) -> None:
        self._register = register
        self._usage = usage
        self._invoices = invoices
        self._catalog = catalog

    def read(self, tenant_id: str, plan: BillingPlan) -> TenantReading:
        account = self._register.account(tenant_id)
        invoices = self._invoices.period_invoices(tenant_id, plan.period)
        current, previous = invoices.current, invoices.previous
        if current is not None and (plan.dry_run or current.run_id != plan.run_id):
            return TenantReading(tenant_id, account, invoices, UsageRead())
        subscription = account.subscription
        usage = self.usage(
            tenant_id,
            plan.period,
            meters_billed(self._catalog, plan.period, subscription),
            previous.draft.period if previous else None,
            review_meters(previous, self._catalog, subscription) if previous else frozenset(),
        )
        return TenantReading(tenant_id, account, invoices, usage)

    def usage(
        self,
        tenant_id: str,
        period: Period,
        meters: frozenset[Meter],
        reviewed: Period | None = None,
        reviewed_meters: frozenset[Meter] = frozenset(),
    ) -> UsageRead:
        """One query per meter, over the reviewed period and the billed one where both need it."""
        usage = UsageRead()
        for meter in sorted(meters | reviewed_meters):
            periods: Sequence[Period] = [
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
