"""The start page's local server (CONTRACT §11, "Locally"), over HTTP as the browser meets it:
signing in through the local user pool's JSON API, the API taking only that pool's ID tokens,
the page's files and headers, a document opening on the machine, and ``serve``'s lines.

One seeded server for the module (seeding takes seconds); a test that changes a sign-in makes a
user of its own (``temporary_user``), so the printed sign-ins keep working for the others."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from periodyear_local.api_server import LocalApi, as_passed_on, serving
from periodyear_local.local_pool import issuer
from periodyear_local.local_s3 import presigning_s3
from periodyear_local.sandbox import REGION
from periodyear_local.start_page import LocalStartPage, start_page
from periodyear_local.start_page_site import SiteFiles, response_headers

Answer = tuple[int, dict[str, str], bytes]
TARGET = "AWSCognitoIdentityProviderService"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> Answer:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def cognito(page: LocalStartPage, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A call to the user pool's JSON API as the page makes it, on the page's own origin."""
    status, _, body = call(
        f"{page.url}cognito-idp/",
        "POST",
        params,
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"{TARGET}.{operation}"},
    )
    return status, json.loads(body)


def sign_in(page: LocalStartPage, email: str, password: str) -> tuple[int, dict[str, Any]]:
    return cognito(
        page,
        "InitiateAuth",
        {
            "ClientId": page.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": email, "PASSWORD": password},
        },
    )


def api(page: LocalStartPage, path: str, token: str | None, method: str = "GET", body: Any = None) -> Answer:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return call(f"{page.url.rstrip('/')}{path}", method, body, headers | {"Content-Type": "application/json"})


def claims_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def signed_in_user(page: LocalStartPage) -> tuple[str, str, dict[str, Any]]:
    """A new user of the first firm who has chosen a password: email, password, tokens."""
    email, temporary = page.temporary_user()
    _, challenge = sign_in(page, email, temporary)
    _, done = cognito(
        page,
        "RespondToAuthChallenge",
        {
            "ClientId": page.client_id,
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": challenge["Session"],
            "ChallengeResponses": {
                "USERNAME": challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
                "NEW_PASSWORD": "Eget-Passord-2022",
            },
        },
    )
    return email, "Eget-Passord-2022", done["AuthenticationResult"]


@pytest.fixture(scope="module")
def page() -> Iterator[LocalStartPage]:
    with start_page() as served:
        yield served


# ------------------------------------------------------------------ signing in


def test_each_printed_sign_in_signs_in_at_once_through_the_pools_json_api(page: LocalStartPage) -> None:
    for role in ("admin", "user", "operator"):
        status, answer = sign_in(page, *page.sign_ins[role])
        assert status == 200, (role, answer)
        assert "ChallengeName" not in answer  # a permanent password: no new one is asked
        assert set(answer["AuthenticationResult"]) >= {"IdToken", "AccessToken", "RefreshToken", "ExpiresIn"}


def test_a_wrong_password_or_an_unknown_address_is_cognitos_not_authorized(page: LocalStartPage) -> None:
    email, _ = page.sign_ins["admin"]
    for who, password in ((email, "Feil-Passord-2022"), ("ingen@check.example", "Feil-Passord-2022")):
        status, answer = sign_in(page, who, password)
        # PreventUserExistenceErrors: an unknown address is answered as a wrong password
        assert (status, answer) == (
            400,
            {"__type": "NotAuthorizedException", "message": "Incorrect username or password."},
        )


