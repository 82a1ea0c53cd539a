"""The billing worker: one SQS message is one batch of a fanned-out run's tenants.

Powertools' batch processor reports each failed message (``ReportBatchItemFailures``), so a
batch that must come again never makes its neighbours repeat.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from periodyear.billing.job import publish_metrics
from periodyear.domain.calendar import parse_instant
from periodyear.domain.clock import event_time_allowed, future_event_reason
from periodyear.domain.errors import BatchNotDone, EventFromTheFuture
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.billing.bootstrap import BillingServices


class BatchMessage(BaseModel):
    """A batch as the planner sends it (see ``FanOut.plan``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)  # built on first use

    run_id: StrictStr
    kind: StrictStr
    period: StrictStr
    issue_date: StrictStr
    now: StrictStr
    batch: StrictInt = Field(ge=1)
    tenant_ids: list[StrictStr] = Field(min_length=1)


def bill_batch(record: SQSRecord, metrics: Metrics, services: BillingServices) -> None:
    message = BatchMessage.model_validate(json.loads(record.body)).model_dump()
    clock_now = services.clock()
    if not event_time_allowed(moment := parse_instant(message["now"]), clock_now):
        raise EventFromTheFuture(future_event_reason(moment, clock_now))  # the message goes to the DLQ
    receives = int(record.attributes.approximate_receive_count or 1)
    last = receives >= services.fanning().billing_max_receives
    with logger.append_context_keys(run_id=message["run_id"], batch=message["batch"], receives=receives):
        outcome = services.fan_out.work(message, last_attempt=last)
        if outcome.counted:
            publish_metrics(metrics, outcome.result)
        if outcome.retry:
            logger.warning("batch to come again", extra={"reason": outcome.retry, "last_attempt": last})
            raise BatchNotDone(outcome.retry)


def handle_batches(
    event: dict[str, Any], context: LambdaContext, metrics: Metrics, services: BillingServices
) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event,
        record_handler=lambda record: bill_batch(record, metrics, services),
        processor=processor,
        context=context,
    )
    return response
