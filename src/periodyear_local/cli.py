"""The local runner: ``python -m periodyear_local demo | invoice | migrate``.

``demo`` runs everything in an in-process moto built from template.yaml: no AWS account,
no Docker, no network. ``invoice`` and ``migrate`` run the same code as the Lambda
functions against the AWS the environment points at (credentials, region, the
functions' environment variables, ``AWS_ENDPOINT_URL`` for a local endpoint).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Metrics
from rich.console import Console

from periodyear.adapters.register import register_items
from periodyear.billing import wiring as billing_wiring
from periodyear.billing.request import plan_run
from periodyear.domain.calendar import PeriodKind, format_instant, parse_instant
from periodyear.domain.errors import PeriodYearError
from periodyear.migration import wiring as migration_wiring
from periodyear.migration.job import handle_migration_event
from periodyear_local.demo import json_default, run_demo
from periodyear_local.seed import eventbridge_event

console = Console(width=max(132, shutil.get_terminal_size().columns))


def invoice(kind: str, period: str | None, year: int | None, dry_run: bool, tenants: Sequence[str]) -> int:
    event: dict[str, Any] = {"dry_run": dry_run}
    if period:
        event["period"] = period
    if year:
        event["year"] = year
    if tenants:
        event["tenant_ids"] = list(tenants)
    plan = plan_run(PeriodKind(kind.upper()), event, clock_now=datetime.now(UTC), run_id=f"cli-{os.getpid()}")
    summary = billing_wiring.billing_service().run(plan).summary()
    console.print_json(json.dumps(summary))
    return 1 if summary["failed_tenants"] else 0


def _migration_event(detail_type: str, detail: dict[str, Any], at: str) -> dict[str, Any]:
    envelope = eventbridge_event(detail_type, detail, at)
    return handle_migration_event(envelope, Metrics(namespace="PeriodeOgAr"))


def migrate(args: argparse.Namespace) -> int:
    at = args.at or format_instant(datetime.now(UTC))
    if args.action == "plan":
        window_start, window_end = args.window.split("-", 1)
        result = _migration_event(
            "MigrationWavePlanRequested",
            {
                "start_at": args.start,
                "window_start": window_start,
                "window_end": window_end,
                "capacity_per_night": args.capacity,
                "dry_run": args.dry_run,
            },
            at,
        )
    elif args.action == "due":
        result = _migration_event("TenantMigrationDue", {"tenant_id": args.tenant}, at)
    elif args.dry_run:
        move_at = parse_instant(args.move_at) if args.move_at else None
        try:
            content, notice, move = migration_wiring.migration_service().preview(
                args.tenant, move_at, parse_instant(at)
            )
        except PeriodYearError as refusal:
            console.print(f"[yellow]refused[/]: {refusal}")
            return 1
        console.print(
            f"Dry run, nothing written. Move at {format_instant(move)}; the register would receive:"
        )
        console.print_json(json.dumps(register_items(content), default=json_default, ensure_ascii=False))
        console.print(f"The notice ({notice.language}):\nSubject: {notice.subject}\n\n{notice.text}")
        return 0
    else:
        result = _migration_event(
            "TenantMigrationRequested",
            {"tenant_id": args.tenant} | ({"move_at": args.move_at} if args.move_at else {}),
            at,
        )
    console.print_json(json.dumps(result, default=str))
    return 1 if result.get("outcome") in ("refused", "failed") else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="periodyear", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_cmd = commands.add_parser("demo", help="migrate and bill demo data in an in-process moto")
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

    migrate_cmd = commands.add_parser("migrate", help="migration against the configured AWS")
    migrate_cmd.add_argument("--at", help="the event's time, YYYY-MM-DDTHH:MM:SSZ (default: now)")
    actions = migrate_cmd.add_subparsers(dest="action", required=True)
    tenant_cmd = actions.add_parser("tenant", help="request one tenant's move (sends its notice)")
    tenant_cmd.add_argument("tenant")
    tenant_cmd.add_argument("--move-at", help="YYYY-MM-DDTHH:MM:SSZ (default: now + the notice lead)")
    tenant_cmd.add_argument("--dry-run", action="store_true", help="print what would be written and sent")
    due_cmd = actions.add_parser("due", help="deliver the move now (refused before the move time)")
    due_cmd.add_argument("tenant")
    plan_cmd = actions.add_parser("plan", help="plan waves for every tenant not yet moved")
    plan_cmd.add_argument("--start", required=True, help="first move no earlier than, YYYY-MM-DDTHH:MM:SSZ")
    plan_cmd.add_argument("--window", default="01:00-05:00", help="nightly Oslo window, HH:MM-HH:MM")
    plan_cmd.add_argument("--capacity", type=int, required=True, help="moves per night")
    plan_cmd.add_argument("--dry-run", action="store_true", help="plan and report, request nothing")

    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(console, args.period, args.out)
    if args.command == "invoice":
        return invoice(args.kind, args.period, args.year, args.dry_run, args.tenant)
    return migrate(args)


if __name__ == "__main__":
    sys.exit(main())
