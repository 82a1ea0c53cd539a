"""``/v1/tenants``: the operators' routes, every tenant and a tenant created (CONTRACT §9)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from periodyear.register.models import ID_PATTERN, CreatedTenant, NewTenantFields, TenantItem, TenantPage
from periodyear.register.routes.shared import IdempotencyKey, caller, created, etag, problems, services

router = Router()  # type: ignore[no-untyped-call]


@router.get(
    "/v1/tenants",
    summary="Every tenant of the register (operators)",
    responses={200: {"description": "A page of tenants"}, **problems()},
)
def list_tenants(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="next_cursor of the page before")
    ] = None,
) -> Response[TenantPage]:
    tenants, after = services(router).operator_reads.tenants(caller(router), limit=limit, cursor=cursor)
    page = TenantPage(items=[TenantItem.model_validate(t) for t in tenants], next_cursor=after)
    return Response(200, "application/json", page)


@router.post(
    "/v1/tenants",
    summary="Create a tenant in the new service, with its first admin and sign-in (operators)",
    responses={201: {"description": "Created; billed from this month"}, **problems(400, 409, 413)},
)
def create_tenant(tenant: NewTenantFields, idempotency_key: IdempotencyKey = None) -> Response[CreatedTenant]:
    tenants, who = services(router).tenants, caller(router)  # read before a keyed POST's first write

    def run() -> Response[CreatedTenant]:
        fields = tenant.model_dump(exclude={"admin"})
        if tenant.address is not None:
            fields["address"] = tenant.address.model_dump(exclude_none=True)
        made = tenants.create_tenant(
            who, fields, admin_name=tenant.admin.name, admin_email=tenant.admin.email
        )
        body = CreatedTenant.model_validate({**made.tenant.view, "admin": made.admin.as_resource()})
        return Response(201, "application/json", body, headers={"ETag": etag(made.tenant.version)})

    return created(router, idempotency_key, "POST /v1/tenants", tenant, run)
