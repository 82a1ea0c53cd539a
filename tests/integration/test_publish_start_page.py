"""The start page's publication as CloudFormation runs it: the custom resource's events to the
handler, over the template's start page bucket on moto, answered at a local ResponseURL."""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions.publish_start_page import app
from functions.publish_start_page.config import site_config
from periodyear_local.sandbox import REGION, local_aws


@dataclass
class Answers:
    """What CloudFormation would have received at its ResponseURL."""

    url: str
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def only(self) -> tuple[dict[str, str], dict[str, Any]]:
        (answer,) = self.received
        return answer


@pytest.fixture
def answers() -> Iterator[Answers]:
    class Receiver(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.received.append((dict(self.headers), json.loads(body)))
            self.send_response(200)
            self.end_headers()
            found.arrived.set()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    found = Answers(f"http://127.0.0.1:{server.server_address[1]}/cloudformation-answer?signed=1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Context:
    remaining_ms: int = 120_000
    log_stream_name: str = "2026/12/01/[1]abc"
    function_name: str = "PublishStartPageFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:eu-north-1:123456789012:function:PublishStartPageFunction:live"
    )
    aws_request_id: str = "lambda-request"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def stack() -> Iterator[dict[str, str]]:
    """The template's resources on moto, and a distribution (moto's CloudFront; the sandbox makes
    none, the local server serves the page itself)."""
    with local_aws("PublishStartPageFunction") as aws:
        names = aws["tables"]
        cognito = boto3.client("cognito-idp", region_name=REGION)
        client = (
            names.get("RegisterAppClient")
            or cognito.create_user_pool_client(
                UserPoolId=names["RegisterUserPool"], ClientName="register-web"
            )["UserPoolClient"]["ClientId"]
        )
        bucket = names["StartPageBucket"]
        distribution = boto3.client("cloudfront").create_distribution(
            DistributionConfig={
                "CallerReference": "start-page",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "site",
                            "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "site",
                    "ViewerProtocolPolicy": "redirect-to-https",
                },
            }
        )["Distribution"]["Id"]
        yield {
            "Bucket": bucket,
            "DistributionId": distribution,
            "Region": REGION,
            "UserPoolId": names["RegisterUserPool"],
            "ClientId": client,
        }


def event(kind: str, stack: dict[str, str], answers: Answers, **changed: str) -> dict[str, Any]:
    properties = {
        "ServiceToken": "arn:aws:lambda:eu-north-1:123456789012:function:PublishStartPageFunction:live",
        "ServiceTimeout": "300",
        "CodeVersion": "arn:aws:lambda:eu-north-1:123456789012:function:PublishStartPageFunction:7",
        **stack,
        **changed,
    }
    found: dict[str, Any] = {
        "RequestType": kind,
        "ResponseURL": answers.url,
        "StackId": "arn:aws:cloudformation:eu-north-1:123456789012:stack/periodyear/1",
        "RequestId": str(uuid.uuid4()),
        "ResourceType": "Custom::StartPagePublication",
        "LogicalResourceId": "StartPagePublication",
        "ResourceProperties": properties,
    }
    if kind != "Create":
        found["PhysicalResourceId"] = f"start-page:{stack['Bucket']}"
    return found


def stored(bucket: str) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: s3.get_object(Bucket=bucket, Key=k) for k in keys}


def invalidations(distribution: str) -> list[str]:
    cloudfront = boto3.client("cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"][
            "InvalidationBatch"
        ]["CallerReference"]
        for i in listed.get("Items", [])
    ]


