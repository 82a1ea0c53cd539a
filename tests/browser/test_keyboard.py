"""Every task with the keyboard alone (CONTRACT §11, "Accessibility"): signing in, adding a
client, opening it and archiving one, by keyboard.press only; focus is visible and lands where
the next step is."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import Api, OpenPage, org_number, row, unique

pytestmark = pytest.mark.browser


def tab_to(page: Page, target: Locator, *, backwards: bool = False, most: int = 40) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has focus; fails if the keyboard cannot reach it."""
    for _ in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"the keyboard never reached {target}")


def press_text(page: Page, text: str) -> None:
    for character in text:
        page.keyboard.press(character)


def focus_is_visible(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.matches(':focus-visible') && getComputedStyle(e).outlineStyle !== 'none'; }"
        )
    )


def test_a_client_is_added_opened_and_archived_with_the_keyboard_alone(
    open_page: OpenPage, site: LocalStartPage, api: Api
) -> None:
    page = open_page("nb")
    page.goto(site.url)
    email, password = site.sign_ins["admin"]
    # Sign in
    tab_to(page, page.get_by_label("E-post"))
    assert focus_is_visible(page)
    press_text(page, email)
    page.keyboard.press("Tab")
    press_text(page, password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Klienter")).to_be_focused()
    # Add a client
    name, number = unique("Tastatur AS"), org_number()
    tab_to(page, page.get_by_label("Navn", exact=True))
    press_text(page, name)
    page.keyboard.press("Tab")
    press_text(page, number)
    tab_to(page, page.get_by_role("button", name="Legg til klient"))
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"{name} er lagt til")
    expect(page.get_by_label("Navn", exact=True)).to_be_focused()  # ready for the next one
    # Archive it: the dialog takes focus (on Avbryt), Escape closes it, the confirmation archives
    archive = row(page, name).get_by_role("button", name="Arkiver")
    tab_to(page, archive)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_role("button", name="Avbryt")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(archive).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Arkiver")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"{name} er arkivert")
    expect(page.get_by_role("region", name="Klienter")).to_be_focused()  # its row is gone: the list
    # Open another client by its name, from the keyboard
    other = unique("Apne AS")
    api.call("POST", "/v1/clients", {"name": other, "org_number": org_number()})
    page.reload()
    tab_to(page, page.get_by_role("link", name=other))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=other)).to_be_focused()
