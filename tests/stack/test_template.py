"""template.yaml declares what operations rely on (it also provisions every test's tables)."""

import json
import subprocess
import sys
from typing import Any

import boto3
import pytest

from periodyear.domain.runs import ANNOUNCE_LEASE
from periodyear_local.sandbox import local_aws
from periodyear_local.template import PROJECT_ROOT, load_template, resources

TABLES = ("LegacyTable", "UsageTable", "RegisterTable", "InvoicesTable", "MigrationTable")


def resource(name: str) -> dict[str, Any]:
    found: dict[str, Any] = load_template()["Resources"][name]
    return found


def test_the_contract_tables_are_on_demand_recoverable_and_encrypted() -> None:
    tables = resources("AWS::DynamoDB::Table")
    assert set(tables) == {*TABLES, "IdempotencyTable"}
    for name in TABLES:
        props = tables[name]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    (gsi,) = tables["RegisterTable"]["GlobalSecondaryIndexes"]
    assert (gsi["IndexName"], [k["AttributeName"] for k in gsi["KeySchema"]]) == (
        "gsi1",
        ["gsi1pk", "gsi1sk"],
    )
    for name in TABLES:
        assert resource(name)["DeletionPolicy"] == "Retain"


def test_idempotency_records_are_powertools_own_and_expire_after_a_day() -> None:
    props = resources("AWS::DynamoDB::Table")["IdempotencyTable"]
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["id"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}


