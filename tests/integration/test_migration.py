"""The migration through its Lambda handler, on the template's resources in moto."""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from periodyear.adapters import items as dynamo_items
from periodyear.adapters.clients import Clients
from periodyear.adapters.items import from_item
from periodyear.adapters.legacy import LegacyRepository
from periodyear.adapters.messaging import Mailer, resume_schedule_name, schedule_name
from periodyear.adapters.register import RegisterRepository, RegisterWriter
from periodyear.config import MigrationSettings
from periodyear.domain.errors import NoticeNotSent
from periodyear.migration.bootstrap import MigrationServices, bootstrap
from periodyear.observability import logger
from periodyear_local.cli import main
from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import (
    REGION,
    Provisioned,
    drain_queue,
    local_aws,
    patched_environ,
    route_to_queue,
)
from periodyear_local.seed import batch_put, eventbridge_event, legacy_items

REQUESTED_AT = "2021-11-01T09:00:00Z"
DEFAULT_MOVE = "2021-11-15T09:00:00Z"  # 14 days later
USERS = (
    ("u1", "Ada Admin", "ada@firm.example", "admin"),
    ("u2", "Uno User", "uno@firm.example", "user"),
    ("u3", "Ola Admin", "ola@firm.example", "admin"),
)
CLIENTS = (("c1", "Bakeri AS", "911111111"), ("c2", "Rør AS", "922222222"))
BUREAU = ("b1", "Firma Regnskap AS", "933333333")


def real_time() -> datetime:
    return datetime.now(UTC)


class Migration:
    def __init__(self, names: dict[str, str], clients: Clients | None = None) -> None:
        self.names = names
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.clients = clients or Clients.fresh()  # the function's own, made on first use
        self.clock: Callable[[], datetime] = real_time  # the processing clock (the ``clock`` fixture's)
        self._services: MigrationServices | None = None

    def services(self) -> MigrationServices:
        """The migration's services over this test's AWS, built on the first event in its
        environment, as a process builds them (a setting missing then fails that event)."""
        if self._services is None:
            self._services = bootstrap(MigrationSettings.load(), clients=self.clients, clock=self.clock)
        return self._services

    def rebuild(self) -> None:
        """The next event builds the services anew, as a new process would (after a setting changed)."""
        self._services = None

    # Given
    def legacy(self, tenant_id: str, **fields: Any) -> None:
        fields.setdefault("clients", CLIENTS)
        fields.setdefault("users", USERS)
        fields.setdefault("bureau_client", BUREAU)
        batch_put(self.dynamodb, self.names["LegacyTable"], legacy_items(tenant_id, **fields))

    # When
    def event(self, detail_type: str, detail: dict[str, Any], at: str) -> dict[str, Any]:
        from functions.migrate_tenant import app  # noqa: PLC0415  (reads its settings at import, as in Lambda)

        event = eventbridge_event(detail_type, detail, at)
        context = LambdaContext(function_name="migrate_tenant")
        result: dict[str, Any] = app.handler(event, context, services=self.services())
        return result

    def request(self, tenant_id: str, at: str = REQUESTED_AT, move_at: str | None = None) -> dict[str, Any]:
        detail = {"tenant_id": tenant_id} | ({"move_at": move_at} if move_at else {})
        return self.event("TenantMigrationRequested", detail, at)

    def due(self, tenant_id: str, at: str = DEFAULT_MOVE) -> dict[str, Any]:
        return self.event("TenantMigrationDue", {"tenant_id": tenant_id}, at)

    # Then
    def notices(self) -> list[EmailMessage]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent]

    def items(self, table: str, tenant_id: str) -> dict[str, dict[str, Any]]:
        response = self.dynamodb.query(
            TableName=self.names[table],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"TENANT#{tenant_id}"}},
        )
        return {i["sk"]: i for i in (from_item(raw) for raw in response["Items"])}

    def state(self, tenant_id: str) -> dict[str, Any]:
        return self.items("MigrationTable", tenant_id).get("MIGRATION", {})

    def schedule(self, tenant_id: str) -> dict[str, Any] | None:
        client = boto3.client("scheduler", region_name=REGION)
        try:
            return dict(
                client.get_schedule(
                    Name=schedule_name(tenant_id), GroupName=self.names["MigrationScheduleGroup"]
                )
            )
        except client.exceptions.ResourceNotFoundException:
            return None


def text_of(message: EmailMessage) -> str:
    """The text part as a reader reads it: its words, whatever lines they were wrapped onto."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(str(part.get_content()).split())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


class Clock:
    """The processing clock the migration's leases use, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2021, 11, 15, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock(migration: Migration) -> Clock:
    fake = Clock()
    migration.clock = fake  # before the first event, which builds the services on it
    return fake


@pytest.fixture
def migration() -> Iterator[Migration]:
    with local_aws("MigrateTenantFunction") as aws:
        yield Migration(aws["tables"])


# ---------------------------------------------------------------- notice, then move


def test_due_before_any_notice_is_refused_and_writes_nothing(migration: Migration) -> None:
    migration.legacy("t1")
    result = migration.due("t1")
    assert (result["outcome"], result["reason"]) == ("refused", "no notice has been sent for this tenant")
    assert migration.items("RegisterTable", "t1") == {}
    assert migration.state("t1") == {}


