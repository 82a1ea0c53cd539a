"""The firm's profile (CONTRACT §11, "Pages"): an admin changes the invoice e-mail (with
If-Match), a bad address is said beside its field in bokmål; a plain user reads it only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import Api, OpenPage, sign_in

pytestmark = pytest.mark.browser


def company(page: Page) -> Page:
    page.get_by_role("link", name="Firma").click()
    expect(page.get_by_role("heading", level=1, name="Firma")).to_be_visible()
    return page


def test_an_admin_changes_the_invoice_email_and_a_bad_one_is_said_beside_the_field_in_bokmal(
    admin_page: Page, api: Api
) -> None:
    page = company(admin_page)
    field = page.get_by_label("Faktura-e-post")
    field.fill("faktura@")
    page.get_by_role("button", name="Lagre").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Skriv inn en gyldig e-postadresse, for eksempel post@firma.no.")).to_be_visible()
    # The message is the field's description (read with it), and the API's words are not shown
    hint = "Fakturaene sendes hit. La feltet stå tomt for å bruke e-postadressen ovenfor."
    said = "Skriv inn en gyldig e-postadresse, for eksempel post@firma.no."
    expect(field).to_have_accessible_description(f"{hint} {said}")
    expect(page.get_by_text("not an address")).to_have_count(0)
    expect(page.get_by_text("invoice_email")).to_have_count(0)
    # A good one is saved
    field.fill("faktura@sjekk.example")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_contain_text("Endringene er lagret")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    assert api.call("GET", "/v1/tenant")["invoice_email"] == "faktura@sjekk.example"
    # Someone else changes the profile meanwhile: a reload is offered
    api.call("PATCH", "/v1/tenant", {"customer_reference": "Endret av en annen"})
    field.fill("faktura2@sjekk.example")
    page.get_by_role("button", name="Lagre").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Last inn på nytt").click()
    expect(page.get_by_label("Deres referanse")).to_have_value("Endret av en annen")
    expect(field).to_have_value("faktura@sjekk.example")


def test_a_plain_user_reads_the_company_details(open_page: OpenPage, site: LocalStartPage) -> None:
    page = company(sign_in(open_page("nb"), site, "user"))
    expect(page.get_by_text("Bare en administrator kan endre firmaopplysningene.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(site.firm_name)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Lagre")).to_have_count(0)
