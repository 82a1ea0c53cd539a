"""Publishes the start page: the custom resource ``StartPagePublication`` (template.yaml,
CONTRACT §11).

Create and Update put ``config.json`` (``site_config``) and every file of ``site/`` beside this
module into the start page bucket, ``index.html`` last, each with its Content-Type and
``Cache-Control: no-cache`` (browsers ask again and get a 304 for an unchanged ETag), remove what
the page no longer has, and invalidate the distribution. Delete empties the bucket, so the stack can
remove it. Every request is answered at its ResponseURL, FAILED with the reason on any error or
just before the function's timeout: CloudFormation is never left waiting.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from periodyear.observability import logger

try:
    from .config import site_config
except ImportError:  # Lambda loads this file as the top-level module ``app``, beside config.py
    from config import site_config  # type: ignore[import-not-found,no-redef]

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

SITE = Path(__file__).with_name("site")
CONFIG_KEY = "config.json"
ENTRY_KEY = "index.html"
CACHE_CONTROL = "no-cache"
# A type for every kind of file the page may have; another kind fails the deployment (sent as
# the wrong type, nosniff would make the browser refuse it).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".json": "application/json",  # always UTF-8 (RFC 8259), no charset parameter
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
SPARE_SECONDS = 5  # the timeout's answer goes this long before Lambda stops the function
REASON_LENGTH = 600  # CloudFormation takes an answer of 4 KB at most


@dataclass(frozen=True)
class SiteFile:
    key: str
    path: Path
    content_type: str


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise ValueError(f"site/{name}: no Content-Type is known for {suffix or 'a file without a suffix'}")
    return CONTENT_TYPES[suffix]


def site_files(root: Path) -> list[SiteFile]:
    """Every file of the page (hidden files and folders left out), ``index.html`` last; refused
    whole, before anything is written, if one has no known type or the page lacks its entry."""
    paths = [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    keyed = [(p.relative_to(root).as_posix(), p) for p in paths]
    files = [SiteFile(key, path, content_type(key)) for key, path in keyed]
    keys = {f.key for f in files}
    if ENTRY_KEY not in keys:
        raise ValueError(f"site/ has no {ENTRY_KEY}")
    if CONFIG_KEY in keys:
        raise ValueError(f"site/{CONFIG_KEY} would be overwritten: it is made from the stack's settings")
    return sorted(files, key=lambda f: f.key == ENTRY_KEY)


def config_document(properties: Mapping[str, Any]) -> bytes:
    config = site_config(properties["Region"], properties["UserPoolId"], properties["ClientId"])
    return json.dumps(config, indent=2).encode("utf-8") + b"\n"


class SiteBucket:
    """The start page bucket, in S3's terms."""

    def __init__(self, client: S3Client, name: str) -> None:
        self._client = client
        self.name = name

    def put(self, key: str, body: bytes, content_type: str, cache_control: str) -> None:
        self._client.put_object(
            Bucket=self.name, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control
        )

    def keys(self) -> list[str]:
        """Every key in the bucket; none when the bucket is gone."""
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
            return [o["Key"] for page in pages for o in page.get("Contents", [])]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return []
            raise

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes 1000 keys at a time
            batch: list[ObjectIdentifierTypeDef] = [{"Key": k} for k in keys[start : start + 1000]]
            answer = self._client.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
            if errors := answer.get("Errors"):
                raise RuntimeError(
                    f"{len(errors)} files not removed, first {errors[0].get('Key')}: {errors[0].get('Code')}"
                )


class Edges:
    """The distribution's edge caches, in CloudFront's terms."""

    def __init__(self, client: Any, distribution_id: str) -> None:
        self._client = client
        self._id = distribution_id

    def invalidate_everything(self, reference: str) -> str:
        """``/*``; the same ``reference`` again (a repeated request) makes no second one."""
        batch = {"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": reference}
        answer = self._client.create_invalidation(DistributionId=self._id, InvalidationBatch=batch)
        return str(answer["Invalidation"]["Id"])


