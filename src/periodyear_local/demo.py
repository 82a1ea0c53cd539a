"""The local demo: legacy data → waves → notices → moves → monthly and annual invoices → late
usage → the register's API → delivery, one chapter a module.

Everything runs in an in-process moto built from template.yaml, through the functions' own code:
each chapter builds the services its functions build, over the demo's clients, in the
environment the template gives those functions (``DemoContext``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from periodyear.adapters.clients import Clients
from periodyear.domain.calendar import Period, PeriodKind, format_instant, oslo_start_of
from periodyear.observability import logger
from periodyear_local.demo_billing import BillingChapter, both_invoices
from periodyear_local.demo_context import DemoContext
from periodyear_local.demo_data import DemoData, generate, legacy_records
from periodyear_local.demo_delivery import delivery_chapter, report_delivery, sent_count
from periodyear_local.demo_late_usage import LateUsageChapter
from periodyear_local.demo_migration import MigrationChapter
from periodyear_local.demo_register import register_chapter
from periodyear_local.sandbox import local_aws, patched_environ
from periodyear_local.seed import batch_put


def run_demo(console: Console, period: str, out: Path) -> int:
    logger.setLevel("ERROR")  # the demo prints its own report; the JSON log is for Lambda
    billed = Period.parse_month(period)
    september = date(billed.end.year if billed.end.month <= 9 else billed.end.year + 1, 9, 1)
    monthly_event = {"time": format_instant(oslo_start_of(billed.end) + timedelta(hours=3))}  # 03:00 Oslo
    annual_event = {"time": format_instant(oslo_start_of(september) + timedelta(hours=4))}  # 04:00 Oslo
    console.rule("[bold]Periode & År: local demo[/] (in-process moto, resources from template.yaml)")
    with local_aws("MigrateTenantFunction") as aws:
        context = DemoContext(console, out, aws["provisioned"], Clients.fresh())
        data = old_platform(context)
        out.mkdir(parents=True, exist_ok=True)
        moved = MigrationChapter(context).migrate(len(data.firms))
        console.rule("[bold]2. Collective invoices[/]")
        billing = BillingChapter(context)
        with patched_environ(context.provisioned.environment("MonthlyInvoiceFunction")):
            monthly = billing.bill(PeriodKind.MONTHLY, monthly_event, moved)
            annual = billing.bill(PeriodKind.ANNUAL, annual_event, moved)
            if both := both_invoices(monthly, annual):
                console.print(f"\nOne firm, two invoices: {both}")
            console.rule("[bold]3. Late usage: corrections on the next invoice[/]")
            LateUsageChapter(billing, billing.billing_settings.catalog_path).late_usage(
                monthly, annual, moved
            )
        console.rule("[bold]4. The client register's API: a new client, user and firm, billed next[/]")
        register_chapter(context, billing, monthly, billed.following().following(), moved)
        console.rule("[bold]5. Delivery: every invoice reaches its firm, through PEPPOL or by e-mail[/]")
        report_delivery(console, delivery_chapter(context, sent_count()))
        console.print(
            f"\nOutput under {out}: notices/*.eml; invoices/<tenant>/<number>.json (the record) with "
            f"<number>.xml (EHF), .pdf and .csv (basis) as stored in S3; invoice-mail/*.eml (the "
            f"invoices e-mailed); summary-monthly.json, summary-annual.json"
        )
    return 0


def old_platform(context: DemoContext) -> DemoData:
    """The old platform's firms, clients and usage, written where the migration and billing read them."""
    data = generate()
    dynamodb, names = context.clients.dynamodb(), context.names
    batch_put(dynamodb, names["LegacyTable"], legacy_records(data))
    batch_put(dynamodb, names["UsageTable"], data.usage)
    context.console.print(
        f"Old platform: {len(data.firms)} firms with {data.client_count} clients (bureau clients "
        f"included). Usage: {len(data.usage)} items (period closings and VPI use March–August 2022, "
        f"Altinn submissions since September 2021; {data.invalid_usage} invalid)."
    )
    return data
