"""Completes an issued invoice: its three documents stored, then ``InvoiceIssued`` announced.

The invoice record lists what is still pending (``xml``, ``pdf``, ``csv``, ``event``). Documents
are made from the stored record, so a retry writes the same bytes to the same keys; the event
goes out only after every document is stored, and carries the invoice key so that a consumer
can ignore the repeat a crash between sending and recording may cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from periodyear.config import Seller
from periodyear.documents.basis_csv import basis_csv
from periodyear.documents.ehf import build_ehf
from periodyear.documents.pdf import build_pdf
from periodyear.domain.basis import basis_rows
from periodyear.domain.calendar import Period
from periodyear.domain.invoice import Invoice
from periodyear.domain.payment import kid_for
from periodyear.domain.tenant import TenantAccount

EXTENSIONS = ("xml", "pdf", "csv")


class Stored(Protocol):
    @property
    def invoice(self) -> Invoice: ...
    @property
    def pending(self) -> frozenset[str]: ...


class Invoices(Protocol):
    def stored(self, tenant_id: str, period: Period) -> Stored | None: ...
    def documents_stored(self, tenant_id: str, period: Period, keys: dict[str, str]) -> None: ...
    def event_sent(self, tenant_id: str, period: Period, at: datetime) -> None: ...


class Accounts(Protocol):
    def account(self, tenant_id: str) -> TenantAccount: ...


class Store(Protocol):
    bucket: str

    def key(self, tenant_id: str, invoice_number: int, extension: str) -> str: ...
    def put(self, key: str, body: bytes, extension: str) -> None: ...


class Events(Protocol):
    def invoice_issued(self, detail: Mapping[str, Any]) -> None: ...


def documents(invoice: Invoice, buyer: TenantAccount, seller: Seller) -> dict[str, bytes]:
    """The three documents of an invoice, deterministic for the same input."""
    kid = kid_for(invoice.invoice_number)
    basis = basis_csv(basis_rows(invoice.draft, buyer.clients), buyer.language)
    return {
        "xml": build_ehf(invoice, buyer, seller, kid, basis_csv=basis),
        "pdf": build_pdf(invoice, buyer, seller, kid),
        "csv": basis,
    }


class DocumentPublisher:
    def __init__(
        self, *, invoices: Invoices, accounts: Accounts, store: Store, events: Events, seller: Seller
    ) -> None:
        self._invoices = invoices
        self._accounts = accounts
        self._store = store
        self._events = events
        self._seller = seller

    def complete(
        self, tenant_id: str, period: Period, now: datetime, account: TenantAccount | None = None
    ) -> list[str]:
        """Do what the invoice still needs; returns the steps done now (empty when none were pending).
        ``account`` saves reading the register again when the caller has just read it."""
        stored = self._invoices.stored(tenant_id, period)
        if stored is None or not stored.pending:
            return []
        invoice, done = stored.invoice, []
        keys = {ext: self._store.key(tenant_id, invoice.invoice_number, ext) for ext in EXTENSIONS}
        missing = sorted(stored.pending & set(EXTENSIONS))
        if missing:
            bodies = documents(invoice, account or self._accounts.account(tenant_id), self._seller)
            for ext in missing:
                self._store.put(keys[ext], bodies[ext], ext)
            self._invoices.documents_stored(tenant_id, period, keys)
            done += missing
        if "event" in stored.pending:
            draft = invoice.draft
            self._events.invoice_issued(
                {
                    "invoice_key": {
                        "tenant_id": tenant_id,
                        "kind": draft.kind.value,
                        "period": draft.period.label,
                    },
                    "invoice_number": invoice.invoice_number,
                    "issue_date": draft.issue_date.isoformat(),
                    "due_date": draft.due_date.isoformat(),
                    "currency": draft.currency,
                    "total": str(draft.total),
                    "kid": kid_for(invoice.invoice_number),
                    "documents": {"bucket": self._store.bucket, **keys},
                }
            )
            self._invoices.event_sent(tenant_id, period, now)
            done.append("event")
        return done
