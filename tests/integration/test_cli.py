"""The CLI against the template's resources in moto: an open month, the invoice numbers, --stack."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from periodyear.config import SELLER_PARAMETERS
from periodyear.domain.calendar import Period, oslo_date
from periodyear_local.cli import main
from periodyear_local.sandbox import REGION, local_aws
from periodyear_local.seed import batch_put, legacy_items
from periodyear_local.template import LOCAL_PARAMETERS, load_template
from tests.integration.harness import Billing


def test_an_open_month_is_refused_in_one_line(billing: Billing, capsys: pytest.CaptureFixture[str]) -> None:
    today = oslo_date(datetime.now(UTC))
    current = f"{today:%Y-%m}"
    code = main(["invoice", "monthly", "--period", current, "--issue-date", today.isoformat()])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"periodyear: monthly period {current} ends ")
    assert "has not ended and cannot be billed yet (a dry run may preview it)" in err


def test_the_run_summary_names_the_invoice_numbers_it_issued(
    billing: Billing, capsys: pytest.CaptureFixture[str]
) -> None:
    for tenant in ("t1", "t2"):
        billing.tenant(tenant, clients=("c1",))
        billing.usage(tenant, "period.closed", "2022-03-05T10:00:00Z", client_id="c1")
    assert main(["invoice", "monthly", "--period", "2022-03", "--issue-date", "2022-04-01"]) == 0
    out = capsys.readouterr().out
    assert '"invoice_numbers": [\n    "1-2"\n  ]' in out
    assert "Invoices issued: 2, numbers 1-2" in out
    assert [i["issue_date"] for i in billing.invoices()] == ["2022-04-01", "2022-04-01"]


def _deployed_stack(aws: dict[str, Any], name: str) -> None:
    """A stack in moto's CloudFormation whose outputs and parameters are the local resources."""
    names = aws["provisioned"].names
    arns = aws["provisioned"].arns
    outputs = {}
    for key, spec in load_template()["Outputs"].items():
        value = spec["Value"]
        if "Ref" in value and value["Ref"] in names:
            outputs[key] = {"Value": names[value["Ref"]]}
        elif "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in arns:
            outputs[key] = {"Value": arns[value["Fn::GetAtt"][0]]}
    body = {
        "Parameters": {key: {"Type": "String"} for key in LOCAL_PARAMETERS},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": outputs,
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=name,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in LOCAL_PARAMETERS.items()],
    )


