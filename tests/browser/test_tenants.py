"""Operators' pages (CONTRACT §11, "Pages"): the tenants, and a form to create one whose first
admin then signs in."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import OpenPage, org_number, row, sign_in

pytestmark = pytest.mark.browser


def test_an_operator_lists_the_tenants_and_creates_one(open_page: OpenPage, site: LocalStartPage) -> None:
    page = sign_in(open_page("nb"), site, "operator")
    # Operators see their own pages only, and no firm's
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link")).to_have_count(1)
    expect(nav.get_by_role("link", name="Kunder")).to_have_attribute("aria-current", "page")
    expect(row(page, site.firm)).to_contain_text(site.firm_name)
    # Creates one
    tenant_id = f"firma-{random.randrange(16**6):06x}"
    page.get_by_label("Kunde-ID").fill(tenant_id)
    page.get_by_label("Firmanavn").fill("Nytt Byrå AS")
    page.get_by_label("Organisasjonsnummer").fill(org_number())
    page.get_by_label("Firmaets e-post").fill(f"post@{tenant_id}.example")
    page.get_by_label("Pakke").select_option(label="Periodeavslutning")
    page.get_by_label("Administratorens navn").fill("Nina Ny")
    page.get_by_label("Administratorens e-post").fill(f"nina@{tenant_id}.example")
    page.get_by_role("button", name="Opprett kunde").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Nytt Byrå AS er opprettet. nina@{tenant_id}.example får en invitasjon."
    )
    expect(row(page, tenant_id)).to_contain_text("Periodeavslutning")
    # The same id again is refused, in bokmål
    page.get_by_label("Kunde-ID").fill(tenant_id)
    page.get_by_label("Firmanavn").fill("Nytt Byrå AS")
    page.get_by_label("Organisasjonsnummer").fill(org_number())
    page.get_by_label("Firmaets e-post").fill(f"post@{tenant_id}.example")
    page.get_by_label("Administratorens navn").fill("Nina Ny")
    page.get_by_label("Administratorens e-post").fill(f"nina2@{tenant_id}.example")
    page.get_by_role("button", name="Opprett kunde").click()
    expect(page.get_by_role("alert")).to_contain_text("Kunden kan ikke opprettes")


def test_a_firms_user_has_no_tenants_page(open_page: OpenPage, site: LocalStartPage) -> None:
    page = sign_in(open_page("en"), site, "admin", "en")
    expect(page.get_by_role("link", name="Tenants")).to_have_count(0)
    page.goto(f"{site.url}#/tenants")
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
