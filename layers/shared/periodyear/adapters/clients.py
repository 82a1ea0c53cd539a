"""AWS clients, created once per process on first use (never at import time)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

# Retries, chosen on purpose (docs/operations.md, "Faults and retries"): botocore's standard mode
# retries throttling, 5xx answers and connection errors and timeouts with jittered exponential
# back-off, within a per-client quota that stops retry storms; max_attempts counts retries, so a
# call is tried 6 times in all. Not "adaptive": its client-side rate limiter is per process and
# does nothing for ten workers sharing a table. A write retried after its answer was lost is safe
# here: invoices and counters are conditional writes, and botocore gives TransactWriteItems a
# ClientRequestToken that its retries reuse.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)


class OnFirstUse[T]:
    """An adapter built on its first call, so that a cold start makes only the clients its
    event uses (each costs some 50-150 ms of botocore's service models): a register read makes
    no bus or pool client, a migration event no SES or Scheduler client until it sends or
    schedules. Made through ``on_first_use``, which keeps the adapter's type for its callers."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = functools.cache(build)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_build":  # copy and pickle probe before __init__ ran
            raise AttributeError(name)
        return getattr(self._build(), name)

    def __setattr__(self, name: str, value: Any) -> None:  # a hook set on the adapter reaches it
        if name == "_build":
            object.__setattr__(self, name, value)
        else:
            setattr(self._build(), name, value)


def on_first_use[T](build: Callable[[], T]) -> T:
    """``build()``'s object, made when it is first used, and typed as it: every use is checked
    against the real adapter's methods (``OnFirstUse`` itself answers any name)."""
    return cast("T", OnFirstUse(build))  # answers for T: it builds a T on the first name asked


@functools.cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


@functools.cache
def sesv2() -> SESV2Client:
    return boto3.client("sesv2", config=_CONFIG)


@functools.cache
def scheduler() -> EventBridgeSchedulerClient:
    return boto3.client("scheduler", config=_CONFIG)


@functools.cache
def events() -> EventBridgeClient:
    return boto3.client("events", config=_CONFIG)


@functools.cache
def s3() -> S3Client:
    return boto3.client("s3", config=_CONFIG)


@functools.cache
def sqs() -> SQSClient:
    return boto3.client("sqs", config=_CONFIG)


@functools.cache
def cognito() -> Any:  # the register API's user pool (no stubs installed for cognito-idp)
    return boto3.client("cognito-idp", config=_CONFIG)


@dataclass(frozen=True)
class Clients:
    """The AWS clients a part is built over, each a factory called when the client is first
    needed. A bootstrap takes one; the handlers give it this process's (``of_process``), tests
    and the local tools a set of their own (``fresh``), made in the environment they set up."""

    dynamodb: Callable[[], DynamoDBClient]
    s3: Callable[[], S3Client]
    sesv2: Callable[[], SESV2Client]
    scheduler: Callable[[], EventBridgeSchedulerClient]
    events: Callable[[], EventBridgeClient]
    sqs: Callable[[], SQSClient]
    cognito: Callable[[], Any]

    @classmethod
    def of_process(cls) -> Clients:
        """The clients made once per process (a warm Lambda keeps them between events)."""
        return cls(
            dynamodb=dynamodb,
            s3=s3,
            sesv2=sesv2,
            scheduler=scheduler,
            events=events,
            sqs=sqs,
            cognito=cognito,
        )

    @classmethod
    def fresh(cls) -> Clients:
        """A new set, each client made once on its first use from the environment of that moment
        (a test's or a local tool's in-process AWS), never shared with another set."""

        def made(service: str) -> Callable[[], Any]:
            return functools.cache(lambda: boto3.client(service, config=_CONFIG))  # type: ignore[call-overload]

        return cls(
            dynamodb=made("dynamodb"),
            s3=made("s3"),
            sesv2=made("sesv2"),
            scheduler=made("scheduler"),
            events=made("events"),
            sqs=made("sqs"),
            cognito=made("cognito-idp"),
        )
