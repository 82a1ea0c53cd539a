"""What the code really calls is what template.yaml grants: every DynamoDB call a run or a move
makes, table by table, is allowed by its function's policy (moto enforces no IAM, so without
this a missing grant would first show in AWS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from periodyear_local.sandbox import local_aws
from periodyear_local.template import resources
from tests.integration.harness import Billing
from tests.integration.test_migration import DEFAULT_MOVE, Migration

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TRANSACTION_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "ConditionCheck": "ConditionCheckItem"}


def granted(function: str) -> dict[str, set[str]]:
    """Table (logical id) → the DynamoDB actions the function's policies allow on it."""
    policies = resources("AWS::Serverless::Function")[function]["Policies"]
    statements: list[dict[str, Any]] = []
    for policy in policies:
        if isinstance(policy, dict) and "Ref" in policy:
            managed = resources("AWS::IAM::ManagedPolicy")[policy["Ref"]]
            statements += managed["PolicyDocument"]["Statement"]
        elif isinstance(policy, dict) and "Statement" in policy:
            statements += policy["Statement"]
    allowed: dict[str, set[str]] = {}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        targets = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for target in targets:
            if isinstance(target, dict) and "Fn::GetAtt" in target:
                allowed.setdefault(target["Fn::GetAtt"][0], set()).update(
                    a for a in actions if a.startswith("dynamodb:")
                )
    return allowed


def record_dynamodb_calls(dynamodb: DynamoDBClient) -> set[tuple[str, str]]:
    """Start recording (action, table) for every call of ``dynamodb`` (the client the
    functions under test were built over)."""
    calls: set[tuple[str, str]] = set()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, body),) = item.items()
                calls.add((f"dynamodb:{TRANSACTION_ACTIONS[kind]}", body["TableName"]))
        elif model.name == "BatchWriteItem":
            calls.update(("dynamodb:BatchWriteItem", table) for table in params["RequestItems"])
        else:
            calls.add((f"dynamodb:{model.name}", params.get("TableName", "")))

    dynamodb.meta.events.register("before-parameter-build.dynamodb", record)
    return calls


@pytest.fixture
def migration() -> Iterator[Migration]:
    with local_aws("MigrateTenantFunction") as aws:
        yield Migration(aws["tables"])


def test_every_dynamodb_call_of_a_move_is_granted_to_the_migration(migration: Migration) -> None:
    calls = record_dynamodb_calls(migration.clients.dynamodb())
    migration.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
    assert migration.request("t1")["outcome"] == "notified"
    assert migration.due("t1", at=DEFAULT_MOVE)["outcome"] == "moved"
    allowed = granted("MigrateTenantFunction")
    missing = sorted((action, table) for action, table in calls if action not in allowed.get(table, set()))
    assert missing == []


def test_every_dynamodb_call_of_a_fanned_out_run_is_granted_to_its_functions(billing: Billing) -> None:
    calls = record_dynamodb_calls(billing.clients.dynamodb())
    billing.tenant("a", price_switch_date=date(2022, 1, 1), clients=("c1",))
    billing.usage("a", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    assert billing.run_month("2022-05", now="2022-06-01T02:00:00Z")["invoices_issued"] == 1
    assert billing.run_month("2022-05", now="2022-06-01T02:00:00Z")["invoices_already_issued"] == 1
    assert ("dynamodb:PutItem", billing.tables["InvoicesTable"]) in calls  # the run was recorded
    for function in ("MonthlyInvoiceFunction", "BillingWorkerFunction"):  # the same policy, both
        allowed = granted(function)
        missing = sorted(
            (action, table) for action, table in calls if action not in allowed.get(table, set())
        )
        assert missing == [], function
