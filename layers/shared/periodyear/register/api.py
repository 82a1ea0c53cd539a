"""The register's HTTP API (CONTRACT §9) on Powertools' ``APIGatewayHttpResolver``.

Routes parse with pydantic models (Powertools' validation, which also writes the OpenAPI
document), call the service with the caller the token's claims name, and answer; every error,
from a route, the validation or a route that does not exist, becomes one problem+json here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from periodyear.domain.calendar import PeriodKind
from periodyear.domain.client_register import (
    Caller,
    ClientChange,
    Invalid,
    RegisterClient,
    RegisterError,
    Stale,
    TenantChange,
    UserChange,
    caller_from_claims,
)
from periodyear.observability import logger
from periodyear.register.invoices import InvoiceReads
from periodyear.register.service import ClientService, OperatorReads, TenantReads
from periodyear.register.tenants import TenantService
from periodyear.register.users import UserService

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

    from periodyear.domain.delivery import Delivery
    from periodyear.domain.invoice import IssuedInvoice

PROBLEM = "application/problem+json"
MAX_BODY_BYTES = 16 * 1024
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]+")$'
OrgNumber = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{9}$", description="9 digits, the last a MOD11 check digit", examples=["974760673"]
    ),
]
ClientId = Annotated[str, Field(pattern=ID_PATTERN, examples=["c1"])]
PathClientId = Annotated[str, Path(pattern=ID_PATTERN, description="the client's id", examples=["c1"])]
IfMatch = Annotated[
    str | None,
    Header(alias="if-match", pattern=IF_MATCH_PATTERN, description="the ETag of the version to change"),
]


class _In(BaseModel):
    # A typo is a 422 naming it, never dropped. Each model's schema is built when a route first
    # uses it, not at import: a cold start pays only for the route it serves.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class _Out(BaseModel):
    """An answer's model; a field that is ``absent()`` is left out when it holds None."""

    model_config = ConfigDict(defer_build=True)


class _Page(BaseModel):
    """A page of items; ``next_cursor`` is null on the last page, never absent."""

    model_config = ConfigDict(defer_build=True)


def _none(value: object) -> bool:
    return value is None


def absent(**info: Any) -> Any:
    """An optional field the answer omits when it holds nothing (CONTRACT §9: "absent ones omitted")."""
    return Field(default=None, exclude_if=_none, **info)


class NewClient(_In):
    name: Name
    org_number: OrgNumber
    client_id: ClientId | None = None


class NewUser(_In):
    name: Name
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    role: Literal["admin", "user"]


class UserFields(_In):
    name: Name | None = None
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)] | None = None
    role: Literal["admin", "user"] | None = None