def test_an_event_makes_only_the_clients_it_uses(
    migration: Migration, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real: Any = boto3.client  # typed per service name; this wrapper passes any through

    def client(service: str, **options: Any) -> Any:
        made.append(service)
        return real(service, **options)

    monkeypatch.setattr(boto3, "client", client)
    migration.legacy("t1")
    assert migration.due("t1")["outcome"] == "refused"  # read, found nothing to move
    assert made == ["dynamodb"]
    assert migration.request("t1")["outcome"] == "notified"  # the notice, then its schedule
    assert sorted(made) == ["dynamodb", "scheduler", "sesv2"]  # no bus client: nothing announced


def test_due_before_the_move_time_is_refused_and_writes_nothing(migration: Migration) -> None:
    migration.legacy("t1")
    migration.request("t1")
    before = migration.state("t1")
    result = migration.due("t1", at="2021-11-15T08:59:59Z")
    assert result["outcome"] == "refused"
    assert "after this event's time" in result["reason"]
    assert migration.state("t1") == before
    assert migration.items("RegisterTable", "t1") == {}


def test_one_notice_in_norwegian_to_the_tenant_and_its_admins_then_the_move(migration: Migration) -> None:
    migration.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
    result = migration.request("t1")
    assert (result["outcome"], result["move_at"], result["recipients"], result["language"]) == (
        "notified",
        DEFAULT_MOVE,
        3,
        "nb",
    )
    (notice,) = migration.notices()
    assert notice["To"] == "post@fjord.example, ada@firm.example, ola@firm.example"
    assert notice["From"] == "periode-og-ar@example.no"
    assert notice["Subject"] == "Periode & År flytter: dataene deres flyttes 15.11.2021 kl. 10:00"
    text = text_of(notice)
    for promise in (
        "15.11.2021 kl. 10:00",
        "Dere trenger ikke gjøre noe",
        "Periode & År blir Komplett",
        "Byråklienten",
        "01.03.2022",
        "til og med 14.02.2022",
        "samlefaktura",
        "Dere finner vilkårene her: https://example.no/periode-og-ar/vilkar",
        "kontaktinformasjon her: https://example.no/periode-og-ar/kontakt",
    ):
        assert promise in text
    assert "Komplett" in html_of(notice)
    assert migration.items("RegisterTable", "t1") == {}  # nothing moves before the move time
    assert migration.schedule("t1") is not None
    moved = migration.due("t1")
    assert (moved["outcome"], moved["clients"], moved["users"], moved["bureau_client"]) == (
        "moved",
        3,
        3,
        True,
    )
    assert len(migration.notices()) == 1


def test_an_english_notice_for_an_english_tenant_without_a_bureau_client(migration: Migration) -> None:
    migration.legacy(
        "t1",
        language="en",
        package="ARSOPPGJOR",
        interval_months=12,
        current_period_start="2021-06-01",
        bureau_client=None,
    )
    migration.request("t1")
    (notice,) = migration.notices()
    text = text_of(notice)
    assert notice["Subject"] == "Periode & År is moving: your data moves on 15 November 2021 at 10:00"
    for promise in (
        "You do not need to do anything",
        "Årsoppgjør becomes Årsoppgjør Pluss",
        "from and including 1 March 2022",
        "The new prices apply from 1 June 2022",
        "once a year, in September",
        "collective invoice",
    ):
        assert promise in text
    assert "bureau client" not in text


def test_the_notice_goes_out_before_the_first_register_write(
    migration: Migration, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration.legacy("t1")
    notices_at_first_write: list[int] = []
    real_put = RegisterWriter.put_tenant

    def put_tenant(self: RegisterWriter, tenant: Any) -> int:
        notices_at_first_write.append(len(migration.notices()))
        return real_put(self, tenant)

    monkeypatch.setattr(RegisterWriter, "put_tenant", put_tenant)
    migration.request("t1")
    migration.due("t1")
    assert notices_at_first_write == [1]


def test_the_register_receives_the_contract_items(migration: Migration) -> None:
    migration.legacy(
        "t1", name="Fjord Regnskap AS", email="post@fjord.example", clients=(*CLIENTS, ("b1", "old", "1"))
    )
    migration.request("t1")
    migration.due("t1", at="2021-11-16T01:00:00Z")
    items = migration.items("RegisterTable", "t1")
    assert items["PROFILE"] == {
        "pk": "TENANT#t1",
        "sk": "PROFILE",
        "tenant_id": "t1",
        "name": "Fjord Regnskap AS",
        "org_number": "912345678",
        "email": "post@fjord.example",
        "language": "nb",
        "status": "ACTIVE",
        "terms_provider": "Visma Software AS",
        "terms_effective_from": "2022-03-01",
        "migrated_at": "2021-11-16T01:00:00Z",
        "gsi1pk": "TENANTS",
        "gsi1sk": "t1",
    }
    assert items["SUBSCRIPTION"] == {
        "pk": "TENANT#t1",
        "sk": "SUBSCRIPTION",
        "package": "KOMPLETT",
        "legacy_package": "PERIODE_OG_AR",
        "paid_through": "2022-02-14",
        "price_switch_date": "2022-03-01",
    }
    clients = {sk: (i["name"], i["is_bureau_client"]) for sk, i in items.items() if sk.startswith("CLIENT#")}
    # the bureau client shares id b1 with a CLIENT# item: one item, flagged
    assert clients == {
        "CLIENT#c1": ("Bakeri AS", False),
        "CLIENT#c2": ("Rør AS", False),
        "CLIENT#b1": ("Firma Regnskap AS", True),
    }
    users = {sk: i["role"] for sk, i in items.items() if sk.startswith("USER#")}
    assert users == {"USER#u1": "admin", "USER#u2": "user", "USER#u3": "admin"}
    legacy_profile = migration.items("LegacyTable", "t1")["PROFILE"]
    assert (legacy_profile["migration_status"], legacy_profile["migrated_at"]) == (
        "MIGRATED",
        "2021-11-16T01:00:00Z",
    )
    assert migration.state("t1")["status"] == "MOVED"


def test_the_address_and_the_firms_reference_reach_the_register_and_billing(migration: Migration) -> None:
    address = {"street": "Strandgata 5", "postal_code": "5013", "city": "Bergen"}
    migration.legacy("t1", address=address, customer_reference="Regnskap 4410")
    migration.request("t1")
    assert migration.due("t1")["outcome"] == "moved"
    profile = migration.items("RegisterTable", "t1")["PROFILE"]
    assert profile["address"] == {**address, "country": "NO"}
    assert profile["customer_reference"] == "Regnskap 4410"
    account = RegisterRepository(migration.dynamodb, migration.names["RegisterTable"]).account("t1")
    assert account.address is not None
    assert account.address.lines == ("Strandgata 5", "5013 Bergen")
    assert account.customer_reference == "Regnskap 4410"


def test_a_tenant_without_address_or_reference_has_neither_in_the_register(migration: Migration) -> None:
    migration.legacy("t1")
    migration.request("t1")
    migration.due("t1")
    profile = migration.items("RegisterTable", "t1")["PROFILE"]
    assert "address" not in profile
    assert "customer_reference" not in profile


def test_legacy_items_are_never_changed_but_for_the_marker(migration: Migration) -> None:
    migration.legacy("t1")
    before = migration.items("LegacyTable", "t1")
    migration.request("t1")
    migration.due("t1")
    after = migration.items("LegacyTable", "t1")
    assert after.keys() == before.keys()
    assert {
        k: v for k, v in after["PROFILE"].items() if k not in ("migration_status", "migrated_at")
    } == before["PROFILE"]
    assert all(after[sk] == before[sk] for sk in before if sk != "PROFILE")


@pytest.mark.parametrize(
    ("package", "interval", "start", "new_package", "paid_through", "switch"),
    [
        ("ARSOPPGJOR", 12, "2021-06-01", "ARSOPPGJOR_PLUSS", "2022-05-31", "2022-06-01"),
        ("PERIODEAVSLUTNING", 3, "2021-11-01", "PERIODEAVSLUTNING", "2022-01-31", "2022-03-01"),
        ("PERIODE_OG_AR", 3, "2021-11-15", "KOMPLETT", "2022-02-14", "2022-03-01"),
        ("PERIODE_OG_AR", 3, "2021-11-30", "KOMPLETT", "2022-02-27", "2022-03-01"),
        ("PERIODEAVSLUTNING", 12, "2021-11-15", "PERIODEAVSLUTNING", "2022-11-14", "2022-12-01"),
        ("ARSOPPGJOR", 3, "2021-12-01", "ARSOPPGJOR_PLUSS", "2022-02-28", "2022-03-01"),
    ],
)
def test_package_mapping_paid_through_and_switch_date(
    migration: Migration,
    package: str,
    interval: int,
    start: str,
    new_package: str,
    paid_through: str,
    switch: str,
) -> None:
    migration.legacy("t1", package=package, interval_months=interval, current_period_start=start)
    assert migration.request("t1")["package"] == new_package
    migration.due("t1")
    subscription = migration.items("RegisterTable", "t1")["SUBSCRIPTION"]
    assert (
        subscription["package"],
        subscription["legacy_package"],
        subscription["paid_through"],
        subscription["price_switch_date"],
    ) == (new_package, package, paid_through, switch)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"with_profile": False}, "has no PROFILE"),
        ({"with_agreement": False}, "has no AGREEMENT"),
        ({"package": "GULL"}, "package 'GULL' has no new package"),
        ({"interval_months": 6}, "interval_months is 6"),
        ({"interval_months": "three"}, "interval_months is 'three'"),
        ({"current_period_start": "15.11.2021"}, "current_period_start is not an ISO date"),
    ],
)
def test_a_tenant_that_cannot_be_moved_is_refused_with_no_notice(
    migration: Migration, fields: dict[str, Any], reason: str
) -> None:
    migration.legacy("t1", **fields)
    result = migration.request("t1")
    assert result["outcome"] == "refused"
    assert reason in result["reason"]
    assert migration.notices() == []
    assert migration.state("t1") == {}
    assert migration.items("RegisterTable", "t1") == {}