def test_the_pool_id_token_names_the_registers_user_and_opens_the_api(page: LocalStartPage) -> None:
    tokens = {role: page.id_token(*page.sign_ins[role]) for role in ("admin", "user", "operator")}
    status, _, body = api(page, "/v1/users", tokens["admin"])
    assert status == 200
    users = {u["email"]: u for u in json.loads(body)["items"]}
    for role in ("admin", "user"):  # the sign-in's attributes name the register's user of that e-mail
        claims, user = claims_of(tokens[role]), users[page.sign_ins[role][0]]
        assert (claims["custom:tenant_id"], claims["custom:user_id"]) == (page.firm, user["user_id"])
        assert user["role"] == role
    assert claims_of(tokens["operator"])["cognito:groups"] == ["operators"]
    assert "custom:tenant_id" not in claims_of(tokens["operator"])
    status, _, body = api(page, "/v1/clients", tokens["user"])
    assert status == 200
    assert [c["name"] for c in json.loads(body)["items"] if c["is_bureau_client"]] == [page.bureau_client]
    status, _, body = api(page, "/v1/tenants", tokens["operator"])
    assert status == 200
    assert {t["tenant_id"] for t in json.loads(body)["items"]} >= {page.firm, "firm-other"}


def _other_pools_token() -> str:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.create_user_pool(PoolName="another", UsernameAttributes=["email"])["UserPool"]["Id"]
    client = cognito.create_user_pool_client(UserPoolId=pool, ClientName="another")["UserPoolClient"]
    cognito.admin_create_user(UserPoolId=pool, Username="ada@check.example")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="ada@check.example", Password="Lokal-Admin-2022!", Permanent=True
    )
    result = cognito.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@check.example", "PASSWORD": "Lokal-Admin-2022!"},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def _signed_by_moto(claims: dict[str, Any]) -> str:
    """A token signed with the key moto signs the pool's tokens with (to make an expired one)."""
    from moto.utilities.utils import load_resource  # noqa: PLC0415

    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def test_the_api_takes_only_the_local_pools_id_tokens_for_its_app_client(page: LocalStartPage) -> None:
    email, password = page.sign_ins["admin"]
    _, answer = sign_in(page, email, password)
    good = answer["AuthenticationResult"]["IdToken"]
    assert api(page, "/v1/clients", good)[0] == 200
    head, payload, signature = good.split(".")
    forged = claims_of(good) | {"custom:tenant_id": "firm-other"}
    tampered = (
        f"{head}.{base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip('=')}.{signature}"
    )
    expired = _signed_by_moto(claims_of(good) | {"exp": int(time.time()) - 5})
    refused = {
        "no token": None,
        "a tampered token": tampered,
        "a broken signature": f"{head}.{payload}.{signature[:-4]}AAAA",
        "an expired token": expired,
        "an access token": answer["AuthenticationResult"]["AccessToken"],
        "another app client's token": _signed_by_moto(claims_of(good) | {"aud": "another-client"}),
        "another pool's token": _other_pools_token(),
        "a token of another issuer": _signed_by_moto(claims_of(good) | {"iss": issuer("eu-north-1_other")}),
        "a locally minted token": LocalApi().mint(tenant_id=page.firm, user_id="u-admin"),
    }
    for what, token in refused.items():
        status, _, body = api(page, "/v1/clients", token)
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"}), what


def test_a_new_users_first_sign_in_asks_for_a_new_password(page: LocalStartPage) -> None:
    email, temporary = page.temporary_user()
    status, challenge = sign_in(page, email, temporary)
    assert status == 200
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    parameters = challenge["ChallengeParameters"]  # as Cognito words them
    assert set(parameters) == {"USER_ID_FOR_SRP", "requiredAttributes", "userAttributes"}
    assert json.loads(parameters["userAttributes"])["email"] == email
    forgot = cognito(page, "ForgotPassword", {"ClientId": page.client_id, "Username": email})
    assert forgot == (  # as Cognito: the invitation's password is not reset, it is replaced
        400,
        {
            "__type": "NotAuthorizedException",
            "message": "User password cannot be reset in the current state.",
        },
    )
    respond = {
        "ClientId": page.client_id,
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": challenge["Session"],
    }
    weak = cognito(
        page,
        "RespondToAuthChallenge",
        respond | {"ChallengeResponses": {"USERNAME": email, "NEW_PASSWORD": "kort"}},
    )
    assert weak[0] == 400
    assert weak[1]["__type"] == "InvalidPasswordException"
    status, done = cognito(
        page,
        "RespondToAuthChallenge",
        respond | {"ChallengeResponses": {"USERNAME": email, "NEW_PASSWORD": "Mitt-Nye-Passord-1"}},
    )
    assert status == 200
    token = done["AuthenticationResult"]["IdToken"]
    status, _, body = api(page, "/v1/users", token)
    assert status == 200
    mine = [u for u in json.loads(body)["items"] if u["email"] == email]
    assert [(u["user_id"], u["role"]) for u in mine] == [(claims_of(token)["custom:user_id"], "user")]
    assert "ChallengeName" not in sign_in(page, email, "Mitt-Nye-Passord-1")[1]


