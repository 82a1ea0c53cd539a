"""Invoice documents on the local server, as S3 serves them through a presigned URL.

The register API's document routes answer 307 to a presigned S3 GET URL. Offline, an S3 host
does not resolve, so the local server's API presigns with an S3 client whose endpoint is the
server itself (``presigning_s3``): the link is ``<origin>/local-s3/<bucket>/<key>?X-Amz-...``,
and ``LocalDocuments`` answers it from the in-process moto S3 once it has checked what S3
checks: the SigV4 query signature (over the same credentials) and the link's expiry.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

import boto3
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError

from periodyear_local.api_server import StartResponse
from periodyear_local.sandbox import REGION

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "/local-s3"


def presigning_s3(origin: str, region: str = REGION) -> Callable[[], S3Client]:
    """An S3 client factory whose presigned URLs point at the local server (path-style, SigV4)."""

    def made() -> S3Client:
        return boto3.client(
            "s3",
            region_name=region,
            endpoint_url=f"{origin}{PREFIX}",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    return made


class LocalDocuments:
    """The WSGI app at ``/local-s3/``: GET of an object through a valid presigned URL."""

    def __init__(self, region: str = REGION) -> None:
        self._s3 = boto3.client("s3", region_name=region)
        self._region = region

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        bucket, _, key = path.removeprefix(f"{PREFIX}/").partition("/")
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or not bucket or not key:
            return _error(start_response, 405, "MethodNotAllowed", "only GET of an object")
        refusal = self._refusal(environ, path)
        if refusal:
            return _error(start_response, 403, *refusal)
        try:
            found = self._s3.get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            return _error(start_response, 404 if code in ("NoSuchKey", "NoSuchBucket") else 400, code, code)
        body = found["Body"].read()
        start_response(
            "200 OK",
            [
                ("Content-Type", found.get("ContentType", "binary/octet-stream")),
                ("Content-Length", str(len(body))),
                ("ETag", found.get("ETag", "")),
            ],
        )
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def _refusal(self, environ: dict[str, Any], path: str) -> tuple[str, str] | None:
        """S3's refusal of the link (its code and message), or None for a valid one."""
        raw = environ.get("QUERY_STRING", "")
        pairs = [p for p in raw.split("&") if p and not p.startswith("X-Amz-Signature=")]
        query = dict(parse_qsl(raw, keep_blank_values=True))
        if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or "X-Amz-Signature" not in query:
            return "AccessDenied", "Access Denied"
        try:
            signed = calendar.timegm(time.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
            expires = int(query["X-Amz-Expires"])
        except (KeyError, ValueError):
            return "AuthorizationQueryParametersError", "X-Amz-Date and X-Amz-Expires must be given"
        if time.time() > signed + expires:
            return "AccessDenied", "Request has expired"
        request = AWSRequest(
            method="GET",
            url=f"http://{environ.get('HTTP_HOST', '')}{quote(path, safe='/~')}?{'&'.join(pairs)}",
            headers={"host": environ.get("HTTP_HOST", "")},
        )
        request.context["timestamp"] = query["X-Amz-Date"]
        credentials = boto3.Session().get_credentials()
        if credentials is None:
            return "AccessDenied", "no credentials to check the signature with"
        signer = S3SigV4QueryAuth(credentials.get_frozen_credentials(), "s3", self._region)
        expected = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request
        )
        if expected != query["X-Amz-Signature"]:
            return (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        return None


def _error(start_response: StartResponse, status: int, code: str, message: str) -> Iterable[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    ).encode()
    phrase = {403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}.get(status, "Bad Request")
    start_response(
        f"{status} {phrase}", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]
