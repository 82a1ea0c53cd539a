"""Bokmål and English (CONTRACT §11, "Language and errors"): the first from the browser's
language, switchable with a button named for the other language, remembered for the session;
``<html lang>`` follows, and dates are written each language's way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import Api, OpenPage, fill_sign_in, org_number, row, sign_in, unique

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "heading", "lang"),
    [
        ("nb-NO", "Logg inn", "nb"),
        ("nn-NO", "Logg inn", "nb"),
        ("no", "Logg inn", "nb"),
        ("sv-SE", "Sign in", "en"),
    ],
)
def test_the_first_language_is_the_browsers(
    open_page: OpenPage, site: LocalStartPage, locale: str, heading: str, lang: str
) -> None:
    page = open_page(locale=locale)
    page.goto(site.url)
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_the_language_switch_is_named_for_the_other_language_and_remembered(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = open_page("nb")
    page.goto(site.url)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Norsk")).to_be_focused()
    # Remembered for the session: a reload stays English, and so does the signed-in page
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    email, password = site.sign_ins["admin"]
    fill_sign_in(page, email, password, "en")
    expect(page.get_by_role("heading", level=1, name="Clients")).to_be_visible()
    page.get_by_role("button", name="Norsk").click()
    expect(page.get_by_role("heading", level=1, name="Klienter")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("link", name="Brukere")).to_be_visible()


def test_dates_are_written_each_languages_way(open_page: OpenPage, site: LocalStartPage, api: Api) -> None:
    name = unique("Dato AS")
    client = api.call("POST", "/v1/clients", {"name": name, "org_number": org_number()})
    api.call("DELETE", f"/v1/clients/{client['client_id']}")
    page = sign_in(open_page("nb"), site)
    page.get_by_role("checkbox", name="Vis arkiverte").check()
    expect(row(page, name)).to_contain_text(re.compile(r"Arkivert \d{2}\.\d{2}\.\d{4}"))
    page.get_by_role("button", name="English").click()
    page.get_by_role("checkbox", name="Show archived").check()
    expect(row(page, name)).to_contain_text(re.compile(r"Archived \d{1,2} [A-Z][a-z]{2} \d{4}"))