class AddressFields(_In):
    street: Annotated[str, StringConstraints(max_length=200)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    country: (
        Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2; absent: NO")] | None
    ) = None


Email = Annotated[str, StringConstraints(min_length=3, max_length=254)]
Reference = Annotated[str, StringConstraints(max_length=200)]


class TenantFields(_In):
    """``PATCH /v1/tenant``: ``address`` or ``customer_reference`` set to null removes it."""

    name: Name | None = None
    email: Email | None = None
    invoice_email: Email | None = Field(
        default=None, description="where invoices are e-mailed (CONTRACT §10); null: to email"
    )
    language: Literal["nb", "en"] | None = None
    address: AddressFields | None = None
    customer_reference: Reference | None = None
    org_number: str | None = Field(default=None, description="cannot change: named only to refuse it (422)")


class NewAdmin(_In):
    name: Name
    email: Email


class NewTenantFields(_In):
    tenant_id: Annotated[str, Field(pattern=ID_PATTERN, examples=["firm-c"])]
    name: Name
    org_number: OrgNumber
    email: Email
    language: Literal["nb", "en"] | None = None
    package: Annotated[str, Field(pattern=r"^[A-Z][A-Z_]{0,63}$", examples=["KOMPLETT"])]
    address: AddressFields | None = None
    customer_reference: Reference | None = None
    admin: NewAdmin


class ClientFields(_In):
    name: Name | None = None
    org_number: OrgNumber | None = None


class Client(_Out):
    client_id: str
    name: str
    org_number: str
    is_bureau_client: bool
    archived_at: str | None = absent()

    @classmethod
    def of(cls, client: RegisterClient) -> Client:
        return cls.model_validate(client.as_resource())


class ClientPage(_Page):
    items: list[Client]
    next_cursor: str | None = None


class Address(_Out):
    street: str | None = absent()
    postal_code: str | None = absent()
    city: str | None = absent()
    country: str | None = absent()


class Tenant(_Out):
    tenant_id: str
    name: str
    org_number: str
    email: str | None = absent()
    invoice_email: str | None = absent()
    language: str | None = absent()
    address: Address | None = absent()
    customer_reference: str | None = absent()
    status: str
    package: str | None = absent()
    price_switch_date: str | None = absent()
    paid_through: str | None = absent()
    migrated_at: str | None = absent()


class User(_Out):
    user_id: str
    name: str
    email: str
    role: str


class CreatedTenant(Tenant):
    admin: User


class UserPage(_Page):
    items: list[User]
    next_cursor: str | None = None


class InvoiceItem(_Out):
    invoice_number: int
    kind: Literal["MONTHLY", "ANNUAL"]
    period: str
    issue_date: str
    due_date: str
    document_type: Literal["INVOICE", "CREDIT_NOTE"]
    total: str = Field(description="NOK, two decimals; negative on a credit note")
    currency: str
    delivery_status: Literal["pending", "sent", "delivered", "failed"]


class InvoicePage(_Page):
    items: list[InvoiceItem]
    next_cursor: str | None = None


class Share(_Out):
    client_id: str
    quantity: int
    amount: str


class Line(_Out):
    code: str
    description: str
    meter: str | None = absent()
    quantity: int
    amount: str
    allocations: list[Share]
    correction_of: int | None = absent()


class DeliveryAttempt(_Out):
    channel: Literal["peppol", "email"]
    at: str
    outcome: str
    detail: str | None = absent()


class DeliveryView(_Out):
    """CONTRACT §10: how the invoice reaches the customer (``pending`` before any record)."""

    channel: Literal["peppol", "email"] | None = absent()
    status: Literal["pending", "sent", "delivered", "failed"]
    recipient: str | None = absent()
    updated_at: str | None = absent()
    attempts: list[DeliveryAttempt]

    @classmethod
    def of(cls, delivery: Delivery | None) -> DeliveryView:
        from periodyear.domain.calendar import format_instant  # noqa: PLC0415

        if delivery is None:
            return cls(status="pending", attempts=[])
        return cls(
            channel=delivery.channel.value if delivery.channel else None,
            status=delivery.status.value,
            recipient=delivery.recipient,
            updated_at=format_instant(delivery.updated_at),
            attempts=[
                DeliveryAttempt(
                    channel=a.channel.value, at=format_instant(a.at), outcome=a.outcome, detail=a.detail
                )
                for a in delivery.attempts
            ],
        )


class ResendFields(_In):
    email: Email | None = Field(default=None, description="where to send it; absent: the invoice address")


class ResendAccepted(_Out):
    invoice_number: int
    status: Literal["accepted"] = "accepted"


class InvoiceRecord(_Out):
    """CONTRACT §6, allocations merged; amounts as decimal strings (two decimals)."""

    invoice_number: int
    tenant_id: str
    kind: str
    period_start: str
    period_end: str = Field(description="exclusive")
    issue_date: str
    due_date: str
    package: str
    price_list: str
    currency: str
    lines: list[Line]
    subtotal: str
    vat_rate: str
    vat_amount: str
    total: str
    status: str
    document_type: str
    delivery: DeliveryView

    @classmethod
    def of(cls, issued: IssuedInvoice, delivery: Delivery | None = None) -> InvoiceRecord:
        from periodyear.adapters.invoices import invoice_record  # noqa: PLC0415 (one route needs it)

        record = invoice_record(issued.invoice)
        money = ("subtotal", "vat_amount", "total")
        lines = [
            Line(
                code=line["code"],
                description=line["description"],
                meter=line["meter"],
                quantity=line["quantity"],
                amount=f"{line['amount']:.2f}",
                allocations=[
                    Share(client_id=a["client_id"], quantity=a["quantity"], amount=f"{a['amount']:.2f}")
                    for a in line["allocations"]
                ],
                correction_of=line["correction_of"],
            )
            for line in record["lines"]
        ]
        plain = {k: v for k, v in record.items() if k not in (*money, "lines", "vat_rate")}
        return cls(
            **plain,
            lines=lines,
            delivery=DeliveryView.of(delivery),
            vat_rate=str(record["vat_rate"]),
            **{k: f"{record[k]:.2f}" for k in money},
        )


class TenantItem(_Out):
    tenant_id: str
    name: str | None = absent()
    org_number: str | None = absent()
    status: str | None = absent()
    package: str | None = absent()


class TenantPage(_Page):
    items: list[TenantItem]
    next_cursor: str | None = None


class Problem(_Out):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = absent()


def _problem_json(status: int, title: str, detail: str, errors: dict[str, str] | None = None) -> str:
    return Problem(title=title, status=status, detail=detail, errors=errors or None).model_dump_json()


def problem(status: int, title: str, detail: str, errors: dict[str, str] | None = None) -> Response[str]:
    return Response(status, PROBLEM, _problem_json(status, title, detail, errors))


def _etag(version: int) -> str:
    return f'"{version}"'


def _if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` names; ``*`` (or none) applies to any; anything else matches none."""
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Stale("If-Match names no version of this resource (use the ETag a GET returned)")
    return int(text)


app = APIGatewayHttpResolver(enable_validation=True)


def _problems(*statuses: int) -> dict[int, OpenAPIResponse]:
    """The problem+json answers a route may give, for its OpenAPI operation."""
    titles = {
        400: "Unreadable JSON",
        401: "Not signed in",
        403: "Not allowed",
        404: "Not found (another tenant's resource too)",
        409: "Conflict with the register's rules",
        412: "Changed since the If-Match version",
        413: "Body over 16 KiB",
        422: "Invalid fields, each named",
    }
    answers: dict[int, OpenAPIResponse] = {
        status: {"description": titles[status], "content": {PROBLEM: {"model": Problem}}}
        for status in (401, 403, 422, *statuses)
    }
    # The JWT authorizer answers a missing or unverified token itself, before the function.
    answers[401]["content"]["application/json"] = {
        "schema": {"type": "object", "properties": {"message": {"type": "string"}}}
    }
    return answers


def _default_clients() -> ClientService:  # built once per process by the wiring
    from periodyear.register.wiring import client_service  # noqa: PLC0415

    return client_service()


clients_service: Callable[[], ClientService] = _default_clients  # tests and the local server set their own


def invoice_reads() -> InvoiceReads:
    from periodyear.register.wiring import invoice_reads as build  # noqa: PLC0415

    return build()


def user_service() -> UserService:
    from periodyear.register.wiring import user_service as build  # noqa: PLC0415

    return build()


def operator_reads() -> OperatorReads:
    from periodyear.register.wiring import operator_reads as build  # noqa: PLC0415

    return build()


def tenant_service() -> TenantService:
    from periodyear.register.wiring import tenant_service as build  # noqa: PLC0415

    return build()


def tenant_reads() -> TenantReads:
    from periodyear.register.wiring import tenant_reads as build  # noqa: PLC0415

    return build()


def _caller() -> Caller:
    claims = app.current_event.request_context.authorizer.jwt_claim
    return caller_from_claims(claims)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="idempotency-key",
        pattern=r"^[!-~]{1,255}$",
        description="repeated within 24 hours with the same body: the first answer, nothing written again",
    ),
]


def _created(key: str | None, route: str, fields: _In, run: Callable[[], Response[Any]]) -> Response[Any]:
    """``run()``'s answer; with an ``Idempotency-Key``, the first answer to that key."""
    if key is None:
        return run()
    from periodyear.register import retries  # noqa: PLC0415 (only a keyed POST needs it)
    from periodyear.register.wiring import idempotency_table  # noqa: PLC0415

    def answer() -> dict[str, Any]:
        response = run()
        body = (
            response.body.model_dump(mode="json") if isinstance(response.body, BaseModel) else response.body
        )
        return {"status": response.status_code, "headers": dict(response.headers), "body": body}

    kept = retries.once(
        table=idempotency_table(),
        caller=_caller(),
        route=route,
        key=key,
        body=fields.model_dump(mode="json"),
        run=answer,
        lambda_context=app.lambda_context,
    )
    return Response(kept["status"], "application/json", kept["body"], headers=kept["headers"])


@app.exception_handler(RegisterError)  # type: ignore[untyped-decorator]
def _refused(error: RegisterError) -> Response[str]:
    return problem(error.status, error.title, error.detail, error.fields)


# What a field takes, said as a person would (a pattern's own message is a regular expression).
FORMS = {
    "org_number": "9 digits without spaces, the last a MOD11 check digit, e.g. 914778271",
    "if-match": 'the ETag a GET of it returned, e.g. "3"',
    "idempotency-key": "1 to 255 visible characters, e.g. a UUID",
    "country": "two capital letters (ISO 3166), e.g. NO",
    "cursor": "the next_cursor a page returned",
    "package": "one of the catalog's packages, e.g. KOMPLETT",
}
_ID_FORM = "1 to 64 letters, digits, '.', '_' or '-', the first a letter or digit"


def _said(error: Mapping[str, Any]) -> tuple[str, str]:
    """One validation error as (field, what is wrong), never a regular expression."""
    location = error.get("loc", ())
    field = ".".join(str(part) for part in location[1:]) or str(location[0] if location else "body")
    if error.get("type") != "string_pattern_mismatch":
        return field, str(error.get("msg"))
    name = field.rsplit(".", 1)[-1]
    return field, FORMS.get(name, _ID_FORM if name.endswith("_id") else "not in the form this field takes")


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def _invalid(error: RequestValidationError) -> Response[str]:
    errors = error.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "Unreadable JSON", "the body is not a JSON document")
    fields = dict(_said(e) for e in errors)
    return problem(422, Invalid.title, "some fields are invalid: " + ", ".join(sorted(fields)), fields)


@app.exception_handler([RequestUnsupportedContentType, UnicodeDecodeError])  # type: ignore[untyped-decorator]
def _not_json(_: Exception) -> Response[str]:
    return problem(
        400, "Unreadable JSON", "the body must be UTF-8 JSON, sent as Content-Type: application/json"
    )


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    return problem(404, "Not found", "no such route")


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]
def _failed(error: Exception) -> Response[str]:
    logger.exception("register request failed", extra={"error": type(error).__name__})
    return problem(500, "Internal error", "the request could not be completed; try again")


# ------------------------------------------------------------------ the tenant and its users


@app.get(
    "/v1/tenant",
    summary="The caller's tenant: profile and subscription",
    responses={200: {"description": "The tenant"}, **_problems()},
)
def get_tenant() -> Response[Tenant]:
    held = tenant_service().tenant(_caller())
    headers = {"ETag": _etag(held.version)}
    return Response(200, "application/json", Tenant.model_validate(held.view), headers=headers)


@app.patch(
    "/v1/tenant",
    summary="Change the tenant's profile (admins); org_number cannot change",
    responses={200: {"description": "Changed"}, **_problems(400, 412, 413)},
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
    changed = tenant_service().change_tenant(_caller(), change, if_match=_if_match(if_match))
    headers = {"ETag": _etag(changed.version)}
    return Response(200, "application/json", Tenant.model_validate(changed.view), headers=headers)


@app.get(
    "/v1/users",
    summary="The tenant's users",
    responses={200: {"description": "A page of users"}, **_problems()},
)
def list_users(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the page before")] = None,
) -> Response[UserPage]:
    users, after = tenant_reads().users(_caller(), limit=limit, cursor=cursor)
    page = UserPage(items=[User.model_validate(u.as_resource()) for u in users], next_cursor=after)
    return Response(200, "application/json", page)


PathUserId = Annotated[str, Path(pattern=ID_PATTERN, description="the user's id", examples=["u1"])]


@app.post(
    "/v1/users",
    summary="Add a user (admins): the user pool sends the sign-in invitation",
    responses={201: {"description": "Added; Location names it"}, **_problems(400, 409, 413)},
)
def add_user(user: NewUser, idempotency_key: IdempotencyKey = None) -> Response[User]:
    def run() -> Response[User]:
        added = user_service().add_user(_caller(), name=user.name, email=user.email, user_role=user.role)
        headers = {"Location": f"/v1/users/{added.user_id}", "ETag": _etag(added.version)}
        return Response(201, "application/json", User.model_validate(added.as_resource()), headers=headers)

    return _created(idempotency_key, "POST /v1/users", user, run)


@app.patch(
    "/v1/users/<user_id>",
    summary="Rename a user, change its email or role (admins)",
    responses={200: {"description": "Changed"}, **_problems(400, 404, 409, 412, 413)},
)
def change_user(user_id: PathUserId, fields: UserFields, if_match: IfMatch = None) -> Response[User]:
    change = UserChange(name=fields.name, email=fields.email, role=fields.role)
    changed = user_service().change_user(_caller(), user_id, change, if_match=_if_match(if_match))
    headers = {"ETag": _etag(changed.version)}
    return Response(200, "application/json", User.model_validate(changed.as_resource()), headers=headers)


@app.delete(
    "/v1/users/<user_id>",
    summary="Remove a user and disable its sign-in (admins)",
    responses={204: {"description": "Removed"}, **_problems(404, 409, 412)},
)
def remove_user(user_id: PathUserId, if_match: IfMatch = None) -> Response[None]:
    user_service().remove_user(_caller(), user_id, if_match=_if_match(if_match))
    return Response(204, None, None)


# ------------------------------------------------------------------ operators


@app.get(
    "/v1/tenants",
    summary="Every tenant of the register (operators)",
    responses={200: {"description": "A page of tenants"}, **_problems()},
)
def list_tenants(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="next_cursor of the page before")
    ] = None,
) -> Response[TenantPage]:
    tenants, after = operator_reads().tenants(_caller(), limit=limit, cursor=cursor)
    page = TenantPage(items=[TenantItem.model_validate(t) for t in tenants], next_cursor=after)
    return Response(200, "application/json", page)


@app.post(
    "/v1/tenants",
    summary="Create a tenant in the new service, with its first admin and sign-in (operators)",
    responses={201: {"description": "Created; billed from this month"}, **_problems(400, 409, 413)},
)
def create_tenant(tenant: NewTenantFields, idempotency_key: IdempotencyKey = None) -> Response[CreatedTenant]:
    def run() -> Response[CreatedTenant]:
        fields = tenant.model_dump(exclude={"admin"})
        if tenant.address is not None:
            fields["address"] = tenant.address.model_dump(exclude_none=True)
        created = tenant_service().create_tenant(
            _caller(), fields, admin_name=tenant.admin.name, admin_email=tenant.admin.email
        )
        body = CreatedTenant.model_validate({**created.tenant.view, "admin": created.admin.as_resource()})
        return Response(201, "application/json", body, headers={"ETag": _etag(created.tenant.version)})

    return _created(idempotency_key, "POST /v1/tenants", tenant, run)


# ------------------------------------------------------------------ invoices

Number = Annotated[int, Path(ge=1, le=10**12, description="the invoice number", examples=[1])]


@app.get(
    "/v1/invoices",
    summary="The tenant's invoices, newest period first",
    responses={200: {"description": "A page of invoices"}, **_problems()},
)
def list_invoices(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9~-]{0,7}\.[0-9~]{0,4}$", description="next_cursor")
    ] = None,
    kind: Annotated[Literal["MONTHLY", "ANNUAL"] | None, Query()] = None,
) -> Response[InvoicePage]:
    items, after = invoice_reads().invoices(
        _caller(), limit=limit, cursor=cursor, kind=PeriodKind(kind) if kind else None
    )
    shown = [
        InvoiceItem.model_validate({k: v for k, v in asdict(i).items() if k != "period_start"}) for i in items
    ]
    page = InvoicePage(items=shown, next_cursor=after)
    return Response(200, "application/json", page)


@app.get(
    "/v1/invoices/<number>",
    summary="One invoice's record (CONTRACT §6), allocations merged",
    responses={200: {"description": "The record"}, **_problems(404)},
)
def get_invoice(number: Number) -> Response[InvoiceRecord]:
    reads = invoice_reads()
    issued = reads.invoice(_caller(), number)
    return Response(200, "application/json", InvoiceRecord.of(issued, reads.delivery(issued)))


@app.post(
    "/v1/invoices/<number>/delivery",
    summary="E-mail the invoice again (admins), to the given address or the invoice address",
    responses={202: {"description": "Accepted: delivery sends it"}, **_problems(400, 404, 409, 413)},
)
def resend_invoice(
    number: Number, fields: ResendFields, idempotency_key: IdempotencyKey = None
) -> Response[ResendAccepted]:
    def run() -> Response[ResendAccepted]:
        import uuid  # noqa: PLC0415

        invoice_reads().resend(_caller(), number, fields.email, uuid.uuid4().hex)
        return Response(202, "application/json", ResendAccepted(invoice_number=number))

    return _created(idempotency_key, f"POST /v1/invoices/{number}/delivery", fields, run)


@app.get(
    "/v1/invoices/<number>/<document>",
    summary="A short-lived link to one of the invoice's documents",
    responses={307: {"description": "Location: a presigned S3 GET URL, valid 15 minutes"}, **_problems(404)},
)
def get_invoice_document(
    number: Number, document: Annotated[Literal["pdf", "ehf", "basis"], Path()]
) -> Response[None]:
    url = invoice_reads().document_link(_caller(), number, document)
    return Response(307, None, None, headers={"Location": url, "Cache-Control": "no-store"})


# ------------------------------------------------------------------ clients


@app.get(
    "/v1/clients",
    summary="The tenant's clients",
    responses={200: {"description": "A page of clients"}, **_problems()},
)
def list_clients(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the page before")] = None,
    include_archived: Annotated[bool, Query()] = False,
) -> Response[ClientPage]:
    page = clients_service().list_clients(
        _caller(), limit=limit, cursor=cursor, include_archived=include_archived
    )
    body = ClientPage(items=[Client.of(c) for c in page.items], next_cursor=page.next_cursor)
    return Response(200, "application/json", body)


@app.post(
    "/v1/clients",
    summary="Add a client",
    responses={201: {"description": "Added; Location names it"}, **_problems(400, 409, 413)},
)
def add_client(client: NewClient, idempotency_key: IdempotencyKey = None) -> Response[Client]:
    def run() -> Response[Client]:
        added = clients_service().add_client(
            _caller(), name=client.name, org=client.org_number, client_id=client.client_id
        )
        headers = {"Location": f"/v1/clients/{added.client_id}", "ETag": _etag(added.version)}
        return Response(201, "application/json", Client.of(added), headers=headers)

    return _created(idempotency_key, "POST /v1/clients", client, run)


@app.get(
    "/v1/clients/<client_id>",
    summary="One client",
    responses={200: {"description": "The client, with its ETag"}, **_problems(404)},
)
def get_client(client_id: PathClientId) -> Response[Client]:
    found = clients_service().client(_caller(), client_id)
    return Response(200, "application/json", Client.of(found), headers={"ETag": _etag(found.version)})


@app.patch(
    "/v1/clients/<client_id>",
    summary="Rename or renumber a client",
    responses={200: {"description": "Changed"}, **_problems(400, 404, 409, 412, 413)},
)
def change_client(
    client_id: PathClientId,
    fields: ClientFields,
    if_match: IfMatch = None,
) -> Response[Client]:
    change = ClientChange(
        name=fields.name, org_number=fields.org_number, asked=frozenset(fields.model_fields_set)
    )
    changed = clients_service().change_client(_caller(), client_id, change, if_match=_if_match(if_match))
    return Response(
        200,
        "application/json",
        Client.of(changed),
        headers={"ETag": _etag(changed.version)},
    )


@app.delete(
    "/v1/clients/<client_id>",
    summary="Archive a client (it stays, read-only)",
    responses={204: {"description": "Archived"}, **_problems(404, 409, 412)},
)
def archive_client(
    client_id: PathClientId,
    if_match: IfMatch = None,
) -> Response[None]:
    clients_service().archive_client(_caller(), client_id, if_match=_if_match(if_match))
    return Response(204, None, None)


def _answer(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": PROBLEM, **(headers or {})},
        "body": _problem_json(status, title, detail),
        "isBase64Encoded": False,
    }


@functools.cache
def _routes() -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """Each path the resolver routes, as its pattern, with the methods it answers, the most
    literal paths first (``/v1/invoices/<number>/delivery`` before ``…/<document>``, as the
    resolver matches them); read from the resolver's own routes: the OpenAPI document would cost
    its generation on a cold start; ``test_the_routes_refused_before_routing_are_the_documents``
    holds the two equal."""
    methods: dict[str, set[str]] = {}
    patterns: dict[str, re.Pattern[str]] = {}
    for route in [*app._static_routes, *app._dynamic_routes]:  # Powertools keeps its Routes here
        methods.setdefault(route.path, set()).add(route.method.upper())
        patterns[route.path] = route.rule
    ordered = sorted(methods, key=lambda path: path.count("<"))
    return [(patterns[path], frozenset(methods[path])) for path in ordered]


def _refused_before_routing(event: dict[str, Any]) -> dict[str, Any] | None:
    """What is refused before a route reads the request: too large, not JSON, a method the path
    does not answer (405 with ``Allow``, where an unknown path is the routes' 404)."""
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(str(body).encode())
    if size > MAX_BODY_BYTES:
        return _answer(413, "Body too large", f"a request body holds at most {MAX_BODY_BYTES} bytes")
    context = event.get("requestContext", {}).get("http", {})
    method, path = str(context.get("method", "")).upper(), str(context.get("path", event.get("rawPath", "")))
    # The most literal route a path matches is its resource (``/v1/invoices/2/delivery`` is not
    # a document, though ``…/<document>`` matches it too).
    answered = next((methods for pattern, methods in _routes() if pattern.match(path)), None)
    if answered is not None and method not in answered:
        allowed = ", ".join(sorted(answered))
        return _answer(405, "Method not allowed", f"{path} answers {allowed}", {"Allow": allowed})
    content_type = str(
        {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("content-type", "")
    )
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if body and media != "application/json" and not media.endswith("+json"):
        return _answer(
            400, "Unreadable JSON", "a request body is JSON, sent as Content-Type: application/json"
        )
    return None


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one HTTP API request."""
    refused = _refused_before_routing(event)
    return refused if refused is not None else app.resolve(event, context)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the routes above describe (docs/openapi.json holds a copy)."""
    # The OpenAPI models (about 300 ms of imports) load here, never on a request's cold start.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer  # noqa: PLC0415

    app.configure_openapi(
        title="Periode & År client register",
        version="1.0.0",
        summary="The customer's and the operator's entry point (CONTRACT §9)",
        security_schemes={
            "cognito": HTTPBearer(bearerFormat="JWT", description="An ID token of the user pool")
        },
        security=[{"cognito": []}],
    )
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema())
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if status in ("204", "307"):
                    answer.pop("content", None)  # no body, so no media type
    return document
