"""``periodyear openapi``: the register API's OpenAPI document, as the code describes it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(commands: Any) -> None:
    commands.add_parser("openapi", help="print the register API's OpenAPI document, as the code describes it")


def run(args: argparse.Namespace) -> int:
    from periodyear.register.api import openapi_document  # noqa: PLC0415

    sys.stdout.write(json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n")
    return 0