def test_a_forgotten_password_is_replaced_with_the_code_of_the_email(page: LocalStartPage) -> None:
    email, old = page.user_with_own_password()
    status, sent = cognito(page, "ForgotPassword", {"ClientId": page.client_id, "Username": email})
    assert status == 200
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = page.reset_code(email)
    assert len(code) == 6
    assert code.isdigit()
    confirm = {"ClientId": page.client_id, "Username": email, "Password": "Nytt-Passord-2022"}
    wrong = "000000" if code != "000000" else "111111"
    assert cognito(page, "ConfirmForgotPassword", confirm | {"ConfirmationCode": wrong})[1]["__type"] == (
        "CodeMismatchException"
    )
    weak = cognito(page, "ConfirmForgotPassword", confirm | {"ConfirmationCode": code, "Password": "kort"})
    assert weak[1]["__type"] == "InvalidPasswordException"
    assert cognito(page, "ConfirmForgotPassword", confirm | {"ConfirmationCode": code}) == (200, {})
    assert sign_in(page, email, old)[1]["__type"] == "NotAuthorizedException"
    assert sign_in(page, email, "Nytt-Passord-2022")[0] == 200
    unknown = confirm | {"Username": "ingen@check.example", "ConfirmationCode": code}
    assert cognito(page, "ConfirmForgotPassword", unknown)[1]["__type"] == "CodeMismatchException"
    used = cognito(page, "ConfirmForgotPassword", confirm | {"ConfirmationCode": code})
    assert used[1]["__type"] == "ExpiredCodeException"  # a code is used once


