"""The start page's weight and its requests, in Debian's Chromium through the local server of §11.

Run: .venv/bin/python benchmarks/start_page.py

Measured side by side in one run, in one browser:
1. cold: a new browser profile opens the page, the admin signs in, the client register shows;
2. cached: the same profile reloads (the session kept), the client register shows again.
For each: the requests by kind (the page's files, the user pool, the register API) and the
bytes transferred (headers and bodies, as the browser counts them), against the floor of what
showing the register needs from the API: one ``GET /v1/clients`` and one ``GET /v1/tenant``.
The files go out with ``Cache-Control: no-cache`` and an ETag (as the publisher puts them in S3),
so a cached load revalidates each file and gets 304s without bodies.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Request, sync_playwright

from periodyear.observability import logger
from periodyear_local.start_page import LocalStartPage, start_page

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium"))
FLOOR = {"GET /v1/clients", "GET /v1/tenant"}


@dataclass
class Load:
    requests: Counter[str] = field(default_factory=Counter)  # kind → count
    api: list[str] = field(default_factory=list)  # "GET /v1/..." in order
    transferred: int = 0  # bytes: response headers and bodies
    not_modified: int = 0

    def seen(self, request: Request, origin: str) -> None:
        sizes = request.sizes()
        self.transferred += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        path = request.url.removeprefix(origin).split("?")[0]
        response = request.response()
        if response is not None and response.status == 304:
            self.not_modified += 1
        if path.startswith("v1/"):
            self.requests["register API"] += 1
            self.api.append(f"{request.method} /{path}")
        elif path.startswith("cognito-idp"):
            self.requests["user pool"] += 1
        else:
            self.requests["page files"] += 1


def show_register(page: Page, site: LocalStartPage, load: Load, *, sign_in: bool) -> None:
    def seen(request: Request) -> None:
        load.seen(request, site.url)

    page.on("requestfinished", seen)
    if sign_in:
        page.goto(site.url)
        email, password = site.sign_ins["admin"]
        page.get_by_label("E-post").fill(email)
        page.get_by_label("Passord").fill(password)
        page.get_by_role("button", name="Logg inn").click()
    else:
        page.reload()
    page.get_by_role("table").wait_for()
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", seen)


def report(label: str, load: Load) -> None:
    api = Counter(load.api)
    extra = sorted(set(api) - FLOOR)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(load.requests.items()))
    print(
        f"  {label:<7} {sum(load.requests.values()):>3} requests ({kinds}; "
        f"{load.not_modified} answered 304), {load.transferred / 1024:7.1f} KiB transferred"
    )
    print(
        f"          register API: {len(load.api)} requests = {len(load.api) / len(FLOOR):.2f} × the floor of "
        f"{len(FLOOR)} ({', '.join(sorted(FLOOR))}){'; beyond it: ' + ', '.join(extra) if extra else ''}"
    )


def main() -> None:
    logger.setLevel("ERROR")
    if not CHROMIUM.exists():
        sys.exit(f"Chromium is not at {CHROMIUM}: apt-get install -y --no-install-recommends chromium")
    with start_page() as site, sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(locale="nb-NO")
        page = context.new_page()
        cold, cached = Load(), Load()
        show_register(page, site, cold, sign_in=True)
        show_register(page, site, cached, sign_in=False)  # the same profile and session, reloaded
        browser.close()
    print("The start page (the client register) in Chromium, local server of CONTRACT §11:")
    report("cold", cold)
    report("cached", cached)
    print(f"  cached / cold bytes: {cached.transferred / cold.transferred:.2f}")


if __name__ == "__main__":
    main()
