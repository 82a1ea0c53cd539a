"""The local runner: ``python -m periodyear_local demo | invoice``.

``demo`` runs everything in an in-process moto built from template.yaml: no AWS account,
no Docker, no network. ``invoice`` runs a billing job against the AWS the environment
points at (credentials, region, table names, ``AWS_ENDPOINT_URL`` for a local endpoint).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from periodyear.adapters import clients
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.billing import wiring
from periodyear.billing.request import BillingPlan, plan_run
from periodyear.billing.service import BillingService, Outcome, RunResult
from periodyear.domain.calendar import Period, PeriodKind, format_instant, oslo_start_of
from periodyear.domain.tenant import TenantAccount
from periodyear.observability import logger
from periodyear_local.demo_data import generate, register_records
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put

console = Console(width=max(132, shutil.get_terminal_size().columns))


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _nok(value: Any) -> str:
    return f"{Decimal(value):,.2f}".replace(",", " ")


def _write_invoice_files(out: Path, record: dict[str, Any], clients: dict[str, Any]) -> tuple[Path, Path]:
    folder = out / "invoices" / record["tenant_id"]
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{int(record['invoice_number']):06d}-{record['kind'].lower()}-{record['sk'].rsplit('#', 1)[1]}"
    json_path = folder / f"{stem}.json"
    public = {k: v for k, v in record.items() if k not in ("pk", "sk")}
    json_path.write_text(
        json.dumps(public, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8"
    )
    csv_path = folder / f"{stem}-basis.csv"
    with csv_path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "client_id",
                "client_name",
                "org_number",
                "bureau_client",
                "code",
                "description",
                "quantity",
                "amount_excl_vat",
            ]
        )
        for line in record["lines"]:
            if not line["allocations"]:
                writer.writerow(
                    ["", "", "", "", line["code"], line["description"], line["quantity"], line["amount"]]
                )
            for share in line["allocations"]:
                client = clients.get(share["client_id"])
                writer.writerow(
                    [
                        share["client_id"],
                        client.name if client else "",
                        client.org_number if client else "",
                        "ja" if client and client.is_bureau_client else "nei",
                        line["code"],
                        line["description"],
                        share["quantity"],
                        share["amount"],
                    ]
                )
    return json_path, csv_path


def _invoice_table(title: str) -> Table:
    table = Table(title=title)
    for column, justify in [
        ("No.", "right"),
        ("Firm", "left"),
        ("Package", "left"),
        ("Price list", "left"),
        ("Lines", "left"),
        ("Subtotal", "right"),
        ("VAT", "right"),
        ("Total", "right"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    return table


def _basis_table(record: dict[str, Any], account: TenantAccount) -> Table:
    basis = Table(title=f"Re-invoicing basis of invoice {record['invoice_number']} ({account.name})")
    for column in ("Client", "Name", "Org. no.", "Code", "Qty", "Amount excl. VAT"):
        basis.add_column(column)
    for line in record["lines"]:
        for share in line["allocations"]:
            client = account.clients.get(share["client_id"])
            basis.add_row(
                share["client_id"],
                client.name if client else "?",
                client.org_number if client else "",
                line["code"],
                str(share["quantity"]),
                _nok(share["amount"]),
            )
        if not line["allocations"]:
            basis.add_row("", "(no client)", "", line["code"], str(line["quantity"]), _nok(line["amount"]))
    return basis


def _report(result: RunResult, repository: InvoiceRepository, out: Path) -> list[Path]:
    """Print the invoices of a run and write their files; returns the files written."""
    table = _invoice_table(
        f"{result.plan.kind.value.capitalize()} collective invoices for {result.plan.period.label}"
    )
    written: list[Path] = []
    largest: tuple[Decimal, dict[str, Any], TenantAccount] | None = None
    for tenant in sorted(result.tenants, key=lambda t: t.invoice_number or 0):
        if tenant.outcome is not Outcome.ISSUED or tenant.account is None:
            continue
        record = repository.issued(tenant.tenant_id, result.plan.period)
        if record is None:
            raise RuntimeError(f"invoice of {tenant.tenant_id} was reported issued but is not stored")
        written.extend(_write_invoice_files(out, record, tenant.account.clients))
        table.add_row(
            str(record["invoice_number"]),
            tenant.account.name,
            record["package"],
            record["price_list"],
            ", ".join(f"{line['code']}×{line['quantity']}" for line in record["lines"]),
            _nok(record["subtotal"]),
            _nok(record["vat_amount"]),
            _nok(record["total"]),
        )
        if largest is None or record["total"] > largest[0]:
            largest = (record["total"], record, tenant.account)
    console.print(table)
    summary = result.summary()
    console.print(
        f"[bold]Summary[/]: invoices issued {summary['invoices_issued']}, "
        f"tenants seen {summary['tenants_seen']}, "
        f"nothing to bill {summary['tenants_with_nothing_to_bill']}, invalid usage records "
        f"{summary['invalid_usage_records']}, failed tenants {len(summary['failed_tenants'])}, "
        f"total billed NOK {_nok(summary['total_billed'])}"
    )
    for failure in summary["failed_tenants"]:
        console.print(f"  [yellow]not billed[/] {failure['tenant_id']}: {failure['error']}")
    if largest:
        console.print(_basis_table(largest[1], largest[2]))
    return written


def _run_with_progress(service: BillingService, plan: BillingPlan, tenants: int) -> RunResult:
    with Progress(
        TextColumn("Billing {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"{plan.kind.value.lower()} {plan.period.label}", total=tenants)
        return service.run(plan, on_tenant=lambda _tenant: progress.advance(task))


def _bill(
    service: BillingService,
    repository: InvoiceRepository,
    kind: PeriodKind,
    event: dict[str, Any],
    *,
    firms: int,
    out: Path,
) -> tuple[RunResult, list[Path]]:
    """One scheduled run as the demo shows it: progress, invoices, a re-run, the summary file."""
    plan = plan_run(kind, event, clock_now=datetime.now(UTC), run_id=f"demo-{kind.value.lower()}")
    console.print(
        f"\nScheduled {kind.value.lower()} event {json.dumps(event)} → bills {plan.period.label} "
        f"({plan.period.start} to {plan.period.last_day}), issue date {plan.issue_date}"
    )
    result = _run_with_progress(service, plan, firms)
    written = _report(result, repository, out)
    again = service.run(replace(plan, run_id=f"demo-{kind.value.lower()}-again")).summary()
    console.print(
        f"Re-running {plan.period.label}: invoices issued {again['invoices_issued']}, already issued "
        f"{again['invoices_already_issued']}; invoice numbers in use: 1..{repository.last_number()}"
    )
    summary_path = out / f"summary-{kind.value.lower()}.json"
    summary_path.write_text(
        json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return result, [*written, summary_path]


def _both_invoices(monthly: RunResult, annual: RunResult, package: str = "KOMPLETT") -> str | None:
    issued = {t.tenant_id: t for t in annual.tenants if t.outcome is Outcome.ISSUED}
    for tenant in monthly.tenants:
        other = issued.get(tenant.tenant_id)
        if tenant.outcome is Outcome.ISSUED and other and tenant.draft and other.draft and tenant.account:
            if tenant.draft.package != package:
                continue
            return (
                f"{tenant.account.name} ({package}): monthly {monthly.plan.period.label} invoice no. "
                f"{tenant.invoice_number} (NOK {_nok(tenant.draft.total)}) and annual "
                f"{annual.plan.period.label} invoice no. {other.invoice_number} "
                f"(NOK {_nok(other.draft.total)})"
            )
    return None


def demo(period: str, out: Path) -> int:
    logger.setLevel("ERROR")  # the demo prints its own report; the JSON log is for Lambda
    billed = Period.parse_month(period)
    september = date(billed.end.year if billed.end.month <= 9 else billed.end.year + 1, 9, 1)
    monthly_event = {"time": format_instant(oslo_start_of(billed.end) + timedelta(hours=3))}  # 03:00 Oslo
    annual_event = {"time": format_instant(oslo_start_of(september) + timedelta(hours=4))}  # 04:00 Oslo
    console.rule("[bold]Periode & År: local demo[/] (in-process moto, tables from template.yaml)")
    with local_aws("MonthlyInvoiceFunction") as aws:
        wiring.reset()
        data = generate()
        tables = aws["tables"]
        batch_put(aws["dynamodb"], tables["RegisterTable"], register_records(data))
        batch_put(aws["dynamodb"], tables["UsageTable"], data.usage)
        intro = sum(1 for firm in data.firms if firm.price_switch_date > billed.start)
        console.print(
            f"Data set: {len(data.firms)} firms, {data.client_count} clients, {len(data.usage)} usage items "
            f"(March–August 2022 closings and VPI use, Altinn submissions since September 2021; "
            f"{data.invalid_usage} invalid); {intro} firms still on the introductory price list in {period}."
        )
        service = wiring.billing_service()
        repository = InvoiceRepository(clients.dynamodb(), tables["InvoicesTable"])
        out.mkdir(parents=True, exist_ok=True)
        monthly, monthly_files = _bill(
            service, repository, PeriodKind.MONTHLY, monthly_event, firms=len(data.firms), out=out
        )
        annual, annual_files = _bill(
            service, repository, PeriodKind.ANNUAL, annual_event, firms=len(data.firms), out=out
        )
        both = _both_invoices(monthly, annual)
        if both:
            console.print(f"\nOne firm, two invoices: {both}")
        files = monthly_files + annual_files
        console.print(
            f"Wrote {len(files)} files (invoice JSON, basis CSV, run summaries) under {out}: "
            f"{out / 'invoices'}/<tenant>/, {out}/summary-monthly.json, {out}/summary-annual.json"
        )
        wiring.reset()
    return 0


def invoice(kind: str, period: str | None, year: int | None, dry_run: bool, tenants: Sequence[str]) -> int:
    event: dict[str, Any] = {"dry_run": dry_run}
    if period:
        event["period"] = period
    if year:
        event["year"] = year
    if tenants:
        event["tenant_ids"] = list(tenants)
    plan = plan_run(PeriodKind(kind.upper()), event, clock_now=datetime.now(UTC), run_id=f"cli-{os.getpid()}")
    summary = wiring.billing_service().run(plan).summary()
    console.print_json(json.dumps(summary))
    return 1 if summary["failed_tenants"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="periodyear", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_cmd = commands.add_parser("demo", help="run the monthly job on demo data in an in-process moto")
    demo_cmd.add_argument("--period", default="2022-08", help="month to bill, YYYY-MM (default 2022-08)")
    demo_cmd.add_argument(
        "--out", type=Path, default=Path("out/demo"), help="output folder (default out/demo)"
    )
    invoice_cmd = commands.add_parser("invoice", help="run a billing job against the configured AWS")
    invoice_cmd.add_argument("kind", choices=["monthly", "annual"])
    invoice_cmd.add_argument("--period", help="YYYY-MM (monthly)")
    invoice_cmd.add_argument("--year", type=int, help="YYYY (annual)")
    invoice_cmd.add_argument("--dry-run", action="store_true", help="compute and report, write nothing")
    invoice_cmd.add_argument("--tenant", action="append", default=[], help="limit to a tenant (repeatable)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.period, args.out)
    return invoice(args.kind, args.period, args.year, args.dry_run, args.tenant)


if __name__ == "__main__":
    sys.exit(main())
