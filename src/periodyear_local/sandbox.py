"""An in-process AWS (moto) provisioned from template.yaml: for tests and the demo."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws

from periodyear_local.template import (
    LOCAL_ACCESS_POINT_KEY,
    STACK_NAME,
    function_environment,
    parameter_values,
    resources,
    substitute,
    table_definitions,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGION = "eu-north-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
# The template's kinds of resource the local stack leaves out, and why (the start page's bucket
# is made like the others).
_LOCAL_PAGE = "the local server serves the start page itself, with the same headers (periodyear serve)"
NOT_PROVISIONED = {
    "AWS::CloudFront::Distribution": _LOCAL_PAGE,
    "AWS::CloudFront::OriginAccessControl": _LOCAL_PAGE,
    "AWS::CloudFront::CachePolicy": _LOCAL_PAGE,
    "AWS::CloudFront::ResponseHeadersPolicy": f"{_LOCAL_PAGE}, read from template.yaml",
    "Custom::StartPagePublication": "CloudFormation's request to the publisher; its tests send the events",
}


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block and restore them afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def provision_tables(client: DynamoDBClient) -> dict[str, str]:
    """Create every table of the template; logical id → table name."""
    names = {}
    for name, arguments in table_definitions().items():
        client.create_table(**arguments)
        names[name] = name
    return names


@dataclass(frozen=True)
class Provisioned:
    names: dict[str, str]  # logical id → physical name
    arns: dict[str, str]  # logical id → ARN

    def environment(self, function: str) -> dict[str, str]:
        return function_environment(function, self.names, self.arns)


def provision(region: str = REGION) -> Provisioned:
    """The template's tables, event bus and schedule group, and the notice sender as a verified
    SES identity (a deployment prerequisite), in whatever AWS the clients reach (moto here)."""
    names = provision_tables(boto3.client("dynamodb", region_name=region))
    arns: dict[str, str] = {}
    for name, props in resources("AWS::Events::EventBus").items():
        names[name] = substitute(props["Name"], names)
        arns[name] = boto3.client("events", region_name=region).create_event_bus(Name=names[name])[
            "EventBusArn"
        ]
    for name, props in resources("AWS::Scheduler::ScheduleGroup").items():
        names[name] = substitute(props["Name"], names)
        boto3.client("scheduler", region_name=region).create_schedule_group(Name=names[name])
    for name, props in resources("AWS::S3::Bucket").items():
        names[name] = f"{STACK_NAME}-{name}".lower()
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(
            Bucket=names[name],
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            ObjectLockEnabledForBucket=bool(props.get("ObjectLockEnabled", False)),
        )
        if lock := props.get("ObjectLockConfiguration"):  # documents stay locked locally too
            retention: Any = dict(lock["Rule"]["DefaultRetention"])
            if isinstance(retention["Mode"], dict):  # !Ref DocumentRetentionMode
                retention["Mode"] = parameter_values()[retention["Mode"]["Ref"]]
            s3.put_object_lock_configuration(
                Bucket=names[name],
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": retention},
                },
            )
    sqs = boto3.client("sqs", region_name=region)
    queues = resources("AWS::SQS::Queue")
    for name in sorted(queues, key=lambda n: "RedrivePolicy" in queues[n]):  # dead-letter queues first
        attributes = {
            k: str(v) for k, v in queues[name].items() if k in ("VisibilityTimeout", "MessageRetentionPeriod")
        }
        if redrive := queues[name].get("RedrivePolicy"):
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[target], "maxReceiveCount": str(redrive["maxReceiveCount"])}
            )
        names[name] = sqs.create_queue(
            QueueName=f"{STACK_NAME}-{name}",
            Attributes=attributes,  # type: ignore[arg-type]
        )["QueueUrl"]
        arns[name] = sqs.get_queue_attributes(QueueUrl=names[name], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    for name in resources("AWS::IAM::Role"):
        arns[name] = f"arn:aws:iam::123456789012:role/{STACK_NAME}-{name}"
    provision_user_pools(names, arns, region)
    sesv2 = boto3.client("sesv2", region_name=region)
    for parameter in ("NoticeSender", "InvoiceSender"):  # verified identities (a deployment prerequisite)
        sesv2.create_email_identity(EmailIdentity=parameter_values()[parameter])
    for name in resources("AWS::SES::ConfigurationSet"):
        names[name] = f"{STACK_NAME}-{name}".lower()
        sesv2.create_configuration_set(ConfigurationSetName=names[name])
    secrets = boto3.client("secretsmanager", region_name=region)
    for name in resources("AWS::SecretsManager::Secret"):  # the operator's part, done locally
        created = secrets.create_secret(Name=f"{STACK_NAME}-{name}", SecretString=LOCAL_ACCESS_POINT_KEY)
        names[name] = arns[name] = created["ARN"]
    provision_rules(names, arns, region)
    return Provisioned(names, arns)


def _plain(props: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The named properties that are plain values (an intrinsic such as ``!If`` is left out)."""
    return {
        k: v
        for k, v in props.items()
        if k in keys and not (isinstance(v, dict) and any(n == "Ref" or n.startswith("Fn::") for n in v))
    }


