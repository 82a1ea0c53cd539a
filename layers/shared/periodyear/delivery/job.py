"""The delivery functions' work: the queue's messages one by one, and the access point's
outcomes on a schedule.

Each SQS message is one request (``messages.read_message``); Powertools' batch processor
reports each failed one (``ReportBatchItemFailures``), so a retry never repeats its neighbours.
A message that failed for a reason that passes (429, 5xx, a timeout, another worker sending)
is put back with a growing delay (``ChangeMessageVisibility``); a configuration fault (401/403)
is counted for its alarm and retried the same way; after the queue's last receive it goes to
the DLQ, alarmed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from periodyear.delivery.messages import Fallback, MalformedMessage, Resend, read_message
from periodyear.delivery.ports import AccessPointNotAuthorised, AccessPointUnavailable
from periodyear.delivery.service import DeliveryService, EmailEvent, Issued
from periodyear.domain.delivery import LEASE, Busy
from periodyear.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from periodyear.delivery.bootstrap import DeliveryServices

MAX_DELAY = 900  # seconds: the longest a failed message waits before it comes again
COLLECT_MARGIN_MS = 30_000  # the collector stops taking outcomes with this much time left


class MetricCounter:
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def count(self, name: str, value: int = 1) -> None:
        self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def delay_for(error: Exception, receives: int) -> int:
    """How long a failed message waits: what the provider asked for, a claim's lease, or 30 s
    doubling with each receive, at most ``MAX_DELAY``."""
    if isinstance(error, AccessPointUnavailable) and error.retry_after:
        return min(MAX_DELAY, max(1, int(error.retry_after)))
    if isinstance(error, Busy):
        return int(LEASE.total_seconds())
    return min(MAX_DELAY, 30 << max(0, min(receives - 1, 10)))


def deliver(record: SQSRecord, service: DeliveryService, metrics: Metrics, now: datetime) -> str:
    try:
        request = read_message(record.body)
    except MalformedMessage as error:
        metrics.add_metric(name="DeliveryMessagesRefused", unit=MetricUnit.Count, value=1)
        logger.error(
            "delivery message refused", extra={"reason": str(error), "message_id": record.message_id}
        )
        raise
    if isinstance(request, Issued):
        context = {"tenant_id": request.ref.tenant_id, "invoice_number": request.ref.invoice_number}
        with logger.append_context_keys(**context):
            outcome = service.issued(request, now)
    elif isinstance(request, Fallback):
        with logger.append_context_keys(tenant_id=request.ref.tenant_id, cause="fallback"):
            outcome = service.fallback(request.ref, now)
    elif isinstance(request, Resend):
        with logger.append_context_keys(tenant_id=request.issued.ref.tenant_id, cause=request.cause):
            outcome = service.resend(request.issued, request.cause, request.address, now)
    else:
        assert isinstance(request, EmailEvent)
        with logger.append_context_keys(tenant_id=request.ref.tenant_id, cause=request.cause):
            outcome = service.email_event(request, now)
    logger.info("delivery step done", extra={"outcome": outcome})
    return outcome


def handle_messages(
    event: dict[str, Any],
    context: LambdaContext,
    metrics: Metrics,
    services: DeliveryServices,
) -> dict[str, Any]:
    """Each message delivered on its own; a failed one comes again after a delay (``put_back``)."""

    def record_handler(record: SQSRecord) -> str:
        try:
            return deliver(record, services.service, metrics, services.clock())
        except (AccessPointUnavailable, AccessPointNotAuthorised, Busy) as error:
            if isinstance(error, AccessPointNotAuthorised):
                metrics.add_metric(name="AccessPointNotAuthorised", unit=MetricUnit.Count, value=1)
                logger.error("the access point refused our key or legal entity", extra={"detail": str(error)})
            receives = int(record.attributes.approximate_receive_count or 1)
            services.put_back(record.receipt_handle, delay_for(error, receives))
            raise

    processor = BatchProcessor(event_type=EventType.SQS)
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return response


def collect_outcomes(context: LambdaContext, metrics: Metrics, services: DeliveryServices) -> dict[str, Any]:
    """Take the access point's queued outcomes until none is left or the time runs short."""
    try:
        counts = services.service.collect(
            services.clock(), lambda: context.get_remaining_time_in_millis() > COLLECT_MARGIN_MS
        )
    except AccessPointNotAuthorised:
        metrics.add_metric(name="AccessPointNotAuthorised", unit=MetricUnit.Count, value=1)
        raise
    for name, value in counts.items():
        metrics.add_metric(name=f"PeppolOutcomes_{name}", unit=MetricUnit.Count, value=value)
    logger.info("access point outcomes collected", extra={"outcomes": counts})
    return {"outcomes": counts}
