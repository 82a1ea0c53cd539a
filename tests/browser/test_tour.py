"""Every page in both languages, at a desktop width and at 360 px (CONTRACT §11,
"Accessibility"; issue 26, items 5 and 8): axe-core finds no violation on any of them, and each
is photographed under out/screenshots/ to be looked at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from periodyear_local.start_page import LocalStartPage
from tests.browser.tour import take

pytestmark = pytest.mark.browser

EVERY_PAGE = [
    "sign-in",
    "sign-in-errors",
    "forgot-password",
    "clients",
    "clients-archive-dialog",
    "client",
    "client-not-found",
    "users",
    "invoices",
    "invoices-resend-dialog",
    "company",
    "tenants",
]


@pytest.mark.parametrize("width", ["desktop", "mobile"])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_axe_finds_nothing_on_any_page(
    browser: Browser, site: LocalStartPage, language: str, width: str
) -> None:
    tour = take(browser, site, language, width)
    assert tour.seen == EVERY_PAGE
    assert tour.findings == {}, "\n\n".join(f"{page}:\n{report}" for page, report in tour.findings.items())
