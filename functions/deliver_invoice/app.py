"""Delivers issued invoices (CONTRACT §10), fed by the delivery queue: ``InvoiceIssued``, SES's
events about the e-mails, and resend requests; see ``periodyear.delivery.job``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.delivery.service import DeliveryService

metrics = Metrics()


@functools.cache
def _service() -> DeliveryService:
    from periodyear.delivery.bootstrap import delivery_service  # noqa: PLC0415
    from periodyear.delivery.job import MetricCounter  # noqa: PLC0415

    return delivery_service(MetricCounter(metrics))


def _put_back(receipt_handle: str, seconds: int) -> None:
    from periodyear.adapters import clients  # noqa: PLC0415
    from periodyear.delivery.bootstrap import delivery_settings  # noqa: PLC0415

    url = delivery_settings().delivery_queue_url
    if url:
        clients.sqs().change_message_visibility(
            QueueUrl=url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from periodyear.delivery.job import handle_messages  # noqa: PLC0415

    return handle_messages(event, context, metrics, _service(), _put_back)