def test_the_monthly_job_runs_at_three_in_oslo_on_the_first_with_the_scheduled_time() -> None:
    function = resource("MonthlyInvoiceFunction")["Properties"]
    schedule = function["Events"]["FirstOfMonth"]
    assert schedule["Type"] == "ScheduleV2"
    props = schedule["Properties"]
    assert (props["ScheduleExpression"], props["ScheduleExpressionTimezone"]) == (
        "cron(0 3 1 * ? *)",
        "Europe/Oslo",
    )
    assert json.loads(props["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}
    dlq = {"Fn::GetAtt": ["MonthlyInvoiceDeadLetterQueue", "Arn"]}
    assert props["DeadLetterConfig"] == {"Arn": dlq}
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == dlq


def test_the_annual_job_runs_at_four_in_oslo_on_the_first_of_september() -> None:
    function = resource("AnnualInvoiceFunction")["Properties"]
    props = function["Events"]["FirstOfSeptember"]["Properties"]
    assert (props["ScheduleExpression"], props["ScheduleExpressionTimezone"]) == (
        "cron(0 4 1 9 ? *)",
        "Europe/Oslo",
    )
    assert json.loads(props["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}
    dlq = {"Fn::GetAtt": ["AnnualInvoiceDeadLetterQueue", "Arn"]}
    assert props["DeadLetterConfig"] == {"Arn": dlq}
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == dlq


def test_failures_raise_alarms() -> None:
    every = list(resources("AWS::CloudWatch::Alarm").values())
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in every)
    alarms = [a for a in every if "MetricName" in a]  # metric-math alarms: their own tests (EhfHeld)
    watched = {(a["MetricName"], json.dumps(a["Dimensions"][0]["Value"])) for a in alarms}
    for function in resources("AWS::Serverless::Function"):
        assert ("Errors", json.dumps({"Ref": function})) in watched
    for queue in [q for q in resources("AWS::SQS::Queue") if q.endswith("DeadLetterQueue")]:
        assert (
            "ApproximateNumberOfMessagesVisible",
            json.dumps({"Fn::GetAtt": [queue, "QueueName"]}),
        ) in watched
    custom = {
        (a["MetricName"], json.dumps(a["Dimensions"])) for a in alarms if a["Namespace"] == "PeriodeOgAr"
    }
    service = {"Name": "service", "Value": "periodyear"}
    assert custom == {
        ("FailedTenants", json.dumps([service, {"Name": "kind", "Value": "MONTHLY"}])),
        ("FailedTenants", json.dumps([service, {"Name": "kind", "Value": "ANNUAL"}])),
        ("DocumentsPending", json.dumps([service, {"Name": "kind", "Value": "MONTHLY"}])),
        ("DocumentsPending", json.dumps([service, {"Name": "kind", "Value": "ANNUAL"}])),
        ("MigrationsFailed", json.dumps([service])),
        ("MigrationStepsStalled", json.dumps([service])),
        ("SignInsRefused", json.dumps([service])),
        ("InvoicesUndelivered", json.dumps([service])),
        ("PeppolRefused", json.dumps([service])),
        ("AccessPointNotAuthorised", json.dumps([service])),
        ("DeliveryMessagesRefused", json.dumps([service])),
        ("PeppolOutcomesUnmatched", json.dumps([service])),
    }


def test_issued_invoices_and_ses_events_reach_the_delivery_queue() -> None:
    issued = resource("InvoiceIssuedRule")["Properties"]
    assert issued["EventBusName"] == {"Ref": "EventBus"}
    assert issued["EventPattern"] == {"source": ["periodyear.billing"], "detail-type": ["InvoiceIssued"]}
    mail = resource("InvoiceMailEventsRule")["Properties"]
    assert "EventBusName" not in mail  # SES publishes to the default bus
    assert mail["EventPattern"]["source"] == ["aws.ses"]
    assert mail["EventPattern"]["detail"]["mail"]["tags"] == {
        "ses:configuration-set": [{"Ref": "InvoiceConfigurationSet"}]
    }
    for rule in (issued, mail):
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeliveryDeadLetterQueue", "Arn"]}}
    destination = resource("InvoiceConfigurationSetEvents")["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["BOUNCE", "COMPLAINT", "DELIVERY", "REJECT"]
    assert destination["EventBridgeDestination"]["EventBusArn"]["Fn::Sub"].endswith(":event-bus/default")
    assert resource("DeliveryQueue")["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["DeliveryDeadLetterQueue", "Arn"]
    }
    events = resource("DeliverInvoiceFunction")["Properties"]["Events"]
    assert events["Messages"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    schedule = resource("CollectOutcomesFunction")["Properties"]["Events"]["EveryFiveMinutes"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"


def test_delivery_reads_documents_and_its_secret_and_writes_only_its_records() -> None:
    def actions(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
        return {
            s["Sid"]: set([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) for s in statements
        }

    shared = resource("DeliveryPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert actions(shared) == {
        "DeliveryRecords": {"dynamodb:GetItem", "dynamodb:PutItem"},
        "TheAccessPointKey": {"secretsmanager:GetSecretValue"},
        "AnnounceDeliveries": {"events:PutEvents"},
    }
    by_sid = {s["Sid"]: s for s in shared}
    assert by_sid["TheAccessPointKey"]["Resource"] == {"Ref": "AccessPointKeySecret"}
    assert by_sid["DeliveryRecords"]["Resource"] == {"Fn::GetAtt": ["InvoicesTable", "Arn"]}
    deliver = resource("DeliverInvoiceFunction")["Properties"]["Policies"]
    assert deliver[0] == {"Ref": "DeliveryPolicy"}
    assert actions(deliver[1]["Statement"]) == {
        "WhereInvoicesGo": {"dynamodb:GetItem"},
        "ReadTheDocuments": {"s3:GetObject"},  # never a write: documents go as stored
        "EmailInvoices": {"ses:SendEmail"},
        "PutFailedMessagesBackLater": {"sqs:ChangeMessageVisibility"},
    }
    collect = resource("CollectOutcomesFunction")["Properties"]["Policies"]
    assert collect[0] == {"Ref": "DeliveryPolicy"}
    assert actions(collect[1]["Statement"]) == {"HandFallbacksToDelivery": {"sqs:SendMessage"}}
    assert "SecretString" not in resource("AccessPointKeySecret")["Properties"]  # the operator sets it


def test_functions_run_python_3_13_with_the_shared_layer() -> None:
    globals_ = load_template()["Globals"]["Function"]
    assert (globals_["Runtime"], globals_["Layers"]) == ("python3.13", [{"Ref": "SharedLayer"}])
    layer = resource("SharedLayer")
    assert layer["Metadata"]["BuildMethod"] == "makefile"  # layers/shared/Makefile compiles it
    assert layer["Properties"]["ContentUri"] == "layers/shared"
    assert sys.version_info[:2] == (3, 13)  # the tests run on the runtime's version


def test_billing_runs_may_only_query_read_data_and_write_invoices() -> None:
    for function in ("MonthlyInvoiceFunction", "AnnualInvoiceFunction", "BillingWorkerFunction"):
        assert resource(function)["Properties"]["Policies"] == [{"Ref": "BillingRunPolicy"}]
    statements = resource("BillingRunPolicy")["Properties"]["PolicyDocument"]["Statement"]
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in statements}
    assert grants["ReadRegister"][0] == ["dynamodb:Query"]
    assert grants["ReadUsage"] == (["dynamodb:Query"], {"Fn::GetAtt": ["UsageTable", "Arn"]})
    # Invoices, their allocation items and the runs' records: no Scan, no Delete, no BatchWrite.
    assert grants["IssueInvoicesAndKeepRuns"] == (
        [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:Query",
        ],
        {"Fn::GetAtt": ["InvoicesTable", "Arn"]},
    )
    assert grants["HandOnBatches"] == ("sqs:SendMessage", {"Fn::GetAtt": ["BillingQueue", "Arn"]})


def test_a_run_fans_out_over_the_billing_queue_to_the_worker() -> None:
    for planner in ("MonthlyInvoiceFunction", "AnnualInvoiceFunction"):
        variables = resource(planner)["Properties"]["Environment"]["Variables"]
        assert variables["BILLING_QUEUE_URL"] == {"Ref": "BillingQueue"}
    worker = resource("BillingWorkerFunction")["Properties"]
    source = worker["Events"]["Batches"]
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["BillingQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 2 <= source["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= 1000
    queue = resource("BillingQueue")["Properties"]
    # The worker knows its last attempt by the queue's receive limit: the two must agree.
    assert (
        queue["RedrivePolicy"]["maxReceiveCount"]
        == worker["Environment"]["Variables"]["BILLING_MAX_RECEIVES"]
    )
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["BillingDeadLetterQueue", "Arn"]}
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]  # Lambda's advice for SQS sources
    # A run's announcement claim outlives any worker holding it, and has run out by the time
    # the queue brings back the message of a worker that died holding it.
    assert worker["Timeout"] < ANNOUNCE_LEASE.total_seconds() < queue["VisibilityTimeout"]


def test_the_layer_requirements_hold_only_run_time_needs() -> None:
    lines = (PROJECT_ROOT / "layers/shared/requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {line.split("==")[0].split("[")[0] for line in lines if line and not line.startswith("#")}
    assert names == {
        "aws-lambda-powertools",
        "pydantic",
        "tzdata",
        "jinja2",
        "python-stdnum",
        "fpdf2",
    }


@pytest.mark.parametrize(
    "function",
    ["monthly_invoice", "annual_invoice", "billing_worker", "migrate_tenant", "publish_start_page"],
)
def test_importing_a_handler_makes_no_aws_client_and_calls_nothing(function: str) -> None:
    # Every client is made on first use; the X-Ray SDK (which made one at import) is not loaded.
    probe = PROJECT_ROOT / "tests" / "data" / "import_probe.py"
    env = {
        "POWERTOOLS_METRICS_NAMESPACE": "PeriodeOgAr",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    completed = subprocess.run(
        [sys.executable, str(probe), f"functions.{function}.app"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(completed.stdout.splitlines()[-1]) == {"made": [], "called": []}


def test_the_migration_listens_on_the_bus_with_a_dead_letter_queue() -> None:
    function = resource("MigrateTenantFunction")["Properties"]
    rule = function["Events"]["MigrationEvents"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["Pattern"] == {
        "source": ["periodyear.migration"],
        "detail-type": ["TenantMigrationRequested", "TenantMigrationDue", "MigrationWavePlanRequested"],
    }
    assert rule["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["MigrationDeadLetterQueue", "Arn"]}}


def test_the_migration_may_change_legacy_data_only_in_its_marker() -> None:
    (policy,) = resource("MigrateTenantFunction")["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    legacy = {"Fn::GetAtt": ["LegacyTable", "Arn"]}
    on_legacy = {sid: s["Action"] for sid, s in statements.items() if s["Resource"] == legacy}
    assert on_legacy == {
        "ReadLegacy": ["dynamodb:Query", "dynamodb:Scan"],
        "MarkLegacyProfileOnly": "dynamodb:UpdateItem",
    }
    assert statements["MarkLegacyProfileOnly"]["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "sk", "migration_status", "migrated_at"]}
    }


def test_the_notice_may_only_be_sent_from_the_sender_identity() -> None:
    (policy,) = resource("MigrateTenantFunction")["Properties"]["Policies"]
    ses = next(s for s in policy["Statement"] if s["Sid"] == "SendNoticeFromSenderOnly")
    assert ses["Action"] == ["ses:SendEmail", "ses:SendRawEmail"]
    assert ses["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "NoticeSender"}}}
    assert all("identity/" in json.dumps(r) and "*" not in json.dumps(r) for r in ses["Resource"])


def test_schedules_are_confined_to_the_migration_group_and_delivered_by_their_own_role() -> None:
    (policy,) = resource("MigrateTenantFunction")["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert "schedule/${MigrationScheduleGroup}/*" in json.dumps(statements["ScheduleMoves"]["Resource"])
    role = resource("SchedulerDeliveryRole")["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"
    }
    (inline,) = role["Policies"]
    assert inline["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Fn::GetAtt": ["EventBus", "Arn"]},
            "Condition": {
                "StringEquals": {
                    "events:source": "periodyear.migration",
                    "events:detail-type": "TenantMigrationDue",
                }
            },
        }
    ]


def test_the_documents_bucket_is_private_versioned_and_encrypted() -> None:
    bucket = resource("InvoiceDocumentsBucket")["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    assert all(
        bucket["PublicAccessBlockConfiguration"][flag] is True
        for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )
    statements = resource("BillingRunPolicy")["Properties"]["PolicyDocument"]["Statement"]
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in statements}
    assert grants["StoreInvoiceDocuments"] == (
        "s3:PutObject",
        {"Fn::Sub": "${InvoiceDocumentsBucket.Arn}/invoices/*"},
    )
    assert grants["AnnounceInvoices"] == ("events:PutEvents", {"Fn::GetAtt": ["EventBus", "Arn"]})


# ---------------------------------------------------------------- production safety (issue 10)


def parameter(name: str) -> dict[str, Any]:
    found: dict[str, Any] = load_template()["Parameters"][name]
    return found


def test_alarms_reach_a_person_through_a_topic_cloudwatch_may_encrypt_for() -> None:
    # CloudWatch cannot use the AWS-managed alias/aws/sns key: an alarm on such a topic is dropped.
    for name, props in load_template()["Resources"].items():
        assert "alias/aws/" not in json.dumps(props.get("Properties", {})), name
    topic = resource("AlarmTopic")["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = resource("AlarmTopicKey")
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Effect"] == "Allow"
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in statements)
    # A deployment must name the address: the subscription is always made.
    assert "Default" not in parameter("AlarmEmail")
    subscription = resource("AlarmEmailSubscription")
    assert "Condition" not in subscription
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    for name, alarm in resources("AWS::CloudWatch::Alarm").items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name


def test_invoice_documents_are_locked_for_the_bookkeeping_period() -> None:
    # Bokføringsloven §13: five years from the end of the accounting year, i.e. up to six years
    # after an invoice issued in January; the default retention counts from each object's upload.
    bucket = resource("InvoiceDocumentsBucket")["Properties"]
    assert bucket["ObjectLockEnabled"] is True
    lock = bucket["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert retention["Years"] >= 6
    assert "Days" not in retention
    assert retention["Mode"] == {"Ref": "DocumentRetentionMode"}
    mode = parameter("DocumentRetentionMode")
    assert (mode["Default"], sorted(mode["AllowedValues"])) == ("COMPLIANCE", ["COMPLIANCE", "GOVERNANCE"])


def test_a_locked_document_cannot_be_deleted_locally_either() -> None:
    with local_aws() as aws:
        s3 = boto3.client("s3")
        bucket = aws["environment"]["DOCUMENTS_BUCKET"]
        s3.put_object(Bucket=bucket, Key="invoices/t1/1.pdf", Body=b"%PDF", ServerSideEncryption="AES256")
        head = s3.head_object(Bucket=bucket, Key="invoices/t1/1.pdf")
        assert head["ObjectLockMode"] == "COMPLIANCE"
        (version,) = s3.list_object_versions(Bucket=bucket)["Versions"]
        with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=bucket, Key="invoices/t1/1.pdf", VersionId=version["VersionId"])


def test_every_table_is_kept_when_the_stack_or_the_table_goes() -> None:
    document = load_template()["Resources"]
    tables = {n: r for n, r in document.items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert set(TABLES) <= set(tables)
    for name, table in tables.items():
        assert table["Properties"]["DeletionProtectionEnabled"] is True, name
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain"), name


def test_every_function_logs_to_a_declared_group_with_a_retention() -> None:
    groups = resources("AWS::Logs::LogGroup")
    named = {json.dumps(g["LogGroupName"]): g for g in groups.values()}
    for function in resources("AWS::Serverless::Function"):
        group = named[json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"})]
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}, function
    days = parameter("LogRetentionDays")
    assert days["Default"] in days["AllowedValues"]
    assert days["Default"] >= 365


def test_failed_migration_deliveries_are_kept_in_a_queue_eventbridge_may_write_to() -> None:
    function = resource("MigrateTenantFunction")["Properties"]
    dlq = {"Fn::GetAtt": ["MigrationDeadLetterQueue", "Arn"]}
    assert function["Events"]["MigrationEvents"]["Properties"]["DeadLetterConfig"] == {"Arn": dlq}
    # An event the function failed on after Lambda's own retries lands there too.
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": dlq,
    }
    policies = [
        p
        for p in resources("AWS::SQS::QueuePolicy").values()
        if p["Queues"] == [{"Ref": "MigrationDeadLetterQueue"}]
    ]
    (policy,) = policies
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == dlq
    # SAM names the rule <function><event>: only that rule may write.
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["MigrateTenantFunctionMigrationEvents", "Arn"]}}
    }
    watched = [a for a in resources("AWS::CloudWatch::Alarm").values() if a.get("Namespace") == "AWS/SQS"]
    assert any(
        a["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["MigrationDeadLetterQueue", "QueueName"]}
        for a in watched
    )


def _put_events_conditions() -> dict[str, Any]:
    found = {}
    statements = resource("BillingRunPolicy")["Properties"]["PolicyDocument"]["Statement"]
    found["billing"] = next(s for s in statements if s["Action"] == "events:PutEvents")
    (policy,) = resource("MigrateTenantFunction")["Properties"]["Policies"]
    found["migration"] = next(s for s in policy["Statement"] if s["Action"] == "events:PutEvents")
    (inline,) = resource("SchedulerDeliveryRole")["Properties"]["Policies"]
    (found["scheduler"],) = inline["PolicyDocument"]["Statement"]
    return found


def test_each_role_may_put_only_its_own_events_on_the_bus() -> None:
    grants = _put_events_conditions()
    assert grants["billing"]["Condition"] == {
        "StringEquals": {
            "events:source": "periodyear.billing",
            "events:detail-type": ["InvoiceIssued", "BillingRunCompleted"],
        }
    }
    assert grants["migration"]["Condition"] == {
        "StringEquals": {
            "events:source": "periodyear.migration",
            "events:detail-type": ["TenantMigrationRequested", "TenantMigrated"],
        }
    }
    assert grants["scheduler"]["Condition"] == {
        "StringEquals": {"events:source": "periodyear.migration", "events:detail-type": "TenantMigrationDue"}
    }
    for grant in grants.values():
        assert grant["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}


def test_every_checkov_skip_gives_its_reason() -> None:
    skips = [
        (name, skip)
        for name, r in load_template()["Resources"].items()
        for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert skip["id"].startswith("CKV_"), name
        assert len(skip.get("comment", "")) >= 20, (name, skip)


def test_the_register_api_takes_only_verified_tokens_and_users_cannot_write_who_they_are() -> None:
    api = resource("RegisterApi")["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "RegisterJwt"
    jwt = api["Auth"]["Authorizers"]["RegisterJwt"]["JwtConfiguration"]
    assert jwt["audience"] == [{"Ref": "RegisterAppClient"}]
    assert "${RegisterUserPool}" in jwt["issuer"]["Fn::Sub"]
    pool = resource("RegisterUserPool")["Properties"]
    assert (pool["DeletionProtection"], pool["MfaConfiguration"]) == ("ACTIVE", "OPTIONAL")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert {a["Name"] for a in pool["Schema"]} == {"tenant_id", "user_id"}
    client = resource("RegisterAppClient")["Properties"]
    assert not [a for a in client["WriteAttributes"] if a.startswith("custom:")]
    assert resource("RegisterOperatorsGroup")["Properties"]["GroupName"] == "operators"
    function = resource("RegisterApiFunction")["Properties"]
    (route,) = function["Events"].values()
    assert route["Properties"]["ApiId"] == {"Ref": "RegisterApi"}
    grants = {s["Sid"]: s for s in function["Policies"][0]["Statement"]}
    assert "dynamodb:Scan" not in grants["ReadAndChangeTheRegister"]["Action"]
    assert grants["KeepSignInsInStep"]["Resource"] == {"Fn::GetAtt": ["RegisterUserPool", "Arn"]}
    assert not [a for a in grants["KeepSignInsInStep"]["Action"] if "Delete" in a]  # disabled, never deleted
    assert (
        grants["AnnounceRegisterChanges"]["Condition"]["StringEquals"]["events:source"]
        == "periodyear.register"
    )
    # reads only (BatchGetItem: a page's delivery records); a resend goes to delivery's queue
    assert grants["ReadInvoices"]["Action"] == ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"]
    assert grants["ResendInvoices"] == {
        "Sid": "ResendInvoices",
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["DeliveryQueue", "Arn"]},
    }
    assert grants["LinkInvoiceDocuments"]["Action"] == "s3:GetObject"  # read only: Object Lock stands


def test_invitations_come_from_the_vendors_ses_address_in_both_languages() -> None:
    pool = resource("RegisterUserPool")["Properties"]
    sending = pool["EmailConfiguration"]
    assert sending["EmailSendingAccount"] == "DEVELOPER"  # not Cognito's default sender and its quota
    assert "${NoticeSender}" in sending["SourceArn"]["Fn::Sub"]
    invite = pool["AdminCreateUserConfig"]["InviteMessageTemplate"]
    # Cognito refuses a template without the user name and the temporary password
    assert "{username}" in invite["EmailMessage"]
    assert "{####}" in invite["EmailMessage"]
    assert "Midlertidig passord" in invite["EmailMessage"]
    assert "Temporary password" in invite["EmailMessage"]
