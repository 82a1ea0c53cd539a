"""The demo's third chapter: usage that reaches the table after its period was invoiced, billed
on the next invoice of its kind as correction lines or a credit note (CONTRACT §5a)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.table import Table

from periodyear.billing.outcomes import Outcome, RunResult
from periodyear.domain.calendar import Period, PeriodKind, format_instant, oslo_start_of
from periodyear.domain.catalog import Catalog, load_catalog
from periodyear.domain.pricing import price_charge
from periodyear_local.demo_billing import BillingChapter
from periodyear_local.demo_context import nok
from periodyear_local.seed import batch_put, usage_item


class LateUsageChapter:
    def __init__(self, chapter: BillingChapter, catalog_path: Path | None) -> None:
        self.chapter = chapter
        self.catalog_path = catalog_path

    def late_usage(self, monthly: RunResult, annual: RunResult, firms: int) -> None:
        """Usage that reaches the table after its period was invoiced, billed on the next invoice
        of the kind (CONTRACT §5a): one more client's close for two monthly firms, and one more
        Altinn submission for a firm whose annual volume tier then drops (a credit note), where
        the demo data has such a firm."""
        catalog = load_catalog(self.catalog_path)
        for result, usage_type, wanted in ((monthly, "period.closed", 2), (annual, "annual.submitted", 1)):
            found = list(_late_candidates(result, catalog, usage_type))[:wanted]
            if not found:
                kind, label = result.plan.kind.value.lower(), result.plan.period.label
                self.chapter.context.console.print(
                    f"\nNo {kind} {label} invoice of the demo's firms sits just below a volume tier, so no "
                    "credit note is shown here (docs/billing.md works one through)."
                )
                continue
            for items, said in found:
                batch_put(
                    self.chapter.context.clients.dynamodb(), self.chapter.context.names["UsageTable"], items
                )
                self.chapter.context.console.print(f"\nArrived late: {said}")
            self.corrections_run(result.plan.kind, result.plan.period.following(), firms)

    def corrections_run(self, kind: PeriodKind, period: Period, firms: int) -> None:
        event = {"time": format_instant(oslo_start_of(period.end) + timedelta(hours=3))}
        self.chapter.context.console.print(
            f"\nScheduled {kind.value.lower()} event {json.dumps(event)} → bills {period.label}"
        )
        summary, result = self.chapter.fan_out_run(kind, event, firms)
        table = Table(title=f"Invoices of {period.label} that correct {period.previous().label}")
        for column in ("No.", "Firm", "Document", "Correction lines", "Total"):
            table.add_column(column, justify="right" if column in ("No.", "Total") else "left")
        for tenant in sorted(result.tenants, key=lambda t: t.invoice_number or 0):
            if tenant.outcome is not Outcome.ISSUED or tenant.account is None:
                continue
            record = self.chapter.stored_record(tenant.tenant_id, period)
            self.chapter.write_invoice(record)
            fixes = [fix for fix in record["lines"] if "correction_of" in fix]
            if fixes:
                table.add_row(
                    str(record["invoice_number"]),
                    tenant.account.name,
                    record["document_type"],
                    ", ".join(
                        f"{fix['code']} ×{fix['quantity']} {nok(fix['amount'])} (no. {fix['correction_of']})"
                        for fix in fixes
                    ),
                    nok(record["total"]),
                )
        self.chapter.context.console.print(table)
        self.chapter.context.console.print(
            f"[bold]Summary[/]: invoices issued {summary['invoices_issued']}, correction lines "
            f"{summary['correction_lines']}, credit notes {summary['credit_notes']}, total billed NOK "
            f"{nok(summary['total_billed'])}"
        )


def _late_candidates(
    result: RunResult, catalog: Catalog, usage_type: str
) -> Iterator[tuple[list[dict[str, Any]], str]]:
    """For firms invoiced in ``result``: usage items of more of their clients, dated the period's
    last day, and what they are in words. Monthly: one more client. Annual: the fewest more
    clients (at most 5) that move the firm's volume tier down, so the correction is a credit."""
    period = result.plan.period
    what = {"period.closed": "a period close", "annual.submitted": "an annual settlement submitted"}[
        usage_type
    ]
    for tenant in result.tenants:
        draft, account = tenant.draft, tenant.account
        if tenant.outcome is not Outcome.ISSUED or draft is None or account is None:
            continue
        line = next((line for line in draft.lines if line.allocations), None)
        if line is None:
            continue
        spare = sorted(set(account.clients) - {a.client_id for a in line.allocations})
        more = 1 if spare else 0
        if period.kind is PeriodKind.ANNUAL:
            charges = catalog.package_charges(draft.price_list, draft.package, period.kind)
            charge = next(c for c in charges if c.code == line.code)
            more = next(
                (
                    k
                    for k in range(1, min(5, len(spare)) + 1)
                    if price_charge(charge, line.quantity + k).amount < line.amount
                ),
                0,
            )
        if not more:
            continue
        occurred = format_instant(oslo_start_of(period.last_day) + timedelta(hours=10))
        names = ", ".join(account.clients[c].name for c in spare[:more])
        yield (
            [usage_item(tenant.tenant_id, usage_type, occurred, client_id=c) for c in spare[:more]],
            f"{account.name}: {what} for {names}, dated {period.last_day}, recorded after invoice no. "
            f"{tenant.invoice_number}",
        )