def provision_user_pools(names: dict[str, str], arns: dict[str, str], region: str = REGION) -> None:
    """The template's user pools with their password policy and recovery, groups and app clients
    (an app client's id under its logical id): the register API's sign-ins."""
    cognito = boto3.client("cognito-idp", region_name=region)
    for name, props in resources("AWS::Cognito::UserPool").items():
        pool = cognito.create_user_pool(
            PoolName=f"{STACK_NAME}-{name}",
            Schema=[
                {
                    "Name": a["Name"],
                    "AttributeDataType": a["AttributeDataType"],
                    "Mutable": a.get("Mutable", True),
                }
                for a in props.get("Schema", [])
            ],
            **_plain(
                props, "UsernameAttributes", "AutoVerifiedAttributes", "Policies", "AccountRecoverySetting"
            ),
        )["UserPool"]
        names[name], arns[name] = pool["Id"], pool["Arn"]
    for name, props in resources("AWS::Cognito::UserPoolGroup").items():
        pool_id = names[props["UserPoolId"]["Ref"]]
        cognito.create_group(UserPoolId=pool_id, **_plain(props, "GroupName", "Description", "Precedence"))
        names[name] = props["GroupName"]
    client_keys = ("ClientName", "GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors")
    for name, props in resources("AWS::Cognito::UserPoolClient").items():
        made = cognito.create_user_pool_client(
            UserPoolId=names[props["UserPoolId"]["Ref"]],
            **_plain(props, *client_keys, "ReadAttributes", "WriteAttributes", "EnableTokenRevocation"),
        )
        names[name] = made["UserPoolClient"]["ClientId"]


def _resolved(value: Any, names: Mapping[str, str]) -> Any:
    """A rule's pattern with each ``!Ref`` to a resource or parameter replaced by its value."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return names.get(value["Ref"]) or parameter_values()[value["Ref"]]
        return {k: _resolved(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, names) for v in value]
    return value


def provision_rules(names: Mapping[str, str], arns: Mapping[str, str], region: str = REGION) -> None:
    """The template's EventBridge rules with their queue targets (the default bus's too)."""
    events = boto3.client("events", region_name=region)
    for name, props in resources("AWS::Events::Rule").items():
        bus = names[props["EventBusName"]["Ref"]] if "EventBusName" in props else "default"
        events.put_rule(
            Name=name, EventBusName=bus, EventPattern=json.dumps(_resolved(props["EventPattern"], names))
        )
        targets = [{"Id": t["Id"], "Arn": arns[t["Arn"]["Fn::GetAtt"][0]]} for t in props["Targets"]]
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)  # type: ignore[arg-type]


@contextmanager
def local_aws(function: str = "MonthlyInvoiceFunction", **environment: str) -> Iterator[dict[str, Any]]:
    """moto in-process with the template's resources, and ``function``'s environment set."""
    with patched_environ(FAKE_CREDENTIALS), mock_aws():
        provisioned = provision()
        env = provisioned.environment(function) | environment
        with patched_environ(env):
            yield {
                "tables": provisioned.names,
                "environment": env,
                "provisioned": provisioned,
                "dynamodb": boto3.client("dynamodb", region_name=REGION),
            }


def route_to_queue(bus: str, detail_types: list[str], queue_name: str, region: str = REGION) -> str:
    """A queue that receives the bus's events of these detail types (to read what was put there)."""
    sqs, events = boto3.client("sqs", region_name=region), boto3.client("events", region_name=region)
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=queue_name, EventBusName=bus, EventPattern=json.dumps({"detail-type": detail_types}))
    events.put_targets(Rule=queue_name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
    return url


def drain_queue(url: str, region: str = REGION) -> list[dict[str, Any]]:
    """Every event waiting in the queue, removed from it."""
    sqs = boto3.client("sqs", region_name=region)
    found: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    return found
