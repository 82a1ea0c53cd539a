"""Completes issued invoices: their three documents stored, then ``InvoiceIssued`` announced.

An invoice record lists what is still pending (``xml``, ``pdf``, ``csv``, ``event``). The
documents are made from the invoice as issued, so a retry writes the same bytes to the same
keys. The announcements of a batch go out ten to a ``PutEvents`` call, only after that
invoice's documents are stored, and carry the invoice key, so a consumer can ignore the
repeat that a crash between sending and recording may cause. The detail says whether the
document is an ``INVOICE`` or a ``CREDIT_NOTE`` (CONTRACT §5a); its ``total`` is the record's,
signed (negative for a credit note). Then one update per invoice records the documents' keys
and the steps done. A step that fails stays pending, with the reason, for the next run to
complete; the invoice itself stands.

An invoice with a number always gets documents. When the buyer's org number fails MOD11 the
e-invoice cannot address it: the PDF and CSV are stored and announced all the same (the
``InvoiceIssued`` detail has no ``xml`` key and ``ehf_held`` with the reason), and the EHF is
held: ``xml`` stays in ``documents_pending`` and the record gets ``documents_held`` (the reason).
Every run of the period tries again with the register's current data; once the org number is
corrected the EHF is made, recorded, and the invoice announced again with every document.

The document libraries (fpdf2, the EHF builder) are imported only when a document is made,
so the functions' cold start does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from periodyear.config import Seller
from periodyear.domain.calendar import Period
from periodyear.domain.invoice import Invoice, IssuedInvoice
from periodyear.domain.payment import kid_for
from periodyear.domain.tenant import TenantAccount

EXTENSIONS = ("xml", "pdf", "csv")


class Invoices(Protocol):
    def documents_done(
        self,
        tenant_id: str,
        period: Period,
        *,
        keys: dict[str, str],
        done: Sequence[str],
        at: datetime,
        held: str | None = None,
    ) -> None: ...


class Store(Protocol):
    bucket: str

    def key(self, tenant_id: str, invoice_number: int, extension: str) -> str: ...
    def put(self, key: str, body: bytes, extension: str) -> None: ...


class Events(Protocol):
    def invoices_issued(self, details: Sequence[Mapping[str, Any]]) -> list[str | None]:
        """Announce each; returns, per detail, None when it went on the bus, else why not."""
        ...


def ehf_held(buyer: TenantAccount) -> str | None:
    """Why the buyer's EHF must be held (see ``ehf.ehf_held_reason``), or None."""
    from periodyear.documents.ehf import ehf_held_reason  # noqa: PLC0415 (kept off the cold start)

    return ehf_held_reason(buyer)


def documents(invoice: Invoice, buyer: TenantAccount, seller: Seller) -> dict[str, bytes]:
    """The documents of an invoice, deterministic for the same input: all three, or the PDF and
    the CSV when its EHF is held (``ehf_held``)."""
    from periodyear.documents.basis_csv import basis_csv  # noqa: PLC0415 (kept off the cold start)
    from periodyear.documents.ehf import build_ehf  # noqa: PLC0415
    from periodyear.documents.pdf import build_pdf  # noqa: PLC0415
    from periodyear.domain.basis import basis_rows  # noqa: PLC0415

    kid = kid_for(invoice.invoice_number)
    basis = basis_csv(basis_rows(invoice.draft, buyer.clients), buyer.language)
    made = {"pdf": build_pdf(invoice, buyer, seller, kid), "csv": basis}
    if ehf_held(buyer) is None:
        made["xml"] = build_ehf(invoice, buyer, seller, kid, basis_csv=basis)
    return made


def invoice_issued(invoice: Invoice, documents: Mapping[str, str], held: str | None = None) -> dict[str, Any]:
    """``InvoiceIssued``'s detail (what delivery reads of an invoice): ``documents`` is the bucket
    and each stored document's key; ``held``: why the EHF is held (then it has no key)."""
    draft = invoice.draft
    detail: dict[str, Any] = {
        "invoice_key": {"tenant_id": draft.tenant_id, "kind": draft.kind.value, "period": draft.period.label},
        "invoice_number": invoice.invoice_number,
        "document_type": draft.document_type,
        "issue_date": draft.issue_date.isoformat(),
        "due_date": draft.due_date.isoformat(),
        "currency": draft.currency,
        "total": str(draft.total),
        "kid": kid_for(invoice.invoice_number),
        "documents": dict(documents),
    }
    if held:
        detail["ehf_held"] = held
    return detail


@dataclass(frozen=True)
class DocumentWork:
    issued: IssuedInvoice
    buyer: TenantAccount

    @property
    def tenant_id(self) -> str:
        return self.issued.invoice.draft.tenant_id


