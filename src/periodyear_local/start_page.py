"""The start page on localhost (CONTRACT §11, "Locally"): one origin on 127.0.0.1 over the
in-process moto stack, serving what the distribution serves and what stands behind it.

- ``/`` and the page's files, ``/config.json`` (``site_config``, its ``cognitoEndpoint`` this
  origin's ``/cognito-idp/``), with the distribution's response headers (``StartPageHeaders``);
- ``/v1/*``: the register API behind the JWT authorizer, which takes the local pool's ID tokens
  (its issuer, the app client as audience, moto's signing key), with the same headers;
- ``/cognito-idp/``: the user pool's JSON API (``local_pool``), so the page signs in as it does
  against Cognito, with no shortcut production lacks;
- ``/local-s3/...``: the invoice documents the API's presigned links point at (``local_s3``).

Seeded: a firm (its bureau client, another client, invoice no. 1) with an admin and a plain user
who sign in with permanent passwords, an operator, and a second firm with one client. The
register's users are made as the service makes them: the moved admin's sign-in by the
``TenantMigrated`` consumer's code, the plain user by the admin through ``POST /v1/users``.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import boto3

from periodyear.adapters.clients import Clients
from periodyear_local.api_check import FIRM, bill_may, seed
from periodyear_local.api_server import LocalApi, StartResponse, WsgiApp, serving_made
from periodyear_local.local_pool import CognitoWire, MotoPool, pool_tokens
from periodyear_local.local_s3 import PREFIX, LocalDocuments, presigning_s3
from periodyear_local.sandbox import REGION, local_aws
from periodyear_local.seed import batch_put, register_items
from periodyear_local.services import register as register_services
from periodyear_local.services import sign_ins as sign_in_services
from periodyear_local.start_page_site import Header, SiteFiles, config_json, response_headers, with_headers

ADMIN_EMAIL = "ada@check.example"  # api_check.seed's admin of FIRM
USER = {"name": "Bo Bruker", "email": "bo@check.example", "role": "user"}
OPERATOR = {"name": "Ola Drift", "email": "drift@periode-og-ar.example"}
PASSWORDS = {"admin": "Lokal-Admin-2022", "user": "Lokal-Bruker-2022", "operator": "Lokal-Drift-2022"}
TEMPORARY_PASSWORD = "Midlertidig-2022"  # what a new user's invitation would carry
OTHER_FIRM, OTHER_CLIENT = "firm-other", "fjord-b1"


class StartPageServer:
    """The WSGI app of the one origin: each path to the part that answers it in AWS."""

    def __init__(self, *, page: WsgiApp, api: WsgiApp, pool: WsgiApp, documents: WsgiApp) -> None:
        self._page, self._api, self._pool, self._documents = page, api, pool, documents

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/v1" or path.startswith("/v1/"):
            return self._api(environ, start_response)
        if path in ("/cognito-idp", "/cognito-idp/"):
            return self._pool(environ, start_response)
        if path.startswith(f"{PREFIX}/"):
            return self._documents(environ, start_response)
        return self._page(environ, start_response)


def server_for(origin: str, pool_id: str, client_id: str, headers: list[Header]) -> StartPageServer:
    """The origin's app, its API presigning document links to the origin's ``/local-s3/``."""
    config = config_json(REGION, pool_id, client_id, f"{origin}/cognito-idp/")  # fails here if missing
    services = register_services(clients=replace(Clients.fresh(), s3=presigning_s3(origin)))
    api = LocalApi(services=services, authorizer=pool_tokens(pool_id, client_id))
    return StartPageServer(
        page=with_headers(SiteFiles(extra={"/config.json": lambda: config}), headers),
        api=with_headers(api, headers),
        pool=CognitoWire(pool_id),
        documents=LocalDocuments(),
    )


class _Pool:
    """The seeding's and the tests' hands on the local pool, as an operator's CLI would be."""

    def __init__(self, origin: str, pool_id: str, client_id: str) -> None:
        self.origin, self.pool_id, self.client_id = origin, pool_id, client_id
        self.cognito = boto3.client("cognito-idp", region_name=REGION)
        self._numbers = itertools.count(1)

    def set_password(self, email: str, password: str, *, permanent: bool) -> None:
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=password, Permanent=permanent
        )

    def id_token(self, email: str, password: str) -> str:
        result = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return str(result["AuthenticationResult"]["IdToken"])

    def as_admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The API's answer to the first firm's admin, signed in to the pool (its JSON body)."""
        request = urllib.request.Request(
            f"{self.origin}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.id_token(ADMIN_EMAIL, PASSWORDS['admin'])}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def add_user(self, name: str, email: str, role: str, password: str, *, permanent: bool) -> None:
        """A user of the first firm added by its admin through the API (which makes the sign-in),
        with the password set in the pool: the invitation's temporary one, or one of their own."""
        self.as_admin("POST", "/v1/users", {"name": name, "email": email, "role": role})
        self.set_password(email, password, permanent=permanent)

    def new_user(self, role: str, *, permanent: bool) -> tuple[str, str]:
        number = next(self._numbers)
        email = f"ny{number}@check.example"
        password = f"Eget-Passord-{number:04d}" if permanent else TEMPORARY_PASSWORD
        self.add_user(f"Ny Bruker {number}", email, role, password, permanent=permanent)
        return email, password

    def add_operator(self, name: str, email: str, password: str) -> None:
        """An operator as docs/deploy.md makes the first one, then signed in once."""
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": name},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
        self.cognito.admin_add_user_to_group(UserPoolId=self.pool_id, Username=email, GroupName="operators")
        self.set_password(email, password, permanent=True)


