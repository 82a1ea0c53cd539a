"""The start page's configuration and the rules of its publication (no AWS: CONTRACT §11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from functions.publish_start_page import app
from functions.publish_start_page.config import site_config

POOL = "eu-north-1_AbCdEf123"
CLIENT = "4mqbc5n2d8l3q6cqk0s2r7t1hv"


def test_the_config_names_the_pool_its_client_and_the_regions_cognito_endpoint() -> None:
    assert site_config("eu-north-1", POOL, CLIENT) == {
        "region": "eu-north-1",
        "userPoolId": POOL,
        "clientId": CLIENT,
        "cognitoEndpoint": "https://cognito-idp.eu-north-1.amazonaws.com/",
    }


def test_the_local_server_names_its_own_endpoint() -> None:
    local = site_config("eu-north-1", POOL, CLIENT, "http://127.0.0.1:8123/cognito-idp/")
    assert local["cognitoEndpoint"] == "http://127.0.0.1:8123/cognito-idp/"


@pytest.mark.parametrize(
    ("region", "pool", "client", "endpoint", "wrong"),
    [
        ("eu north 1", POOL, CLIENT, None, "region"),
        ("eu-north-1", "us-east-1_AbCdEf123", CLIENT, None, "user pool"),
        ("eu-north-1", POOL, "", None, "client"),
        ("eu-north-1", POOL, "a b", None, "client"),
        ("eu-north-1", POOL, CLIENT, "https://cognito-idp.example", "endpoint"),
        ("eu-north-1", POOL, CLIENT, "javascript:alert(1)/", "endpoint"),
    ],
)
def test_a_wrong_setting_is_refused_by_name(
    region: str, pool: str, client: str, endpoint: str | None, wrong: str
) -> None:
    with pytest.raises(ValueError, match=wrong):
        site_config(region, pool, client, endpoint)


def page(root: Path, *names: str) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"/* {name} */", encoding="utf-8")
    return root


def test_every_file_gets_its_type_and_the_entry_comes_last(tmp_path: Path) -> None:
    root = page(tmp_path, "index.html", "app.css", "js/main.js", "favicon.svg", "fonts/x.woff2", "logo.png")
    files = app.site_files(root)
    assert files[-1].key == "index.html"  # published last: its assets are there before it
    assert {f.key: f.content_type for f in files} == {
        "app.css": "text/css; charset=utf-8",
        "favicon.svg": "image/svg+xml; charset=utf-8",
        "fonts/x.woff2": "font/woff2",
        "index.html": "text/html; charset=utf-8",
        "js/main.js": "text/javascript; charset=utf-8",
        "logo.png": "image/png",
    }


def test_hidden_files_are_left_out(tmp_path: Path) -> None:
    root = page(tmp_path, "index.html", ".DS_Store", ".cache/x.js")
    assert [f.key for f in app.site_files(root)] == ["index.html"]


@pytest.mark.parametrize(
    ("names", "refusal"),
    [
        (("index.html", "notes.md"), "site/notes.md: no Content-Type is known for .md"),
        (("index.html", "js/LICENSE"), "site/js/LICENSE: no Content-Type is known for a file without"),
        (("app.css",), "site/ has no index.html"),
        (("index.html", "config.json"), "site/config.json would be overwritten"),
    ],
)
def test_a_page_that_cannot_be_served_as_it_is_is_refused_whole(
    tmp_path: Path, names: tuple[str, ...], refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal.replace(".", r"\.")):
        app.site_files(page(tmp_path, *names))


def test_every_file_of_the_real_page_has_a_known_type() -> None:
    # A new kind of file in site/ is named here, not first by a failed deployment.
    for path in app.SITE.rglob("*"):
        relative = path.relative_to(app.SITE)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            app.content_type(relative.as_posix())


def test_the_config_document_is_the_pages_configuration_as_json() -> None:
    properties = {"Region": "eu-north-1", "UserPoolId": POOL, "ClientId": CLIENT, "Bucket": "b"}
    assert json.loads(app.config_document(properties)) == site_config("eu-north-1", POOL, CLIENT)


def test_the_publication_keeps_its_id_while_its_bucket_stays() -> None:
    def update(bucket: str) -> dict[str, Any]:
        props = {"Bucket": bucket}
        return {"RequestType": "Update", "ResourceProperties": props, "PhysicalResourceId": "start-page:a"}

    assert app.physical_id({"RequestType": "Create", "ResourceProperties": {"Bucket": "a"}}, "SUCCESS") == (
        "start-page:a"
    )
    assert app.physical_id(update("a"), "SUCCESS") == "start-page:a"  # no Delete follows
    assert app.physical_id(update("b"), "SUCCESS") == "start-page:b"  # the old bucket's Delete follows
    assert app.physical_id(update("b"), "FAILED") == "start-page:a"  # a failed update changes nothing
    delete = {"RequestType": "Delete", "ResourceProperties": {"Bucket": "b"}, "PhysicalResourceId": "x"}
    assert app.physical_id(delete, "SUCCESS") == "x"
