"""``/v1/invoices``: a tenant's invoices, each record, its documents, a delivery asked again
(CONTRACT §9, §10)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from periodyear.domain.calendar import PeriodKind
from periodyear.register.models import InvoiceItem, InvoicePage, InvoiceRecord, ResendAccepted, ResendFields
from periodyear.register.routes.shared import IdempotencyKey, caller, created, problems, services

router = Router()  # type: ignore[no-untyped-call]
Number = Annotated[int, Path(ge=1, le=10**12, description="the invoice number", examples=[1])]


@router.get(
    "/v1/invoices",
    summary="The tenant's invoices, newest period first",
    responses={200: {"description": "A page of invoices"}, **problems()},
)
def list_invoices(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9~-]{0,7}\.[0-9~]{0,4}$", description="next_cursor")
    ] = None,
    kind: Annotated[Literal["MONTHLY", "ANNUAL"] | None, Query()] = None,
) -> Response[InvoicePage]:
    items, after = services(router).invoices.invoices(
        caller(router), limit=limit, cursor=cursor, kind=PeriodKind(kind) if kind else None
    )
    shown = [
        InvoiceItem.model_validate({k: v for k, v in asdict(i).items() if k != "period_start"}) for i in items
    ]
    page = InvoicePage(items=shown, next_cursor=after)
    return Response(200, "application/json", page)


@router.get(
    "/v1/invoices/<number>",
    summary="One invoice's record (CONTRACT §6), allocations merged",
    responses={200: {"description": "The record"}, **problems(404)},
)
def get_invoice(number: Number) -> Response[InvoiceRecord]:
    reads = services(router).invoices
    issued = reads.invoice(caller(router), number)
    return Response(200, "application/json", InvoiceRecord.of(issued, reads.delivery(issued)))


@router.post(
    "/v1/invoices/<number>/delivery",
    summary="E-mail the invoice again (admins), to the given address or the invoice address",
    responses={202: {"description": "Accepted: delivery sends it"}, **problems(400, 404, 409, 413)},
)
def resend_invoice(
    number: Number, fields: ResendFields, idempotency_key: IdempotencyKey = None
) -> Response[ResendAccepted]:
    reads, who = services(router).invoices, caller(router)  # read before a keyed POST's first write

    def run() -> Response[ResendAccepted]:
        import uuid  # noqa: PLC0415

        reads.resend(who, number, fields.email, uuid.uuid4().hex)
        return Response(202, "application/json", ResendAccepted(invoice_number=number))

    return created(router, idempotency_key, f"POST /v1/invoices/{number}/delivery", fields, run)


@router.get(
    "/v1/invoices/<number>/<document>",
    summary="A short-lived link to one of the invoice's documents",
    responses={307: {"description": "Location: a presigned S3 GET URL, valid 15 minutes"}, **problems(404)},
)
def get_invoice_document(
    number: Number, document: Annotated[Literal["pdf", "ehf", "basis"], Path()]
) -> Response[None]:
    url = services(router).invoices.document_link(caller(router), number, document)
    return Response(307, None, None, headers={"Location": url, "Cache-Control": "no-store"})
