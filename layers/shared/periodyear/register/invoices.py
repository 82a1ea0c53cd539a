"""What a tenant's user reads of its invoices (CONTRACT §9): the list, one record, its documents.

Every read keys on the caller's tenant; a number of another tenant's invoice is not found. The
documents stay under Object Lock in S3: a user gets a presigned GET URL of one, valid for at
most 15 minutes, never the object through this function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from periodyear.domain.calendar import PeriodKind
from periodyear.domain.client_register import (
    Caller,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    check_member,
    tenant_user,
)
from periodyear.register.ports import DeliveryReads, InvoiceStore, Links, Members, Resends

if TYPE_CHECKING:
    from periodyear.domain.delivery import Delivery
    from periodyear.domain.invoice import IssuedInvoice

LINK_SECONDS = 900
DOCUMENTS = {"pdf": "pdf", "ehf": "xml", "basis": "csv"}  # route name → stored extension
_DONE = "~"


@dataclass(frozen=True)
class InvoiceSummary:
    period_start: str  # orders the list: newest period first (each kind's stream is in that order)
    invoice_number: int
    kind: str
    period: str
    issue_date: str
    due_date: str
    document_type: str
    total: str
    currency: str
    delivery_status: str = "pending"  # no delivery record yet: the announcement is on its way


def _summary(kind: PeriodKind, item: Mapping[str, Any]) -> InvoiceSummary:
    return InvoiceSummary(
        period_start=str(item["period_start"]),
        invoice_number=int(item["invoice_number"]),
        kind=kind.value,
        period=str(item["sk"]).removeprefix(f"INVOICE#{kind.value}#"),
        issue_date=str(item["issue_date"]),
        due_date=str(item["due_date"]),
        document_type=str(item.get("document_type", "INVOICE")),
        total=f"{item['total']:.2f}",
        currency=str(item["currency"]),
    )


def _positions(cursor: str | None) -> dict[PeriodKind, str | None]:
    """A cursor holds where each kind's list goes on: ``<month>.<year>`` (empty: from the newest;
    ``~``: no more of that kind)."""
    if cursor is None:
        return {PeriodKind.MONTHLY: None, PeriodKind.ANNUAL: None}
    monthly, dot, annual = cursor.partition(".")
    if not dot:
        raise Invalid("cursor is not one this API gave", fields={"cursor": "not a cursor"})
    return {PeriodKind.MONTHLY: monthly or None, PeriodKind.ANNUAL: annual or None}


class InvoiceReads:
    def __init__(
        self,
        *,
        members: Members,
        invoices: InvoiceStore,
        links: Links,
        deliveries: DeliveryReads,
        resends: Resends,
        documents_bucket: str,
    ) -> None:
        self._members = members
        self._invoices = invoices
        self._links = links
        self._deliveries = deliveries
        self._resends = resends
        self._bucket = documents_bucket

    def _tenant(self, caller: Caller) -> str:
        tenant_id, user_id = tenant_user(caller)
        check_member(self._members.member(tenant_id, user_id))
        return tenant_id

    def invoices(
        self, caller: Caller, *, limit: int, cursor: str | None, kind: PeriodKind | None
    ) -> tuple[list[InvoiceSummary], str | None]:
        """Newest period first, both kinds merged (by period start, then number). Each kind's
        stream comes in that order, so a kind's cursor is the last of its invoices shown: no
        invoice is skipped or shown twice, even one issued late for an earlier period."""
        tenant_id = self._tenant(caller)
        positions = _positions(cursor)
        kinds: Sequence[PeriodKind] = [kind] if kind is not None else list(positions)
        found: list[InvoiceSummary] = []
        more: dict[PeriodKind, bool] = {}
        for each in kinds:
            if positions[each] == _DONE:
                more[each] = False
                continue
            items, more[each] = self._invoices.newest(tenant_id, each, limit=limit, before=positions[each])
            found += [_summary(each, item) for item in items]
        shown = sorted(found, key=lambda s: (s.period_start, s.invoice_number), reverse=True)[:limit]
        shown = self._with_status(tenant_id, shown)
        left = {
            each: (more[each] or any(f.kind == each.value and f not in shown for f in found))
            for each in kinds
        }
        if not any(left.values()):
            return shown, None
        next_positions = dict(positions)
        for each in kinds:
            last = [s.period for s in shown if s.kind == each.value]
            next_positions[each] = last[-1] if last else positions[each]
            if not left[each]:
                next_positions[each] = _DONE
        for each in positions:
            if each not in kinds:
                next_positions[each] = _DONE
        return shown, f"{next_positions[PeriodKind.MONTHLY] or ''}.{next_positions[PeriodKind.ANNUAL] or ''}"

    def _with_status(self, tenant_id: str, shown: list[InvoiceSummary]) -> list[InvoiceSummary]:
        """Each invoice's delivery status, the page's records read in one batch."""
        if not shown:
            return shown
        found = self._deliveries.many([(tenant_id, s.kind, s.period) for s in shown])
        return [
            replace(s, delivery_status=found[(tenant_id, s.kind, s.period)].status.value)
            if (tenant_id, s.kind, s.period) in found
            else s
            for s in shown
        ]

    def invoice(self, caller: Caller, number: int) -> IssuedInvoice:
        tenant_id = self._tenant(caller)
        issued = self._invoices.by_number(tenant_id, number)
        if issued is None:
            raise NotFound(f"no invoice {number}")
        return issued

    def delivery(self, issued: IssuedInvoice) -> Delivery | None:
        draft = issued.invoice.draft
        return self._deliveries.get(draft.tenant_id, draft.kind, draft.period.label)

    def resend(self, caller: Caller, number: int, address: str | None, request_id: str) -> None:
        """An admin asks for the invoice to be e-mailed again (CONTRACT §10); delivery sends it."""
        tenant_id, user_id = tenant_user(caller)
        member = self._members.member(tenant_id, user_id)
        check_member(member)
        if member.role != "admin":
            raise Forbidden("only an admin of the tenant may have an invoice sent again")
        issued = self._invoices.by_number(tenant_id, number)
        if issued is None:
            raise NotFound(f"no invoice {number}")
        if not {"pdf", "csv"} <= issued.documents.keys():
            raise Conflict(f"invoice {number}'s documents are not stored yet; try again shortly")
        if address is not None:
            from periodyear.domain.addresses import ses_address  # noqa: PLC0415
            from periodyear.domain.client_register import email_address  # noqa: PLC0415
            from periodyear.domain.errors import UnsendableAddress  # noqa: PLC0415

            address = email_address(address)
            try:
                ses_address(address)
            except UnsendableAddress as unsendable:  # e.g. a local part that is not ASCII
                raise Invalid(
                    f"email cannot be sent to: {unsendable}", fields={"email": "cannot be sent to"}
                ) from None
        self._resends.request(
            {"request_id": request_id, "email": address, "invoice": announcement_of(issued, self._bucket)}
        )

    def document_link(self, caller: Caller, number: int, document: str) -> str:
        issued = self.invoice(caller, number)
        key = issued.documents.get(DOCUMENTS[document])
        if key is None:
            raise NotFound(f"invoice {number}'s {document} is not stored yet")
        return self._links.url(key, LINK_SECONDS)


def announcement_of(issued: IssuedInvoice, bucket: str) -> dict[str, Any]:
    """What delivery reads of an invoice, as ``InvoiceIssued`` carries it (documents as stored)."""
    from periodyear.documents.publisher import invoice_issued  # noqa: PLC0415 (the resend route's)

    return invoice_issued(issued.invoice, {"bucket": bucket, **issued.documents})