@dataclass(frozen=True)
class LocalStartPage:
    """The local start page, seeded: where it is and who signs in (CONTRACT §11, "Locally")."""

    url: str  # "http://127.0.0.1:<port>/"
    sign_ins: dict[str, tuple[str, str]]  # "admin" | "user" | "operator" -> (email, password)
    firm: str  # the first firm's tenant id
    firm_name: str
    bureau_client: str  # the first firm's bureau client's name
    other_firm_client: str  # a client id of the second firm
    _pool: _Pool = field(repr=False, compare=False)

    @property
    def client_id(self) -> str:
        """The app client the page signs in with (``/config.json``'s ``clientId``)."""
        return self._pool.client_id

    def id_token(self, email: str, password: str) -> str:
        """An ID token of the local pool (``InitiateAuth``, ``USER_PASSWORD_AUTH``)."""
        return self._pool.id_token(email, password)

    def temporary_user(self, role: str = "user") -> tuple[str, str]:
        """A new user of the first firm, added by its admin through the API, and the temporary
        password its invitation carries: the first sign-in asks for a new one."""
        return self._pool.new_user(role, permanent=False)

    def user_with_own_password(self, role: str = "user") -> tuple[str, str]:
        """A new user of the first firm, added by its admin through the API, who has signed in
        once and chosen a password (Cognito resets only such a user's password)."""
        return self._pool.new_user(role, permanent=True)

    def reset_code(self, email: str) -> str:
        """The code a forgotten password's e-mail carries (after ``ForgotPassword``)."""
        code = MotoPool(self._pool.pool_id).pending_code(email)
        if code is None:
            raise LookupError(f"no password reset is pending for {email}")
        return code


def _seed_register(dynamodb: Any, names: dict[str, str]) -> None:
    """The first firm with invoice no. 1 (api_check's), and a second firm with one client."""
    seed(dynamodb, names["RegisterTable"])
    bill_may(dynamodb, names["UsageTable"])
    other = register_items(
        OTHER_FIRM,
        package="KOMPLETT",
        price_switch_date=date(2022, 3, 1),
        name="Fjord Regnskap AS",
        org_number="915349382",
        clients=[(OTHER_CLIENT, "Fjord Regnskap AS", "915349382", True)],
        users=[("u-fjord", "Frida Fjord", "frida@fjord.example", "admin")],
    )
    batch_put(dynamodb, names["RegisterTable"], other)


def _seed_sign_ins(pool: _Pool) -> dict[str, tuple[str, str]]:
    sign_in_services().create(FIRM)  # the moved firm's users' sign-ins: the admin's
    pool.set_password(ADMIN_EMAIL, PASSWORDS["admin"], permanent=True)
    pool.add_user(USER["name"], USER["email"], USER["role"], PASSWORDS["user"], permanent=True)
    pool.add_operator(OPERATOR["name"], OPERATOR["email"], PASSWORDS["operator"])
    return {
        "admin": (ADMIN_EMAIL, PASSWORDS["admin"]),
        "user": (USER["email"], PASSWORDS["user"]),
        "operator": (OPERATOR["email"], PASSWORDS["operator"]),
    }


@contextmanager
def start_page(port: int = 0) -> Iterator[LocalStartPage]:
    """The start page served on 127.0.0.1 (``port`` 0: any free one) over in-process moto,
    seeded, for the block."""
    with local_aws("RegisterApiFunction") as aws:
        names = aws["provisioned"].names
        pool_id, client_id = names["RegisterUserPool"], names["RegisterAppClient"]
        headers = response_headers(names)
        with serving_made(lambda origin: server_for(origin, pool_id, client_id, headers), port) as origin:
            _seed_register(aws["dynamodb"], names)  # once the port is bound: a busy one fails at once
            pool = _Pool(origin, pool_id, client_id)
            sign_ins = _seed_sign_ins(pool)
            tenant = pool.as_admin("GET", "/v1/tenant")
            clients = pool.as_admin("GET", "/v1/clients")["items"]
            yield LocalStartPage(
                url=f"{origin}/",
                sign_ins=sign_ins,
                firm=FIRM,
                firm_name=tenant["name"],
                bureau_client=next(c["name"] for c in clients if c["is_bureau_client"]),
                other_firm_client=OTHER_CLIENT,
                _pool=pool,
            )