def publish(
    bucket: SiteBucket, edges: Edges, properties: Mapping[str, Any], root: Path, reference: str
) -> dict[str, str]:
    """The page's files and config.json into the bucket, what it no longer has out, then the edges
    invalidated."""
    files = site_files(root)
    config = config_document(properties)  # checked before the first write
    bucket.put(CONFIG_KEY, config, CONTENT_TYPES[".json"], CACHE_CONTROL)
    for file in files:
        bucket.put(file.key, file.path.read_bytes(), file.content_type, CACHE_CONTROL)
    published = {CONFIG_KEY, *(f.key for f in files)}
    stale = sorted(set(bucket.keys()) - published)
    bucket.delete(stale)
    invalidation = edges.invalidate_everything(reference)
    logger.info(
        "start page published", extra={"files": len(published), "removed": len(stale), "bucket": bucket.name}
    )
    return {"Files": str(len(published)), "Removed": str(len(stale)), "Invalidation": invalidation}


def unpublish(bucket: SiteBucket) -> dict[str, str]:
    """Every file out of the bucket (CloudFormation removes only an empty bucket)."""
    keys = bucket.keys()
    bucket.delete(keys)
    logger.info("start page removed", extra={"files": len(keys), "bucket": bucket.name})
    return {"Removed": str(len(keys))}


def act(event: Mapping[str, Any], root: Path) -> dict[str, str]:
    properties = event["ResourceProperties"]
    bucket = SiteBucket(boto3.client("s3"), properties["Bucket"])
    if event["RequestType"] == "Delete":
        return unpublish(bucket)
    edges = Edges(boto3.client("cloudfront"), properties["DistributionId"])
    return publish(bucket, edges, properties, root, reference=event["RequestId"])


def physical_id(event: Mapping[str, Any], status: str) -> str:
    """One per bucket: an Update that keeps the bucket keeps the id, so CloudFormation sends no
    Delete (which would empty the bucket just published); a new bucket's id has the old one's
    Delete empty the old bucket. A Delete, and a failed Update, answer with the id they came with."""
    given = event.get("PhysicalResourceId")
    if given and (event.get("RequestType") == "Delete" or status == "FAILED"):
        return str(given)
    bucket = event.get("ResourceProperties", {}).get("Bucket")
    return f"start-page:{bucket}" if bucket else str(given or "start-page")


class Answer:
    """The one answer to a request at its ResponseURL (the first of success, failure, timeout)."""

    def __init__(self, event: Mapping[str, Any], log_stream: str) -> None:
        self._event = event
        self._log_stream = log_stream
        self._lock = threading.Lock()
        self.sent: str | None = None

    def send(self, status: str, reason: str = "", data: Mapping[str, str] | None = None) -> None:
        with self._lock:
            if self.sent:
                return
            self.sent = status
            body = {
                "Status": status,
                "Reason": f"{reason[:REASON_LENGTH]} (log stream {self._log_stream})",
                "PhysicalResourceId": physical_id(self._event, status),
                "StackId": self._event["StackId"],
                "RequestId": self._event["RequestId"],
                "LogicalResourceId": self._event["LogicalResourceId"],
                "NoEcho": False,
                "Data": dict(data or {}),
            }
            put_answer(self._event["ResponseURL"], json.dumps(body).encode("utf-8"))


def put_answer(url: str, body: bytes) -> None:
    """The presigned S3 URL takes a PUT with no Content-Type (it was signed without one)."""
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def handler(event: dict[str, Any], context: LambdaContext, site: Path = SITE) -> None:
    """``site``: tests pass their own page; Lambda passes none."""
    answer = Answer(event, context.log_stream_name)
    seconds = max(context.get_remaining_time_in_millis() / 1000 - SPARE_SECONDS, 1)
    timer = threading.Timer(seconds, answer.send, ("FAILED", "the publisher ran out of time"))
    timer.daemon = True
    timer.start()
    try:
        data = act(event, site)
    except Exception as error:  # every failure is CloudFormation's answer, never a silence
        logger.exception("start page not published", extra={"request": event.get("RequestType")})
        answer.send("FAILED", f"{type(error).__name__}: {error}")
    else:
        answer.send("SUCCESS", "published" if event["RequestType"] != "Delete" else "removed", data)
    finally:
        timer.cancel()
