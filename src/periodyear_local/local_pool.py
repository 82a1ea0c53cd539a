"""The local user pool as the start page meets it: Cognito's JSON API at ``/cognito-idp/``,
answered by the in-process moto pool, and the JWKS its ID tokens are checked against.

The page posts to the pool's endpoint as it posts to Cognito's (``X-Amz-Target:
AWSCognitoIdentityProviderService.<Operation>``, ``application/x-amz-json-1.1``); each operation
the page uses is called on moto through boto3 (its name from botocore's service model), and
Cognito's errors come back as Cognito sends them (400, ``{"__type", "message"}``). Only the
page's operations are served. Where moto does less than Cognito, this stand-in does the rest
(docs/register-api.md, "The start page locally"): the app client's allowed flows and its
``PreventUserExistenceErrors``; the new-password challenge's parameters as Cognito names them;
no reset for a user still on the invitation's password; a reset code checked as Cognito checks
it (moto takes any code not of its own form), six digits as the e-mail would carry; the new
password held to the pool's policy; ``RevokeToken`` (moto has none).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from http import HTTPStatus
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import validate_parameters
from joserfc.jwk import KeySet

from periodyear_local.api_server import PoolTokens, StartResponse
from periodyear_local.sandbox import REGION

SERVICE = "AWSCognitoIdentityProviderService"
JSON_1_1 = "application/x-amz-json-1.1"
# What the start page calls, and so all this stand-in serves (CONTRACT §11, "Signing in").
OPERATIONS = (
    "InitiateAuth",
    "RespondToAuthChallenge",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "GlobalSignOut",
    "RevokeToken",
)
# The app client's ExplicitAuthFlows entry each InitiateAuth flow needs (moto checks none).
FLOWS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
}
MOTO_CODE = "moto-confirmation-code:"  # moto's reset codes; the e-mail's code is what follows


class Refused(Exception):
    """An answer as Cognito refuses a call: its ``__type`` and message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


def issuer(pool_id: str, region: str = REGION) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def pool_keys() -> KeySet:
    """The public JWKS beside the private key moto signs every pool's tokens with (RS256)."""
    from moto.utilities.utils import load_resource  # noqa: PLC0415

    return KeySet.import_key_set(load_resource("cognitoidp/resources/jwks-public.json"))


def pool_tokens(pool_id: str, client_id: str, region: str = REGION) -> PoolTokens:
    """The JWT authorizer of the template's HTTP API, pointed at the local pool and app client."""
    return PoolTokens(issuer=issuer(pool_id, region), audience=[client_id], keys=pool_keys())


