"""``/v1/tenant``: the caller's own tenant, its profile and subscription (CONTRACT §9)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from periodyear.domain.client_register import TenantChange
from periodyear.register.models import Tenant, TenantFields
from periodyear.register.routes.shared import IfMatch, caller, etag, named_version, problems, services

router = Router()  # type: ignore[no-untyped-call]


@router.get(
    "/v1/tenant",
    summary="The caller's tenant: profile and subscription",
    responses={200: {"description": "The tenant"}, **problems()},
)
def get_tenant() -> Response[Tenant]:
    held = services(router).tenants.tenant(caller(router))
    headers = {"ETag": etag(held.version)}
    return Response(200, "application/json", Tenant.model_validate(held.view), headers=headers)


@router.patch(
    "/v1/tenant",
    summary="Change the tenant's profile (admins); org_number cannot change",
    responses={200: {"description": "Changed"}, **problems(400, 412, 413)},
)
def change_tenant(fields: TenantFields, if_match: IfMatch = None) -> Response[Tenant]:
    address = fields.address.model_dump(exclude_none=True) if fields.address is not None else None
    change = TenantChange(
        name=fields.name,
        email=fields.email,
        language=fields.language,
        address=address,
        customer_reference=fields.customer_reference,
        invoice_email=fields.invoice_email,
        asked=frozenset(fields.model_fields_set),
    )
    changed = services(router).tenants.change_tenant(caller(router), change, if_match=named_version(if_match))
    headers = {"ETag": etag(changed.version)}
    return Response(200, "application/json", Tenant.model_validate(changed.view), headers=headers)
