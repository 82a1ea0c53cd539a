"""Imports a handler module and prints which AWS clients it made and which APIs it called."""

import json
import sys
from typing import Any

import botocore.client

made: list[str] = []
called: list[str] = []
create = botocore.client.ClientCreator.create_client
call = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]


def spy_create(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
    made.append(service_name)
    return create(self, service_name, *args, **kwargs)


def spy_call(self: Any, operation: str, params: Any) -> Any:
    called.append(operation)
    return call(self, operation, params)


botocore.client.ClientCreator.create_client = spy_create  # type: ignore[method-assign]
botocore.client.BaseClient._make_api_call = spy_call  # type: ignore[attr-defined]
__import__(sys.argv[1])
sys.stdout.write(json.dumps({"made": sorted(set(made)), "called": called}) + "\n")