def test_create_publishes_every_file_with_its_type_and_the_config_then_answers_success(
    stack: dict[str, str], answers: Answers
) -> None:
    created = event("Create", stack, answers)
    app.handler(created, Context())  # type: ignore[arg-type]
    headers, answer = answers.only()
    assert headers.get("Content-Type", "") == ""  # the presigned URL is signed without one
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == f"start-page:{stack['Bucket']}"
    assert {k: answer[k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
        k: created[k] for k in ("StackId", "RequestId", "LogicalResourceId")
    }
    objects = stored(stack["Bucket"])
    site = {f.key: f for f in app.site_files(app.SITE)}
    assert set(objects) == {*site, "config.json"}
    for key, file in site.items():
        assert objects[key]["ContentType"] == file.content_type, key
        assert objects[key]["CacheControl"] == "no-cache", key
        assert objects[key]["Body"].read() == file.path.read_bytes(), key
    assert objects["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert all(
        objects[k]["ContentType"] == "text/javascript; charset=utf-8" for k in site if k.endswith(".js")
    )
    config = objects["config.json"]
    assert (config["ContentType"], config["CacheControl"]) == ("application/json", "no-cache")
    assert json.loads(config["Body"].read()) == site_config(REGION, stack["UserPoolId"], stack["ClientId"])
    assert invalidations(stack["DistributionId"]) == [created["RequestId"]]


def test_an_update_publishes_the_new_page_and_removes_what_it_no_longer_has(
    stack: dict[str, str], answers: Answers, tmp_path: Path
) -> None:
    app.handler(event("Create", stack, answers), Context())  # type: ignore[arg-type]
    changed = tmp_path / "site"
    shutil.copytree(app.SITE, changed)
    (changed / "help.html").write_text("<!doctype html><title>Hjelp</title>", encoding="utf-8")
    gone = next(p for p in changed.rglob("*.js"))
    gone.unlink()
    updated = event("Update", stack, answers, CodeVersion="arn:...:PublishStartPageFunction:8")
    app.handler(updated, Context(), site=changed)  # type: ignore[arg-type]
    assert [a["Status"] for _, a in answers.received] == ["SUCCESS", "SUCCESS"]
    assert (
        answers.received[1][1]["PhysicalResourceId"] == f"start-page:{stack['Bucket']}"
    )  # no Delete follows
    objects = stored(stack["Bucket"])
    assert "help.html" in objects
    assert gone.relative_to(changed).as_posix() not in objects
    assert set(objects) == {f.key for f in app.site_files(changed)} | {"config.json"}
    assert invalidations(stack["DistributionId"])[-1] == updated["RequestId"]


def test_delete_empties_the_bucket_so_the_stack_can_remove_it(
    stack: dict[str, str], answers: Answers
) -> None:
    app.handler(event("Create", stack, answers), Context())  # type: ignore[arg-type]
    app.handler(event("Delete", stack, answers), Context())  # type: ignore[arg-type]
    assert [a["Status"] for _, a in answers.received] == ["SUCCESS", "SUCCESS"]
    assert stored(stack["Bucket"]) == {}
    # A bucket already gone (a rolled-back create) is nothing to empty.
    app.handler(event("Delete", stack, answers, Bucket="no-such-bucket"), Context())  # type: ignore[arg-type]
    assert answers.received[-1][1]["Status"] == "SUCCESS"


def test_a_page_that_cannot_be_served_fails_the_deployment_with_its_reason_and_writes_nothing(
    stack: dict[str, str], answers: Answers, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# notes", encoding="utf-8")
    app.handler(event("Create", stack, answers), Context(), site=tmp_path)  # type: ignore[arg-type]
    _, answer = answers.only()
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("ValueError: site/notes.md: no Content-Type is known for .md")
    assert answer["Reason"].endswith(f"(log stream {Context().log_stream_name})")
    assert stored(stack["Bucket"]) == {}


def test_an_aws_error_is_answered_failed_not_left_hanging(stack: dict[str, str], answers: Answers) -> None:
    app.handler(event("Create", stack, answers, DistributionId="NOSUCHDIST"), Context())  # type: ignore[arg-type]
    _, answer = answers.only()
    assert answer["Status"] == "FAILED"
    assert "NoSuchDistribution" in answer["Reason"]


def test_a_publication_about_to_time_out_answers_failed_once(
    stack: dict[str, str], answers: Answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(*_: Any) -> dict[str, str]:
        answers.arrived.wait(10)  # until the timeout's answer is in
        return {}

    monkeypatch.setattr(app, "act", stuck)
    started = time.monotonic()
    context = Context(remaining_ms=(app.SPARE_SECONDS + 1) * 1000)
    app.handler(event("Create", stack, answers), context)  # type: ignore[arg-type]
    _, answer = answers.only()  # the late success is not sent
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("the publisher ran out of time")
    assert time.monotonic() - started < 5