def test_stack_reads_a_deployed_stacks_outputs_when_nothing_is_configured(
    billing: Billing, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    billing.tenant("t1", clients=("c1",))
    billing.usage("t1", "period.closed", "2022-03-05T10:00:00Z", client_id="c1")
    _deployed_stack(aws, "periodyear-prod")
    for variable in ("USAGE_TABLE", "REGISTER_TABLE", "INVOICES_TABLE", "DOCUMENTS_BUCKET", "EVENT_BUS_NAME"):
        monkeypatch.delenv(variable)
    for variable, _ in SELLER_PARAMETERS.values():
        monkeypatch.delenv(variable)
    args = ["invoice", "monthly", "--period", "2022-03", "--dry-run"]
    assert main(args) == 2
    assert "not configured: set USAGE_TABLE" in capsys.readouterr().err
    assert main([*args, "--stack", "periodyear-prod"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["tenants_seen"], summary["invoices_previewed"]) == (1, 1)
    assert main([*args, "--stack", "no-such-stack"]) == 2
    assert "cannot read stack 'no-such-stack'" in capsys.readouterr().err


def test_migrate_takes_at_after_the_action_too(capsys: pytest.CaptureFixture[str]) -> None:
    with local_aws("MigrateTenantFunction") as aws:
        batch_put(aws["dynamodb"], aws["tables"]["LegacyTable"], legacy_items("t1"))
        before = main(["migrate", "--at", "2021-11-01T09:00:00Z", "tenant", "t1", "--dry-run"])
        first = capsys.readouterr().out
        after = main(["migrate", "tenant", "t1", "--dry-run", "--at", "2021-11-01T09:00:00Z"])
        second = capsys.readouterr().out
    assert before == after == 0
    assert first == second
    assert "Move at 2021-11-15T09:00:00Z" in second


def test_the_late_usage_report_finds_what_the_rule_leaves_unbilled(
    billing: Billing, capsys: pytest.CaptureFixture[str]
) -> None:
    billing.tenant("t1", clients=("c1", "c2", "c3"), price_switch_date=date(2022, 1, 1))
    billing.usage("t1", "period.closed", "2022-02-10T10:00:00Z", client_id="c1")
    billing.run({"time": "2022-03-01T02:00:00Z"})
    billing.usage("t1", "period.closed", "2022-02-20T10:00:00Z", client_id="c2")  # late
    report = ["report", "late-usage", "monthly", "--period", "2022-02"]
    assert main(report) == 0
    out = capsys.readouterr().out
    assert "PERIOD@2022-02" in out
    assert "run 2022-03 for it (no invoice yet)" in out  # March ended
    assert "1 of 1 tenants have usage of 2022-02 not billed; 0 of them past the next invoice" in out

    billing.run({"time": "2022-04-01T01:00:00Z"})  # March's invoice corrects February
    assert main(report) == 0
    assert "0 of 1 tenants have usage of 2022-02 not billed" in capsys.readouterr().out

    billing.usage("t1", "period.closed", "2022-02-25T10:00:00Z", client_id="c3")  # after March's run
    assert main([*report, "--tenant", "t1"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "PERIOD@2022-02" in line)
    assert "│ 1 " in row
    assert "│ 2 " in row
    assert "30.00" in row
    assert "c3" in row
    assert "correct by hand" in row
    assert "1 of 1 tenants have usage of 2022-02 not billed; 1 of them past the next invoice" in out

    # a firm with nothing billed for February: the rule reviews only an invoiced period
    billing.tenant("t2", clients=("c1",), price_switch_date=date(2022, 1, 1))
    billing.usage("t2", "period.closed", "2022-02-11T10:00:00Z", client_id="c1")
    assert main(report) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "│ t2 " in line)
    assert "run 2022-02 for it (never invoiced)" in row
    assert "2 of 2 tenants have usage of 2022-02 not billed; 1 of them past the next invoice" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["report", "late-usage", "monthly"], "a monthly report takes --period YYYY-MM"),
        (["report", "late-usage", "monthly", "--year", "2022"], "a monthly report takes --period YYYY-MM"),
        (["report", "late-usage", "annual", "--period", "2022-02"], "an annual report takes --year YYYY"),
        (["report", "late-usage", "monthly", "--period", "2022-13"], "--period 2022-13 is not a month"),
        (
            ["report", "late-usage", "annual", "--year", "9999"],
            "annual 9999 has not ended (it ends 31.08.9999)",
        ),
    ],
)
def test_the_late_usage_report_refuses_a_wrong_period_in_one_line(
    billing: Billing, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert says in err


def test_an_unknown_tenant_is_refused_in_one_line_and_nothing_is_billed(
    billing: Billing, capsys: pytest.CaptureFixture[str]
) -> None:
    billing.tenant("t1", clients=("c1",))
    billing.usage("t1", "period.closed", "2022-03-05T10:00:00Z", client_id="c1")
    args = ["invoice", "monthly", "--period", "2022-03", "--issue-date", "2022-04-01"]
    code = main([*args, "--tenant", "t1", "--tenant", "nope"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert (
        err == "periodyear: --tenant nope: tenant nope has no profile in the register; nothing was billed\n"
    )
    assert billing.invoices() == []


def test_an_open_month_is_refused_as_open_before_any_setting_is_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("USAGE_TABLE", "REGISTER_TABLE", "INVOICES_TABLE", "DOCUMENTS_BUCKET", "EVENT_BUS_NAME"):
        monkeypatch.delenv(name, raising=False)
    today = oslo_date(datetime.now(UTC))
    code = main(["invoice", "monthly", "--period", f"{today:%Y-%m}", "--issue-date", today.isoformat()])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"periodyear: monthly period {today:%Y-%m} ends ")
    assert "not configured" not in err
    month = Period.parse_month(f"{today:%Y-%m}")
    assert f"its last day, {month.last_day}" in err  # the day a reader counts, not the exclusive end
    assert str(month.end) not in err


def test_an_issue_date_inside_the_period_is_refused_naming_the_flag_and_the_last_day(
    billing: Billing, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["invoice", "monthly", "--period", "2022-03", "--issue-date", "2022-03-31"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "periodyear: --issue-date 2022-03-31 is before the end of period 2022-03 "
        "(its last day is 2022-03-31; the earliest issue date is 2022-04-01)\n"
    )
