"""``periodyear deliveries``: what of a period's invoices has not reached its customer, and a
resend of one invoice by e-mail (CONTRACT §10), against the configured AWS or a deployed stack."""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from periodyear.domain.calendar import PeriodKind
from periodyear_local.cli_common import CliError, _month, check_settings, configured, console

if TYPE_CHECKING:
    from periodyear.adapters.clients import Clients
    from periodyear.domain.delivery import Delivery

DELIVERY_FUNCTION = "DeliverInvoiceFunction"


@dataclass(frozen=True)
class Row:
    tenant_id: str
    invoice_number: int
    delivery: Delivery | None

    @property
    def status(self) -> str:
        return self.delivery.status.value if self.delivery else "not announced"

    def line(self) -> str:
        if self.delivery is None:
            return (
                f"  {self.tenant_id}: invoice {self.invoice_number}, no delivery yet (InvoiceIssued not read)"
            )
        last = self.delivery.attempts[-1] if self.delivery.attempts else None
        why = (
            f" ({last.outcome}: {last.detail})"
            if last and last.detail
            else (f" ({last.outcome})" if last else "")
        )
        how = (
            f" by {self.delivery.channel.value}" if self.delivery.channel else ", no channel could deliver it"
        )
        return f"  {self.tenant_id}: invoice {self.invoice_number}, {self.status}{how}{why}"


def add_parser(commands: Any) -> None:
    deliveries = commands.add_parser(
        "deliveries", help="a period's invoices not yet delivered; resend one by e-mail (CONTRACT §10)"
    )
    deliveries.add_argument("--period", help="YYYY-MM: the month's invoices")
    deliveries.add_argument("--year", type=int, help="YYYY: the annual invoices of that year")
    deliveries.add_argument("--all", action="store_true", help="list delivered invoices too")
    deliveries.add_argument("--stack", help="read the settings from this deployed stack's outputs")
    actions = deliveries.add_subparsers(dest="action")
    resend = actions.add_parser(
        "resend", help="e-mail one invoice again (to --email, else the invoice address)"
    )
    resend.add_argument("--tenant", required=True)
    resend.add_argument("--number", type=int, required=True, help="the invoice number")
    resend.add_argument("--email", help="send it here instead of the tenant's invoice address")
    resend.add_argument(
        "--stack", default=argparse.SUPPRESS, help="read the settings from this deployed stack"
    )


def run(args: argparse.Namespace) -> int:
    from periodyear.config import DeliverySettings, DocumentSettings  # noqa: PLC0415

    if args.action != "resend":  # the words are checked before anything is read
        if (args.period is None) == (args.year is None):
            raise CliError("give --period YYYY-MM or --year YYYY")
        kind, label = _period(args)
    with configured(args.stack, [DELIVERY_FUNCTION]) as aws:
        check_settings(DeliverySettings, DocumentSettings)
        if args.action == "resend":
            return _resend(args, aws)
        rows = _rows(kind, label, aws)
    missing = [r for r in rows if r.status != "delivered"]
    console.print(
        f"{kind.value.lower()} {label}: {len(rows)} invoices, {len(rows) - len(missing)} delivered, "
        f"{len(missing)} not",
        highlight=False,
    )
    for row in rows if args.all else missing:
        console.print(row.line(), highlight=False, markup=False, soft_wrap=True)
    return 1 if missing else 0


def _period(args: argparse.Namespace) -> tuple[PeriodKind, str]:
    if args.period is not None:
        return PeriodKind.MONTHLY, _month(args.period).label
    if not 2000 <= args.year <= 2100:
        raise CliError(f"--year {args.year} is not a year the service bills (2000-2100)")
    return PeriodKind.ANNUAL, str(args.year)


def _rows(kind: PeriodKind, label: str, aws: Clients) -> list[Row]:
    from periodyear.adapters.deliveries import DeliveryRecords  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.config import DeliverySettings  # noqa: PLC0415

    settings = DeliverySettings.load()
    tenants = list(RegisterRepository(aws.dynamodb(), settings.register_table).tenant_ids())
    records = DeliveryRecords(aws.dynamodb(), settings.invoices_table)
    invoices = records.invoice_numbers(tenants, kind, label)
    found = records.many([(t, kind, label) for t in invoices])
    return [Row(t, n, found.get((t, kind.value, label))) for t, n in sorted(invoices.items())]


def _resend(args: argparse.Namespace, aws: Clients) -> int:
    from periodyear.adapters.deliveries import QueuedResends  # noqa: PLC0415
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.config import DeliverySettings, DocumentSettings  # noqa: PLC0415
    from periodyear.domain.client_register import Invalid, email_address  # noqa: PLC0415
    from periodyear.register.invoices import announcement_of  # noqa: PLC0415

    settings = DeliverySettings.load()
    issued = InvoiceRepository(aws.dynamodb(), settings.invoices_table).by_number(args.tenant, args.number)
    if issued is None:
        raise CliError(f"tenant {args.tenant!r} has no invoice {args.number}")
    if not {"pdf", "csv"} <= issued.documents.keys():
        raise CliError(f"invoice {args.number}'s documents are not stored yet: the next run completes them")
    try:
        address = email_address(args.email, "--email") if args.email else None
    except Invalid as refused:
        raise CliError(refused.detail) from None
    request_id = uuid.uuid4().hex
    bucket = DocumentSettings.load().documents_bucket
    message = {"request_id": request_id, "email": address, "invoice": announcement_of(issued, bucket)}
    QueuedResends(aws.sqs(), settings.delivery_queue_url).request(message)
    to = address or "the tenant's invoice address"
    console.print(
        f"invoice {args.number} of {args.tenant} queued to be e-mailed to {to} (request {request_id})"
    )
    return 0
