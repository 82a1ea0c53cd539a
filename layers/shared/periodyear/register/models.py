"""The register API's request and response models (CONTRACT §9), parsed and written by
Powertools' validation, which also writes the OpenAPI document from them.

A request model forbids unknown fields (a typo is a 422 naming it, never dropped); an answer's
optional field is left out when it holds nothing ("absent ones omitted"). Each model's schema
is built when a route first uses it, not at import: a cold start pays only for its route.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from periodyear.domain.client_register import RegisterClient

if TYPE_CHECKING:
    from periodyear.domain.delivery import Delivery
    from periodyear.domain.invoice import IssuedInvoice

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OrgNumber = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{9}$", description="9 digits, the last a MOD11 check digit", examples=["974760673"]
    ),
]
ClientId = Annotated[str, Field(pattern=ID_PATTERN, examples=["c1"])]


class Fields(BaseModel):
    # A typo is a 422 naming it, never dropped. Each model's schema is built when a route first
    # uses it, not at import: a cold start pays only for the route it serves.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Answer(BaseModel):
    """An answer's model; a field that is ``absent()`` is left out when it holds None."""

    model_config = ConfigDict(defer_build=True)


class Page(BaseModel):
    """A page of items; ``next_cursor`` is null on the last page, never absent."""

    model_config = ConfigDict(defer_build=True)


def _none(value: object) -> bool:
    return value is None


def absent(**info: Any) -> Any:
    """An optional field the answer omits when it holds nothing (CONTRACT §9: "absent ones omitted")."""
    return Field(default=None, exclude_if=_none, **info)


class NewClient(Fields):
    name: Name
    org_number: OrgNumber
    client_id: ClientId | None = None


class NewUser(Fields):
    name: Name
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    role: Literal["admin", "user"]


class UserFields(Fields):
    name: Name | None = None
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)] | None = None
    role: Literal["admin", "user"] | None = None


class AddressFields(Fields):
    street: Annotated[str, StringConstraints(max_length=200)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    country: (
        Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2; absent: NO")] | None
    ) = None


Email = Annotated[str, StringConstraints(min_length=3, max_length=254)]
Reference = Annotated[str, StringConstraints(max_length=200)]


class TenantFields(Fields):
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


class NewAdmin(Fields):
    name: Name
    email: Email


class NewTenantFields(Fields):
    tenant_id: Annotated[str, Field(pattern=ID_PATTERN, examples=["firm-c"])]
    name: Name
    org_number: OrgNumber
    email: Email
    language: Literal["nb", "en"] | None = None
    package: Annotated[str, Field(pattern=r"^[A-Z][A-Z_]{0,63}$", examples=["KOMPLETT"])]
    address: AddressFields | None = None
    customer_reference: Reference | None = None
    admin: NewAdmin


class ClientFields(Fields):
    name: Name | None = None
    org_number: OrgNumber | None = None


class Client(Answer):
    client_id: str
    name: str
    org_number: str
    is_bureau_client: bool
    archived_at: str | None = absent()

    @classmethod
    def of(cls, client: RegisterClient) -> Client:
        return cls.model_validate(client.as_resource())


class ClientPage(Page):
    items: list[Client]
    next_cursor: str | None = None


class Address(Answer):
    street: str | None = absent()
    postal_code: str | None = absent()
    city: str | None = absent()
    country: str | None = absent()


class Tenant(Answer):
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


class User(Answer):
    user_id: str
    name: str
    email: str
    role: str


class CreatedTenant(Tenant):
    admin: User


class UserPage(Page):
    items: list[User]
    next_cursor: str | None = None


class InvoiceItem(Answer):
    invoice_number: int
    kind: Literal["MONTHLY", "ANNUAL"]
    period: str
    issue_date: str
    due_date: str
    document_type: Literal["INVOICE", "CREDIT_NOTE"]
    total: str = Field(description="NOK, two decimals; negative on a credit note")
    currency: str
    delivery_status: Literal["pending", "sent", "delivered", "failed"]


class InvoicePage(Page):
    items: list[InvoiceItem]
    next_cursor: str | None = None


class Share(Answer):
    client_id: str
    quantity: int
    amount: str


class Line(Answer):
    code: str
    description: str
    meter: str | None = absent()
    quantity: int
    amount: str
    allocations: list[Share]
    correction_of: int | None = absent()


class DeliveryAttempt(Answer):
    channel: Literal["peppol", "email"]
    at: str
    outcome: str
    detail: str | None = absent()


class DeliveryView(Answer):
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


class ResendFields(Fields):
    email: Email | None = Field(default=None, description="where to send it; absent: the invoice address")


class ResendAccepted(Answer):
    invoice_number: int
    status: Literal["accepted"] = "accepted"


class InvoiceRecord(Answer):
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
        from periodyear.adapters.invoice_items import invoice_record  # noqa: PLC0415 (one route needs it)

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


class TenantItem(Answer):
    tenant_id: str
    name: str | None = absent()
    org_number: str | None = absent()
    status: str | None = absent()
    package: str | None = absent()


class TenantPage(Page):
    items: list[TenantItem]
    next_cursor: str | None = None


class Problem(Answer):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = absent()
