"""``periodyear serve``: the start page and the register API on one origin on localhost, over
the in-process moto stack, seeded, with sign-ins to try it as (CONTRACT §11, "Locally")."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import TYPE_CHECKING, Any

from periodyear_local.cli_common import CliError, console

if TYPE_CHECKING:
    from periodyear_local.start_page import LocalStartPage


def add_parser(commands: Any) -> None:
    serve_cmd = commands.add_parser(
        "serve", help="serve the start page and the register API on localhost over in-process moto"
    )
    serve_cmd.add_argument(
        "--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0: any free)"
    )


def announcement(page: LocalStartPage, token: str) -> str:
    """What ``serve`` prints: CONTRACT §11's lines first, then how to call the API with curl
    (``token``: an ID token of the admin from the local pool)."""
    origin = page.url.rstrip("/")
    admin_email, admin_password = page.sign_ins["admin"]
    sign_in = {
        "ClientId": page.client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": admin_email, "PASSWORD": admin_password},
    }
    lines = [
        f"start page: {page.url}",
        *(f"sign in as {role}: {email} {password}" for role, (email, password) in page.sign_ins.items()),
        f"other firm's client: {page.other_firm_client}",
        "",
        f"{page.firm_name} ({page.firm}) has invoice no. 1 (May 2022). In-process moto; Ctrl-C stops it.",
        "The API as the admin, with an ID token of the local user pool (valid one hour):",
        "",
        f"  export TOKEN={token}",
        f'  curl -s {origin}/v1/clients -H "Authorization: Bearer $TOKEN"',
        f'  curl -s {origin}/v1/invoices -H "Authorization: Bearer $TOKEN"',
        f'  curl -sL {origin}/v1/invoices/1/pdf -H "Authorization: Bearer $TOKEN" -o invoice-1.pdf',
        "",
        "A token as the page gets one, from the user pool's API on the same origin:",
        "",
        f"  curl -s {origin}/cognito-idp/ -H 'Content-Type: application/x-amz-json-1.1' "
        "-H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' "
        f"-d {shlex.quote(json.dumps(sign_in))}",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C."""
    import threading  # noqa: PLC0415

    from periodyear_local.start_page import start_page  # noqa: PLC0415

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port} is not a port: 1 to 65535 (0: any free one)")
    try:
        served = start_page(args.port)
        page = served.__enter__()
    except OSError as error:
        raise CliError(f"cannot serve on 127.0.0.1:{args.port}: {error.strerror}") from None
    try:
        email, password = page.sign_ins["admin"]
        console.print(
            announcement(page, page.id_token(email, password)), markup=False, highlight=False, soft_wrap=True
        )
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print("stopped", highlight=False)
    finally:
        served.__exit__(None, None, None)
    return 0
