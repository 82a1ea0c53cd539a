"""``periodyear invoice``: a monthly or annual billing job, inline, against the configured AWS or a
deployed stack: the same service the Lambda functions run."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from periodyear.adapters.clients import Clients
from periodyear.config import BillingSettings, DocumentSettings, Seller
from periodyear.domain.calendar import Period, PeriodKind, oslo_date
from periodyear.domain.errors import InvalidField
from periodyear_local.cli_common import (
    BILLING_FUNCTIONS,
    CliError,
    _day,
    _day_text,
    _month,
    check_settings,
    configured,
    console,
)


def add_parser(commands: Any) -> None:
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


def check_tenants(tenant_ids: Iterable[str], aws: Clients) -> None:
    """Each tenant a run is limited to is in the register, or one line says which is not."""
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.domain.errors import TenantNotFound  # noqa: PLC0415

    register = RegisterRepository(aws.dynamodb(), BillingSettings.load().register_table)
    for tenant_id in tenant_ids:
        try:
            register.account(tenant_id)
        except TenantNotFound as missing:
            raise CliError(f"--tenant {tenant_id}: {missing}; nothing was billed") from None


def run(args: argparse.Namespace) -> int:
    from periodyear.billing.bootstrap import bootstrap  # noqa: PLC0415
    from periodyear.billing.request import plan_run  # noqa: PLC0415

    now = datetime.now(UTC)
    event, _ = invoice_event(args, oslo_date(now))
    # The request is judged first (an open month is refused as such), the settings after it.
    try:
        plan = plan_run(PeriodKind(args.kind.upper()), event, clock_now=now, run_id=f"cli-{os.getpid()}")
    except InvalidField as wrong:  # named as this command takes it
        flag = {"issue_date": "--issue-date", "tenant_ids": "--tenant"}.get(wrong.field, wrong.field)
        raise CliError(f"{flag} {wrong.problem}") from None
    with configured(args.stack, [BILLING_FUNCTIONS[args.kind]]) as aws:
        check_settings(BillingSettings, DocumentSettings, Seller)
        check_tenants(plan.tenant_ids or (), aws)
        billing = bootstrap(BillingSettings.load(), clients=aws, clock=lambda: datetime.now(UTC)).billing
        summary = billing.run(plan).summary()
    console.print_json(json.dumps(summary, default=str))
    numbers = summary.get("invoice_numbers") or []
    if not plan.dry_run:
        issued = summary.get("invoices_issued", 0)
        console.print(
            f"Invoices issued: {issued}" + (f", numbers {', '.join(numbers)}" if numbers else ""),
            highlight=False,
        )
    return 1 if summary["failed_tenants"] else 0