def test_a_move_after_the_deadline_is_refused(migration: Migration) -> None:
    migration.legacy("t1")
    result = migration.request("t1", move_at="2022-01-01T00:30:00Z")  # 01:30 on 1 January in Oslo
    assert result["outcome"] == "refused"
    assert result["reason"] == (
        "the move time 01.01.2022 01:30 (Oslo) is after the migration deadline 31.12.2021 23:59:59 (Oslo)"
    )
    assert migration.notices() == []
    ok = migration.request("t1", move_at="2021-12-31T22:59:59Z")  # 23:59:59 Oslo: the last allowed second
    assert ok["outcome"] == "notified"


# ---------------------------------------------------------------- repeated and changed requests


def test_a_repeated_request_sends_nothing_and_a_new_move_time_an_updated_notice(migration: Migration) -> None:
    migration.legacy("t1")
    assert migration.request("t1", move_at="2021-12-01T01:00:00Z")["outcome"] == "notified"
    assert migration.request("t1")["outcome"] == "unchanged"
    assert migration.request("t1", move_at="2021-12-01T01:00:00Z")["outcome"] == "unchanged"
    assert len(migration.notices()) == 1
    moved = migration.request("t1", at="2021-11-20T09:00:00Z", move_at="2021-12-08T01:00:00Z")
    assert (moved["outcome"], moved["updated"], moved["move_at"]) == (
        "notified",
        True,
        "2021-12-08T01:00:00Z",
    )
    _, second = migration.notices()
    assert second["Subject"].startswith("Oppdatert: ")
    assert "08.12.2021 kl. 02:00" in text_of(second)
    schedule = migration.schedule("t1")
    assert schedule is not None
    assert schedule["ScheduleExpression"] == "at(2021-12-08T01:00:00)"
    assert json.loads(schedule["Target"]["Input"]) == {"tenant_id": "t1"}
    assert schedule["Target"]["EventBridgeParameters"] == {
        "DetailType": "TenantMigrationDue",
        "Source": "periodyear.migration",
    }
    assert (
        migration.due("t1", at="2021-12-01T01:00:00Z")["outcome"] == "refused"
    )  # the old time no longer counts
    assert migration.due("t1", at="2021-12-08T01:00:00Z")["outcome"] == "moved"


def test_a_requested_move_sooner_than_the_notice_lead_is_pushed_to_the_lead(migration: Migration) -> None:
    migration.legacy("t1")
    assert migration.request("t1", move_at="2021-11-02T01:00:00Z")["move_at"] == DEFAULT_MOVE


