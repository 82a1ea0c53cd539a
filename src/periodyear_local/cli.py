"""The local runner: ``python -m periodyear_local demo | invoice | run | report | migrate``.

``demo`` runs everything in an in-process moto built from template.yaml: no AWS account,
no Docker, no network. ``invoice`` and ``migrate`` run the same code as the Lambda
functions against the AWS the environment points at (credentials, region, the
functions' environment variables, ``AWS_ENDPOINT_URL`` for a local endpoint), or against a
deployed stack named with ``--stack NAME`` (its outputs and parameters give the settings).

A mistake ends with one line on stderr and a non-zero exit: 2 when nothing was done (a wrong
argument, missing settings, a period that has not ended), 1 when a run left something undone
(failed tenants, a refused migration step).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from periodyear.config import (
    BillingSettings,
    DocumentSettings,
    Seller,
)
from periodyear.domain.calendar import (
    Period,
    PeriodKind,
    oslo_date,
)
from periodyear.domain.errors import InvalidField, PeriodYearError
from periodyear_local import cli_deliveries, cli_migrate, cli_serve
from periodyear_local.cli_common import (
    CliError,
    _aws_problem,
    _day,
    _day_text,
    _month,
    _Parser,
    check_settings,
    configured,
    console,
)

HELP = """The local runner of Periode & År (.venv/bin/periodyear, or .venv/bin/python -m periodyear_local).

demo runs everything in an in-process moto built from template.yaml: no AWS account, no Docker,
no network. serve runs the register API on localhost over the same. invoice, report, run,
deliveries and migrate run the same code as the Lambda functions against the AWS the environment
points at (credentials, region, the functions' environment variables, AWS_ENDPOINT_URL for a
local endpoint), or against a deployed stack named with --stack NAME.

