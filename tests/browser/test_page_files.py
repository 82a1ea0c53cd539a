"""The page's files keep the rules the headers and §11 set: nothing inline for the CSP to
refuse, no token in localStorage, no markup built from text, every text in both languages and
the accessible names §11 fixes present in each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import OpenPage

pytestmark = pytest.mark.browser

SITE = Path(__file__).resolve().parents[2] / "functions" / "publish_start_page" / "site"
SCRIPTS = sorted((SITE / "js").glob("*.js"))
# Keys made at run time from a value (nav.<page>, delivery.<status>, package.<code>, required.<field>).
BUILT_KEYS = [
    *(f"nav.{name}" for name in ("clients", "users", "invoices", "company", "tenants")),
    *(f"delivery.{status}" for status in ("pending", "sent", "delivered", "failed")),
    *(f"package.{code}" for code in ("KOMPLETT", "PERIODEAVSLUTNING", "ARSOPPGJOR_PLUSS")),
    *(f"required.{name}" for name in ("email", "password", "code")),
]
FIXED_NAMES = [  # CONTRACT §11, "Accessible names" (bokmål, English)
    ("E-post", "Email"),
    ("Passord", "Password"),
    ("Logg inn", "Sign in"),
    ("Klienter", "Clients"),
    ("Brukere", "Users"),
    ("Fakturaer", "Invoices"),
    ("Firma", "Company"),
    ("Kunder", "Tenants"),
    ("Legg til klient", "Add client"),
    ("Legg til bruker", "Add user"),
    ("Lagre", "Save"),
    ("Arkiver", "Archive"),
    ("Logg ut", "Sign out"),
    ("Navn", "Name"),
    ("Organisasjonsnummer", "Organisation number"),
    ("English", "Norsk"),
    ("Vis arkiverte", "Show archived"),
    ("Faktura-e-post", "Invoice email"),
    ("Last inn på nytt", "Reload"),
]


def test_nothing_inline_that_the_csp_refuses() -> None:
    html = (SITE / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "<style" not in html
    assert re.findall(r"\s(style|on[a-z]+)=", html) == []
    assert re.findall(r"https?://", html) == []  # no CDN, no external font
    for script in SCRIPTS:
        source = _code(script.read_text(encoding="utf-8"))
        for forbidden in (
            "localStorage",
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "eval(",
            "new Function",
            ".style.",
        ):
            assert forbidden not in source, f"{script.name} uses {forbidden}"


def _code(source: str) -> str:
    """The source without its comments (which may name what the code avoids)."""
    return re.sub(r"/\*.*?\*/|^\s*//.*$|\s//\s.*$", "", source, flags=re.S | re.M)


def used_keys() -> set[str]:
    keys = set(BUILT_KEYS)
    for script in SCRIPTS:
        source = script.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\(\s*\"([\w.]+)\"", source))
        keys |= set(re.findall(r"(?:text|conflict): \"([a-z]+\.[\w.]+)\"", source))
        keys |= set(re.findall(r"\"([a-z]+\.[a-zA-Z]+(?:\.[a-zA-Z]+)*)\"", source)) & _defined_names()
    return keys


def _defined_names() -> set[str]:
    return set(
        re.findall(r"^\s+\"?([\w.]+)\"?: \[", (SITE / "js" / "texts.js").read_text(encoding="utf-8"), re.M)
    )


def texts(page: Page, site: LocalStartPage) -> dict[str, list[str]]:
    page.goto(site.url)
    loaded: dict[str, list[str]] = page.evaluate("import('/js/texts.js').then((module) => module.TEXTS)")
    return loaded


def test_every_text_is_in_both_languages_and_every_key_used_is_there(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    loaded = texts(open_page("nb"), site)
    assert {key for key, pair in loaded.items() if len(pair) != 2 or not all(pair)} == set()
    assert sorted(used_keys() - set(loaded)) == []
    # the fixed accessible names are among the texts, in their language's place
    pairs = {tuple(pair) for pair in loaded.values()}
    assert [names for names in FIXED_NAMES if names not in pairs] == []
