"""``python -m tests.browser.screenshots``: every page of the start page in both languages, at a
desktop width and at 360 px, photographed into out/screenshots/ (no checks; the tour test
checks and photographs them too)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from periodyear_local.start_page import start_page
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.browser.tour import SHOTS, WIDTHS, take


def main() -> None:
    with start_page() as site, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        for language in ("nb", "en"):
            for width in WIDTHS:
                take(browser, site, language, width, axe=None)
        browser.close()
    print(f"screenshots in {SHOTS}")  # noqa: T201


if __name__ == "__main__":
    main()
