"""The local demo: legacy data → waves → notices → moves → monthly and annual invoices.

Everything runs in an in-process moto built from template.yaml. EventBridge delivery is
played by the demo: it reads the requests the planner put on the bus (through a queue),
hands each to the migration handler's code, and fires every move's schedule at its time.
"""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from periodyear.adapters import clients
from periodyear.adapters.invoices import InvoiceRepository, invoice_from_record, invoice_sk
from periodyear.adapters.items import from_item
from periodyear.adapters.runs import RunRepository
from periodyear.billing import wiring as billing_wiring
from periodyear.billing.job import run_billing_job
from periodyear.billing.outcomes import Outcome, RunResult, TenantResult
from periodyear.billing.request import BillingPlan, plan_run
from periodyear.billing.worker import handle_batches
from periodyear.config import BillingSettings
from periodyear.domain.basis import basis_rows
from periodyear.domain.calendar import Period, PeriodKind, format_instant, oslo_start_of, parse_instant
from periodyear.domain.catalog import Catalog, load_catalog
from periodyear.domain.pricing import price_charge
from periodyear.domain.tenant import TenantAccount
from periodyear.migration import wiring as migration_wiring
from periodyear.migration.job import handle_migration_event
from periodyear.observability import logger
from periodyear_local.delivery import deliver
from periodyear_local.demo_data import DemoData, generate, legacy_records
from periodyear_local.demo_delivery import DeliveryContext, delivery_chapter, report_delivery, sent_count
from periodyear_local.demo_register import register_chapter
from periodyear_local.sandbox import REGION, drain_queue, local_aws, patched_environ, route_to_queue
from periodyear_local.seed import batch_put, eventbridge_event, usage_item

PLANNED_AT = "2021-11-01T08:00:00Z"
WAVES = {
    "start_at": "2021-11-20T00:00:00Z",
    "window_start": "01:00",
    "window_end": "05:00",
    "capacity_per_night": 10,
}


def nok(value: Any) -> str:
    return f"{Decimal(value):,.2f}".replace(",", " ")