A mistake ends with one line on stderr and a non-zero exit: 2 when nothing was done (a wrong
argument, missing settings, a period that has not ended), 1 when a run left something undone
(failed tenants, a refused migration step, an invoice not delivered)."""
BILLING_FUNCTIONS = {"monthly": "MonthlyInvoiceFunction", "annual": "AnnualInvoiceFunction"}
MIGRATION_FUNCTION = "MigrateTenantFunction"
DEMO_OUTPUT = frozenset(
    {"notices", "invoices", "invoice-mail", "summary-monthly.json", "summary-annual.json"}
)


# ------------------------------------------------------------------ settings


# ------------------------------------------------------------------ values


# ------------------------------------------------------------------ invoice


def invoice_event(args: argparse.Namespace, today: date) -> tuple[dict[str, Any], Period | None]:
    """The manual event for ``invoice``, or a one-line refusal of what cannot be meant."""
    kind = args.kind
    if kind == "annual" and args.period is not None:
        raise CliError("an annual run takes --year YYYY, not --period (it bills September to August)")
    if kind == "monthly" and args.year is not None:
        raise CliError("a monthly run takes --period YYYY-MM, not --year")
    event: dict[str, Any] = {"dry_run": args.dry_run}
    period: Period | None = None
    if args.period is not None:
        period = _month(args.period)
        event["period"] = period.label
    if args.year is not None:
        if not 2000 <= args.year <= 9999:
            raise CliError(f"--year {args.year} is not a year this service bills: write YYYY, e.g. 2022")
        period = Period.annual(args.year)
        event["year"] = args.year
    if args.issue_date is not None:
        event["issue_date"] = _day("--issue-date", args.issue_date).isoformat()
    elif period is not None and not args.dry_run and today > period.end:
        raise CliError(
            f"{kind} {period.label} ended {_day_text(period.last_day)}: give --issue-date YYYY-MM-DD, "
            f"or its invoices would be dated today ({_day_text(today)}) with the due date from today"
        )
    if args.tenant:
        event["tenant_ids"] = list(args.tenant)
    return event, period


def check_tenants(tenant_ids: Iterable[str]) -> None:
    """Each tenant a run is limited to is in the register, or one line says which is not."""
    from periodyear.adapters import clients  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.domain.errors import TenantNotFound  # noqa: PLC0415

    register = RegisterRepository(clients.dynamodb(), BillingSettings.load().register_table)
    for tenant_id in tenant_ids:
        try:
            register.account(tenant_id)
        except TenantNotFound as missing:
            raise CliError(f"--tenant {tenant_id}: {missing}; nothing was billed") from None


def invoice(args: argparse.Namespace) -> int:
    from periodyear.billing import wiring as billing_wiring  # noqa: PLC0415
    from periodyear.billing.request import plan_run  # noqa: PLC0415

    now = datetime.now(UTC)
    event, _ = invoice_event(args, oslo_date(now))
    # The request is judged first (an open month is refused as such), the settings after it.
    try:
        plan = plan_run(PeriodKind(args.kind.upper()), event, clock_now=now, run_id=f"cli-{os.getpid()}")
    except InvalidField as wrong:  # named as this command takes it
        flag = {"issue_date": "--issue-date", "tenant_ids": "--tenant"}.get(wrong.field, wrong.field)
        raise CliError(f"{flag} {wrong.problem}") from None
    with configured(args.stack, [BILLING_FUNCTIONS[args.kind]]):
        check_settings(BillingSettings, DocumentSettings, Seller)
        billing_wiring.reset()
        check_tenants(plan.tenant_ids or ())
        summary = billing_wiring.billing_service().run(plan).summary()
    console.print_json(json.dumps(summary, default=str))
    numbers = summary.get("invoice_numbers") or []
    if not plan.dry_run:
        issued = summary.get("invoices_issued", 0)
        console.print(
            f"Invoices issued: {issued}" + (f", numbers {', '.join(numbers)}" if numbers else ""),
            highlight=False,
        )
    return 1 if summary["failed_tenants"] else 0


# ------------------------------------------------------------------ report


def late_usage_period(args: argparse.Namespace) -> Period:
    """The invoiced period whose late usage to report, or a one-line refusal."""
    if args.kind == "annual":
        if args.period is not None or args.year is None:
            raise CliError("an annual report takes --year YYYY, e.g. --year 2022")
        if not 2000 <= args.year <= 9999:
            raise CliError(f"--year {args.year} is not a year this service bills: write YYYY, e.g. 2022")
        return Period.annual(args.year)
    if args.year is not None or args.period is None:
        raise CliError("a monthly report takes --period YYYY-MM, e.g. --period 2022-02")
    return _month(args.period)


def report(args: argparse.Namespace) -> int:
    """Late usage of an invoiced period that no invoice has billed (CONTRACT §5a's window)."""
    from rich.table import Table  # noqa: PLC0415

    from periodyear.billing import wiring as billing_wiring  # noqa: PLC0415
    from periodyear.documents import wording  # noqa: PLC0415

    period = late_usage_period(args)
    today = oslo_date(datetime.now(UTC))
    if period.end > today:
        raise CliError(
            f"{args.kind} {period.label} has not ended (it ends {_day_text(period.last_day)}): "
            "its usage is billed by its own run, not yet late"
        )
    with configured(args.stack, [BILLING_FUNCTIONS[args.kind]]):
        check_settings(BillingSettings)
        billing_wiring.reset()
        late_usage = billing_wiring.late_usage_report()
        tenant_ids = list(args.tenant) or list(late_usage.tenant_ids())
        found, failed = [], []
        for tenant_id in tenant_ids:
            try:
                outcome = late_usage.outstanding(tenant_id, period, today)
            except (PeriodYearError, ClientError) as error:  # one tenant unread never hides the rest
                failed.append(f"{tenant_id}: {error}")
                continue
            if outcome is not None:
                found.append(outcome)
    table = Table(title=f"Usage of {args.kind} {period.label} not billed")
    for column in (
        "tenant",
        "invoice",
        "next invoice",
        "line",
        "quantity",
        "amount",
        "clients",
        "what to do",
    ):
        table.add_column(column, justify="right" if column in ("quantity", "amount") else "left")
    for outcome in found:
        for line in outcome.lines:
            table.add_row(
                outcome.tenant_id,
                str(outcome.invoice_number or "none"),
                str(outcome.corrected_on or "not issued"),
                line.code,
                str(line.quantity),
                wording.amount(line.amount, "en"),
                ", ".join(a.client_id for a in line.allocations[:5])
                + (f" (+{len(line.allocations) - 5})" if len(line.allocations) > 5 else ""),
                outcome.action,
            )
    console.print(table)
    by_hand = sum(1 for o in found if o.invoice_number is not None and o.corrected_on is not None)
    console.print(
        f"{len(found)} of {len(tenant_ids)} tenants have usage of {period.label} not billed; "
        f"{by_hand} of them past the next invoice (correct by hand).",
        highlight=False,
    )
    for problem in failed:
        console.print(f"[yellow]not read[/]: {problem}", highlight=False)
    return 1 if failed else 0


# ------------------------------------------------------------------ run


def show_run(args: argparse.Namespace) -> int:
    """A fanned-out run as kept: its status and counts, and every failure of its batches (the
    summary and ``BillingRunCompleted`` list as many as fit one event)."""
    from periodyear.adapters import clients  # noqa: PLC0415
    from periodyear.adapters.runs import RunRepository  # noqa: PLC0415

    with configured(args.stack, [BILLING_FUNCTIONS["monthly"]]):
        check_settings(BillingSettings)
        runs = RunRepository(clients.dynamodb(), BillingSettings.load().invoices_table)
        record = runs.get(args.run_id)
        if record is None:
            raise CliError(f"no run {args.run_id!r} in the invoices table (the handler returns its run_id)")
        reports = sorted(runs.batch_reports(args.run_id), key=lambda r: r.batch)
    console.print(
        f"run {record.run_id}: {record.status.value}, {record.batches_done} of {record.batches_planned} "
        f"batches counted, {record.tenants_planned} tenants handed on, "
        f"BillingRunCompleted {'put on the bus' if record.announced else 'not yet put on the bus'}",
        highlight=False,
    )
    for name, rows in (
        ("failed", [f for r in reports for f in r.failed]),
        ("documents pending", [p for r in reports for p in r.pending]),
        ("EHF held", [h for r in reports for h in r.held]),
    ):
        console.print(f"{len(rows)} {name}", highlight=False)
        for row in rows:
            console.print(f"  {row['tenant_id']}: {row.get('error') or row.get('reason')}", highlight=False)
    return 1 if any(r.failed for r in reports) else 0


# ------------------------------------------------------------------ demo


def empty_output(out: Path) -> None:
    """Start the demo from an empty folder; never empty one the demo did not write."""
    if out.exists():
        if not out.is_dir():
            raise CliError(f"--out {out} is a file; give a folder")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in DEMO_OUTPUT)
        if foreign:
            raise CliError(
                f"--out {out} holds {', '.join(foreign[:3])}, which the demo did not write; "
                "give an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)


def demo(args: argparse.Namespace) -> int:
    from periodyear_local.demo import run_demo  # noqa: PLC0415
    from periodyear_local.demo_data import FIRST_MONTH, LAST_MONTH  # noqa: PLC0415

    month = _month(args.period)
    first, last = f"{FIRST_MONTH:%Y-%m}", f"{LAST_MONTH:%Y-%m}"
    if not FIRST_MONTH <= month.start <= LAST_MONTH:
        raise CliError(
            f"--period {args.period}: the demo's data holds usage of {first} to {last}; "
            "give one of those months"
        )
    empty_output(args.out)
    return run_demo(console, args.period, args.out)


# ------------------------------------------------------------------ arguments


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="periodyear", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)
    demo_cmd = commands.add_parser("demo", help="migrate and bill demo data in an in-process moto")
    demo_cmd.add_argument("--period", default="2022-08", help="month to bill, YYYY-MM (default 2022-08)")
    demo_cmd.add_argument(
        "--out", type=Path, default=Path("out/demo"), help="output folder, emptied first (default out/demo)"
    )

    invoice_cmd = commands.add_parser("invoice", help="run a billing job against the configured AWS")
    invoice_cmd.add_argument("kind", choices=["monthly", "annual"])
    invoice_cmd.add_argument("--period", help="YYYY-MM (monthly; default: the month before today)")
    invoice_cmd.add_argument("--year", type=int, help="YYYY (annual; default: the last window that ended)")
    invoice_cmd.add_argument(
        "--issue-date", help="YYYY-MM-DD the invoices carry (needed for a period that ended before today)"
    )
    invoice_cmd.add_argument("--dry-run", action="store_true", help="compute and report, write nothing")
    invoice_cmd.add_argument("--tenant", action="append", default=[], help="limit to a tenant (repeatable)")
    invoice_cmd.add_argument("--stack", help="read the settings from this deployed stack's outputs")

    cli_serve.add_parser(commands)
    cli_deliveries.add_parser(commands)
    commands.add_parser("openapi", help="print the register API's OpenAPI document, as the code describes it")
    run_cmd = commands.add_parser("run", help="a fanned-out run's status and every one of its failures")
    run_cmd.add_argument("run_id", help="as the monthly or annual handler returned it")
    run_cmd.add_argument("--stack", help="read the settings from this deployed stack's outputs")

    report_cmd = commands.add_parser(
        "report", help="late usage of an invoiced period that no invoice billed (read only)"
    )
    report_cmd.add_argument("report", choices=["late-usage"])
    report_cmd.add_argument("kind", choices=["monthly", "annual"])
    report_cmd.add_argument("--period", help="YYYY-MM, the invoiced month (monthly)")
    report_cmd.add_argument("--year", type=int, help="YYYY, the invoiced year (annual)")
    report_cmd.add_argument("--tenant", action="append", default=[], help="limit to a tenant (repeatable)")
    report_cmd.add_argument("--stack", help="read the settings from this deployed stack's outputs")

    cli_migrate.add_parser(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    from periodyear.observability import logger  # noqa: PLC0415

    level = logger.log_level
    logger.setLevel("WARNING")  # the CLI prints its own summary; the JSON log is for Lambda
    try:
        args = parser().parse_args(argv)
        if args.command == "demo":
            return demo(args)
        if args.command == "invoice":
            return invoice(args)
        if args.command == "report":
            return report(args)
        if args.command == "run":
            return show_run(args)
        if args.command == "serve":
            return cli_serve.run(args)
        if args.command == "deliveries":
            return cli_deliveries.run(args)
        if args.command == "openapi":
            from periodyear.register.api import openapi_document  # noqa: PLC0415

            print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
            return 0
        return cli_migrate.run(args)
    except CliError as mistake:
        print(f"periodyear: {mistake}", file=sys.stderr)
        return mistake.code
    except PeriodYearError as refusal:  # the rules refused the request: nothing was done
        print(f"periodyear: {refusal}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"periodyear: {_aws_problem(error)}", file=sys.stderr)
        return 2
    finally:
        logger.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