def test_after_the_move_both_events_are_no_ops(migration: Migration) -> None:
    migration.legacy("t1")
    migration.request("t1")
    migration.due("t1")
    register = migration.items("RegisterTable", "t1")
    assert migration.due("t1", at="2021-11-20T00:00:00Z")["outcome"] == "unchanged"
    assert (
        migration.request("t1", at="2021-11-20T00:00:00Z", move_at="2021-12-01T00:00:00Z")["outcome"]
        == "unchanged"
    )
    assert migration.items("RegisterTable", "t1") == register
    assert len(migration.notices()) == 1


# ---------------------------------------------------------------- failures and crashes


def test_an_ses_failure_leaves_the_tenant_unnotified_and_a_retry_works(
    migration: Migration, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration.legacy("t1")
    real_send = Mailer.send

    def refuse(self: Mailer, message: Any, recipients: Any) -> str:
        raise RuntimeError("Throttling: Maximum sending rate exceeded")

    monkeypatch.setattr(Mailer, "send", refuse)
    with pytest.raises(NoticeNotSent):
        migration.request("t1")
    assert migration.state("t1")["status"] == "REQUESTED"
    assert migration.due("t1")["outcome"] == "refused"
    monkeypatch.setattr(Mailer, "send", real_send)
    assert migration.request("t1")["outcome"] == "notified"
    assert migration.due("t1")["outcome"] == "moved"
    assert len(migration.notices()) == 1


def test_a_verification_mismatch_fails_the_move_and_leaves_legacy_unmarked(
    migration: Migration, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration.legacy("t1")
    migration.request("t1")

    def lossy_put(self: RegisterWriter, tenant: Any) -> int:
        from dataclasses import replace  # noqa: PLC0415

        return real_put(self, replace(tenant, clients=tenant.clients[1:]))

    real_put = RegisterWriter.put_tenant
    monkeypatch.setattr(RegisterWriter, "put_tenant", lossy_put)
    result = migration.due("t1")
    assert result["outcome"] == "failed"
    assert "CLIENT#b1 is missing" in result["reason"]
    state = migration.state("t1")
    assert (state["status"], state["failure_reason"]) == ("FAILED", result["reason"])
    assert "migration_status" not in migration.items("LegacyTable", "t1")["PROFILE"]
    monkeypatch.setattr(RegisterWriter, "put_tenant", real_put)
    assert migration.due("t1", at="2021-11-15T10:00:00Z")["outcome"] == "moved"  # a later Due, once fixed


class Crash(BaseException):
    """The function dying mid-step (timeout, out of memory)."""


def _crash_in(patch: pytest.MonkeyPatch, owner: type, name: str, *, after_calls: int = 0) -> None:
    real = getattr(owner, name)
    calls = 0

    def crashing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > after_calls:
            raise Crash
        return real(*args, **kwargs)

    patch.setattr(owner, name, crashing)


def _crash_after_first_batch(patch: pytest.MonkeyPatch) -> None:
    real_batch_write = dynamo_items.batch_write

    def batch_write_then_die(client: Any, table: str, items: Any, **kwargs: Any) -> int:
        def first_batch_only() -> Iterator[Any]:
            for index, item in enumerate(items):
                if index == 25:
                    raise Crash
                yield item

        return real_batch_write(client, table, first_batch_only(), **kwargs)

    patch.setattr(dynamo_items, "batch_write", batch_write_then_die)


@pytest.mark.parametrize(
    ("step", "owner", "name", "after_calls"),
    [
        ("mid-copy", None, None, 0),
        ("after copy, before verify", RegisterWriter, "differences", 0),
        ("after verify, before marking", LegacyRepository, "mark_migrated", 0),
    ],
)
def test_a_crash_during_the_move_is_completed_by_a_retry_of_the_same_event(
    migration: Migration,
    clock: Clock,
    step: str,
    owner: Any,
    name: str | None,
    after_calls: int,
) -> None:
    many = tuple((f"c{n:03d}", f"Klient {n}", "900000000") for n in range(60))  # more than two batches
    migration.legacy("t1", clients=many)
    migration.request("t1")
    with pytest.MonkeyPatch.context() as crash:  # the crash lasts for this delivery only
        if name is None:  # inside the batch writer, after its first batch of 25
            _crash_after_first_batch(crash)
        else:
            _crash_in(crash, owner, name, after_calls=after_calls)
        with pytest.raises(Crash):
            migration.due("t1")
    assert migration.state("t1")["status"] == "MOVING", step
    clock.advance(5)
    assert migration.due("t1")["outcome"] == "in_progress"  # the same event, retried: the lease still holds
    clock.advance(6)
    result = migration.due("t1")  # the lease has expired: the retry takes over
    assert result["outcome"] == "moved", step
    items = migration.items("RegisterTable", "t1")
    assert sum(sk.startswith("CLIENT#") for sk in items) == 61
    assert items["PROFILE"]["migrated_at"] == DEFAULT_MOVE  # the time of the event that completed the move
    assert migration.items("LegacyTable", "t1")["PROFILE"]["migration_status"] == "MIGRATED"
    assert len(migration.notices()) == 1


def test_a_crash_while_sending_the_notice_is_finished_by_a_retry_of_the_same_event(
    migration: Migration, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration.legacy("t1")
    with pytest.MonkeyPatch.context() as crash:
        _crash_in(crash, Mailer, "send")
        with pytest.raises(Crash):
            migration.request("t1")
    assert migration.request("t1")["outcome"] == "in_progress"  # the lease of the crashed delivery holds
    assert migration.notices() == []
    clock.advance(11)
    assert migration.request("t1")["outcome"] == "notified"  # the same event, after the lease expired
    assert len(migration.notices()) == 1
    assert migration.due("t1")["outcome"] == "moved"


def test_a_crash_after_the_notice_before_the_schedule_is_finished_by_a_repeated_request(
    migration: Migration, monkeypatch: pytest.MonkeyPatch
) -> None:
    from periodyear.adapters.messaging import MoveScheduler  # noqa: PLC0415

    migration.legacy("t1")
    with pytest.MonkeyPatch.context() as crash:
        _crash_in(crash, MoveScheduler, "set_move")
        with pytest.raises(Crash):
            migration.request("t1")
    assert migration.schedule("t1") is None
    assert migration.request("t1")["outcome"] == "unchanged"  # no second notice ...
    assert migration.schedule("t1") is not None  # ... but the schedule is set
    assert migration.state("t1")["schedule_set"] is True
    assert migration.due("t1")["outcome"] == "moved"
    assert len(migration.notices()) == 1


def test_no_email_address_reaches_the_logs(migration: Migration, caplog: pytest.LogCaptureFixture) -> None:
    migration.legacy("t1", email="post@fjord.example")
    migration.request("t1")
    migration.due("t1")
    migration.request("t2")  # refused: unknown tenant
    logged = "\n".join(logger.registered_formatter.format(record) for record in caplog.records)
    assert "notice sent" in logged
    for address in ("post@fjord.example", "ada@firm.example", "ola@firm.example", "uno@firm.example"):
        assert address not in logged


def test_malformed_events_are_refused_without_retry(migration: Migration) -> None:
    assert migration.event("TenantMigrationRequested", {}, REQUESTED_AT)["outcome"] == "refused"
    assert (
        migration.event("TenantMigrationRequested", {"tenant_id": "t1", "move_at": "tomorrow"}, REQUESTED_AT)[
            "outcome"
        ]
        == "refused"
    )
    assert migration.event("TenantDeleted", {"tenant_id": "t1"}, REQUESTED_AT)["outcome"] == "refused"


# ---------------------------------------------------------------- several deliveries at once


@pytest.fixture
def server_migration(moto_server: Provisioned) -> Iterator[Migration]:
    with patched_environ(moto_server.environment("MigrateTenantFunction")):
        migration = Migration(moto_server.names)
        migration.services()  # one set for the concurrent deliveries, as one process holds
        yield migration


def _server_notices() -> int:
    return len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


@pytest.mark.server
def test_concurrent_duplicate_deliveries_send_one_notice_and_move_once(server_migration: Migration) -> None:
    server_migration.legacy("t1")
    start = threading.Barrier(4)

    def deliver(kind: str) -> dict[str, Any]:
        start.wait()
        return server_migration.request("t1") if kind == "request" else server_migration.due("t1")

    with ThreadPoolExecutor(max_workers=4) as pool:
        requested = list(pool.map(deliver, ["request"] * 4))
    assert sorted(r["outcome"] for r in requested).count("notified") == 1
    assert _server_notices() == 1
    with ThreadPoolExecutor(max_workers=4) as pool:
        moved = list(pool.map(deliver, ["due"] * 4))
    assert [r["outcome"] for r in moved].count("moved") == 1
    assert {r["outcome"] for r in moved} <= {"moved", "in_progress", "unchanged"}
    assert server_migration.state("t1")["status"] == "MOVED"
    assert _server_notices() == 1


# ---------------------------------------------------------------- wave planning


def _bus_to_queue(migration: Migration) -> str:
    """Route the bus's migration requests to a queue, to read what the planner put there."""
    return route_to_queue(migration.names["EventBus"], ["TenantMigrationRequested"], "requests")


def _requests_on_bus(queue_url: str) -> list[dict[str, Any]]:
    return drain_queue(queue_url)


def test_the_wave_plan_requests_every_unmoved_tenant_within_the_deadline(migration: Migration) -> None:
    for n in range(7):
        migration.legacy(f"t{n}")
    migration.request("t0")
    migration.due("t0")  # already moved: not planned again
    queue = _bus_to_queue(migration)
    plan = {
        "start_at": "2021-11-20T00:00:00Z",
        "window_start": "01:00",
        "window_end": "05:00",
        "capacity_per_night": 4,
    }
    result = migration.event("MigrationWavePlanRequested", plan, REQUESTED_AT)
    assert (result["outcome"], result["tenants"], result["waves"], result["requests_sent"]) == (
        "planned",
        6,
        2,
        6,
    )
    requests = _requests_on_bus(queue)
    assert sorted(r["detail"]["tenant_id"] for r in requests) == [f"t{n}" for n in range(1, 7)]
    assert {r["source"] for r in requests} == {"periodyear.migration"}
    moves = sorted(r["detail"]["move_at"] for r in requests)
    assert moves[0] == "2021-11-20T00:00:00Z"  # 01:00 Oslo on 20 November
    assert moves[-1] == "2021-11-21T01:00:00Z"
    # Each request, delivered, notices its tenant for the planned time.
    for request in requests:
        detail = request["detail"]
        assert (
            migration.request(detail["tenant_id"], move_at=detail["move_at"])["move_at"] == detail["move_at"]
        )


def test_a_wave_plan_that_cannot_fit_is_refused_and_requests_nothing(migration: Migration) -> None:
    for n in range(9):
        migration.legacy(f"t{n}")
    queue = _bus_to_queue(migration)
    plan = {
        "start_at": "2021-12-30T00:00:00Z",
        "window_start": "01:00",
        "window_end": "05:00",
        "capacity_per_night": 4,
    }
    result = migration.event("MigrationWavePlanRequested", plan, "2021-12-01T00:00:00Z")
    assert result["outcome"] == "refused"
    assert "after the deadline" in result["reason"]
    assert _requests_on_bus(queue) == []


def test_the_notice_names_its_language_and_tenant_in_headers(migration: Migration) -> None:
    migration.legacy("t1", language="en")
    migration.request("t1")
    (notice,) = migration.notices()
    assert (notice["Content-Language"], notice["X-Periodyear-Tenant"]) == ("en", "t1")
    assert notice.get_content_type() == "multipart/alternative"


# ---------------------------------------------------------------- the CLI, against the same environment


def test_cli_dry_run_prints_the_register_items_and_notice_and_writes_nothing(
    migration: Migration, capsys: pytest.CaptureFixture[str]
) -> None:
    from periodyear_local.cli import main  # noqa: PLC0415

    migration.legacy("t1", name="Fjord Regnskap AS")
    assert main(["migrate", "--at", REQUESTED_AT, "tenant", "t1", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert '"sk": "SUBSCRIPTION"' in printed
    assert "Pakken Periode & År blir Komplett" in printed
    assert migration.notices() == []
    assert migration.state("t1") == {}
    assert migration.items("RegisterTable", "t1") == {}


def test_cli_plan_dry_run_requests_nothing(migration: Migration, capsys: pytest.CaptureFixture[str]) -> None:
    from periodyear_local.cli import main  # noqa: PLC0415

    migration.legacy("t1")
    migration.legacy("t2")
    queue = _bus_to_queue(migration)
    args = ["migrate", "--at", REQUESTED_AT, "plan", "--start", "2021-12-31T00:00:00Z", "--capacity", "1"]
    assert main([*args, "--dry-run"]) == 1  # two tenants, one a night, from the last night: refused
    assert "after the deadline" in capsys.readouterr().out
    assert _requests_on_bus(queue) == []


def test_cli_requests_and_moves_one_tenant(migration: Migration) -> None:
    from periodyear_local.cli import main  # noqa: PLC0415

    migration.legacy("t1")
    assert main(["migrate", "--at", REQUESTED_AT, "tenant", "t1"]) == 0
    assert main(["migrate", "--at", "2021-11-02T00:00:00Z", "due", "t1"]) == 1  # before the move: refused
    assert main(["migrate", "--at", DEFAULT_MOVE, "due", "t1"]) == 0
    assert migration.state("t1")["status"] == "MOVED"
    assert len(migration.notices()) == 1


# ---------------------------------------------------------------- the clock guard (CONTRACT §7)


def test_an_event_from_the_future_is_refused_and_moves_nothing(migration: Migration, clock: Clock) -> None:
    migration.legacy("t1")
    clock.now = datetime(2021, 11, 1, 9, 0, tzinfo=UTC)  # the real clock, at the request's time
    refused = migration.request("t1", at="2021-11-01T09:05:01Z")  # five minutes and one second ahead
    assert refused["outcome"] == "refused"
    assert "2021-11-01T09:05:01Z is more than 5 minutes after the clock" in refused["reason"]
    assert migration.notices() == []
    assert migration.state("t1") == {}
    assert migration.request("t1", at="2021-11-01T09:05:00Z")["outcome"] == "notified"  # exactly five
    clock.now = datetime(2021, 11, 15, 9, 0, tzinfo=UTC)
    early = migration.due("t1", at="2021-11-15T09:05:01Z")
    assert early["outcome"] == "refused"
    assert migration.items("RegisterTable", "t1") == {}
    plan = {"start_at": "2021-11-20T00:00:00Z", "window_start": "01:00", "window_end": "05:00"}
    planned = migration.event(
        "MigrationWavePlanRequested", plan | {"capacity_per_night": 4}, "2021-11-16T00:00:00Z"
    )
    assert planned["outcome"] == "refused"
    assert migration.due("t1", at="2021-11-15T09:05:00Z")["outcome"] == "moved"


# ---------------------------------------------------------------- legacy data checked before anything


def test_an_email_with_a_line_break_is_refused_before_the_lease_and_a_fix_goes_through(
    migration: Migration,
) -> None:
    migration.legacy("t1", email="post@t1.example\nBcc: spy@evil.example")
    result = migration.request("t1")
    assert result["outcome"] == "refused"
    assert result["reason"] == "PROFILE e-mail holds a line break or another control character"
    assert migration.notices() == []
    assert migration.state("t1") == {}
    migration.legacy("t1", email="post@t1.example")  # corrected on the old platform
    assert migration.request("t1")["outcome"] == "notified"  # at once: nothing was left to block it


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"sk": "CLIENT#x1", "name": "Uten id", "org_number": "944444444"}, "CLIENT#x1 has no client_id"),
        (
            {"sk": "CLIENT#x2", "client_id": 7, "name": "Tall", "org_number": "1"},
            "CLIENT#x2 has no client_id",
        ),
        (
            {"sk": "CLIENT#x3", "client_id": "c1", "name": "Kopi", "org_number": "1"},
            "CLIENT#x3 holds client_id 'c1'",
        ),
        (
            {"sk": "USER#u7", "user_id": "u7", "name": "Sju", "email": "a@b.example\nBcc: x", "role": "user"},
            "USER#u7 e-mail holds a line break or another control character",
        ),
        (
            {"sk": "USER#u8", "name": "Uten id", "email": "u8@firm.example", "role": "user"},
            "USER#u8 has no user_id",
        ),
    ],
)
def test_a_record_that_would_be_lost_or_merged_refuses_the_tenant_naming_it(
    migration: Migration, item: dict[str, Any], reason: str
) -> None:
    migration.legacy("t1")
    batch_put(migration.dynamodb, migration.names["LegacyTable"], [{"pk": "TENANT#t1", **item}])
    result = migration.request("t1")
    assert result["outcome"] == "refused"
    assert reason in result["reason"]
    assert migration.notices() == []
    assert migration.state("t1") == {}
    assert migration.items("RegisterTable", "t1") == {}


# ---------------------------------------------------------------- a crashed move: invisible, then resumed


def _listed(migration: Migration) -> list[str]:
    """The tenants a billing run would bill: the register's gsi1 query."""
    return list(RegisterRepository(migration.dynamodb, migration.names["RegisterTable"]).tenant_ids())


@pytest.mark.parametrize(
    ("write", "owner", "name"),
    [
        ("the PROFILE", RegisterWriter, "write_profile"),
        ("the first batch", dynamo_items, "batch_write"),
        ("the second batch", None, None),
        ("the listing", RegisterWriter, "list_tenant"),
    ],
)
def test_a_move_crashed_at_a_register_write_is_not_billed_and_its_resume_completes_it(
    migration: Migration, clock: Clock, write: str, owner: Any, name: str | None
) -> None:
    many = tuple((f"c{n:03d}", f"Klient {n}", "900000000") for n in range(60))
    migration.legacy("t1", clients=many)
    migration.request("t1")
    with pytest.MonkeyPatch.context() as crash:
        if name is None:
            _crash_after_first_batch(crash)
        else:
            _crash_in(crash, owner, name)
        with pytest.raises(Crash):
            migration.due("t1")
    assert _listed(migration) == [], write  # a billing run now does not see the half-moved tenant
    assert migration.due("t1")["outcome"] == "in_progress"  # a duplicate meanwhile: the lease holds
    resume = boto3.client("scheduler", region_name=REGION).get_schedule(
        Name=resume_schedule_name("t1"), GroupName=migration.names["MigrationScheduleGroup"]
    )
    assert resume["ScheduleExpression"] == "at(2021-11-15T09:11:00)"  # the lease's end + 1 minute
    detail = json.loads(resume["Target"]["Input"])
    assert detail == {"tenant_id": "t1", "resume": True}
    clock.advance(11)
    result = migration.event("TenantMigrationDue", detail, "2021-11-15T09:11:00Z")  # what it puts on the bus
    assert result["outcome"] == "moved", write
    assert _listed(migration) == ["t1"]
    items = migration.items("RegisterTable", "t1")
    assert sum(sk.startswith("CLIENT#") for sk in items) == 61
    assert (items["PROFILE"]["gsi1pk"], items["PROFILE"]["gsi1sk"]) == ("TENANTS", "t1")
    assert items["PROFILE"]["migrated_at"] == "2021-11-15T09:11:00Z"  # the event that completed it
    assert migration.items("LegacyTable", "t1")["PROFILE"]["migration_status"] == "MIGRATED"
    assert len(migration.notices()) == 1


def test_a_verified_tenant_stays_listed_through_the_resume_of_a_crash_after_listing(
    migration: Migration, clock: Clock
) -> None:
    migration.legacy("t1", address={"street": "Strandgata 5", "postal_code": "5013", "city": "Bergen"})
    migration.request("t1")
    with pytest.MonkeyPatch.context() as crash:
        _crash_in(crash, LegacyRepository, "mark_migrated")
        with pytest.raises(Crash):
            migration.due("t1")
    assert _listed(migration) == ["t1"]  # verified before it was listed: whole
    clock.advance(11)
    seen: list[list[str]] = []
    with pytest.MonkeyPatch.context() as watch:
        real_batch = dynamo_items.batch_write

        def batch_write(*args: Any, **kwargs: Any) -> int:
            seen.append(_listed(migration))
            return real_batch(*args, **kwargs)

        watch.setattr(dynamo_items, "batch_write", batch_write)
        result = migration.event(
            "TenantMigrationDue", {"tenant_id": "t1", "resume": True}, "2021-11-15T09:11:00Z"
        )
    assert result["outcome"] == "moved"
    assert seen == [["t1"]]  # rewriting the profile did not take it out of billing's list
    assert migration.items("RegisterTable", "t1")["PROFILE"]["address"]["city"] == "Bergen"


def test_no_address_reaches_the_logs_of_a_refused_tenant_or_a_notice_ses_refused(
    migration: Migration, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a tenant whose e-mail smuggles a second address, and one whose notice SES refuses
    # naming its recipients (as SES's messages can)
    migration.legacy("t1", email="post@t1.example\nBcc: spy@evil.example")
    migration.legacy("t2", email="post@t2.example")

    def refuse(self: Mailer, message: Any, recipients: Any) -> str:
        raise ClientError(
            {
                "Error": {
                    "Code": "MessageRejected",
                    "Message": f"Address blacklisted: {', '.join(recipients)}",
                }
            },
            "SendEmail",
        )

    monkeypatch.setattr(Mailer, "send", refuse)
    # When both are requested
    assert migration.request("t1")["outcome"] == "refused"
    with pytest.raises(NoticeNotSent) as refused_by_ses:
        migration.request("t2")
    # Then no address is in any log line, nor in the error the dead-letter queue would keep
    logged = capsys.readouterr().out
    for address in ("post@t1.example", "spy@evil.example", "post@t2.example", "ada@firm.example"):
        assert address not in logged
        assert address not in str(refused_by_ses.value)
    assert "MessageRejected" in str(refused_by_ses.value)  # the cause is still named


# ---------------------------------------------------------------- second round (issue 16)


def test_a_firm_with_more_than_50_admins_gets_its_notice_through_several_sends(migration: Migration) -> None:
    # Given a firm with 60 admins, one at an international domain and one SES can never take
    admins = [(f"u{n:02d}", f"Admin {n}", f"admin{n:02d}@firm.example", "admin") for n in range(58)]
    admins += [("u90", "Bård", "bard@blåbær.no", "admin"), ("u91", "Åse", "åse@firm.example", "admin")]
    migration.legacy("t1", name="Stor Regnskap AS", email="post@stor.example", users=tuple(admins))
    # When its move is requested
    result = migration.request("t1")
    # Then every address SES can take gets the notice, 50 to a send, the punycode form for the
    # international domain, and the one it cannot take is reported without its address
    assert (result["outcome"], result["recipients"]) == ("notified", 60)
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert [len(set(m.destinations)) for m in sent] == [25, 25, 10]  # 25 a copy (To field and destinations)
    reached = [d for m in sent for d in m.destinations]
    assert "bard@xn--blbr-roah.no" in reached
    assert len(set(reached)) == 60
    assert result["recipients_refused"] == [
        "admin user u91: its part before the @ is not ASCII, which SES cannot send to"
    ]
    # and the firm moves with all 60 users, the refused one's address as the old platform had it
    assert migration.due("t1", at=DEFAULT_MOVE)["outcome"] == "moved"
    assert migration.items("RegisterTable", "t1")["USER#u91"]["email"] == "åse@firm.example"


def test_a_notice_step_that_died_after_ses_took_it_is_brought_on_by_its_resume_and_counted(
    migration: Migration, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_lambda_powertools import Metrics  # noqa: PLC0415

    from periodyear.migration.job import handle_migration_event  # noqa: PLC0415

    migration.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
    clock.now = datetime(2021, 11, 1, 9, 0, tzinfo=UTC)
    real_send = Mailer.send

    def send_then_die(self: Mailer, message: Any, recipients: Any) -> str:
        real_send(self, message, recipients)
        raise Crash

    monkeypatch.setattr(Mailer, "send", send_then_die)
    with pytest.raises(Crash):
        migration.request("t1")
    monkeypatch.setattr(Mailer, "send", real_send)
    # Lambda's retries come within the lease: in progress, and nothing else would come back
    clock.advance(3)
    assert migration.request("t1")["outcome"] == "in_progress"
    # But the resume the notice step set before its lease is due once the lease has run out
    resume = boto3.client("scheduler", region_name=REGION).get_schedule(
        Name=resume_schedule_name("t1"), GroupName=migration.names["MigrationScheduleGroup"]
    )
    target = resume["Target"]
    assert target["EventBridgeParameters"]["DetailType"] == "TenantMigrationRequested"
    assert json.loads(target["Input"]) == {"tenant_id": "t1", "resume": True}
    assert resume["ScheduleExpression"] == "at(2021-11-01T09:11:00)"
    # and an operator sees the tenant as stuck once the lease has run out, not before
    assert main(["migrate", "stalled", "--at", "2021-11-01T09:05:00Z"]) == 0
    assert main(["migrate", "stalled", "--at", "2021-11-01T09:11:00Z"]) == 1
    listed = capsys.readouterr().out
    assert (
        "t1: REQUESTED, move at 2021-11-15T09:00:00Z: the notice's delivery died and its lease ran out"
        in listed
    )
    assert "1 tenants not moving on by themselves" in listed
    clock.now = datetime(2021, 11, 1, 9, 11, tzinfo=UTC)
    metrics = Metrics(namespace="PeriodeOgAr", service="periodyear")
    metrics.clear_metrics()
    try:
        event = eventbridge_event(
            "TenantMigrationRequested", json.loads(target["Input"]), "2021-11-01T09:11:00Z"
        )
        result = handle_migration_event(event, metrics, migration.services())
        counted = {name: metric.get("Value") for name, metric in metrics.metric_set.items()}
    finally:
        metrics.clear_metrics()
    # Then the notice goes out again (SES overwrites Message-ID: the copy cannot be merged), the
    # move keeps the full lead from it, and the stalled step is counted for the alarm
    assert (result["outcome"], result["taken_over"], result["move_at"]) == (
        "notified",
        True,
        "2021-11-15T09:11:00Z",
    )
    assert counted["MigrationStepsStalled"] == [1.0]
    assert len(migration.notices()) == 2
    assert migration.state("t1")["status"] == "NOTIFIED"
    assert main(["migrate", "stalled", "--at", "2021-11-01T09:12:00Z"]) == 0


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        (
            "TERMS_URL",
            "http://example.no/vilkar",
            "TERMS_URL 'http://example.no/vilkar' is not an https:// page",
        ),
        ("NOTICE_LEAD_DAYS", "fourteen", "NOTICE_LEAD_DAYS: Input should be a valid integer"),
        ("MIGRATION_TABLE", None, "set MIGRATION_TABLE"),
    ],
)
def test_a_setting_missing_or_malformed_fails_the_function_naming_it_instead_of_refusing_events(
    migration: Migration, monkeypatch: pytest.MonkeyPatch, variable: str, value: str | None, named: str
) -> None:
    from periodyear.config import ConfigurationError  # noqa: PLC0415

    migration.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    migration.rebuild()
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        migration.request("t1")  # raised: the invocation fails (Errors alarm, retries, dead letters)
    assert migration.notices() == []


# ---------------------------------------------------------------- the moved users' sign-ins


def test_a_move_announces_tenant_migrated_and_its_users_get_their_sign_ins_once(migration: Migration) -> None:
    import os  # noqa: PLC0415

    from periodyear_local.sandbox import drain_queue, patched_environ  # noqa: PLC0415
    from periodyear_local.services import sign_ins  # noqa: PLC0415
    from periodyear_local.template import function_environment  # noqa: PLC0415

    moved_queue = route_to_queue(os.environ["EVENT_BUS_NAME"], ["TenantMigrated"], "migrated")
    migration.legacy("t1")
    pool = migration.names["RegisterUserPool"]
    cognito = boto3.client("cognito-idp", region_name=REGION)
    # Uno's address signs in already, as another firm's user
    other = [{"Name": "custom:tenant_id", "Value": "t9"}, {"Name": "custom:user_id", "Value": "x"}]
    cognito.admin_create_user(UserPoolId=pool, Username="uno@firm.example", UserAttributes=other)
    migration.request("t1")
    assert migration.due("t1")["outcome"] == "moved"
    assert migration.due("t1")["outcome"] == "unchanged"  # a repeated due event announces nothing
    (event,) = drain_queue(moved_queue)
    assert (event["source"], event["detail"]) == (
        "periodyear.migration",
        {"tenant_id": "t1", "migrated_at": DEFAULT_MOVE},
    )

    from functions.register_signins import app  # noqa: PLC0415

    with patched_environ(function_environment("RegisterSignInsFunction", migration.names, {})):
        moved = sign_ins()
        context = LambdaContext(function_name="register_signins")
        results = [app.handler(event, context, services=moved) for _ in range(3)]
    assert [(r["created"], r["existing"], r["refused"]) for r in results] == [
        (2, 0, ["u2"]),
        (0, 2, ["u2"]),  # the event again: nothing made twice
        (0, 2, ["u2"]),
    ]
    users = cognito.list_users(UserPoolId=pool)["Users"]
    signed = {
        attributes["email"]: (attributes.get("custom:tenant_id"), attributes.get("custom:user_id"))
        for attributes in ({a["Name"]: a["Value"] for a in u["Attributes"]} for u in users)
    }
    assert signed == {
        "ada@firm.example": ("t1", "u1"),
        "ola@firm.example": ("t1", "u3"),
        "uno@firm.example": ("t9", "x"),  # never taken over
    }
    refused = app.handler(
        {"source": "periodyear.migration", "detail-type": "TenantMigrated", "detail": {"tenant_id": "a#b"}},
        LambdaContext(function_name="register_signins"),
        services=moved,
    )
    assert refused["outcome"] == "refused"
