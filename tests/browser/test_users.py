"""The firm's users (CONTRACT §11, "Pages"): an admin adds one, changes a role and removes one
after a confirmation; a plain user sees the list only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import Api, OpenPage, row, sign_in, unique

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_user_changes_its_role_and_removes_it(admin_page: Page, api: Api) -> None:
    page, name = admin_page, unique("Kari Nordmann")
    email = f"{name.split()[-1]}@kari.example"
    page.get_by_role("link", name="Brukere").click()
    expect(page.get_by_role("heading", level=1, name="Brukere")).to_be_visible()
    # Adds
    page.get_by_label("Navn", exact=True).fill(name)
    page.get_by_label("E-post", exact=True).fill(email)
    page.get_by_label("Rolle").select_option(label="Bruker")
    page.get_by_role("button", name="Legg til bruker").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{name} er lagt til og får en invitasjon på e-post til {email}"
    )
    expect(row(page, name)).to_contain_text("Bruker")
    # The same address again is refused beside the field
    page.get_by_label("Navn", exact=True).fill(unique("Kopi"))
    page.get_by_label("E-post", exact=True).fill(email.upper())
    page.get_by_role("button", name="Legg til bruker").click()
    expect(page.get_by_text("Denne e-postadressen er allerede i bruk.")).to_be_visible()
    # Changes the role
    row(page, name).get_by_role("button", name="Gjør til administrator").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} er nå administrator")
    expect(row(page, name)).to_contain_text("Administrator")
    roles = {u["name"]: u["role"] for u in api.call("GET", "/v1/users?limit=500")["items"]}
    assert roles[name] == "admin"
    # Removes, after a confirmation
    row(page, name).get_by_role("button", name="Fjern").click()
    dialog = page.get_by_role("alertdialog", name=f"Fjerne {name}?")
    expect(dialog).to_contain_text("kan ikke lenger logge inn")
    dialog.get_by_role("button", name="Fjern").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} er fjernet")
    expect(row(page, name)).to_have_count(0)
    assert name not in {u["name"] for u in api.call("GET", "/v1/users?limit=500")["items"]}


def test_the_admin_cannot_remove_or_demote_itself(admin_page: Page) -> None:
    page = admin_page
    page.get_by_role("link", name="Brukere").click()
    me = row(page, "Ada")
    expect(me).to_contain_text("Du")
    expect(me.get_by_role("button")).to_have_count(0)


def test_a_plain_user_sees_the_users_but_cannot_change_them(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = sign_in(open_page("en"), site, "user", "en")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1, name="Users")).to_be_visible()
    expect(page.get_by_text("Only an admin can add and change users.")).to_be_visible()
    expect(row(page, "Ada")).to_contain_text("Admin")
    expect(page.get_by_role("button", name="Add user")).to_have_count(0)
    expect(page.get_by_role("table").get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