@dataclass(frozen=True)
class DocumentResult:
    done: tuple[str, ...] = ()  # steps completed now
    error: str | None = None  # why a step is still pending
    held: str | None = None  # why the EHF is held (the rest is stored and announced)


Render = Callable[[Invoice, TenantAccount, Seller], dict[str, bytes]]


@dataclass
class _Progress:
    """What one ``complete`` has done so far, per tenant: the steps, the EHF held, the error."""

    done: dict[str, list[str]] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def results(self, work: Sequence[DocumentWork]) -> dict[str, DocumentResult]:
        return {
            item.tenant_id: DocumentResult(
                tuple(self.done.get(item.tenant_id, ())),
                self.errors.get(item.tenant_id),
                self.held.get(item.tenant_id),
            )
            for item in work
            if item.tenant_id in self.done or item.tenant_id in self.errors or item.tenant_id in self.held
        }


class DocumentPublisher:
    def __init__(
        self,
        *,
        invoices: Invoices,
        store: Store,
        events: Events,
        seller: Seller,
        render: Render = documents,  # tests of the billing verbs give a stub: documents have their own
    ) -> None:
        self._invoices = invoices
        self._store_client = store
        self._events = events
        self._seller = seller
        self._render = render

    def _keys(self, invoice: Invoice, *, held: str | None = None) -> dict[str, str]:
        tenant_id = invoice.draft.tenant_id
        return {
            ext: self._store_client.key(tenant_id, invoice.invoice_number, ext)
            for ext in EXTENSIONS
            if not (held and ext == "xml")
        }

    def _announcement(self, invoice: Invoice, held: str | None) -> dict[str, Any]:
        stored = {"bucket": self._store_client.bucket, **self._keys(invoice, held=held)}
        return invoice_issued(invoice, stored, held)

    def _store(self, item: DocumentWork) -> tuple[list[str], str | None]:
        """Store the documents still missing; returns their extensions, and why the EHF is
        held (then it is not among them)."""
        invoice = item.issued.invoice
        missing = sorted(item.issued.documents_pending & set(EXTENSIONS))
        held = ehf_held(item.buyer) if "xml" in missing else None
        if held:
            missing.remove("xml")
        if missing:
            bodies = self._render(invoice, item.buyer, self._seller)
            keys = self._keys(invoice)
            for ext in missing:
                self._store_client.put(keys[ext], bodies[ext], ext)
        return missing, held

    def _announce(self, work: Sequence[DocumentWork], held: Mapping[str, str]) -> list[str | None]:
        if not work:
            return []
        try:
            return self._events.invoices_issued(
                [self._announcement(i.issued.invoice, held.get(i.tenant_id)) for i in work]
            )
        except Exception as error:
            return [f"{type(error).__name__}: {error}"] * len(work)

    def complete(self, work: Sequence[DocumentWork], now: datetime) -> dict[str, DocumentResult]:
        """Do what each invoice still needs; the result per tenant (none for nothing pending).
        Three steps, each over the whole batch: store, announce (ten to a call), record."""
        progress = _Progress()
        for item in work:
            if item.issued.documents_pending:
                self._store_one(item, progress)
        # Announced: what has not been yet, and an invoice whose held EHF was made now (again,
        # with every document; the first announcement had none).
        announce = [
            i
            for i in work
            if i.tenant_id in progress.done
            and ("event" in i.issued.documents_pending or "xml" in progress.done[i.tenant_id])
        ]
        for item, refusal in zip(announce, self._announce(announce, progress.held), strict=True):
            if refusal is None:
                progress.done[item.tenant_id].append("event")
            else:
                progress.errors[item.tenant_id] = f"InvoiceIssued not announced: {refusal}"
        for item in work:
            if item.tenant_id in progress.done:
                self._record(item, progress, now)
        return progress.results(work)

    def _store_one(self, item: DocumentWork, progress: _Progress) -> None:
        try:
            progress.done[item.tenant_id], reason = self._store(item)
        except Exception as error:  # the invoice stands; the next run makes its documents
            progress.errors[item.tenant_id] = f"{type(error).__name__}: {error}"
            return
        if reason:
            progress.held[item.tenant_id] = reason

    def _record(self, item: DocumentWork, progress: _Progress, now: datetime) -> None:
        """Record the steps done and the documents' keys; unrecorded, they count as not done."""
        steps = progress.done[item.tenant_id]
        if not steps:
            return
        invoice, reason = item.issued.invoice, progress.held.get(item.tenant_id)
        try:
            self._invoices.documents_done(
                item.tenant_id,
                invoice.draft.period,
                keys=self._keys(invoice, held=reason),
                done=steps,
                at=now,
                held=reason,
            )
        except Exception as error:
            progress.errors[item.tenant_id] = f"{type(error).__name__}: {error}"
            del progress.done[item.tenant_id]