def test_signing_out_ends_the_session_at_the_pool(page: LocalStartPage) -> None:
    email, password, tokens = signed_in_user(page)
    refresh = {"ClientId": page.client_id, "AuthFlow": "REFRESH_TOKEN_AUTH"}
    again = refresh | {"AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}
    assert cognito(page, "InitiateAuth", again)[0] == 200
    assert cognito(page, "GlobalSignOut", {"AccessToken": tokens["AccessToken"]}) == (200, {})
    status, answer = cognito(page, "InitiateAuth", again)
    assert (status, answer["__type"]) == (400, "NotAuthorizedException")
    # RevokeToken (the page's sign-out of one session): the refresh token stops working
    _, fresh = sign_in(page, email, password)
    session = fresh["AuthenticationResult"]
    revoke = {"ClientId": page.client_id, "Token": session["RefreshToken"]}
    assert cognito(page, "RevokeToken", revoke) == (200, {})
    again = refresh | {"AuthParameters": {"REFRESH_TOKEN": session["RefreshToken"]}}
    assert cognito(page, "InitiateAuth", again)[1]["__type"] == "NotAuthorizedException"
    assert cognito(page, "GlobalSignOut", {"AccessToken": session["AccessToken"]})[1]["__type"] == (
        "NotAuthorizedException"
    )
    access = {"ClientId": page.client_id, "Token": session["AccessToken"]}
    assert cognito(page, "RevokeToken", access)[1]["__type"] == "UnsupportedTokenTypeException"


def test_only_the_operations_the_page_uses_are_served(page: LocalStartPage) -> None:
    email, _ = page.sign_ins["admin"]
    for operation in ("AdminCreateUser", "ListUsers", "SignUp", "NoSuchOperation"):
        status, answer = cognito(page, operation, {"UserPoolId": "x", "Username": email})
        assert (status, answer["__type"]) == (400, "UnknownOperationException"), operation
    status, _, body = call(
        f"{page.url}cognito-idp/",
        "POST",
        {"ClientId": page.client_id},
        {"Content-Type": "application/json", "X-Amz-Target": f"{TARGET}.InitiateAuth"},
    )
    assert (status, json.loads(body)["__type"]) == (400, "SerializationException")
    status, answer = cognito(
        page, "InitiateAuth", {"ClientId": page.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "Bogus": 1}
    )
    assert (status, answer["__type"]) == (400, "InvalidParameterException")
    status, answer = cognito(page, "RevokeToken", {"ClientId": page.client_id})  # no Token
    assert (status, answer["__type"]) == (400, "InvalidParameterException")


# ------------------------------------------------------------------ the page, its headers, documents


def test_config_json_names_the_local_pool_and_this_origin(page: LocalStartPage) -> None:
    status, headers, body = call(f"{page.url}config.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    config = json.loads(body)
    assert set(config) == {"region", "userPoolId", "clientId", "cognitoEndpoint"}
    assert config["region"] == "eu-north-1"
    assert config["userPoolId"].startswith("eu-north-1_")
    assert config["clientId"] == page.client_id
    assert config["cognitoEndpoint"] == f"{page.url}cognito-idp/"
    assert claims_of(page.id_token(*page.sign_ins["user"]))["iss"] == issuer(config["userPoolId"])


def test_the_page_and_the_api_carry_the_distributions_headers(page: LocalStartPage) -> None:
    token = page.id_token(*page.sign_ins["admin"])
    answers = {
        "/": call(page.url),
        "/js/i18n.js": call(f"{page.url}js/i18n.js"),
        "/config.json": call(f"{page.url}config.json"),
        "/v1/clients": api(page, "/v1/clients", token),
        "/v1/clients without a token": api(page, "/v1/clients", None),
        "a 404": call(f"{page.url}no-such-file.js"),
    }
    assert answers["/"][0] == 200
    assert answers["/"][1]["Content-Type"] == "text/html; charset=utf-8"
    assert answers["/js/i18n.js"][1]["Content-Type"] == "text/javascript; charset=utf-8"
    for what, (status, headers, _) in answers.items():
        assert status in (200, 401, 404), what
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp, what
        assert "script-src 'self';" in csp, what
        assert "frame-ancestors 'none'" in csp, what
        assert "unsafe-inline" not in csp, what
        assert "unsafe-eval" not in csp, what
        assert headers["X-Content-Type-Options"] == "nosniff", what
        assert headers["Referrer-Policy"] == "no-referrer", what
        assert headers["X-Frame-Options"] == "DENY", what
        assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains", what


def test_the_headers_are_read_from_the_template_and_a_missing_policy_fails_loudly() -> None:
    headers = {h.name: h.value for h in response_headers({"InvoiceDocumentsBucket": "docs"})}
    assert "https://docs.s3.eu-north-1.amazonaws.com" in headers["Content-Security-Policy"]
    assert "https://cognito-idp.eu-north-1.amazonaws.com" in headers["Content-Security-Policy"]
    with pytest.raises(LookupError, match="NoSuchPolicy"):
        response_headers({}, policy="NoSuchPolicy")
    with pytest.raises(ValueError, match="InvoiceDocumentsBucket"):
        response_headers({})


def _raw_status(url: str, path: str, method: str = "GET") -> int:
    """The status of a request for ``path`` exactly as written (urllib would normalize it)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_site_serves_its_files_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "js").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    (site / "app.css").write_text("body{}", encoding="utf-8")
    (site / "js" / "app.js").write_text("export {};", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for the page", encoding="utf-8")
    with serving(SiteFiles(site)) as url:
        assert call(f"{url}/")[2] == b"<!doctype html><title>x</title>"
        types = {p: call(f"{url}{p}")[1]["Content-Type"] for p in ("/", "/app.css", "/js/app.js")}
        assert types == {
            "/": "text/html; charset=utf-8",
            "/app.css": "text/css; charset=utf-8",
            "/js/app.js": "text/javascript; charset=utf-8",
        }
        for path in (
            "/js",
            "/js/",
            "/nothing.js",
            "/index.html/",
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/js/..%2f..%2fsecret.txt",
            "//secret.txt",
            "/js/../../secret.txt",
        ):
            assert _raw_status(url, path) == 404, path
        assert _raw_status(url, "/", "POST") == 405
        assert call(f"{url}/", "HEAD")[0] == 200


def test_a_document_link_opens_on_the_local_machine(page: LocalStartPage) -> None:
    token = page.id_token(*page.sign_ins["user"])
    status, headers, _ = api(page, "/v1/invoices/1/pdf", token)
    assert status == 307
    link = headers["Location"]
    assert link.startswith(f"{page.url}local-s3/")
    status, headers, body = call(link, headers={"Authorization": f"Bearer {token}"})  # as fetch follows it
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-")
    forged = link.replace("/1.pdf?", "/2.pdf?")
    assert call(forged)[0] == 403  # the signature covers the key
    assert call(link[: link.index("&X-Amz-Signature=")])[0] == 403
    short = presigning_s3(page.url.rstrip("/"))().generate_presigned_url(
        "get_object", Params={"Bucket": link.split("/")[4], "Key": "invoices/firm-check/1.pdf"}, ExpiresIn=1
    )
    time.sleep(2)
    status, _, body = call(short)
    assert status == 403
    assert b"Request has expired" in body


def test_another_firms_client_is_not_found_for_the_first_firms_users(page: LocalStartPage) -> None:
    for role in ("admin", "user"):
        token = page.id_token(*page.sign_ins[role])
        assert api(page, f"/v1/clients/{page.other_firm_client}", token)[0] == 404
        listed = json.loads(api(page, "/v1/clients?include_archived=true", token)[2])["items"]
        assert page.other_firm_client not in {c["client_id"] for c in listed}


def test_claims_reach_the_function_as_api_gateway_passes_them() -> None:
    assert as_passed_on({"cognito:groups": ["operators", "x"], "exp": 5, "email_verified": True}) == {
        "cognito:groups": "[operators x]",
        "exp": "5",
        "email_verified": "true",
    }


# ------------------------------------------------------------------ the command


def test_serve_prints_the_start_page_and_its_sign_ins_then_serves_until_ctrl_c() -> None:
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "periodyear_local", "serve", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n") for _ in range(5)]
        url = lines[0].removeprefix("start page: ")
        assert lines[0].startswith("start page: http://127.0.0.1:")
        assert url.endswith("/")
        assert [line.split(":")[0] for line in lines[1:]] == [
            "sign in as admin",
            "sign in as user",
            "sign in as operator",
            "other firm's client",
        ]
        config = json.loads(call(f"{url}config.json")[2])
        for line in lines[1:4]:
            email, password = line.split(": ", 1)[1].split(" ")
            status, _, body = call(
                config["cognitoEndpoint"],
                "POST",
                {
                    "ClientId": config["clientId"],
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": email, "PASSWORD": password},
                },
                {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"{TARGET}.InitiateAuth"},
            )
            assert status == 200
            assert "AuthenticationResult" in json.loads(body)
        assert lines[4] == "other firm's client: fjord-b1"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("stopped")


def test_serve_on_a_busy_port_says_so() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [sys.executable, "-m", "periodyear_local", "serve", "--port", str(port)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr
