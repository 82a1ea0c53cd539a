"""Schemathesis against the register API on localhost, as ``make check`` runs it.

The in-process moto stack is provisioned from template.yaml, one firm is seeded (its own
client, two clients, an admin), the API is served on 127.0.0.1 with a token for that admin, and
Schemathesis's CLI tests every operation of the OpenAPI document the code generates, every
check on (no 5xx, responses matching their schemas, refusals of invalid input, stateful links).
Its exit code is this command's.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from periodyear.observability import logger
from periodyear.register.api import openapi_document
from periodyear_local.api_server import LocalApi, serving
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put, register_items
from periodyear_local.services import register as register_services

FIRM = "firm-check"
ADMIN = "u-admin"


def seed(dynamodb: object, table: str) -> None:
    items = register_items(
        FIRM,
        package="KOMPLETT",
        price_switch_date=date(2022, 3, 1),
        name="Sjekk Regnskap AS",
        clients=[("b1", "Sjekk Regnskap AS", "923609016", True), ("c1", "Bakeri AS", "974760673", False)],
        users=[(ADMIN, "Ada", "ada@check.example", "admin")],
    )
    batch_put(dynamodb, table, items)  # type: ignore[arg-type]


def bill_may(dynamodb: object, usage_table: str) -> None:
    """Invoice no. 1 for May 2022, by the monthly job inline: the invoice routes have one to show."""
    import importlib  # noqa: PLC0415

    from periodyear_local import services  # noqa: PLC0415
    from periodyear_local.delivery import LambdaContext  # noqa: PLC0415
    from periodyear_local.seed import usage_item  # noqa: PLC0415

    usage = [usage_item(FIRM, "period.closed", "2022-05-10T10:00:00Z", client_id="c1")]
    batch_put(dynamodb, usage_table, usage)  # type: ignore[arg-type]
    monthly = importlib.import_module("functions.monthly_invoice.app")
    event = {"period": "2022-05", "time": "2022-06-01T02:00:00Z", "tenant_ids": [FIRM]}
    level = logger.log_level
    logger.setLevel("ERROR")
    with contextlib.redirect_stdout(io.StringIO()):  # its log and metric lines are for Lambda
        monthly.handler(event, LambdaContext(function_name="monthly_invoice"), services=services.billing())
    logger.setLevel(level)


def _command(st: Path, url: str, token: str, max_examples: int, *selection: str) -> list[str]:
    return [
        str(st),
        "run",
        f"{url}/openapi.json",
        "--url",
        url,
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        # A 9-digit org number that fails MOD11 matches the schema (JSON Schema has no check
        # digit) and is rightly refused with 422: that one check cannot hold here.
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(max_examples),
        "--seed",
        "20221",
        "--generation-deterministic",
        "--workers",
        "1",
        *selection,
    ]


def main(max_examples: int = 40) -> int:
    """Every operation as the firm's admin, then the operators' routes as an operator."""
    st = Path(sys.executable).with_name("st")
    logger.setLevel("WARNING")  # the API's own request logs would drown Schemathesis's report
    with local_aws("RegisterApiFunction") as aws:
        seed(aws["dynamodb"], aws["tables"]["RegisterTable"])
        bill_may(aws["dynamodb"], aws["tables"]["UsageTable"])
        app = LocalApi(openapi=openapi_document(), services=register_services())
        passes = [
            ("every operation, as the firm's admin", app.mint(tenant_id=FIRM, user_id=ADMIN), ()),
            (
                "the operators' routes, as an operator",
                app.mint(operator=True),
                ("--include-path-regex", "^/v1/tenants$"),
            ),
        ]
        with serving(app) as url:
            code = 0
            for title, token, selection in passes:
                sys.stdout.write(
                    f"schemathesis against {url} ({len(openapi_document()['paths'])} paths): {title}\n"
                )
                sys.stdout.flush()
                # Its caches and reports go to a folder of its own, not the work tree.
                with tempfile.TemporaryDirectory(prefix="schemathesis-") as scratch:
                    command = _command(st, url, token, max_examples, *selection)
                    code = code or subprocess.run(command, check=False, cwd=scratch).returncode
            return code


if __name__ == "__main__":
    sys.exit(main())
