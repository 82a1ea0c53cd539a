"""The demo's first chapter: the old platform's firms planned in waves, each notified, then moved
at its time, through the migration function's code (EventBridge played by the demo: it reads
the requests the planner put on the bus through a queue, and fires each move's schedule)."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Metrics
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from periodyear.config import MigrationSettings
from periodyear.domain.calendar import parse_instant
from periodyear.migration.bootstrap import bootstrap
from periodyear.migration.job import handle_migration_event
from periodyear_local import services
from periodyear_local.demo_context import DemoContext
from periodyear_local.sandbox import REGION, drain_queue, patched_environ, route_to_queue
from periodyear_local.seed import eventbridge_event

PLANNED_AT = "2021-11-01T08:00:00Z"
WAVES = {
    "start_at": "2021-11-20T00:00:00Z",
    "window_start": "01:00",
    "window_end": "05:00",
    "capacity_per_night": 10,
}


class MigrationChapter:
    def __init__(self, context: DemoContext) -> None:
        self.context = context
        self.metrics = Metrics(namespace="PeriodeOgAr")
        with patched_environ(context.provisioned.environment("MigrateTenantFunction")):
            settings = MigrationSettings.load()
        self.migration = bootstrap(settings, clients=context.clients, clock=services.system_clock)

    def event(self, detail_type: str, detail: dict[str, Any], at: str) -> dict[str, Any]:
        envelope = eventbridge_event(detail_type, detail, at)
        result = handle_migration_event(envelope, self.metrics, self.migration)
        self.metrics.clear_metrics()  # CloudWatch gets these in Lambda; the demo prints its own summary
        return result

    def scheduled_moves(self) -> list[tuple[str, str]]:
        """The move schedules, each with its move time (the resume schedules left out)."""
        scheduler = self.context.clients.scheduler()
        group = self.context.names["MigrationScheduleGroup"]
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
        folder = self.context.out / "notices"
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
        self.context.console.rule("[bold]1. Migration from the old platform[/]")
        queue = route_to_queue(
            self.context.names["EventBus"], ["TenantMigrationRequested"], "demo-migration-requests"
        )
        plan = self.event("MigrationWavePlanRequested", WAVES, PLANNED_AT)
        self.context.console.print(f"Wave plan at {PLANNED_AT} {json.dumps(WAVES)}:\n  {json.dumps(plan)}")
        if plan["outcome"] != "planned":
            return 0
        requests = sorted(
            drain_queue(queue), key=lambda r: (r["detail"]["move_at"], r["detail"]["tenant_id"])
        )
        outcomes: dict[str, list[str]] = {}
        refused: list[tuple[str, str]] = []
        with self.context.progress() as progress:
            task = progress.add_task("notices", total=len(requests))
            for request in requests:
                result = self.event("TenantMigrationRequested", request["detail"], PLANNED_AT)
                outcomes.setdefault(result["outcome"], []).append(result["tenant_id"])
                if result["outcome"] == "refused":
                    refused.append((result["tenant_id"], result["reason"]))
                progress.advance(task)
        paths, samples = self.write_notices()
        moves = self.scheduled_moves()
        with self.context.progress() as progress:
            task = progress.add_task("moves", total=len(moves))
            for at, tenant in moves:  # the schedules firing, each at its move time
                result = self.event("TenantMigrationDue", {"tenant_id": tenant}, at)
                outcomes.setdefault(f"move {result['outcome']}", []).append(tenant)
                progress.advance(task)
        nights = sorted({parse_instant(at).astimezone(UTC).date() for at, _ in moves})
        self.context.console.print(
            f"[bold]Migration summary[/]: {firms} tenants on the old platform, {plan['waves']} waves "
            f"({nights[0]:%d.%m}–{nights[-1]:%d.%m.%Y}), notices sent {len(paths)}, tenants moved "
            f"{len(outcomes.get('move moved', []))}, refused {len(refused)}"
        )
        for tenant, reason in refused:
            self.context.console.print(f"  [yellow]not moved[/] {tenant}: {reason}")
        for language in ("nb", "en"):
            if language in samples:
                self.context.console.print(f"\n[bold]A notice ({language})[/]\n{samples[language]}")
        self.context.console.print(f"Notices written as .eml files under {self.context.out / 'notices'}")
        return len(outcomes.get("move moved", []))
