"""``periodyear migrate``: the migration against the configured AWS or a deployed stack: one
tenant's move requested (or previewed), a move delivered now, the wave plan, and the tenants
whose move is not going on by itself."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from periodyear.adapters.clients import Clients
from periodyear.config import MigrationSettings
from periodyear.domain.calendar import format_instant, parse_instant
from periodyear.domain.errors import PeriodYearError
from periodyear.migration.bootstrap import MigrationServices, bootstrap
from periodyear_local.cli_common import CliError, _instant, check_settings, configured, console

MIGRATION_FUNCTION = "MigrateTenantFunction"


def add_parser(commands: Any) -> None:
    migrate_cmd = commands.add_parser("migrate", help="migration against the configured AWS")
    at_help = "the event's time, YYYY-MM-DDTHH:MM:SSZ (default: now)"
    stack_help = "read the settings from this deployed stack's outputs"
    migrate_cmd.add_argument("--at", help=at_help)
    migrate_cmd.add_argument("--stack", help=stack_help)
    actions = migrate_cmd.add_subparsers(dest="action", required=True)
    tenant_cmd = actions.add_parser("tenant", help="request one tenant's move (sends its notice)")
    tenant_cmd.add_argument("tenant")
    tenant_cmd.add_argument("--move-at", help="YYYY-MM-DDTHH:MM:SSZ (default: now + the notice lead)")
    tenant_cmd.add_argument("--dry-run", action="store_true", help="print what would be written and sent")
    due_cmd = actions.add_parser("due", help="deliver the move now (refused before the move time)")
    due_cmd.add_argument("tenant")
    stalled_cmd = actions.add_parser("stalled", help="list tenants whose move is not going on by itself")
    plan_cmd = actions.add_parser("plan", help="plan waves for every tenant not yet moved")
    plan_cmd.add_argument("--start", required=True, help="first move no earlier than, YYYY-MM-DDTHH:MM:SSZ")
    plan_cmd.add_argument("--window", default="01:00-05:00", help="nightly Oslo window, HH:MM-HH:MM")
    plan_cmd.add_argument("--capacity", type=int, required=True, help="moves per night")
    plan_cmd.add_argument("--dry-run", action="store_true", help="plan and report, request nothing")
    for action in (tenant_cmd, due_cmd, plan_cmd, stalled_cmd):  # --at and --stack either side
        action.add_argument("--at", default=argparse.SUPPRESS, help=at_help)
        action.add_argument("--stack", default=argparse.SUPPRESS, help=stack_help)


def _migration_event(
    services: MigrationServices, detail_type: str, detail: dict[str, Any], at: str
) -> dict[str, Any]:
    from aws_lambda_powertools import Metrics  # noqa: PLC0415

    from periodyear.migration.job import handle_migration_event  # noqa: PLC0415
    from periodyear_local.seed import eventbridge_event  # noqa: PLC0415

    envelope = eventbridge_event(detail_type, detail, at)
    return handle_migration_event(envelope, Metrics(namespace="PeriodeOgAr"), services)


def _window(text: str) -> tuple[str, str]:
    start, dash, end = text.partition("-")
    for part in (start, end):
        hours, colon, minutes = part.partition(":")
        if not (dash and colon and hours.isdigit() and minutes.isdigit() and len(part) == 5):
            raise CliError(
                f"--window {text} is not a nightly window: write HH:MM-HH:MM (Oslo), e.g. 01:00-05:00"
            )
        if int(hours) > 23 or int(minutes) > 59:
            raise CliError(
                f"--window {text} has a time that does not exist: write HH:MM-HH:MM, e.g. 01:00-05:00"
            )
    return start, end


def stalled(now: datetime, clients: Clients) -> int:
    """The tenants whose move is not going on by itself, and why (read only)."""
    from periodyear.adapters.migration_state import MigrationStateRepository  # noqa: PLC0415
    from periodyear.domain.migration_state import stuck  # noqa: PLC0415

    states = MigrationStateRepository(clients.dynamodb(), MigrationSettings.load().migration_table)
    found = stuck(states.every_state(), now)
    for state, why in found:
        console.print(
            f"{state.tenant_id}: {state.status.value}, move at {format_instant(state.move_at)}: {why}",
            highlight=False,
        )
    console.print(f"{len(found)} tenants not moving on by themselves", highlight=False)
    return 1 if found else 0


def _event_of(args: argparse.Namespace, move_at: str | None) -> tuple[str, dict[str, Any]]:
    """The migration event an action puts (its detail-type and detail), its options checked."""
    if args.action == "plan":
        window_start, window_end = _window(args.window)
        if args.capacity < 1:
            raise CliError(f"--capacity {args.capacity}: at least one move a night")
        return "MigrationWavePlanRequested", {
            "start_at": format_instant(_instant("--start", args.start)),
            "window_start": window_start,
            "window_end": window_end,
            "capacity_per_night": args.capacity,
            "dry_run": args.dry_run,
        }
    if args.action == "due":
        return "TenantMigrationDue", {"tenant_id": args.tenant}
    return "TenantMigrationRequested", {"tenant_id": args.tenant} | ({"move_at": move_at} if move_at else {})


def preview(services: MigrationServices, tenant: str, move_at: str | None, at: str) -> int:
    """What requesting the tenant's move would write and send (writes nothing, sends nothing)."""
    from periodyear.adapters.register_items import moved_tenant_items  # noqa: PLC0415
    from periodyear_local.demo_context import json_default  # noqa: PLC0415

    try:
        shown = services.requests.preview(
            tenant, parse_instant(move_at) if move_at else None, parse_instant(at)
        )
    except PeriodYearError as refusal:
        console.print(f"[yellow]refused[/]: {refusal}")
        return 1
    console.print(
        f"Dry run, nothing written. Move at {format_instant(shown.move_at)}; the register would receive:"
    )
    items = moved_tenant_items(shown.content)
    console.print_json(json.dumps(items, default=json_default, ensure_ascii=False))
    notice = shown.notice
    console.print(f"The notice ({notice.language}):\nSubject: {notice.subject}\n\n{notice.text}")
    return 0


def run(args: argparse.Namespace) -> int:
    at = format_instant(_instant("--at", args.at)) if args.at else format_instant(datetime.now(UTC))
    move_at = format_instant(_instant("--move-at", args.move_at)) if getattr(args, "move_at", None) else None
    with configured(args.stack, [MIGRATION_FUNCTION]) as clients:
        check_settings(MigrationSettings)
        if args.action == "stalled":
            return stalled(parse_instant(at), clients)
        detail_type, detail = _event_of(args, move_at)
        services = bootstrap(MigrationSettings.load(), clients=clients, clock=lambda: datetime.now(UTC))
        if args.action == "tenant" and args.dry_run:
            return preview(services, args.tenant, move_at, at)
        result = _migration_event(services, detail_type, detail, at)
    console.print_json(json.dumps(result, default=str))
    return 1 if result.get("outcome") in ("refused", "failed") else 0
