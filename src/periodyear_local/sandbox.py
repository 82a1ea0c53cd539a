"""An in-process AWS (moto) provisioned from template.yaml: for tests and the demo."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws

from periodyear_local.template import function_environment, table_definitions

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGION = "eu-north-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block and restore them afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def provision_tables(client: DynamoDBClient) -> dict[str, str]:
    """Create every table of the template; logical id → table name."""
    names = {}
    for name, arguments in table_definitions().items():
        client.create_table(**arguments)
        names[name] = name
    return names


@contextmanager
def local_aws(function: str = "MonthlyInvoiceFunction", **environment: str) -> Iterator[dict[str, Any]]:
    """moto in-process with the template's tables, and ``function``'s environment set."""
    with patched_environ(FAKE_CREDENTIALS), mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        names = provision_tables(client)
        env = function_environment(function, names) | environment
        with patched_environ(env):
            yield {"tables": names, "environment": env, "dynamodb": client}
