"""``periodyear report late-usage``: usage of an invoiced period that no invoice has billed
(CONTRACT §5a's window), read only, against the configured AWS or a deployed stack."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from periodyear.config import BillingSettings
from periodyear.domain.calendar import Period, oslo_date
from periodyear.domain.errors import PeriodYearError
from periodyear_local.cli_common import (
    BILLING_FUNCTIONS,
    CliError,
    _day_text,
    _month,
    check_settings,
    configured,
    console,
)


def add_parser(commands: Any) -> None:
    report_cmd = commands.add_parser(
        "report", help="late usage of an invoiced period that no invoice billed (read only)"
    )
    report_cmd.add_argument("report", choices=["late-usage"])
    report_cmd.add_argument("kind", choices=["monthly", "annual"])
    report_cmd.add_argument("--period", help="YYYY-MM, the invoiced month (monthly)")
    report_cmd.add_argument("--year", type=int, help="YYYY, the invoiced year (annual)")
    report_cmd.add_argument("--tenant", action="append", default=[], help="limit to a tenant (repeatable)")
    report_cmd.add_argument("--stack", help="read the settings from this deployed stack's outputs")


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


def run(args: argparse.Namespace) -> int:
    """Late usage of an invoiced period that no invoice has billed (CONTRACT §5a's window)."""
    from rich.table import Table  # noqa: PLC0415

    from periodyear.billing.bootstrap import bootstrap  # noqa: PLC0415
    from periodyear.documents import wording  # noqa: PLC0415

    period = late_usage_period(args)
    today = oslo_date(datetime.now(UTC))
    if period.end > today:
        raise CliError(
            f"{args.kind} {period.label} has not ended (it ends {_day_text(period.last_day)}): "
            "its usage is billed by its own run, not yet late"
        )
    with configured(args.stack, [BILLING_FUNCTIONS[args.kind]]) as aws:
        check_settings(BillingSettings)
        late_usage = bootstrap(
            BillingSettings.load(), clients=aws, clock=lambda: datetime.now(UTC)
        ).late_usage
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