def json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class Demo:
    def __init__(self, console: Console, out: Path, names: dict[str, str]) -> None:
        self.console = console
        self.out = out
        self.names = names
        self.metrics = Metrics(namespace="PeriodeOgAr")

    # ------------------------------------------------------------------ migration
    def event(self, detail_type: str, detail: dict[str, Any], at: str) -> dict[str, Any]:
        envelope = eventbridge_event(detail_type, detail, at)
        result = handle_migration_event(envelope, self.metrics)
        self.metrics.clear_metrics()  # CloudWatch gets these in Lambda; the demo prints its own summary
        return result

    def scheduled_moves(self) -> list[tuple[str, str]]:
        """The move schedules, each with its move time (the resume schedules left out)."""
        scheduler = boto3.client("scheduler", region_name=REGION)
        group = self.names["MigrationScheduleGroup"]
        moves = []
        pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
        for summary in (entry for page in pages for entry in page["Schedules"]):
            schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=group)
            detail = json.loads(schedule["Target"]["Input"])
            if detail.get("resume"):  # a step's safety net, set on the real clock: it finds the step done
                continue
            at = schedule["ScheduleExpression"].removeprefix("at(").removesuffix(")") + "Z"
            moves.append((at, detail["tenant_id"]))
        return sorted(moves)

    def write_notices(self) -> tuple[list[Path], dict[str, str]]:
        folder = self.out / "notices"
        folder.mkdir(parents=True, exist_ok=True)
        paths, samples = [], {}
        for number, sent in enumerate(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages, start=1):
            message = email.message_from_string(sent.raw_data, policy=email.policy.default)
            tenant, language = message["X-Periodyear-Tenant"], message["Content-Language"]
            path = folder / f"{number:03d}-{tenant}.eml"
            path.write_text(sent.raw_data, encoding="utf-8")
            paths.append(path)
            body = message.get_body(preferencelist=("plain",))
            if language not in samples and body is not None:
                samples[language] = (
                    f"Subject: {message['Subject']}\nTo: {message['To']}\n\n{body.get_content()}"
                )
        return paths, samples

    def migrate(self, firms: int) -> int:
        """Plan, notify and move; returns how many tenants were moved."""
        self.console.rule("[bold]1. Migration from the old platform[/]")
        queue = route_to_queue(
            self.names["EventBus"], ["TenantMigrationRequested"], "demo-migration-requests"
        )
        plan = self.event("MigrationWavePlanRequested", WAVES, PLANNED_AT)
        self.console.print(f"Wave plan at {PLANNED_AT} {json.dumps(WAVES)}:\n  {json.dumps(plan)}")
        if plan["outcome"] != "planned":
            return 0
        requests = sorted(
            drain_queue(queue), key=lambda r: (r["detail"]["move_at"], r["detail"]["tenant_id"])
        )
        outcomes: dict[str, list[str]] = {}
        refused: list[tuple[str, str]] = []
        with self.progress() as progress:
            task = progress.add_task("notices", total=len(requests))
            for request in requests:
                result = self.event("TenantMigrationRequested", request["detail"], PLANNED_AT)
                outcomes.setdefault(result["outcome"], []).append(result["tenant_id"])
                if result["outcome"] == "refused":
                    refused.append((result["tenant_id"], result["reason"]))
                progress.advance(task)
        paths, samples = self.write_notices()
        moves = self.scheduled_moves()
        with self.progress() as progress:
            task = progress.add_task("moves", total=len(moves))
            for at, tenant in moves:  # the schedules firing, each at its move time
                result = self.event("TenantMigrationDue", {"tenant_id": tenant}, at)
                outcomes.setdefault(f"move {result['outcome']}", []).append(tenant)
                progress.advance(task)
        nights = sorted({parse_instant(at).astimezone(UTC).date() for at, _ in moves})
        self.console.print(
            f"[bold]Migration summary[/]: {firms} tenants on the old platform, {plan['waves']} waves "
            f"({nights[0]:%d.%m}–{nights[-1]:%d.%m.%Y}), notices sent {len(paths)}, tenants moved "
            f"{len(outcomes.get('move moved', []))}, refused {len(refused)}"
        )
        for tenant, reason in refused:
            self.console.print(f"  [yellow]not moved[/] {tenant}: {reason}")
        for language in ("nb", "en"):
            if language in samples:
                self.console.print(f"\n[bold]A notice ({language})[/]\n{samples[language]}")
        self.console.print(f"Notices written as .eml files under {self.out / 'notices'}")
        return len(outcomes.get("move moved", []))

    # ------------------------------------------------------------------ billing
    def progress(self) -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )

    def write_invoice(self, record: dict[str, Any]) -> list[Path]:
        """The invoice record as JSON, and its three documents as stored in S3."""
        folder = self.out / "invoices" / record["tenant_id"]
        folder.mkdir(parents=True, exist_ok=True)
        number = int(record["invoice_number"])
        json_path = folder / f"{number}.json"
        public = {k: v for k, v in record.items() if k not in ("pk", "sk")}
        json_path.write_text(
            json.dumps(public, indent=2, ensure_ascii=False, default=json_default) + "\n", encoding="utf-8"
        )
        written = [json_path]
        s3 = boto3.client("s3", region_name=REGION)
        for extension, key in sorted(record.get("documents", {}).items()):
            path = folder / f"{number}.{extension}"
            path.write_bytes(
                s3.get_object(Bucket=self.names["InvoiceDocumentsBucket"], Key=key)["Body"].read()
            )
            written.append(path)
        return written

    def report(self, result: RunResult, summary: dict[str, Any], repository: InvoiceRepository) -> list[Path]:
        table = Table(
            title=f"{result.plan.kind.value.capitalize()} collective invoices for {result.plan.period.label}"
        )
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
        written: list[Path] = []
        largest: tuple[Decimal, dict[str, Any], TenantAccount] | None = None
        for tenant in sorted(result.tenants, key=lambda t: t.invoice_number or 0):
            if tenant.outcome is not Outcome.ISSUED or tenant.account is None:
                continue
            record = self.stored_record(tenant.tenant_id, result.plan.period)
            written += self.write_invoice(record)
            table.add_row(
                str(record["invoice_number"]),
                tenant.account.name,
                record["package"],
                record["price_list"],
                ", ".join(f"{line['code']}×{line['quantity']}" for line in record["lines"]),
                nok(record["subtotal"]),
                nok(record["vat_amount"]),
                nok(record["total"]),
            )
            if largest is None or record["total"] > largest[0]:
                largest = (record["total"], record, tenant.account)
        self.console.print(table)
        self.console.print(
            f"[bold]Summary[/]: invoices issued {summary['invoices_issued']}, "
            f"tenants seen {summary['tenants_seen']}, "
            f"nothing to bill {summary['tenants_with_nothing_to_bill']}, invalid usage records "
            f"{summary['invalid_usage_records']}, failed tenants {len(summary['failed_tenants'])}, "
            f"total billed NOK {nok(summary['total_billed'])}; documents stored and announced for "
            f"{summary['documents_completed']} invoices, pending {len(summary['documents_pending'])}"
        )
        if largest:
            self.console.print(self.basis_table(largest[1], largest[2]))
        return written

    def basis_table(self, record: dict[str, Any], account: TenantAccount) -> Table:
        basis = Table(title=f"Re-invoicing basis of invoice {record['invoice_number']} ({account.name})")
        for column in ("Client", "Name", "Bureau client", "Code", "Qty", "Excl. VAT", "VAT", "Incl. VAT"):
            basis.add_column(
                column, justify="right" if column in ("Qty", "Excl. VAT", "VAT", "Incl. VAT") else "left"
            )
        for row in basis_rows(invoice_from_record(record).draft, account.clients):
            basis.add_row(
                row.client_id,
                row.client_name or "(no client)",
                "yes" if row.is_bureau_client else "",
                row.code,
                str(row.quantity),
                nok(row.amount),
                nok(row.vat),
                nok(row.total),
            )
        return basis

    def stored_record(self, tenant_id: str, period: Period) -> dict[str, Any]:
        """The invoice item as the table holds it (what a reader of the invoices table sees)."""
        item = clients.dynamodb().get_item(
            TableName=self.names["InvoicesTable"],
            Key={"pk": {"S": f"TENANT#{tenant_id}"}, "sk": {"S": invoice_sk(period)}},
        )["Item"]
        return from_item(item)

    def fan_out_run(
        self, kind: PeriodKind, event: dict[str, Any], firms: int
    ) -> tuple[dict[str, Any], RunResult]:
        """The run as Lambda runs it: the job's handler plans and queues the batches, then the
        worker bills them as the queue's event source mapping delivers them."""
        metrics = QuietMetrics()
        fan_out = billing_wiring.fan_out()
        tenants: list[TenantResult] = []
        with self.progress() as progress:
            task = progress.add_task(f"billing {kind.value.lower()}", total=firms)

            def seen(tenant: TenantResult) -> None:
                tenants.append(tenant)
                progress.advance(task)

            fan_out.on_tenant = seen
            handed = run_billing_job(kind, event, metrics, request_id=f"demo-{uuid.uuid4()}")
            self.console.print(
                f"Run {handed['run_id']}: {handed['tenants_handed_on']} tenants handed on to the billing "
                f"queue in {handed['batches']} batches"
            )
            delivery = deliver(
                self.names["BillingQueue"], lambda e, c: handle_batches(e, c, metrics), batch_size=4
            )
        fan_out.on_tenant = None
        record = RunRepository(clients.dynamodb(), self.names["InvoicesTable"]).get(handed["run_id"])
        if record is None or record.summary is None:
            raise RuntimeError(f"run {handed['run_id']} did not complete")
        self.console.print(
            f"Worker: {delivery.invocations} invocations took {delivery.messages_delivered} messages "
            f"({delivery.failed_deliveries} to come again); run {record.status.value.lower()}, "
            f"BillingRunCompleted {'announced' if record.announced else 'NOT announced'}"
        )
        plan = BillingPlan.from_message({**handed, "now": event["time"]})
        return record.summary, RunResult(plan, tenants)

    def bill(self, kind: PeriodKind, event: dict[str, Any], firms: int) -> RunResult:
        repository = InvoiceRepository(clients.dynamodb(), self.names["InvoicesTable"])
        plan = plan_run(kind, event, clock_now=datetime.now(UTC), run_id="")
        self.console.print(
            f"\nScheduled {kind.value.lower()} event {json.dumps(event)} → bills {plan.period.label} "
            f"({plan.period.start} to {plan.period.last_day}), issue date {plan.issue_date}"
        )
        summary, result = self.fan_out_run(kind, event, firms)
        self.report(result, summary, repository)
        manual = {
            "time": event["time"],
            "period" if kind is PeriodKind.MONTHLY else "year": (
                plan.period.label if kind is PeriodKind.MONTHLY else int(plan.period.label)
            ),
        }
        again, _ = self.fan_out_run(kind, manual, firms)
        self.console.print(
            f"Re-running {plan.period.label} by hand ({json.dumps(manual)}): invoices issued "
            f"{again['invoices_issued']}, already issued {again['invoices_already_issued']}; "
            f"invoice numbers in use: 1..{repository.last_number()}"
        )
        summary_path = self.out / f"summary-{kind.value.lower()}.json"
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return result

    def late_usage(self, monthly: RunResult, annual: RunResult, firms: int) -> None:
        """Usage that reaches the table after its period was invoiced, billed on the next invoice
        of the kind (CONTRACT §5a): one more client's close for two monthly firms, and one more
        Altinn submission for a firm whose annual volume tier then drops (a credit note), where
        the demo data has such a firm."""
        catalog = load_catalog(BillingSettings.load().catalog_path)
        for result, usage_type, wanted in ((monthly, "period.closed", 2), (annual, "annual.submitted", 1)):
            found = list(_late_candidates(result, catalog, usage_type))[:wanted]
            if not found:
                kind, label = result.plan.kind.value.lower(), result.plan.period.label
                self.console.print(
                    f"\nNo {kind} {label} invoice of the demo's firms sits just below a volume tier, so no "
                    "credit note is shown here (docs/billing.md works one through)."
                )
                continue
            for items, said in found:
                batch_put(clients.dynamodb(), self.names["UsageTable"], items)
                self.console.print(f"\nArrived late: {said}")
            self.corrections_run(result.plan.kind, result.plan.period.following(), firms)

    def corrections_run(self, kind: PeriodKind, period: Period, firms: int) -> None:
        event = {"time": format_instant(oslo_start_of(period.end) + timedelta(hours=3))}
        self.console.print(
            f"\nScheduled {kind.value.lower()} event {json.dumps(event)} → bills {period.label}"
        )
        summary, result = self.fan_out_run(kind, event, firms)
        table = Table(title=f"Invoices of {period.label} that correct {period.previous().label}")
        for column in ("No.", "Firm", "Document", "Correction lines", "Total"):
            table.add_column(column, justify="right" if column in ("No.", "Total") else "left")
        for tenant in sorted(result.tenants, key=lambda t: t.invoice_number or 0):
            if tenant.outcome is not Outcome.ISSUED or tenant.account is None:
                continue
            record = self.stored_record(tenant.tenant_id, period)
            self.write_invoice(record)
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
        self.console.print(table)
        self.console.print(
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


class QuietMetrics(Metrics):
    """The demo prints its own report; Lambda's metrics (EMF lines) would only clutter it."""

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        return None

    def add_dimension(self, *args: Any, **kwargs: Any) -> None:
        return None


def both_invoices(monthly: RunResult, annual: RunResult, package: str = "KOMPLETT") -> str | None:
    """A firm of ``package`` with both a monthly and an annual invoice from these runs."""
    annual_issued = {t.tenant_id: t for t in annual.tenants if t.outcome is Outcome.ISSUED and t.draft}
    for tenant in monthly.tenants:
        other = annual_issued.get(tenant.tenant_id)
        if other is None or other.draft is None or tenant.draft is None or tenant.account is None:
            continue
        if tenant.outcome is Outcome.ISSUED and tenant.draft.package == package:
            return (
                f"{tenant.account.name} ({package}): monthly {monthly.plan.period.label} invoice no. "
                f"{tenant.invoice_number} (NOK {nok(tenant.draft.total)}) and annual "
                f"{annual.plan.period.label} invoice no. {other.invoice_number} "
                f"(NOK {nok(other.draft.total)})"
            )
    return None


def run_demo(console: Console, period: str, out: Path) -> int:
    logger.setLevel("ERROR")  # the demo prints its own report; the JSON log is for Lambda
    billed = Period.parse_month(period)
    september = date(billed.end.year if billed.end.month <= 9 else billed.end.year + 1, 9, 1)
    monthly_event = {"time": format_instant(oslo_start_of(billed.end) + timedelta(hours=3))}  # 03:00 Oslo
    annual_event = {"time": format_instant(oslo_start_of(september) + timedelta(hours=4))}  # 04:00 Oslo
    console.rule("[bold]Periode & År: local demo[/] (in-process moto, resources from template.yaml)")
    with local_aws("MigrateTenantFunction") as aws:
        billing_wiring.reset()
        migration_wiring.reset()
        data: DemoData = generate()
        batch_put(aws["dynamodb"], aws["tables"]["LegacyTable"], legacy_records(data))
        batch_put(aws["dynamodb"], aws["tables"]["UsageTable"], data.usage)
        console.print(
            f"Old platform: {len(data.firms)} firms with {data.client_count} clients (bureau clients "
            f"included). Usage: {len(data.usage)} items (period closings and VPI use March–August 2022, "
            f"Altinn submissions since September 2021; {data.invalid_usage} invalid)."
        )
        out.mkdir(parents=True, exist_ok=True)
        demo = Demo(console, out, aws["tables"])
        moved = demo.migrate(len(data.firms))
        console.rule("[bold]2. Collective invoices[/]")
        with patched_environ(aws["provisioned"].environment("MonthlyInvoiceFunction")):
            billing_wiring.reset()  # the billing functions' environment, as the template gives it
            monthly = demo.bill(PeriodKind.MONTHLY, monthly_event, moved)
            annual = demo.bill(PeriodKind.ANNUAL, annual_event, moved)
            if both := both_invoices(monthly, annual):
                console.print(f"\nOne firm, two invoices: {both}")
            console.rule("[bold]3. Late usage: corrections on the next invoice[/]")
            demo.late_usage(monthly, annual, moved)
        console.rule("[bold]4. The client register's API: a new client, user and firm, billed next[/]")
        register_chapter(demo, aws, monthly, billed.following().following(), moved)
        console.rule("[bold]5. Delivery: every invoice reaches its firm, through PEPPOL or by e-mail[/]")
        delivered = delivery_chapter(DeliveryContext(console, out, aws["provisioned"]), sent_count())
        report_delivery(console, delivered)
        console.print(
            f"\nOutput under {out}: notices/*.eml; invoices/<tenant>/<number>.json (the record) with "
            f"<number>.xml (EHF), .pdf and .csv (basis) as stored in S3; invoice-mail/*.eml (the "
            f"invoices e-mailed); summary-monthly.json, summary-annual.json"
        )
        billing_wiring.reset()
        migration_wiring.reset()
    return 0
