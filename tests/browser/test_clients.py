"""The client register, the start page (CONTRACT §11, "Pages"): search, add (a double click
adds one), edit with If-Match (a stale edit offers a reload), archive after a confirmation,
show archived, the bureau client protected, another firm's client not found, errors in the
user's language and a lost connection that keeps what was typed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import Api, OpenPage, org_number, row, sign_in, unique

pytestmark = pytest.mark.browser


def add_client(page: Page, name: str, number: str, *, language: str = "nb") -> None:
    labels = (
        ("Navn", "Organisasjonsnummer", "Legg til klient")
        if language == "nb"
        else ("Name", "Organisation number", "Add client")
    )
    page.get_by_label(labels[0], exact=True).fill(name)
    page.get_by_label(labels[1], exact=True).fill(number)
    page.get_by_role("button", name=labels[2]).click()


def test_an_added_client_is_listed_and_found_by_search(admin_page: Page) -> None:
    page, name, number = admin_page, unique("Rør AS"), org_number()
    add_client(page, name, number)
    expect(page.get_by_role("status")).to_contain_text(f"{name} er lagt til")
    expect(row(page, name)).to_contain_text(f"{number[:3]} {number[3:6]} {number[6:]}")
    # The form is empty again, ready for the next one
    expect(page.get_by_label("Navn", exact=True)).to_have_value("")
    # Search by part of the name, then by org number with spaces
    search = page.get_by_label("Søk etter navn eller organisasjonsnummer")
    search.fill(name.split()[-1])
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one client
    search.fill(f"{number[:3]} {number[3:6]}")
    expect(row(page, name)).to_be_visible()
    search.fill("finnes-ikke-noe-sted")
    expect(page.get_by_text("Ingen klienter passer til søket.")).to_be_visible()


def test_a_double_click_on_add_client_adds_one_client(admin_page: Page, api: Api) -> None:
    page, name = admin_page, unique("Dobbel AS")
    keys: list[str] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers["idempotency-key"])
            if r.method == "POST" and "/v1/clients" in r.url
            else None
        ),
    )
    page.get_by_label("Navn", exact=True).fill(name)
    page.get_by_label("Organisasjonsnummer", exact=True).fill(org_number())
    page.get_by_role("button", name="Legg til klient").dblclick()
    expect(page.get_by_role("status")).to_contain_text(f"{name} er lagt til")
    named = [c for c in api.call("GET", "/v1/clients?limit=500")["items"] if c["name"] == name]
    assert len(named) == 1
    assert len(keys) == 1
    assert re.fullmatch(r"[0-9a-f-]{36}", keys[0])


def test_a_taken_or_wrong_org_number_is_said_beside_the_field_in_bokmal(admin_page: Page) -> None:
    page = admin_page
    add_client(page, unique("Feil AS"), "123456789")
    number = page.get_by_label("Organisasjonsnummer", exact=True)
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Skriv inn et gyldig organisasjonsnummer: 9 siffer")).to_be_visible()
    expect(page.get_by_text("MOD11")).to_have_count(0)  # never the API's words
    # The seeded client's number is taken by an active client
    add_client(page, unique("Kopi AS"), "974760673")
    expect(page.get_by_text("En annen aktiv klient har dette organisasjonsnummeret.")).to_be_visible()


def test_a_lost_connection_keeps_what_was_typed_and_a_retry_adds_one_with_the_same_key(
    admin_page: Page, api: Api
) -> None:
    page, name, number = admin_page, unique("Nett AS"), org_number()
    keys: list[str] = []

    def lost(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        route.abort("connectionreset")

    page.route(
        "**/v1/clients", lambda route: lost(route) if route.request.method == "POST" else route.fallback()
    )
    add_client(page, name, number)
    expect(page.get_by_role("alert")).to_contain_text("Det du skrev, er tatt vare på")
    expect(page.get_by_label("Navn", exact=True)).to_have_value(name)
    expect(page.get_by_label("Organisasjonsnummer", exact=True)).to_have_value(number)
    # A 5xx says the same
    page.unroute("**/v1/clients")
    page.route(
        "**/v1/clients",
        lambda route: (
            route.fulfill(status=503, body="") if route.request.method == "POST" else route.fallback()
        ),
    )
    page.get_by_role("button", name="Legg til klient").click()
    expect(page.get_by_role("alert")).to_contain_text("ingenting ble lagret")
    page.unroute("**/v1/clients")
    sent: list[str] = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.headers["idempotency-key"])
            if r.method == "POST" and "/v1/clients" in r.url
            else None
        ),
    )
    page.get_by_role("button", name="Legg til klient").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} er lagt til")
    assert sent == [keys[0]]  # the same submission, retried with its key
    assert [c["name"] for c in api.call("GET", "/v1/clients?limit=500")["items"]].count(name) == 1


def test_a_client_is_edited_by_its_name(admin_page: Page, api: Api) -> None:
    page, name = admin_page, unique("Endre AS")
    created = api.call("POST", "/v1/clients", {"name": name, "org_number": org_number()})
    page.reload()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    page.get_by_label("Navn", exact=True).fill(f"{name} Holding")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_contain_text("Endringene er lagret")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} Holding")
    assert api.call("GET", f"/v1/clients/{created['client_id']}")["name"] == f"{name} Holding"
    # And back to the first name on the same page: compared with what was saved, so it is saved
    page.get_by_label("Navn", exact=True).fill(name)
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert api.call("GET", f"/v1/clients/{created['client_id']}")["name"] == name


def test_a_stale_edit_says_someone_else_changed_it_and_reload_shows_their_name(
    admin_page: Page, api: Api
) -> None:
    page, name = admin_page, unique("Gammel AS")
    created = api.call("POST", "/v1/clients", {"name": name, "org_number": org_number()})
    page.goto(f"{page.url.split('#')[0]}#/clients/{created['client_id']}")
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    # Someone else renames it after the page read it
    api.call("PATCH", f"/v1/clients/{created['client_id']}", {"name": f"{name} (deres)"})
    page.get_by_label("Navn", exact=True).fill(f"{name} (mitt)")
    page.get_by_role("button", name="Lagre").click()
    dialog = page.get_by_role("alertdialog", name="Endret av noen andre")
    expect(dialog).to_contain_text("Noen andre har endret klienten")
    dialog.get_by_role("button", name="Last inn på nytt").click()
    expect(page.get_by_label("Navn", exact=True)).to_have_value(f"{name} (deres)")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} (deres)")
    expect(page.get_by_label("Navn", exact=True)).to_be_focused()


def test_archiving_asks_first_and_the_archived_are_shown_on_request(admin_page: Page, api: Api) -> None:
    page, name = admin_page, unique("Arkiv AS")
    api.call("POST", "/v1/clients", {"name": name, "org_number": org_number()})
    page.reload()
    archive = row(page, name).get_by_role("button", name="Arkiver")
    # Cancel keeps it
    archive.click()
    dialog = page.get_by_role("alertdialog", name=f"Arkivere {name}?")
    dialog.get_by_role("button", name="Avbryt").click()
    expect(dialog).to_have_count(0)
    expect(archive).to_be_focused()
    # Confirm archives it: it leaves the list
    archive.click()
    page.get_by_role("alertdialog").get_by_role("button", name="Arkiver").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} er arkivert")
    expect(row(page, name)).to_have_count(0)
    # Shown on request, marked archived and without an archive button
    page.get_by_role("checkbox", name="Vis arkiverte").check()
    expect(row(page, name)).to_contain_text("Arkivert")
    expect(row(page, name).get_by_role("button", name="Arkiver")).to_have_count(0)


def test_the_bureau_client_is_marked_and_cannot_be_archived(admin_page: Page, site: LocalStartPage) -> None:
    page = admin_page
    bureau = row(page, site.bureau_client)
    expect(bureau).to_contain_text("Byråklient")
    expect(bureau.get_by_role("button", name="Arkiver")).to_have_count(0)
    bureau.get_by_role("link", name=site.bureau_client).click()
    expect(page.get_by_text("Byråklienten kan ikke arkiveres.")).to_be_visible()
    expect(page.get_by_role("button", name="Arkiver")).to_have_count(0)


@pytest.mark.parametrize(("language", "title"), [("nb", "Fant ikke klienten"), ("en", "Client not found")])
def test_another_firms_client_typed_into_the_address_bar_is_not_found(
    open_page: OpenPage, site: LocalStartPage, language: str, title: str
) -> None:
    page = sign_in(open_page(language), site, "admin", language)
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/v1/clients/" in r.url else None)
    page.goto(f"{site.url}#/clients/{site.other_firm_client}")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Fjord")
    assert answers == [404]


def test_a_malformed_address_shows_that_there_is_no_such_page(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = sign_in(open_page("nb"), site, "admin", "nb")
    page.goto(f"{site.url}#/clients/%E0%A4%A")  # an escape that does not decode
    expect(page.get_by_role("heading", level=1, name="Fant ikke siden")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Klientene du fører regnskap for")
