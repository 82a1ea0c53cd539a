"""A tour of every page of the start page in one language at one width: each page is checked
by axe-core (in the page, as the browser renders it) and photographed. Used by
``test_tour.py`` (every page, both languages, desktop and 360 px) and by
``python -m tests.browser.screenshots`` (the pictures alone)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from periodyear_local.start_page import LocalStartPage

SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
LOCALES = {"nb": "nb-NO", "en": "en-US"}
WIDTHS = {"desktop": 1280, "mobile": 360}
WORDS = {
    "nb": {
        "email": "E-post",
        "password": "Passord",
        "sign_in": "Logg inn",
        "sign_out": "Logg ut",
        "forgot": "Glemt passordet?",
        "back": "Tilbake til innlogging",
        "archive": "Arkiver",
        "cancel": "Avbryt",
        "clients": "Klienter",
        "users": "Brukere",
        "invoices": "Fakturaer",
        "company": "Firma",
        "tenants": "Kunder",
        "resend": "Send på nytt",
    },
    "en": {
        "email": "Email",
        "password": "Password",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "forgot": "Forgot your password?",
        "back": "Back to sign in",
        "archive": "Archive",
        "cancel": "Cancel",
        "clients": "Clients",
        "users": "Users",
        "invoices": "Invoices",
        "company": "Company",
        "tenants": "Tenants",
        "resend": "Send again",
    },
}


@dataclass
class Tour:
    site: LocalStartPage
    page: Page
    language: str
    width: str
    shots: Path | None = SHOTS
    axe: Axe | None = field(default_factory=Axe)
    findings: dict[str, str] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    @property
    def words(self) -> dict[str, str]:
        return WORDS[self.language]

    def stop(self, name: str) -> None:
        """The page as it stands: settled, then checked and photographed as ``name``."""
        expect(self.page.locator("main[aria-busy]")).to_have_count(0)
        self.page.wait_for_timeout(120)  # the live region's message lands after a tick
        self.seen.append(name)
        if self.axe is not None:
            results = self.axe.run(self.page)
            if results.violations_count:
                self.findings[name] = results.generate_report()
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            path = self.shots / f"{self.width}-{self.language}-{name}.png"
            self.page.screenshot(path=str(path), full_page=True)

    def heading(self, name: str) -> None:
        expect(self.page.get_by_role("heading", level=1, name=name)).to_be_visible()

    def sign_in(self, who: str) -> None:
        email, password = self.site.sign_ins[who]
        self.page.get_by_label(self.words["email"]).fill(email)
        self.page.get_by_label(self.words["password"], exact=True).fill(password)
        self.page.get_by_role("button", name=self.words["sign_in"], exact=True).click()

    def go(self, link: str) -> None:
        self.page.get_by_role("navigation").get_by_role("link", name=self.words[link]).click()
        self.heading(self.words[link])
        self.stop(link)


def signed_out_pages(tour: Tour) -> None:
    page = tour.page
    page.goto(tour.site.url)
    tour.heading(tour.words["sign_in"])
    tour.stop("sign-in")
    page.get_by_role(
        "button", name=tour.words["sign_in"], exact=True
    ).click()  # empty: said beside the fields
    expect(page.locator("[aria-invalid=true]")).to_have_count(2)
    tour.stop("sign-in-errors")
    page.get_by_role("button", name=tour.words["forgot"]).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    tour.stop("forgot-password")
    page.get_by_role("button", name=tour.words["back"]).click()


def firm_pages(tour: Tour) -> None:
    page, words = tour.page, tour.words
    tour.sign_in("admin")
    tour.heading(words["clients"])
    tour.stop("clients")
    bakeri = page.get_by_role("row").filter(has_text="Bakeri AS")
    bakeri.get_by_role("button", name=words["archive"]).click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    tour.stop("clients-archive-dialog")
    page.get_by_role("alertdialog").get_by_role("button", name=words["cancel"]).click()
    bakeri.get_by_role("link", name="Bakeri AS").click()
    tour.heading("Bakeri AS")
    tour.stop("client")
    page.goto(f"{tour.site.url}#/clients/{tour.site.other_firm_client}")
    expect(page.get_by_role("heading", level=1, name=re.compile("klienten|Client not found"))).to_be_visible()
    tour.stop("client-not-found")
    for link in ("users", "invoices"):
        tour.go(link)
    page.get_by_role("button", name=words["resend"]).first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    tour.stop("invoices-resend-dialog")
    page.keyboard.press("Escape")
    tour.go("company")
    page.get_by_role("button", name=words["sign_out"]).click()
    tour.heading(words["sign_in"])


def operator_pages(tour: Tour) -> None:
    tour.sign_in("operator")
    tour.heading(tour.words["tenants"])
    tour.stop("tenants")


STEPS: tuple[Callable[[Tour], None], ...] = (signed_out_pages, firm_pages, operator_pages)


def take(browser: Browser, site: LocalStartPage, language: str, width: str, **options: object) -> Tour:
    """The whole tour in a fresh context; its findings (axe's report per page) and pages seen."""
    context = browser.new_context(locale=LOCALES[language], viewport={"width": WIDTHS[width], "height": 800})
    try:
        tour = Tour(site, context.new_page(), language, width, **options)  # type: ignore[arg-type]
        for step in STEPS:
            step(tour)
        return tour
    finally:
        context.close()
