"""An invoice with a number always gets documents (issue 10, item 8): a buyer whose org number
fails MOD11 gets its PDF and CSV, stored and announced; its EHF is held, with the reason in the
run summary and the ``EhfHeld`` metric, and made by a later run once the register is corrected."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Metrics

from periodyear.billing.job import publish_metrics
from periodyear_local.template import load_template
from tests.unit.test_billing_service import World

BAD_ORG = "912345678"  # fails MOD11


def with_org(world: World, tenant_id: str, org_number: str) -> None:
    world.register.accounts[tenant_id] = replace(world.register.accounts[tenant_id], org_number=org_number)


def stored(world: World, tenant_id: str) -> set[str]:
    return {key.rsplit(".", 1)[1] for key in world.store.objects if key.startswith(f"invoices/{tenant_id}/")}


def announcements(world: World, tenant_id: str) -> list[dict[str, Any]]:
    return [dict(d) for d in world.events.issued if d["invoice_key"]["tenant_id"] == tenant_id]


def record(world: World, tenant_id: str) -> Any:
    (issued,) = [i for key, i in world.invoices.stored.items() if key[0] == tenant_id]
    return issued


def test_a_buyer_failing_mod11_gets_its_pdf_and_csv_announced_and_its_ehf_held() -> None:
    # Given two firms, one with an org number that fails MOD11
    world = World(["good", "bad"])
    with_org(world, "bad", BAD_ORG)
    # When the month is billed
    result = world.service.run(world.plan())
    summary = result.summary()
    # Then both are invoiced; the bad one's PDF and CSV are stored and announced, its EHF is not
    assert summary["invoices_issued"] == 2
    assert stored(world, "good") == {"xml", "pdf", "csv"}
    assert stored(world, "bad") == {"pdf", "csv"}
    (event,) = announcements(world, "bad")
    assert "xml" not in event["documents"]
    assert set(event["documents"]) == {"bucket", "pdf", "csv"}
    assert "912345678" in event["ehf_held"]
    assert "ehf_held" not in announcements(world, "good")[0]
    # And the summary names the held EHF with its reason, not as a failure or a pending document
    (held,) = summary["documents_held"]
    assert held["tenant_id"] == "bad"
    assert "not a valid Norwegian organisation number" in held["reason"]
    assert summary["documents_pending"] == []
    assert summary["failed_tenants"] == []
    # And the record keeps the EHF as held: still to make, the rest done
    assert record(world, "bad").documents_pending == frozenset({"xml"})
    assert world.invoices.held[("bad", "MONTHLY", "2022-05")] == held["reason"]


def test_a_corrected_org_number_gets_the_ehf_on_the_next_run_and_it_is_announced_again() -> None:
    world = World(["bad"])
    with_org(world, "bad", BAD_ORG)
    world.service.run(world.plan("first"))
    # A re-run before the correction holds it again and stores nothing new
    again = world.service.run(world.plan("second")).summary()
    assert [h["tenant_id"] for h in again["documents_held"]] == ["bad"]
    assert len(announcements(world, "bad")) == 1
    # When the register is corrected and the period is run again
    with_org(world, "bad", "999999999")
    fixed = world.service.run(world.plan("third")).summary()
    # Then the EHF is made, recorded and announced with every document; nothing is issued twice
    assert fixed["invoices_issued"] == 0
    assert fixed["documents_held"] == []
    assert stored(world, "bad") == {"xml", "pdf", "csv"}
    assert record(world, "bad").documents_pending == frozenset()
    assert ("bad", "MONTHLY", "2022-05") not in world.invoices.held
    first, last = announcements(world, "bad")
    assert "ehf_held" in first
    assert "ehf_held" not in last
    assert set(last["documents"]) == {"bucket", "xml", "pdf", "csv"}


def test_a_fanned_out_run_reports_the_held_ehf_like_an_inline_one() -> None:
    fanned = World(["a", "b", "c", "d"])
    with_org(fanned, "c", BAD_ORG)
    fanned.fan_out.plan(fanned.plan())
    fanned.deliver()
    (summary,) = fanned.events.completed
    assert [h["tenant_id"] for h in summary["documents_held"]] == ["c"]
    assert summary["documents_pending"] == []


def test_the_held_ehf_is_counted_in_the_ehf_held_metric() -> None:
    world = World(["good", "bad"])
    with_org(world, "bad", BAD_ORG)
    metrics = Metrics(namespace="PeriodeOgAr", service="periodyear")
    publish_metrics(metrics, world.service.run(world.plan()))
    counted = {name: metric.get("Value") for name, metric in metrics.metric_set.items()}
    assert counted["EhfHeld"] == [1.0]
    assert counted["DocumentsPending"] == [0.0]


def test_an_alarm_watches_the_held_ehfs_of_both_kinds_of_run() -> None:
    alarm = load_template()["Resources"]["EhfHeldAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    watched = {
        m["Id"]: (m["MetricStat"]["Metric"]["MetricName"], m["MetricStat"]["Metric"]["Dimensions"])
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    service = {"Name": "service", "Value": "periodyear"}
    assert watched == {
        "monthly": ("EhfHeld", [service, {"Name": "kind", "Value": "MONTHLY"}]),
        "annual": ("EhfHeld", [service, {"Name": "kind", "Value": "ANNUAL"}]),
    }
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert returned["Expression"] == "FILL(monthly, 0) + FILL(annual, 0)"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
