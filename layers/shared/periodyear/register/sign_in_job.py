"""The register_signins function's work: ``TenantMigrated`` in, the moved users' sign-ins made
(``periodyear.register.sign_ins``) by the service the handler passes (built by
``periodyear.register.bootstrap.bootstrap_sign_ins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.register.sign_ins import MovedSignIns


def handle_tenant_migrated(
    event: dict[str, object], metrics: Any, sign_ins: MovedSignIns
) -> dict[str, object]:
    """``TenantMigrated`` {tenant_id, migrated_at} from the migration's source: make the moved
    users' sign-ins. A malformed event is refused (returned, not retried, and logged)."""
    from aws_lambda_powertools.metrics import MetricUnit  # noqa: PLC0415

    from periodyear.domain.client_register import ID  # noqa: PLC0415
    from periodyear.domain.events import MIGRATION_SOURCE  # noqa: PLC0415

    detail = event.get("detail")
    tenant_id = detail.get("tenant_id") if isinstance(detail, dict) else None
    if (
        event.get("source") != MIGRATION_SOURCE
        or event.get("detail-type") != "TenantMigrated"
        or not isinstance(tenant_id, str)
        or not ID.match(tenant_id)
    ):
        logger.error("sign-in event refused: not a TenantMigrated naming a tenant")
        return {"outcome": "refused", "reason": "not a TenantMigrated event naming a tenant"}
    with logger.append_context_keys(tenant_id=tenant_id):
        summary = sign_ins.create(tenant_id)
        metrics.add_metric(name="SignInsCreated", unit=MetricUnit.Count, value=summary.created)
        metrics.add_metric(name="SignInsRefused", unit=MetricUnit.Count, value=len(summary.refused))
        logger.info("moved users' sign-ins made", extra=summary.log_fields())
        return {"outcome": "done", **summary.as_dict()}
