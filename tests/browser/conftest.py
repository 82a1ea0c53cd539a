"""The start page in a real browser (CONTRACT §11): Debian's Chromium driven by Playwright,
through the local server of §11 (``start_page()``: the page, the API, the local user pool and
the documents on one origin over in-process moto), by role and accessible name only.

One browser and one server for the session; each test gets a fresh browser context (its own
sessionStorage, so its own sign-in). The seeded firm is shared by the tests, so each test makes
the clients and users it changes and names them uniquely. Run them in a process of their own
(``pytest tests/browser`` or ``-m browser``): the server keeps a moto stack open for the session.
"""

from __future__ import annotations

import json
import os
import random
import re
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from periodyear_local.start_page import LocalStartPage, start_page

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu"]
LOCALES = {"nb": "nb-NO", "en": "en-US"}
# The sign-in form's fixed names (CONTRACT §11), per language.
SIGN_IN = {"nb": ("E-post", "Passord", "Logg inn"), "en": ("Email", "Password", "Sign in")}
START = {"nb": "Klienter", "en": "Clients"}
expect.set_options(timeout=10_000)


HERE = Path(__file__).resolve().parent
ALONE = (
    "tests/browser runs in a pytest process of its own (pytest tests/browser): its local server "
    "keeps a moto stack open for the whole session, which other suites' moto fixtures would share"
)


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what they will
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With other suites in the same run, the browser tests step aside (said in the summary)."""
    ours = [item for item in items if item.path.is_relative_to(HERE)]
    if ours and len(ours) < len(items):
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=ALONE))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install -y --no-install-recommends chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def site() -> Iterator[LocalStartPage]:
    with start_page() as served:
        yield served


OpenPage = Callable[..., Page]
FAILED = pytest.StashKey[bool]()
FAILURES = Path(__file__).resolve().parents[2] / "out" / "screenshots" / "failures"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[OpenPage]:
    """``open_page(language="nb", width=1280)``: a page in a new context with that browser
    language; an uncaught script error or a CSP violation on it fails the test. A failed test
    leaves a picture of each of its pages in out/screenshots/failures/."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def opened(language: str = "nb", width: int = 1280, height: int = 860, locale: str | None = None) -> Page:
        context = browser.new_context(
            locale=locale or LOCALES[language],
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield opened
    if request.node.stash.get(FAILED, False):
        FAILURES.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(p for context in contexts for p in context.pages):
            page.screenshot(path=str(FAILURES / f"{request.node.name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()
    assert problems == []


def sign_in(page: Page, site: LocalStartPage, who: str = "admin", language: str = "nb") -> Page:
    """Open the start page and sign in on its own form as the seeded ``who``."""
    email, password = site.sign_ins[who]
    page.goto(site.url)
    fill_sign_in(page, email, password, language)
    start = (
        "Kunder"
        if who == "operator" and language == "nb"
        else "Tenants"
        if who == "operator"
        else START[language]
    )
    expect(page.get_by_role("heading", level=1, name=start)).to_be_visible()
    return page


def fill_sign_in(page: Page, email: str, password: str, language: str = "nb") -> None:
    email_label, password_label, button = SIGN_IN[language]
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=button, exact=True).click()


@pytest.fixture
def admin_page(open_page: OpenPage, site: LocalStartPage) -> Page:
    return sign_in(open_page("nb"), site, "admin", "nb")


def org_number(rng: random.Random | None = None) -> str:
    """A fresh valid Norwegian organisation number (MOD11 check digit), starting 8 or 9."""
    rng = rng or random.Random()
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.choice((8, 9))] + [rng.randrange(10) for _ in range(7)]
        check = 11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def unique(prefix: str) -> str:
    return f"{prefix} {random.randrange(16**6):06x}"


class Api:
    """The register API as another user of the firm calls it (to change things behind the page)."""

    def __init__(self, site: LocalStartPage, who: str = "admin") -> None:
        self._site, self._who = site, who

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        token = self._site.id_token(*self._site.sign_ins[self._who])
        request = urllib.request.Request(
            f"{self._site.url.rstrip('/')}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None


@pytest.fixture(scope="session")
def api(site: LocalStartPage) -> Api:
    return Api(site)


def row(page: Page, text: str) -> Any:
    """The table row holding ``text`` (a client's, user's or tenant's name)."""
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(text))))
