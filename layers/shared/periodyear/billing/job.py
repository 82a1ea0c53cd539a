"""The billing jobs as their Lambda handlers run them.

A run of every tenant is fanned out (planned here, billed by the worker from the queue); a
dry run, or a run limited by ``tenant_ids``, is billed inline and returns its full summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from periodyear.billing.fanout import run_id_for
from periodyear.billing.request import plan_run
from periodyear.domain.calendar import PeriodKind

if TYPE_CHECKING:
    from periodyear.billing.bootstrap import BillingServices
    from periodyear.billing.outcomes import RunResult


def publish_metrics(metrics: Metrics, result: RunResult) -> None:
    """The counts of what was billed now (a whole inline run, or one batch of a fanned-out run)."""
    tally = result.tally()
    metrics.add_dimension(name="kind", value=result.plan.kind.value)
    metrics.add_metric(name="TenantsSeen", unit=MetricUnit.Count, value=tally.tenants_seen)
    metrics.add_metric(name="InvoicesIssued", unit=MetricUnit.Count, value=tally.invoices_issued)
    metrics.add_metric(name="InvalidUsageRecords", unit=MetricUnit.Count, value=tally.invalid_usage_records)
    metrics.add_metric(name="FailedTenants", unit=MetricUnit.Count, value=len(result.failed()))
    metrics.add_metric(name="DocumentsPending", unit=MetricUnit.Count, value=len(result.pending()))
    metrics.add_metric(name="EhfHeld", unit=MetricUnit.Count, value=len(result.held()))
    metrics.add_metric(name="CorrectionLines", unit=MetricUnit.Count, value=tally.correction_lines)
    metrics.add_metric(name="CreditNotes", unit=MetricUnit.Count, value=tally.credit_notes)


def run_billing_job(
    kind: PeriodKind, event: Mapping[str, Any], metrics: Metrics, request_id: str, services: BillingServices
) -> dict[str, Any]:
    plan = plan_run(kind, event, clock_now=services.clock(), run_id="")
    plan = replace(plan, run_id=run_id_for(plan, request_id))
    if plan.dry_run or plan.tenant_ids is not None or not services.fanning().billing_queue_url:
        result = services.billing.run(plan)
        if not plan.dry_run:
            publish_metrics(metrics, result)
        return result.summary()
    handed = services.fan_out.plan(plan)
    metrics.add_dimension(name="kind", value=plan.kind.value)
    metrics.add_metric(name="TenantsHandedOn", unit=MetricUnit.Count, value=handed["tenants_handed_on"])
    return handed
