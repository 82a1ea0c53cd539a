"""The billing job as a Lambda handler runs it: plan, run, publish metrics, summarise."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from periodyear.billing.request import plan_run
from periodyear.billing.service import RunResult
from periodyear.billing.wiring import billing_service
from periodyear.domain.calendar import PeriodKind


def publish_metrics(metrics: Metrics, result: RunResult) -> None:
    summary = result.summary()
    metrics.add_dimension(name="kind", value=result.plan.kind.value)
    metrics.add_metric(name="TenantsSeen", unit=MetricUnit.Count, value=summary["tenants_seen"])
    metrics.add_metric(name="InvoicesIssued", unit=MetricUnit.Count, value=summary["invoices_issued"])
    metrics.add_metric(
        name="InvalidUsageRecords", unit=MetricUnit.Count, value=summary["invalid_usage_records"]
    )
    metrics.add_metric(name="FailedTenants", unit=MetricUnit.Count, value=len(summary["failed_tenants"]))
    metrics.add_metric(
        name="DocumentsPending", unit=MetricUnit.Count, value=len(summary["documents_pending"])
    )


def run_billing_job(kind: PeriodKind, event: Mapping[str, Any], metrics: Metrics) -> dict[str, Any]:
    plan = plan_run(kind, event, clock_now=datetime.now(UTC), run_id=uuid.uuid4().hex)
    result = billing_service().run(plan)
    if not plan.dry_run:
        publish_metrics(metrics, result)
    return result.summary()
