"""Lambda's SQS event source mapping, as a loop: for tests and the demo.

It receives up to ``batch_size`` messages, hands them to the handler as Lambda would (an
``aws:sqs`` event), deletes what the handler did not report failed, and makes the rest
visible again at once where Lambda waits for the visibility timeout: the processing clock
(``QUEUE_CLOCK``, which the tests give the billing wiring) moves on by that timeout instead, so
a claim held by an invocation that died has run out when its message comes back, as in AWS.
A handler that dies (any exception, or a ``BaseException`` standing for a killed process)
fails its whole batch. The queue's own redrive policy moves a message that keeps failing to its
dead-letter queue, exactly as in AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from periodyear_local.sandbox import REGION


@dataclass
class LambdaContext:
    function_name: str = "local"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-north-1:123456789012:function:local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_ms: int = 29_000  # what the function has left, as Lambda would tell it

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


@dataclass
class QueueClock:
    """Real time, plus the visibility timeouts the harness did not wait for."""

    skipped: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skipped


QUEUE_CLOCK = QueueClock()


@dataclass
class DeliveryReport:
    invocations: int = 0
    messages_delivered: int = 0  # deliveries, a message that came again counted each time
    failed_deliveries: int = 0
    crashes: int = 0  # invocations that died


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def deliver(
    queue_url: str,
    handler: Callable[[dict[str, Any], Any], Any],
    *,
    batch_size: int = 4,
    function_name: str = "billing_worker",
    region: str = REGION,
    max_invocations: int = 100_000,
    on_invocation: Callable[[int], None] | None = None,
) -> DeliveryReport:
    """Deliver the queue's messages to ``handler`` until the queue is empty."""
    sqs = boto3.client("sqs", region_name=region)
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn", "VisibilityTimeout"]
    )
    queue_arn = attributes["Attributes"]["QueueArn"]
    visibility = timedelta(seconds=int(attributes["Attributes"].get("VisibilityTimeout", "30")))
    report = DeliveryReport()
    while report.invocations < max_invocations:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        report.invocations += 1
        report.messages_delivered += len(messages)
        event = {"Records": [_record(dict(m), queue_arn, region) for m in messages]}
        context = LambdaContext(function_name=function_name)
        try:
            response = handler(event, context) or {}
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # the invocation died: its whole batch comes again
            report.crashes += 1
            failed = {m["MessageId"] for m in messages}
        report.failed_deliveries += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
            )
        if failed:
            QUEUE_CLOCK.skipped += visibility
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        if on_invocation:
            on_invocation(len(messages))
    return report