class MotoPool:
    """What moto holds of one pool and returns through no API: the user's pending reset code,
    the password policy's check, the refresh tokens (to revoke one)."""

    def __init__(self, pool_id: str, region: str = REGION) -> None:
        self.pool_id, self._region = pool_id, region

    def _backend(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends  # noqa: PLC0415
        from moto.core.models import DEFAULT_ACCOUNT_ID  # noqa: PLC0415

        return cognitoidp_backends[DEFAULT_ACCOUNT_ID][self._region]

    def _pool(self) -> Any:
        return self._backend().user_pools[self.pool_id]

    def holds(self, username: str) -> bool:
        return self._pool()._get_user(username) is not None

    def pending_code(self, username: str) -> str | None:
        """The code the reset e-mail of this user carries (six digits), if a reset is pending."""
        user = self._pool()._get_user(username)
        held = user.confirmation_code if user is not None else None
        return held.removeprefix(MOTO_CODE) if held else None

    def check_password(self, password: str) -> None:
        from moto.cognitoidp.exceptions import InvalidPasswordException  # noqa: PLC0415

        try:
            self._backend()._validate_password(self.pool_id, password)
        except InvalidPasswordException:
            raise Refused(
                "InvalidPasswordException", "Password does not conform to policy: see the pool's policy"
            ) from None

    def revoke(self, token: str, client_id: str) -> None:
        """The refresh token and the access tokens made from it stop working (``RevokeToken``)."""
        pool = self._pool()
        held = pool.refresh_tokens.get(token)
        if held is None or held[0] != client_id:
            return  # an unknown or revoked token: nothing to revoke (RFC 7009)
        pool.refresh_tokens[token] = None
        for access in list(pool.access_tokens):
            if _payload(access).get("origin_jti") == held[2]:
                pool.access_tokens.pop(access, None)


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1] if token.count(".") == 2 else ""
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class CognitoWire:
    """The WSGI app at ``/cognito-idp/``: the user pool's JSON API for the page's operations."""

    def __init__(self, pool_id: str, region: str = REGION) -> None:
        self._client = boto3.client("cognito-idp", region_name=region)
        self._model = self._client.meta.service_model
        self._pool = MotoPool(pool_id, region)
        self._special: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "InitiateAuth": self._initiate_auth,
            "ForgotPassword": self._forgot_password,
            "ConfirmForgotPassword": self._confirm_forgot_password,
            "RevokeToken": self._revoke_token,
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            result = self._operation(environ)
        except Refused as refusal:
            return _reply(start_response, 400, {"__type": refusal.kind, "message": refusal.message})
        except ClientError as error:
            failure = error.response.get("Error", {})
            body = {
                "__type": failure.get("Code", "InternalErrorException"),
                "message": failure.get("Message", ""),
            }
            return _reply(start_response, int(error.response["ResponseMetadata"]["HTTPStatusCode"]), body)
        except ParamValidationError as error:
            return _reply(start_response, 400, {"__type": "InvalidParameterException", "message": str(error)})
        return _reply(start_response, 200, result)

    def _operation(self, environ: dict[str, Any]) -> dict[str, Any]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.removeprefix(f"{SERVICE}.") if target.startswith(f"{SERVICE}.") else ""
        if environ["REQUEST_METHOD"] != "POST" or operation not in self._model.operation_names:
            raise Refused("UnknownOperationException", f"no operation {target or '(no X-Amz-Target)'}")
        if operation not in OPERATIONS:
            raise Refused(
                "UnknownOperationException",
                f"{operation} is not served by the local user pool "
                f"(the start page uses {', '.join(OPERATIONS)})",
            )
        if not environ.get("CONTENT_TYPE", "").startswith(JSON_1_1):
            raise Refused("SerializationException", f"the body must be {JSON_1_1}")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            params = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            raise Refused("SerializationException", "the body is not JSON") from None
        if not isinstance(params, dict):
            raise Refused("SerializationException", "the body is not a JSON object")
        validate_parameters(params, self._model.operation_model(operation).input_shape)
        call = self._special.get(operation) or self._method(operation)
        return call(params)

    def _method(self, operation: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        method = getattr(self._client, xform_name(operation))
        return lambda params: _without_metadata(method(**params))

    def _app_client(self, client_id: object) -> dict[str, Any]:
        try:
            found: dict[str, Any] = self._client.describe_user_pool_client(
                UserPoolId=self._pool.pool_id, ClientId=str(client_id)
            )["UserPoolClient"]
        except ClientError:
            raise Refused(
                "ResourceNotFoundException", f"User pool client {client_id} does not exist."
            ) from None
        return found

    def _initiate_auth(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app_client(params.get("ClientId"))
        flow = str(params.get("AuthFlow"))
        if FLOWS.get(flow) not in app.get("ExplicitAuthFlows", []):
            raise Refused("InvalidParameterException", f"{flow} flow not enabled for this client")
        try:
            answer = _without_metadata(self._client.initiate_auth(**params))
        except ClientError as error:
            hidden = app.get("PreventUserExistenceErrors") == "ENABLED"
            if hidden and error.response["Error"]["Code"] == "UserNotFoundException":
                raise Refused("NotAuthorizedException", "Incorrect username or password.") from None
            raise
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            answer["ChallengeParameters"] = self._new_password_parameters(answer["ChallengeParameters"])
        return answer

    def _new_password_parameters(self, moto: dict[str, str]) -> dict[str, str]:
        """The challenge's parameters as Cognito words them (moto names only ``USERNAME``): the
        user's id to answer with, the attributes it has and those still required."""
        user = self._client.admin_get_user(UserPoolId=self._pool.pool_id, Username=moto["USERNAME"])
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"] if a["Name"] != "sub"}
        return {
            "USER_ID_FOR_SRP": user["Username"],
            "requiredAttributes": "[]",
            "userAttributes": json.dumps(attributes),
        }

    def _forgot_password(self, params: dict[str, Any]) -> dict[str, Any]:
        """As Cognito: no reset for a user who has not yet chosen a password (moto makes one)."""
        self._app_client(params.get("ClientId"))
        try:
            user = self._client.admin_get_user(
                UserPoolId=self._pool.pool_id, Username=str(params.get("Username"))
            )
        except ClientError:
            user = {}  # an unknown address: moto answers as Cognito does with PreventUserExistenceErrors
        if user.get("UserStatus") == "FORCE_CHANGE_PASSWORD":
            raise Refused("NotAuthorizedException", "User password cannot be reset in the current state.")
        return _without_metadata(self._client.forgot_password(**params))

    def _confirm_forgot_password(self, params: dict[str, Any]) -> dict[str, Any]:
        self._app_client(params.get("ClientId"))
        code, username = str(params["ConfirmationCode"]), str(params["Username"])
        pending = self._pool.pending_code(username)
        if pending is None and self._pool.holds(username):  # none asked for, or used already
            raise Refused("ExpiredCodeException", "Invalid code provided, please request a code again.")
        if code != pending:  # an unknown address too (PreventUserExistenceErrors)
            raise Refused("CodeMismatchException", "Invalid verification code provided, please try again.")
        self._pool.check_password(str(params.get("Password", "")))
        held = params | {"ConfirmationCode": MOTO_CODE + code}
        return _without_metadata(self._client.confirm_forgot_password(**held))

    def _revoke_token(self, params: dict[str, Any]) -> dict[str, Any]:
        self._app_client(params.get("ClientId"))
        token = str(params["Token"])
        if token.count(".") == 2:  # a JWT: an access or ID token, which cannot be revoked
            raise Refused("UnsupportedTokenTypeException", "Unsupported token type")
        self._pool.revoke(token, str(params["ClientId"]))
        return {}


def _without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def _json_value(value: object) -> object:
    if isinstance(value, datetime):  # the JSON protocol's timestamps are epoch seconds
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _reply(start_response: StartResponse, status: int, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body, default=_json_value).encode()
    headers = [
        ("Content-Type", JSON_1_1),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if status >= 400:
        headers.append(("x-amzn-ErrorType", str(body.get("__type", ""))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [data]
