"""The firm's invoices (CONTRACT §11, "Pages"): newest first with total, due date and delivery
status in words; the PDF, EHF and basis open from there (fetched with the token, the 307
followed); an admin sends one again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import OpenPage, sign_in

pytestmark = pytest.mark.browser


def invoices(page: Page, language: str = "nb") -> Page:
    name = "Fakturaer" if language == "nb" else "Invoices"
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    return page


def first_invoice(page: Page) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"\b1$")))


def test_the_invoices_show_period_due_date_total_and_delivery_status_in_each_language(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = invoices(sign_in(open_page("nb"), site), "nb")
    table = page.get_by_role("table", name="Fakturaer, nyeste først")
    headers = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    assert headers[:6] == ["Nr.", "Periode", "Forfallsdato", "Beløp (kr)", "Levering", "Dokumenter"]
    invoice = first_invoice(page)
    expect(invoice).to_contain_text("mai 2022")
    expect(invoice).to_contain_text("15.06.2022")
    expect(invoice).to_contain_text("248,75")
    expect(invoice).to_contain_text("Ikke sendt ennå")
    page.get_by_role("button", name="English").click()
    invoice = first_invoice(page)
    expect(invoice).to_contain_text("May 2022")
    expect(invoice).to_contain_text("15 Jun 2022")
    expect(invoice).to_contain_text("248.75")
    expect(invoice).to_contain_text("Not sent yet")


@pytest.mark.parametrize(
    ("button", "filename", "start"),
    [
        ("PDF", "faktura-1.pdf", b"%PDF"),
        ("Grunnlag", "fakturagrunnlag-1.csv", None),
        ("EHF", "faktura-ehf-1.xml", b"<?xml"),
    ],
)
def test_a_document_opens_from_the_invoice(
    admin_page: Page, button: str, filename: str, start: bytes | None, tmp_path: Path
) -> None:
    page = invoices(admin_page)
    redirects: list[int] = []
    page.on("response", lambda r: redirects.append(r.status) if "/v1/invoices/1/" in r.url else None)
    with page.expect_download() as started:
        first_invoice(page).get_by_role("button", name=button, exact=True).click()
    download = started.value
    assert download.suggested_filename == filename
    saved = tmp_path / filename
    download.save_as(saved)
    body = saved.read_bytes()
    if start is not None:
        assert body.startswith(start)
    else:  # the basis: a CSV naming the firm's client
        assert b"Bakeri AS" in body
    assert redirects == [307]  # the API's redirect to the presigned link, followed by the page


def test_an_admin_sends_an_invoice_again(admin_page: Page) -> None:
    page = invoices(admin_page)
    keys: list[str] = []
    page.on(
        "request",
        lambda r: keys.append(r.headers.get("idempotency-key", "")) if r.url.endswith("/delivery") else None,
    )
    first_invoice(page).get_by_role("button", name="Send på nytt").click()
    dialog = page.get_by_role("dialog", name="Send faktura 1 på nytt")
    expect(dialog).to_contain_text("La feltet stå tomt")
    dialog.get_by_label("Annen e-postadresse (valgfritt)").fill("ikke en adresse")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Skriv inn en gyldig e-postadresse")).to_be_visible()
    dialog.get_by_label("Annen e-postadresse (valgfritt)").fill("regnskap@kunde.example")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Faktura 1 sendes på nytt til regnskap@kunde.example")
    expect(dialog).to_have_count(0)
    assert len(set(keys)) == 2  # a refused submission's key is not used again
    assert all(keys)


def test_a_resend_answered_409_while_the_first_still_runs_is_sent_again_with_the_same_key(
    admin_page: Page,
) -> None:
    """The idempotency layer answers 409 while the first request with a key runs: clicking Send
    again must repeat that submission (one e-mail), not make a second one with a new key."""
    page = invoices(admin_page)
    keys: list[str] = []

    def still_running(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            problem = '{"type": "about:blank", "title": "Conflict", "status": 409, "detail": "still running"}'
            route.fulfill(status=409, content_type="application/problem+json", body=problem)
        else:
            route.fallback()

    page.route("**/v1/invoices/1/delivery", still_running)
    first_invoice(page).get_by_role("button", name="Send på nytt").click()
    dialog = page.get_by_role("dialog", name="Send faktura 1 på nytt")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_role("alert")).to_be_visible()
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Faktura 1 sendes på nytt")
    assert len(keys) == 2
    assert keys[0] == keys[1]  # the same submission
    assert keys[0]


def test_a_plain_user_opens_documents_but_cannot_send_again(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = invoices(sign_in(open_page("nb"), site, "user"))
    expect(first_invoice(page).get_by_role("button", name="PDF")).to_be_visible()
    expect(page.get_by_role("button", name="Send på nytt")).to_have_count(0)
