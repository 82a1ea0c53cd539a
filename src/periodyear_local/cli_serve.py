"""``periodyear serve``: the register API on localhost over the in-process moto stack, with a
seeded firm, tokens and curl lines to call it as."""

from __future__ import annotations

import argparse
from typing import Any

from periodyear_local.cli_common import CliError, console


def add_parser(commands: Any) -> None:
    serve_cmd = commands.add_parser("serve", help="serve the register API on localhost over in-process moto")
    serve_cmd.add_argument(
        "--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0: any free)"
    )


def run(args: argparse.Namespace) -> int:
    """The register API on localhost over the in-process moto stack, with a firm to call it as."""
    import threading  # noqa: PLC0415

    from periodyear.register.api import openapi_document  # noqa: PLC0415
    from periodyear_local.api_check import ADMIN, FIRM, bill_may, seed  # noqa: PLC0415
    from periodyear_local.api_server import LocalApi, serving  # noqa: PLC0415
    from periodyear_local.sandbox import local_aws  # noqa: PLC0415
    from periodyear_local.services import register as register_services  # noqa: PLC0415

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port} is not a port: 1 to 65535 (0: any free one)")
    with local_aws("RegisterApiFunction") as aws:
        seed(aws["dynamodb"], aws["tables"]["RegisterTable"])
        bill_may(aws["dynamodb"], aws["tables"]["UsageTable"])
        app = LocalApi(openapi=openapi_document(), services=register_services())
        token, operator = app.mint(tenant_id=FIRM, user_id=ADMIN), app.mint(operator=True)
        try:
            context = serving(app, args.port)
            url = context.__enter__()
        except OSError as error:
            raise CliError(f"cannot serve on 127.0.0.1:{args.port}: {error.strerror}") from None
        try:
            console.print(
                f"The register API on {url} (in-process moto; Ctrl-C stops it).\n"
                f"Firm {FIRM} (billed for May 2022: invoice no. 1), its admin {ADMIN}, and an operator;\n"
                "tokens for them, valid one hour:\n\n"
                f"  export TOKEN={token}\n"
                f"  export OPERATOR={operator}\n\n"
                f'  curl -s {url}/v1/clients -H "Authorization: Bearer $TOKEN"\n'
                f'  curl -s {url}/v1/clients -H "Authorization: Bearer $TOKEN" '
                '-H "Content-Type: application/json" -H "Idempotency-Key: first-client" '
                """-d '{"name": "Rør AS", "org_number": "914778271"}'\n"""
                f'  curl -s {url}/v1/invoices -H "Authorization: Bearer $TOKEN"\n'
                f'  curl -si {url}/v1/invoices/1/pdf -H "Authorization: Bearer $TOKEN"\n'
                f'  curl -s {url}/v1/tenants -H "Authorization: Bearer $OPERATOR" '
                '-H "Content-Type: application/json" '
                """-d '{"tenant_id": "firm-new", "name": "Ny Regnskap AS", "org_number": "974760673", """
                """"email": "post@ny.example", "package": "KOMPLETT", """
                """"admin": {"name": "Kari", "email": "kari@ny.example"}}'\n"""
                f"  curl -s {url}/openapi.json",
                highlight=False,
                soft_wrap=True,
            )
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopped", highlight=False)
        finally:
            context.__exit__(None, None, None)
    return 0
