"""The demo's second chapter: the monthly and the annual run, each as Lambda runs it (the job's
handler plans and queues the batches, the worker bills them as the queue delivers them), run
again by hand to show nothing is issued twice; each invoice and its documents written out."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Metrics
from rich.table import Table

from periodyear.adapters.invoice_items import invoice_from_record, invoice_sk
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.items import from_item
from periodyear.adapters.runs import RunRepository
from periodyear.billing.bootstrap import BillingServices, bootstrap
from periodyear.billing.job import run_billing_job
from periodyear.billing.outcomes import Outcome, RunResult, TenantResult
from periodyear.billing.request import BillingPlan, plan_run
from periodyear.billing.worker import handle_batches
from periodyear.config import BillingSettings, DocumentSettings, FanOutSettings, Seller
from periodyear.domain.basis import basis_rows
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.tenant import TenantAccount
from periodyear_local import services
from periodyear_local.delivery import deliver
from periodyear_local.demo_context import DemoContext, json_default, nok
from periodyear_local.sandbox import patched_environ


class BillingChapter:
    """Runs of the billing functions, with their services as the template's environment gives them."""

    def __init__(self, context: DemoContext) -> None:
        self.context = context
        with patched_environ(context.provisioned.environment("MonthlyInvoiceFunction")):
            self.billing_settings = BillingSettings.load()
            documents, fanning, seller = DocumentSettings.load(), FanOutSettings.load(), Seller.load()
        self.billing: BillingServices = bootstrap(
            self.billing_settings,
            clients=context.clients,
            clock=services.system_clock,
            documents=lambda: documents,
            fanning=lambda: fanning,
            seller=lambda: seller,
        )

    def write_invoice(self, record: dict[str, Any]) -> list[Path]:
        """The invoice record as JSON, and its three documents as stored in S3."""
        folder = self.context.out / "invoices" / record["tenant_id"]
        folder.mkdir(parents=True, exist_ok=True)
        number = int(record["invoice_number"])
        json_path = folder / f"{number}.json"
        public = {k: v for k, v in record.items() if k not in ("pk", "sk")}
        json_path.write_text(
            json.dumps(public, indent=2, ensure_ascii=False, default=json_default) + "\n", encoding="utf-8"
        )
        written = [json_path]
        s3 = self.context.clients.s3()
        for extension, key in sorted(record.get("documents", {}).items()):
            path = folder / f"{number}.{extension}"
            path.write_bytes(
                s3.get_object(Bucket=self.context.names["InvoiceDocumentsBucket"], Key=key)["Body"].read()
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
        self.context.console.print(table)
        self.context.console.print(
            f"[bold]Summary[/]: invoices issued {summary['invoices_issued']}, "
            f"tenants seen {summary['tenants_seen']}, "
            f"nothing to bill {summary['tenants_with_nothing_to_bill']}, invalid usage records "
            f"{summary['invalid_usage_records']}, failed tenants {len(summary['failed_tenants'])}, "
            f"total billed NOK {nok(summary['total_billed'])}; documents stored and announced for "
            f"{summary['documents_completed']} invoices, pending {len(summary['documents_pending'])}"
        )
        if largest:
            self.context.console.print(self.basis_table(largest[1], largest[2]))
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
        item = self.context.clients.dynamodb().get_item(
            TableName=self.context.names["InvoicesTable"],
            Key={"pk": {"S": f"TENANT#{tenant_id}"}, "sk": {"S": invoice_sk(period)}},
        )["Item"]
        return from_item(item)

    def fan_out_run(
        self, kind: PeriodKind, event: dict[str, Any], firms: int
    ) -> tuple[dict[str, Any], RunResult]:
        """The run as Lambda runs it: the job's handler plans and queues the batches, then the
        worker bills them as the queue's event source mapping delivers them."""
        metrics = QuietMetrics()
        billing = self.billing
        fan_out = billing.fan_out
        tenants: list[TenantResult] = []
        with self.context.progress() as progress:
            task = progress.add_task(f"billing {kind.value.lower()}", total=firms)

            def seen(tenant: TenantResult) -> None:
                tenants.append(tenant)
                progress.advance(task)

            fan_out.on_tenant = seen
            handed = run_billing_job(kind, event, metrics, f"demo-{uuid.uuid4()}", billing)
            self.context.console.print(
                f"Run {handed['run_id']}: {handed['tenants_handed_on']} tenants handed on to the billing "
                f"queue in {handed['batches']} batches"
            )
            delivery = deliver(
                self.context.names["BillingQueue"],
                lambda e, c: handle_batches(e, c, metrics, billing),
                batch_size=4,
            )
        fan_out.on_tenant = None
        record = RunRepository(self.context.clients.dynamodb(), self.context.names["InvoicesTable"]).get(
            handed["run_id"]
        )
        if record is None or record.summary is None:
            raise RuntimeError(f"run {handed['run_id']} did not complete")
        self.context.console.print(
            f"Worker: {delivery.invocations} invocations took {delivery.messages_delivered} messages "
            f"({delivery.failed_deliveries} to come again); run {record.status.value.lower()}, "
            f"BillingRunCompleted {'announced' if record.announced else 'NOT announced'}"
        )
        plan = BillingPlan.from_message({**handed, "now": event["time"]})
        return record.summary, RunResult(plan, tenants)

    def bill(self, kind: PeriodKind, event: dict[str, Any], firms: int) -> RunResult:
        repository = InvoiceRepository(self.context.clients.dynamodb(), self.context.names["InvoicesTable"])
        plan = plan_run(kind, event, clock_now=datetime.now(UTC), run_id="")
        self.context.console.print(
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
        self.context.console.print(
            f"Re-running {plan.period.label} by hand ({json.dumps(manual)}): invoices issued "
            f"{again['invoices_issued']}, already issued {again['invoices_already_issued']}; "
            f"invoice numbers in use: 1..{repository.last_number()}"
        )
        summary_path = self.context.out / f"summary-{kind.value.lower()}.json"
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return result


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
