"""The invoices table's issuing transaction, built without I/O (the repository sends it): each
draft's items, the groups that fit one transaction, and the actions of one attempt."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from periodyear.adapters.invoice_items import (
    COUNTER_KEY,
    LARGE_INVOICE_BYTES,
    TRANSACTION_ACTIONS,
    TRANSACTION_BYTES,
    invoice_record,
    invoice_sk,
    split_allocations,
    without_none,
)
from periodyear.adapters.items import item_size, tenant_pk, to_item
from periodyear.domain.calendar import format_instant
from periodyear.domain.errors import InvoiceTooLarge
from periodyear.domain.invoice import DOCUMENT_STEPS, Invoice, InvoiceDraft


@dataclass
class Prepared:
    """A draft turned into the items that issue it (its number is set per attempt)."""

    draft: InvoiceDraft
    record: dict[str, Any]  # the invoice item without its number
    allocation_items: list[dict[str, Any]] = field(default_factory=list)
    digest: str | None = None

    @property
    def key(self) -> dict[str, Any]:
        return {"pk": {"S": self.record["pk"]}, "sk": {"S": self.record["sk"]}}

    @property
    def actions(self) -> int:
        return 1 + len(self.allocation_items)  # the Put, and a ConditionCheck per allocation item

    @property
    def size(self) -> int:
        return item_size(self.record)


Role = tuple[str, "Prepared | None"]  # "invoice", "allocations" (of that draft) or "counter"


def prepare(draft: InvoiceDraft, run_id: str, issued_at: datetime) -> Prepared:
    """The items that issue ``draft`` (its number is set per attempt), or ``InvoiceTooLarge``."""
    record = without_none(invoice_record(Invoice(0, draft)))
    record.update(
        pk=tenant_pk(draft.tenant_id),
        sk=invoice_sk(draft.period),
        run_id=run_id,
        issued_at=format_instant(issued_at),
        documents_pending=set(DOCUMENT_STEPS),  # completed by the document publisher
    )
    prepared = Prepared(draft, record)
    if item_size(record) > LARGE_INVOICE_BYTES:
        prepared.allocation_items, prepared.digest = split_allocations(draft, record)
    if prepared.actions + 1 > TRANSACTION_ACTIONS or prepared.size > TRANSACTION_BYTES:
        raise InvoiceTooLarge(
            f"the invoice of {draft.tenant_id} for {draft.period.label} needs "
            f"{len(prepared.allocation_items)} allocation items; at most {TRANSACTION_ACTIONS - 2} fit"
        )
    return prepared


def groups(prepared: Sequence[Prepared]) -> Iterator[list[Prepared]]:
    """The drafts in groups that each fit one transaction with the counter's update."""
    group: list[Prepared] = []
    actions, size = 1, 0  # the counter update
    for entry in prepared:
        if group and (actions + entry.actions > TRANSACTION_ACTIONS or size + entry.size > TRANSACTION_BYTES):
            yield group
            group, actions, size = [], 1, 0
        group.append(entry)
        actions += entry.actions
        size += entry.size
    if group:
        yield group


def issuing_actions(table: str, pending: Sequence[Prepared], current: int) -> tuple[list[Any], list[Role]]:
    """The issuing transaction for ``pending`` numbered from ``current + 1``, and each action's role."""
    actions: list[Any] = []
    roles: list[Role] = []
    for offset, entry in enumerate(pending, start=1):
        item = {**entry.record, "invoice_number": current + offset}
        actions.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
        roles.append(("invoice", entry))
        for allocation in entry.allocation_items:
            actions.append(
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": allocation["pk"]}, "sk": {"S": allocation["sk"]}},
                        "ConditionExpression": "digest = :digest",
                        "ExpressionAttributeValues": {":digest": {"S": str(entry.digest)}},
                    }
                }
            )
            roles.append(("allocations", entry))
    values = {":next": {"N": str(current + len(pending))}}
    if current:
        values[":current"] = {"N": str(current)}
    actions.append(
        {
            "Update": {
                "TableName": table,
                "Key": to_item(COUNTER_KEY),
                "UpdateExpression": "SET #value = :next",
                "ConditionExpression": "attribute_not_exists(#value)"
                if current == 0
                else "#value = :current",
                "ExpressionAttributeNames": {"#value": "value"},
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
    )
    roles.append(("counter", None))
    return actions, roles
