"""The start page's files and headers on the local server, as the distribution serves them.

``SiteFiles`` answers a GET of a file of ``functions/publish_start_page/site`` (``/`` is
``index.html``, the distribution's default root object) with its type, and 404 for anything
else: no listing, no path outside the folder. ``response_headers`` reads the distribution's
response headers policy (``StartPageHeaders`` in template.yaml, the one definition) and
``with_headers`` puts them on every answer of an app, as CloudFront does on the page and the API.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from periodyear_local.api_server import StartResponse, WsgiApp
from periodyear_local.sandbox import REGION
from periodyear_local.template import PROJECT_ROOT, resources, substitute

SITE = PROJECT_ROOT / "functions" / "publish_start_page" / "site"
POLICY = "StartPageHeaders"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


@dataclass(frozen=True)
class Header:
    name: str
    value: str
    override: bool  # CloudFront's Override: replace the origin's own header of that name


def response_headers(names: Mapping[str, str], policy: str = POLICY) -> list[Header]:
    """The headers of the template's response headers policy, its ``!Sub`` resolved locally
    (``names``: the local resources' names, logical id → name)."""
    found = resources("AWS::CloudFront::ResponseHeadersPolicy").get(policy)
    if found is None:
        raise LookupError(
            f"template.yaml has no AWS::CloudFront::ResponseHeadersPolicy {policy}: the local server "
            "sends the distribution's headers and reads them from there"
        )
    config = found["ResponseHeadersPolicyConfig"]
    security, headers = config.get("SecurityHeadersConfig", {}), []
    if csp := security.get("ContentSecurityPolicy"):
        value = _local(csp["ContentSecurityPolicy"], names)
        headers.append(Header("Content-Security-Policy", value, csp.get("Override", False)))
    if hsts := security.get("StrictTransportSecurity"):
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        headers.append(Header("Strict-Transport-Security", value, hsts.get("Override", False)))
    if (nosniff := security.get("ContentTypeOptions")) is not None:
        headers.append(Header("X-Content-Type-Options", "nosniff", nosniff.get("Override", False)))
    if frame := security.get("FrameOptions"):
        headers.append(Header("X-Frame-Options", frame["FrameOption"], frame.get("Override", False)))
    if referrer := security.get("ReferrerPolicy"):
        headers.append(Header("Referrer-Policy", referrer["ReferrerPolicy"], referrer.get("Override", False)))
    if xss := security.get("XSSProtection"):
        value = "1" if xss.get("Protection") else "0"
        value += "; mode=block" if xss.get("ModeBlock") else ""
        value += f"; report={xss['ReportUri']}" if xss.get("ReportUri") else ""
        headers.append(Header("X-XSS-Protection", value, xss.get("Override", False)))
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers.append(Header(item["Header"], _local(item["Value"], names), item.get("Override", False)))
    return headers


def _local(value: Any, names: Mapping[str, str]) -> str:
    """A policy value with its ``!Sub`` variables given their local values; one the local
    stack has no value for fails here, by name."""
    text = str(value["Fn::Sub"]) if isinstance(value, dict) and "Fn::Sub" in value else value
    if not isinstance(text, str):
        raise ValueError(f"{POLICY}: cannot read {value!r} locally (a string or !Sub is expected)")
    for pseudo, local in PSEUDO.items():
        text = text.replace("${" + pseudo + "}", local)
    text = substitute(text, names)
    if "${" in text:
        raise ValueError(f"{POLICY}: no local value for {text[text.index('${') :].split('}')[0]}}}")
    return text


def with_headers(app: WsgiApp, headers: list[Header]) -> WsgiApp:
    """``app`` with the policy's headers on each answer (an overriding one replaces the app's)."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, own: list[tuple[str, str]], *rest: Any) -> Any:
            replaced = {h.name.lower() for h in headers if h.override}
            kept = [(k, v) for k, v in own if k.lower() not in replaced]
            present = {k.lower() for k, _ in kept}
            added = [(h.name, h.value) for h in headers if h.name.lower() not in present]
            return start_response(status, kept + added, *rest)

        return app(environ, start)

    return wrapped


class SiteFiles:
    """The WSGI app of the page's files (``/`` is ``index.html``)."""

    def __init__(self, root: Path = SITE, extra: Mapping[str, Callable[[], bytes]] | None = None) -> None:
        import importlib  # noqa: PLC0415

        self._root = root.resolve()
        self._extra = dict(extra or {})  # path → content made on request (``/config.json``)
        # Each file as the publisher uploads it (a kind it has no type for, it refuses to deploy).
        publisher = importlib.import_module("functions.publish_start_page.app")
        self._types: dict[str, str] = dict(publisher.CONTENT_TYPES)

    def _file(self, path: str) -> Path | None:
        relative = "index.html" if path == "/" else path.removeprefix("/")
        parts = relative.split("/")
        if not relative or any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
            return None
        found = self._root.joinpath(*parts).resolve()
        return found if found.is_relative_to(self._root) and found.is_file() else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        if method not in ("GET", "HEAD"):
            return _plain(
                start_response, "405 Method Not Allowed", b"GET or HEAD\n", [("Allow", "GET, HEAD")]
            )
        if path in self._extra:
            body, kind = self._extra[path](), self._types[Path(path).suffix]
        elif (found := self._file(path)) is not None:
            body, kind = found.read_bytes(), self._types.get(found.suffix.lower(), "application/octet-stream")
        else:
            return _plain(start_response, "404 Not Found", b"not found\n")
        # As S3 behind the distribution: an ETag of the content, and 304 to a browser that has it
        # (the files are published with no-cache, so a cached page revalidates each one).
        etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        cached = [("ETag", etag), ("Cache-Control", "no-cache")]
        if etag in (environ.get("HTTP_IF_NONE_MATCH") or "").replace(" ", "").split(","):
            start_response("304 Not Modified", cached)
            return [b""]
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body))), *cached])
        return [b"" if method == "HEAD" else body]


def _plain(
    start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None
) -> Iterable[bytes]:
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])],
    )
    return [body]


def config_json(region: str, user_pool_id: str, client_id: str, cognito_endpoint: str) -> bytes:
    """``/config.json`` as the publisher writes it beside ``index.html`` (its ``site_config``)."""
    import importlib  # noqa: PLC0415

    try:
        site_config = importlib.import_module("functions.publish_start_page.config").site_config
    except ModuleNotFoundError as missing:
        raise LookupError(
            "functions/publish_start_page/config.py (site_config) is missing: /config.json is made by it"
        ) from missing
    return json.dumps(site_config(region, user_pool_id, client_id, cognito_endpoint)).encode()
