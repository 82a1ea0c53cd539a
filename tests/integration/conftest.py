"""The integration tests' fixtures: an in-process AWS built from template.yaml, and its harness."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from periodyear_local.delivery import QUEUE_CLOCK
from periodyear_local.sandbox import (
    FAKE_CREDENTIALS,
    REGION,
    Provisioned,
    local_aws,
    patched_environ,
    provision,
)
from tests.conftest import WORKED_EXAMPLE_CATALOG
from tests.integration.harness import Billing


@pytest.fixture(autouse=True)
def _queue_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts on real time (the harness's billing clock skips visibility timeouts)."""
    monkeypatch.setattr(QUEUE_CLOCK, "skipped", timedelta(0))


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with local_aws("MonthlyInvoiceFunction", CATALOG_PATH=str(WORKED_EXAMPLE_CATALOG)) as env:
        yield env


@pytest.fixture
def billing(aws: dict[str, Any]) -> Billing:
    return Billing(aws)


# ------------------------------------------------------------------ several clients at once


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _reset(endpoint: str) -> None:
    urllib.request.urlopen(
        urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10
    ).close()


def _serialize_moto_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto the isolation DynamoDB documents: each request, transactions included, is atomic.

    moto 5.2.5 runs a transaction by snapshotting whole tables and, when a condition fails,
    putting the snapshot back, which erases what concurrent requests committed in between
    (seen here as two invoices with one number). DynamoDB's transactions are serializable,
    so the harness, not the product, holds one lock around moto's item operations.
    """
    lock = threading.RLock()
    for name in (
        "put_item",
        "get_item",
        "query",
        "scan",
        "update_item",
        "delete_item",
        "transact_write_items",
    ):
        original = getattr(DynamoDBBackend, name)

        def serialized(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, serialized)


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provisioned]:
    """The template's resources on moto's threaded server, so that concurrent clients share one state."""
    _serialize_moto_dynamodb(monkeypatch)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    _reset(endpoint)  # moto's backends live in this process and outlive a server
    try:
        with patched_environ({**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}):
            yield provision()
    finally:
        _reset(endpoint)
        server.stop()


@pytest.fixture
def server_billing(moto_server: Provisioned) -> Iterator[Billing]:
    environment = moto_server.environment("MonthlyInvoiceFunction")
    with patched_environ({**environment, "CATALOG_PATH": str(WORKED_EXAMPLE_CATALOG)}):
        yield Billing({"dynamodb": boto3.client("dynamodb", region_name=REGION), "tables": moto_server.names})
