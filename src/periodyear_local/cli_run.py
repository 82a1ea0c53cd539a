"""``periodyear run RUN_ID``: a fanned-out billing run as kept, against the configured AWS or a
deployed stack."""

from __future__ import annotations

import argparse
from typing import Any

from periodyear.config import BillingSettings
from periodyear_local.cli_common import BILLING_FUNCTIONS, CliError, check_settings, configured, console


def add_parser(commands: Any) -> None:
    run_cmd = commands.add_parser("run", help="a fanned-out run's status and every one of its failures")
    run_cmd.add_argument("run_id", help="as the monthly or annual handler returned it")
    run_cmd.add_argument("--stack", help="read the settings from this deployed stack's outputs")


def run(args: argparse.Namespace) -> int:
    """A fanned-out run as kept: its status and counts, and every failure of its batches (the
    summary and ``BillingRunCompleted`` list as many as fit one event)."""
    from periodyear.adapters.runs import RunRepository  # noqa: PLC0415

    with configured(args.stack, [BILLING_FUNCTIONS["monthly"]]) as aws:
        check_settings(BillingSettings)
        runs = RunRepository(aws.dynamodb(), BillingSettings.load().invoices_table)
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
