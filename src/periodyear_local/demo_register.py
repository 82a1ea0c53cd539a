"""The demo's fourth chapter: the client register's HTTP API, called over HTTP on localhost as a
web front end would. A moved firm's admin adds a client (a repeated POST with its
Idempotency-Key writes once) and a user (who gets a sign-in); an operator creates a firm in the
new service, whose admin adds its first client; the next monthly run names both new clients in
the firms' re-invoicing bases, and each admin fetches its invoice and a link to its basis.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from periodyear.adapters.invoice_items import invoice_from_record
from periodyear.config import RegisterSettings
from periodyear.domain.basis import basis_rows
from periodyear.domain.calendar import Period, PeriodKind, format_instant, oslo_start_of
from periodyear.register.api import openapi_document
from periodyear_local.api_server import LocalApi, serving
from periodyear_local.demo_billing import BillingChapter
from periodyear_local.demo_context import DemoContext
from periodyear_local.sandbox import patched_environ
from periodyear_local.seed import batch_put, usage_item
from periodyear_local.services import register as register_services

if TYPE_CHECKING:
    from periodyear.billing.outcomes import RunResult


NEW_CLIENT = {"name": "Fjellvann Kraft AS", "org_number": "914778271"}
NEW_FIRM: dict[str, Any] = {
    "tenant_id": "nystartet",
    "name": "Nystartet Regnskap AS",
    "org_number": "974760673",
    "email": "post@nystartet.example",
    "package": "KOMPLETT",
    "admin": {"name": "Ingrid Ny", "email": "ingrid@nystartet.example"},
}


class Client:
    """HTTP calls to the local server with one bearer token, as curl would make them."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method, headers=sent)

        class _Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None  # show a 307 as it is, never follow it

        try:
            with urllib.request.build_opener(_Stay).open(request, timeout=30) as answer:
                status, got, raw = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, got, raw = error.code, dict(error.headers), error.read()
        return status, got, json.loads(raw) if raw else None


def register_chapter(
    context: DemoContext, billing: BillingChapter, monthly: RunResult, month: Period, firms: int
) -> None:
    """Chapter 4, in ``month``: changes through the API, then the run of ``month`` bills them
    (``firms``: the tenants the register holds before the chapter adds one)."""
    console = context.console
    # the firm of the run's first invoice: one that is billed (not still inside a prepaid period)
    invoiced = [t for t in monthly.tenants if t.account and t.invoice_number is not None]
    firm = min(invoiced, key=lambda t: t.invoice_number or 0)
    assert firm.account is not None
    created_at = oslo_start_of(month.start) + timedelta(days=4, hours=9)
    with patched_environ(context.provisioned.environment("RegisterApiFunction")):
        # the register's clock on that day: the demo plays 2022, so the firm is created in 2022
        local = LocalApi(openapi=openapi_document(), services=register_services(clock=lambda: created_at))
        with serving(local) as url:
            console.print(f"Register API on {url} (local tokens; `.venv/bin/periodyear serve` runs the same)")
            admin = Client(url, local.mint(tenant_id=firm.tenant_id, user_id="u1"))
            key = {"Idempotency-Key": f"demo-{firm.tenant_id}-client"}
            status, headers, added = admin.call("POST", "/v1/clients", NEW_CLIENT, key)
            again, again_headers, _ = admin.call("POST", "/v1/clients", NEW_CLIENT, key)
            console.print(
                f"{firm.account.name}'s admin: POST /v1/clients → {status} {headers.get('Location')}; "
                f"the same POST again with its Idempotency-Key → {again} "
                f"(replayed: {again_headers.get('Idempotent-Replayed', 'no')}), one client"
            )
            user = {"name": "Nils Nyansatt", "email": f"nils@{firm.tenant_id}.example", "role": "user"}
            status, _, nils = admin.call("POST", "/v1/users", user)
            console.print(
                f"POST /v1/users → {status}: {nils['name']} ({nils['role']}), "
                f"sign-in {_sign_in(context, user)}"
            )
            operator = Client(url, local.mint(operator=True))
            status, _, new = operator.call("POST", "/v1/tenants", NEW_FIRM)
            console.print(
                f"Operator: POST /v1/tenants → {status}: {new['name']} on {new['package']}, billed from "
                f"{new['price_switch_date']} at the standard price list; admin sign-in "
                f"{_sign_in(context, NEW_FIRM['admin'])}"
            )
            ingrid = Client(url, local.mint(tenant_id=NEW_FIRM["tenant_id"], user_id=new["admin"]["user_id"]))
            first = {"name": "Første Kunde AS", "org_number": "923609016"}
            status, _, own = ingrid.call("POST", "/v1/clients", first)
            console.print(f"{new['name']}'s admin: POST /v1/clients → {status}: {own['name']}")
            # Both firms close the new clients' periods in the month
            occurred = format_instant(created_at + timedelta(days=3))
            batch_put(
                context.clients.dynamodb(),
                context.names["UsageTable"],
                [
                    usage_item(firm.tenant_id, "period.closed", occurred, client_id=added["client_id"]),
                    usage_item(NEW_FIRM["tenant_id"], "period.closed", occurred, client_id=own["client_id"]),
                ],
            )
            _bill(
                context,
                billing,
                month,
                firms + 1,
                [(firm.tenant_id, NEW_CLIENT["name"]), (NEW_FIRM["tenant_id"], first["name"])],
            )
            for who, caller in ((firm.account.name, admin), (new["name"], ingrid)):
                _, _, page = caller.call("GET", "/v1/invoices?limit=1")
                newest = page["items"][0]
                status, headers, _ = caller.call("GET", f"/v1/invoices/{newest['invoice_number']}/basis")
                link = headers.get("Location", "").split("?")[0]
                console.print(
                    f"{who}: GET /v1/invoices → no. {newest['invoice_number']} for {newest['period']}, "
                    f"NOK {newest['total']}; …/basis → {status} to {link} (presigned, 15 minutes)"
                )


def _sign_in(context: DemoContext, user: dict[str, Any]) -> str:
    cognito = context.clients.cognito()
    pool = RegisterSettings.load().register_user_pool_id
    found = cognito.admin_get_user(UserPoolId=pool, Username=user["email"])
    return f"made ({found['UserStatus']}, invitation sent by the pool)"


def _bill(
    context: DemoContext, billing: BillingChapter, month: Period, firms: int, wanted: list[tuple[str, str]]
) -> None:
    event = {"time": format_instant(oslo_start_of(month.end) + timedelta(hours=3))}
    console = context.console
    console.print(f"\nScheduled monthly event {json.dumps(event)} → bills {month.label}")
    with patched_environ(context.provisioned.environment("MonthlyInvoiceFunction")):
        summary, result = billing.fan_out_run(PeriodKind.MONTHLY, event, firms)
        for issued in result.tenants:  # every invoice of the run, as the README says
            if issued.invoice_number is not None:
                billing.write_invoice(billing.stored_record(issued.tenant_id, month))
        for tenant_id, client_name in wanted:
            tenant = next(t for t in result.tenants if t.tenant_id == tenant_id)
            assert tenant.account is not None
            record = billing.stored_record(tenant_id, month)
            console.print(billing.basis_table(record, tenant.account))
            rows = basis_rows(invoice_from_record(record).draft, tenant.account.clients)
            named = any(row.client_name == client_name for row in rows)
            console.print(
                f"{client_name}, added through the API, is named in the basis: {'yes' if named else 'NO'}"
            )
        console.print(f"[bold]Summary[/]: invoices issued {summary['invoices_issued']}")
