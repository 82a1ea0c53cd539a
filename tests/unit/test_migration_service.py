"""The migration's state machine, through its service on in-memory repositories (no AWS, no moto).

The same promises are checked through the Lambda handler in tests/integration/test_migration.py;
here each runs in milliseconds, so the rules can be changed with confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from periodyear.adapters.register_items import moved_tenant_items
from periodyear.domain.calendar import OSLO, format_instant, parse_instant
from periodyear.domain.catalog import load_catalog
from periodyear.domain.errors import Conflict, NoticeNotSent
from periodyear.domain.migration import (
    LegacyClient,
    LegacyTenant,
    Person,
    RegisterTenant,
    new_terms,
    register_content,
)
from periodyear.domain.migration_state import Lease, MigrationState, PromisedTerms, Status
from periodyear.migration.bootstrap import MigrationServices
from periodyear.migration.moving import MoveService
from periodyear.migration.notice import NoticeDetails
from periodyear.migration.outcomes import Result
from periodyear.migration.planning import WavePlanService
from periodyear.migration.policy import MigrationPolicy
from periodyear.migration.requesting import RequestService
from periodyear_local.memory import (
    MemoryLegacy,
    MemoryMail,
    MemoryRegister,
    MemoryRequests,
    MemorySchedules,
    MemoryStates,
)

REQUESTED_AT = parse_instant("2021-11-01T09:00:00Z")
DEFAULT_MOVE = parse_instant("2021-11-15T09:00:00Z")  # the request + the 14 days' notice lead
DEADLINE = datetime(2021, 12, 31, 23, 59, 59, tzinfo=OSLO)
USERS = (
    Person("u1", "Ada Admin", "ada@firm.example", "admin"),
    Person("u2", "Uno User", "uno@firm.example", "user"),
    Person("u3", "Ola Admin", "ola@firm.example", "admin"),
)
CLIENTS = (LegacyClient("c1", "Bakeri AS", "911111111"), LegacyClient("c2", "Rør AS", "922222222"))
BUREAU = LegacyClient("b1", "Firma Regnskap AS", "933333333")
CATALOG = load_catalog()


def legacy_tenant(
    tenant_id: str,
    *,
    profile: dict[str, object] | None = None,
    agreement: dict[str, object] | None = None,
    users: tuple[Person, ...] = USERS,
) -> LegacyTenant:
    """A firm on the old platform (CONTRACT §1): a Periode & År agreement, two clients, its own client."""
    return LegacyTenant(
        tenant_id,
        {
            "tenant_id": tenant_id,
            "name": f"Firma {tenant_id}",
            "org_number": "912345678",
            "email": f"post@{tenant_id}.example",
            "language": "nb",
        }
        | (profile or {}),
        {"package": "PERIODE_OG_AR", "interval_months": 3, "current_period_start": "2021-11-15"}
        | (agreement or {}),
        CLIENTS,
        BUREAU,
        users,
    )


@dataclass
class Clock:
    """The processing clock the leases run on, moved by the test."""

    now: datetime = DEFAULT_MOVE

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class RacedStates:
    """States where another delivery claims the same step between this delivery's read and its claim."""

    inner: MemoryStates
    clock: Clock

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def claim_move(self, state: MigrationState, *, now: datetime) -> Lease:
        self.inner.claim_move(state, now=self.clock())  # the other delivery wins
        return self.inner.claim_move(state, now=now)

    def claim_notice(self, tenant_id: str, **arguments: Any) -> Lease:
        self.inner.claim_notice(tenant_id, **arguments)
        return self.inner.claim_notice(tenant_id, **arguments)


@dataclass
class Migration:
    legacy: MemoryLegacy = field(default_factory=MemoryLegacy)
    register: MemoryRegister = field(default_factory=MemoryRegister)
    states: MemoryStates | RacedStates = field(default_factory=MemoryStates)
    mail: MemoryMail = field(default_factory=MemoryMail)
    schedules: MemorySchedules = field(default_factory=MemorySchedules)
    requests: MemoryRequests = field(default_factory=MemoryRequests)
    clock: Clock = field(default_factory=Clock)

    @property
    def services(self) -> MigrationServices:
        """The migration's services over these repositories, as the bootstrap builds them over
        the adapters (one object behind each port a step shares with another)."""
        policy = MigrationPolicy(
            "flytting@periodeogar.example",
            14,
            DEADLINE,
            NoticeDetails(
                contact="https://periodeogar.example/flytting",
                terms_url="https://periodeogar.example/vilkar",
            ),
        )
        return MigrationServices(
            requests=RequestService(
                legacy=self.legacy,
                register=self.register,
                states=self.states,
                mail=self.mail,
                schedules=self.schedules,
                catalog=CATALOG,
                policy=policy,
                clock=self.clock,
            ),
            moves=MoveService(
                legacy=self.legacy,
                register=self.register,
                states=self.states,
                resumes=self.schedules,
                announcer=self.requests,
                catalog=CATALOG,
                clock=self.clock,
            ),
            waves=WavePlanService(
                legacy=self.legacy, requests=self.requests, lead_days=policy.lead_days, deadline=DEADLINE
            ),
            clock=self.clock,
        )

    def race(self) -> None:
        """From now on another delivery claims each step just before this one does."""
        assert isinstance(self.states, MemoryStates)
        self.states = RacedStates(self.states, self.clock)

    # When
    def request(
        self,
        tenant_id: str,
        at: datetime = REQUESTED_AT,
        move_at: datetime | None = None,
        *,
        resume: bool = False,
    ) -> Result:
        return self.services.requests.request(tenant_id, move_at, at, resume=resume)

    def due(self, tenant_id: str, at: datetime = DEFAULT_MOVE, *, resume: bool = False) -> Result:
        return self.services.moves.due(tenant_id, at, resume=resume)

    # Then
    def state(self, tenant_id: str) -> MigrationState:
        state = self.states.get(tenant_id)
        assert state is not None, f"{tenant_id} has no migration state"
        return state

    def status(self, tenant_id: str) -> Status | None:
        state = self.states.get(tenant_id)
        return state.status if state else None

    def register_keys(self, tenant_id: str) -> list[str]:
        return sorted(self.register.items.get(tenant_id, {}))

    def legacy_profile(self, tenant_id: str) -> dict[str, object]:
        return self.legacy.load(tenant_id).profile or {}


@pytest.fixture
def migration() -> Migration:
    fake = Migration()
    fake.legacy.add(legacy_tenant("t1"))
    return fake


# ---------------------------------------------------------------------------- the notice


def test_a_request_sends_one_notice_to_the_tenant_and_its_admins_and_sets_the_move(
    migration: Migration,
) -> None:
    # Given a firm on the old platform with two admins and one ordinary user
    # When its move is requested without a time
    result = migration.request("t1")
    # Then one notice goes to the firm's address and each admin, and the move is set 14 days out
    assert result.outcome == "notified"
    assert [m.recipients for m in migration.mail.sent] == [
        ("post@t1.example", "ada@firm.example", "ola@firm.example")
    ]
    assert migration.mail.sent[0].message["X-Periodyear-Tenant"] == "t1"
    assert migration.schedules.moves == {"t1": DEFAULT_MOVE}
    state = migration.state("t1")
    assert (state.status, state.move_at, state.notices_sent, state.schedule_set) == (
        Status.NOTIFIED,
        DEFAULT_MOVE,
        1,
        True,
    )
    # and the notice's promise is kept with the state; nothing is copied yet
    assert state.terms == PromisedTerms("KOMPLETT", "PERIODE_OG_AR", date(2022, 2, 14), date(2022, 3, 1))
    assert migration.register_keys("t1") == []
    assert "migration_status" not in migration.legacy_profile("t1")


def test_a_repeated_request_sends_nothing(migration: Migration) -> None:
    # Given a tenant already notified
    migration.request("t1")
    # When the same request is delivered again, and again a day later without a time
    again = migration.request("t1")
    later = migration.request("t1", at=REQUESTED_AT + timedelta(days=1))
    # Then no second notice goes out and the move stays where it was
    assert (again.outcome, later.outcome) == ("unchanged", "unchanged")
    assert len(migration.mail.sent) == 1
    assert migration.schedules.moves == {"t1": DEFAULT_MOVE}
    assert migration.state("t1").notices_sent == 1


def test_a_different_move_time_resets_the_move_and_sends_an_updated_notice(migration: Migration) -> None:
    # Given a tenant notified of a move on 15 November
    migration.request("t1")
    # When a later move time is requested
    later = DEFAULT_MOVE + timedelta(days=7)
    result = migration.request("t1", move_at=later)
    # Then an updated notice goes to the same people, and the schedule and state follow the new time
    assert (result.outcome, result.details["updated"]) == ("notified", True)
    assert [m.recipients for m in migration.mail.sent] == [migration.mail.sent[0].recipients] * 2
    assert migration.schedules.moves == {"t1": later}
    state = migration.state("t1")
    assert (state.status, state.move_at, state.notices_sent) == (Status.NOTIFIED, later, 2)
    # and the old time no longer moves the tenant
    assert migration.due("t1", at=DEFAULT_MOVE).outcome == "refused"
    assert migration.register_keys("t1") == []


@pytest.mark.parametrize(
    ("tenant", "reason"),
    [
        (LegacyTenant("t1", None, None), "no PROFILE"),
        (replace(legacy_tenant("t1"), agreement=None), "no AGREEMENT"),
        (legacy_tenant("t1", agreement={"package": "GAMMEL"}), "package_mapping"),
        (legacy_tenant("t1", agreement={"interval_months": 6}), "interval_months"),
        (legacy_tenant("t1", profile={"email": ""}, users=()), "the profile has no email"),
        (legacy_tenant("t1", profile={"language": "de"}), "language"),
    ],
)
def test_a_tenant_that_cannot_be_moved_is_refused_and_gets_nothing(
    migration: Migration, tenant: LegacyTenant, reason: str
) -> None:
    # Given a tenant the old platform holds in a shape the contract refuses
    migration.legacy.add(tenant)
    # When its move is requested
    result = migration.request("t1")
    # Then it is refused with the reason, and no notice, move or state is left behind
    assert result.outcome == "refused"
    assert reason in str(result.reason)
    assert migration.mail.sent == []
    assert migration.schedules.moves == {}
    assert migration.status("t1") is None


def test_a_tenant_already_in_the_register_is_refused(migration: Migration) -> None:
    # Given a tenant the new service already holds
    migration.register.add_items("t1", [{"pk": "TENANT#t1", "sk": "PROFILE", "name": "Firma t1"}])
    # When its move is requested
    result = migration.request("t1")
    # Then nothing is sent
    assert (result.outcome, result.reason) == ("refused", "the tenant is already in the client register")
    assert migration.mail.sent == []


def test_a_move_after_the_deadline_is_refused(migration: Migration) -> None:
    # When a move one second after the migration's deadline is requested
    result = migration.request("t1", move_at=DEADLINE + timedelta(seconds=1))
    # Then it is refused and nothing is sent
    assert result.outcome == "refused"
    assert "deadline" in str(result.reason)
    assert migration.mail.sent == []


def test_an_ses_failure_leaves_the_tenant_unnotified_and_a_retry_sends_one_notice(
    migration: Migration,
) -> None:
    # Given SES refuses the first send
    migration.mail.failures = 1
    # When the request is delivered, fails, and is retried
    with pytest.raises(NoticeNotSent):
        migration.request("t1")
    failed = migration.state("t1")
    retried = migration.request("t1")
    # Then the failed attempt left the move unnotified and free, and the retry sent one notice
    assert (failed.status, failed.lease_until, failed.notices_sent) == (Status.REQUESTED, None, 0)
    assert retried.outcome == "notified"
    assert len(migration.mail.sent) == 1
    assert migration.status("t1") is Status.NOTIFIED


# ---------------------------------------------------------------------------- the move


def test_a_move_before_its_time_is_refused_and_copies_nothing(migration: Migration) -> None:
    # Given a tenant notified of a move on 15 November at 09:00
    migration.request("t1")
    # When a due event arrives a second early
    result = migration.due("t1", at=DEFAULT_MOVE - timedelta(seconds=1))
    # Then it is refused, and the register and legacy data are untouched
    assert result.outcome == "refused"
    assert "after this event's time" in str(result.reason)
    assert migration.register_keys("t1") == []
    assert "migration_status" not in migration.legacy_profile("t1")
    assert migration.status("t1") is Status.NOTIFIED


def test_a_move_before_any_notice_is_refused(migration: Migration) -> None:
    # When a move is due for a tenant that was never notified
    result = migration.due("t1")
    # Then it is refused and nothing is copied
    assert (result.outcome, result.reason) == ("refused", "no notice has been sent for this tenant")
    assert migration.register_keys("t1") == []


def test_the_move_after_its_notice_copies_the_tenant_and_marks_legacy(migration: Migration) -> None:
    # Given a notified tenant
    migration.request("t1")
    # When its move is due
    result = migration.due("t1")
    # Then the register holds its profile, subscription, clients (its own flagged) and users
    assert result.outcome == "moved"
    assert migration.register_keys("t1") == [
        "CLIENT#b1",
        "CLIENT#c1",
        "CLIENT#c2",
        "PROFILE",
        "SUBSCRIPTION",
        "USER#u1",
        "USER#u2",
        "USER#u3",
    ]
    items = migration.register.items["t1"]
    assert [sk for sk, item in items.items() if item.get("is_bureau_client")] == ["CLIENT#b1"]
    assert items["PROFILE"]["migrated_at"] == format_instant(DEFAULT_MOVE)
    assert items["SUBSCRIPTION"]["package"] == "KOMPLETT"
    assert result.details["items_written"] == len(items)
    # and the old platform marks it moved at the event's time, and the state is MOVED
    profile = migration.legacy_profile("t1")
    assert (profile["migration_status"], profile["migrated_at"]) == ("MIGRATED", "2021-11-15T09:00:00Z")
    assert migration.status("t1") is Status.MOVED
    assert list(migration.legacy.tenants_to_move()) == []


def test_a_moved_tenant_is_left_alone(migration: Migration) -> None:
    # Given a moved tenant
    migration.request("t1")
    migration.due("t1")
    before = {sk: dict(item) for sk, item in migration.register.items["t1"].items()}
    # When its request and its move are delivered again, even with a new time
    again = migration.request("t1", at=DEFAULT_MOVE, move_at=DEFAULT_MOVE + timedelta(days=20))
    moved_again = migration.due("t1", at=DEFAULT_MOVE + timedelta(hours=1))
    # Then nothing is sent, set or written
    assert (again.outcome, moved_again.outcome) == ("unchanged", "unchanged")
    assert len(migration.mail.sent) == 1
    assert migration.schedules.moves == {"t1": DEFAULT_MOVE}
    assert migration.register.items["t1"] == before


def test_an_agreement_changed_after_the_notice_fails_the_move(migration: Migration) -> None:
    # Given a notified tenant whose agreement then changes its package
    migration.request("t1")
    migration.legacy.add(legacy_tenant("t1", agreement={"package": "ARSOPPGJOR"}))
    # When its move is due
    result = migration.due("t1")
    # Then the move fails with the promise quoted, and nothing is copied or marked
    assert result.outcome == "failed"
    assert "the agreement changed after the notice" in str(result.reason)
    assert "'package': 'KOMPLETT'" in str(result.reason)
    assert migration.register_keys("t1") == []
    assert "migration_status" not in migration.legacy_profile("t1")
    assert migration.status("t1") is Status.FAILED


def test_a_copy_that_does_not_verify_fails_the_move_and_leaves_legacy_unmarked(
    migration: Migration,
) -> None:
    # Given a notified tenant, and a register that already holds a client the old platform does not
    migration.request("t1")
    migration.register.add_items("t1", [{"pk": "TENANT#t1", "sk": "CLIENT#x9", "client_id": "x9"}])
    # When its move is due
    result = migration.due("t1")
    # Then verification names the stray item and the old platform stays as it was
    assert result.outcome == "failed"
    assert "CLIENT#x9 is not on the old platform" in str(result.reason)
    assert "migration_status" not in migration.legacy_profile("t1")
    assert migration.status("t1") is Status.FAILED


# ---------------------------------------------------------------------------- concurrency


def test_a_concurrent_move_meets_the_lease_and_the_next_delivery_after_it_finishes(
    migration: Migration,
) -> None:
    # Given a notified tenant whose move another delivery has taken (and not yet finished)
    migration.request("t1")
    other = migration.states.claim_move(migration.state("t1"), now=migration.clock())
    # When a duplicate delivery of the move arrives
    duplicate = migration.due("t1")
    # Then it copies nothing and says the move is under way
    assert (duplicate.outcome, duplicate.reason) == ("in_progress", "another delivery is moving the tenant")
    assert migration.register_keys("t1") == []
    # and once the other delivery's lease has lapsed (it crashed), a retry completes the move
    migration.clock.advance(11)
    assert migration.due("t1").outcome == "moved"
    # while the crashed delivery can no longer write with its lost lease
    with pytest.raises(Conflict):
        migration.states.moved(other, now=migration.clock(), clients=0, users=0)


def test_a_delivery_that_loses_the_race_for_the_move_writes_nothing(migration: Migration) -> None:
    # Given a notified tenant, and another delivery that claims the move just after this one reads it
    migration.request("t1")
    migration.race()
    # When this delivery tries to claim it
    result = migration.due("t1")
    # Then its conditional claim meets a Conflict: it reports the move under way and copies nothing
    assert (result.outcome, result.reason) == ("in_progress", "another delivery took the move first")
    assert migration.register_keys("t1") == []
    assert migration.status("t1") is Status.MOVING


def test_a_delivery_that_loses_the_race_for_the_notice_sends_nothing(migration: Migration) -> None:
    # Given another delivery of the request that claims the notice just after this one reads the state
    migration.race()
    # When this delivery tries to claim it
    result = migration.request("t1")
    # Then it sends nothing: the winner sends the one notice
    assert (result.outcome, result.reason) == ("in_progress", "another delivery changed the move first")
    assert migration.mail.sent == []
    assert migration.status("t1") is Status.REQUESTED


def test_a_request_meets_the_lease_of_a_notice_being_sent(migration: Migration) -> None:
    # Given a delivery that took the lease to send the notice for a new move time, and has not finished
    migration.request("t1")
    stale = migration.state("t1")
    terms = stale.terms
    assert terms is not None
    migration.states.claim_notice(
        "t1", move_at=DEFAULT_MOVE + timedelta(days=3), now=migration.clock(), expected=stale, terms=terms
    )
    # When another delivery asks for yet another time
    result = migration.request("t1", move_at=DEFAULT_MOVE + timedelta(days=5))
    # Then it sends nothing while the lease is held
    assert (result.outcome, result.reason) == ("in_progress", "another delivery is sending the notice")
    assert len(migration.mail.sent) == 1


def test_the_memory_states_refuse_what_dynamodb_would() -> None:
    # Given a state written once
    states, now = MemoryStates(), DEFAULT_MOVE
    terms = PromisedTerms("KOMPLETT", "PERIODE_OG_AR", DEFAULT_MOVE.date(), DEFAULT_MOVE.date())
    lease = states.claim_notice("t1", move_at=now, now=now, expected=None, terms=terms)
    first = states.get("t1")
    assert first is not None
    # Then a second first write, a write with a stale version and a write under a held lease conflict
    with pytest.raises(Conflict):
        states.claim_notice("t1", move_at=now, now=now, expected=None, terms=terms)
    with pytest.raises(Conflict):
        states.claim_move(first, now=now)  # still REQUESTED, and leased
    states.notice_sent(lease, message_id="m1", recipients=1, now=now)
    with pytest.raises(Conflict):
        states.claim_move(first, now=now)  # stale version
    with pytest.raises(Conflict):
        states.notice_sent(lease, message_id="m2", recipients=1, now=now)  # the lease is spent
    with pytest.raises(Conflict):
        states.schedule_set("t1", move_at=now + timedelta(days=1), now=now)  # the move is elsewhere
    assert (states.get("t1") or first).version == 2


# ---------------------------------------------------------------------------- the wave plan


def test_the_wave_plan_requests_every_unmoved_tenant_before_the_deadline(migration: Migration) -> None:
    # Given three tenants, one already moved
    for tenant_id in ("t2", "t3"):
        migration.legacy.add(legacy_tenant(tenant_id))
    migration.request("t3")
    migration.due("t3")
    # When waves of two a night are planned
    planned = migration.services.waves.plan(
        start_at=REQUESTED_AT,
        window_start=time(22, 0),
        window_end=time(4, 0),
        capacity_per_night=2,
        now=REQUESTED_AT,
    )
    waves, sent = planned.waves, planned.requests_sent
    # Then one request per unmoved tenant goes out, none sooner than the notice lead
    assert sent == 2
    assert [m["tenant_id"] for m in migration.requests.moves] == ["t1", "t2"]
    assert all(parse_instant(m["move_at"]) >= DEFAULT_MOVE for m in migration.requests.moves)
    assert len(waves) == 1
    assert waves[0].moves[0][1].astimezone(UTC) >= DEFAULT_MOVE


# ---------------------------------------------------------------------------- legacy data checked first


@pytest.mark.parametrize(
    ("tenant", "reason"),
    [
        (
            legacy_tenant("t1", profile={"email": "post@t1.example\nBcc: spy@evil.example"}),
            "PROFILE e-mail holds a line break or another control character",
        ),
        (
            legacy_tenant("t1", users=(*USERS, Person("u7", "Sju", "a@b.example\r\nBcc: x", "user"))),
            "USER#u7 e-mail holds a line break or another control character",
        ),
        (
            legacy_tenant("t1", users=(Person("u1", "Ada", "Ada <ada@firm.example>", "admin"),)),
            "USER#u1 e-mail holds a display name or more than one address",
        ),
        (
            replace(
                legacy_tenant("t1"), clients=(*CLIENTS, LegacyClient("", "Uten id", "944444444", "CLIENT#x"))
            ),
            "CLIENT#x has no client_id",
        ),
        (
            replace(
                legacy_tenant("t1"), users=(*USERS, Person("", "Uten id", "x@firm.example", "user", "USER#"))
            ),
            "USER# has no user_id",
        ),
        (
            replace(
                legacy_tenant("t1"), clients=(*CLIENTS, LegacyClient("c1", "Kopi", "955555555", "CLIENT#c9"))
            ),
            "CLIENT#c9 holds client_id 'c1'",
        ),
        (
            replace(legacy_tenant("t1"), clients=(*CLIENTS, LegacyClient("c1", "Kopi", "955555555"))),
            "client_id 'c1' is held by more than one CLIENT# item",
        ),
        (
            replace(legacy_tenant("t1"), users=(*USERS, Person("u2", "Kopi", "k@firm.example", "user"))),
            "user_id 'u2' is held by more than one USER# item",
        ),
        (
            replace(
                legacy_tenant("t1"), bureau_client=LegacyClient("", "Byrå", "933333333", "BUREAU_CLIENT")
            ),
            "BUREAU_CLIENT has no client_id",
        ),
    ],
)
def test_unusable_legacy_data_is_refused_before_any_lease_notice_or_write(
    migration: Migration, tenant: LegacyTenant, reason: str
) -> None:
    # Given a tenant whose legacy items would inject a header, or lose or merge a record
    migration.legacy.add(tenant)
    # When its move is requested
    result = migration.request("t1")
    # Then it is refused with a reason naming the item, and nothing is taken, sent or written
    assert result.outcome == "refused"
    assert reason in str(result.reason)
    assert migration.mail.sent == []
    assert migration.status("t1") is None
    assert migration.register_keys("t1") == []
    # and once the old platform is corrected, the request goes through at once
    migration.legacy.add(legacy_tenant("t1"))
    assert migration.request("t1").outcome == "notified"


def test_legacy_data_spoiled_after_the_notice_refuses_the_move_without_taking_it(
    migration: Migration,
) -> None:
    # Given a notified tenant whose old platform then gets a client without an id
    migration.request("t1")
    spoiled = replace(legacy_tenant("t1"), clients=(*CLIENTS, LegacyClient("", "Uten id", "9", "CLIENT#")))
    migration.legacy.add(spoiled)
    # When its move is due
    result = migration.due("t1")
    # Then it is refused with the item named, and the state is as the notice left it
    assert (result.outcome, result.reason) == ("refused", "CLIENT# has no client_id")
    assert migration.status("t1") is Status.NOTIFIED
    assert migration.state("t1").lease_until is None
    assert migration.register_keys("t1") == []
    # and once corrected, the next due event moves it
    migration.legacy.add(legacy_tenant("t1"))
    assert migration.due("t1").outcome == "moved"


# ---------------------------------------------------------------------------- a crashed move


class Crash(BaseException):
    """The function dying mid-write (timeout, out of memory)."""


MANY = tuple(LegacyClient(f"c{n:03d}", f"Klient {n}", "900000000") for n in range(40))  # two batches


@pytest.mark.parametrize("write", ["PROFILE", "batch 1", "batch 2", "list"])
def test_a_move_crashed_at_any_register_write_is_not_billable_and_is_resumed_whole(
    migration: Migration, write: str
) -> None:
    # Given a notified tenant with enough clients for two batches
    migration.legacy.add(replace(legacy_tenant("t1"), clients=MANY))
    migration.request("t1")

    # When its move dies just before one of its register writes
    def crash(name: str) -> None:
        if name == write:
            raise Crash

    migration.register.before_write = crash
    with pytest.raises(Crash):
        migration.due("t1")
    migration.register.before_write = lambda _name: None
    # Then a billing run does not list the half-moved tenant
    assert list(migration.register.tenant_ids()) == []
    # and a duplicate delivery meanwhile copies nothing: the lease holds
    assert migration.due("t1").outcome == "in_progress"
    # and the resume the crashed move set before its first write comes after its lease
    resume_at = migration.schedules.resumes["t1"]
    assert resume_at == DEFAULT_MOVE + timedelta(minutes=11)
    migration.clock.now = resume_at
    result = migration.due("t1", at=resume_at, resume=True)
    # Then the move is completed whole, and listed
    assert result.outcome == "moved"
    assert list(migration.register.tenant_ids()) == ["t1"]
    content = register_content_of(migration, "t1", resume_at)
    assert migration.register.items["t1"] == {i["sk"]: i for i in moved_tenant_items(content)}
    assert migration.legacy_profile("t1")["migration_status"] == "MIGRATED"
    assert len(migration.mail.sent) == 1


def test_a_crash_after_the_listing_leaves_the_tenant_whole_and_listed(migration: Migration) -> None:
    # Given a move that dies after listing the tenant, before marking the old platform
    migration.request("t1")
    real_mark = migration.legacy.mark_migrated

    def die(tenant_id: str, at: datetime) -> None:
        raise Crash

    migration.legacy.mark_migrated = die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        migration.due("t1")
    migration.legacy.mark_migrated = real_mark  # type: ignore[method-assign]
    # Then billing lists it (it was verified), and the resume rewrites it without unlisting it
    listed: list[list[str]] = []
    migration.register.before_write = lambda _name: listed.append(list(migration.register.tenant_ids()))
    resume_at = migration.schedules.resumes["t1"]
    migration.clock.now = resume_at
    assert migration.due("t1", at=resume_at, resume=True).outcome == "moved"
    assert listed
    assert all(ids == ["t1"] for ids in listed)
    assert migration.register.items["t1"]["PROFILE"]["migrated_at"] == format_instant(resume_at)


def test_a_resume_event_leaves_a_failed_or_finished_move_alone(migration: Migration) -> None:
    # Given a move that failed verification
    migration.request("t1")
    migration.register.add_items("t1", [{"pk": "TENANT#t1", "sk": "CLIENT#x9", "client_id": "x9"}])
    assert migration.due("t1").outcome == "failed"
    # When its resume event comes
    migration.clock.advance(11)
    result = migration.due("t1", at=DEFAULT_MOVE + timedelta(minutes=11), resume=True)
    # Then it does not try again (only a new due event does)
    assert (result.outcome, result.reason) == ("unchanged", "no move to resume: the move is FAILED")
    assert list(migration.register.tenant_ids()) == []


def register_content_of(migration: Migration, tenant_id: str, at: datetime) -> RegisterTenant:
    legacy = migration.legacy.load(tenant_id)
    return register_content(legacy, new_terms(legacy, CATALOG), at)


# ---------------------------------------------------------------------------- second round (issue 16)


def _die_after(owner: Any, name: str) -> Any:
    """Make ``owner.name`` do its work, then kill the delivery (once); returns the real one."""
    real = getattr(owner, name)

    def once(*args: Any, **kwargs: Any) -> Any:
        setattr(owner, name, real)
        real(*args, **kwargs)
        raise Crash

    setattr(owner, name, once)
    return real


def test_a_delivery_that_dies_after_ses_took_the_notice_is_brought_on_by_its_resume(
    migration: Migration,
) -> None:
    # Given a request whose delivery dies after SES took the notice, before it is recorded
    migration.clock.now = REQUESTED_AT
    _die_after(migration.mail, "send")
    with pytest.raises(Crash):
        migration.request("t1")
    # Then the retries inside the lease answer in_progress, as before
    assert migration.request("t1").outcome == "in_progress"
    assert migration.state("t1").status is Status.REQUESTED
    # and the resume the notice step set before its lease comes once the lease has run out
    resume_at = migration.schedules.resumes["t1"]
    assert (resume_at, migration.schedules.resume_steps["t1"]) == (
        REQUESTED_AT + timedelta(minutes=11),
        "notice",
    )
    migration.clock.now = resume_at
    result = migration.request("t1", at=resume_at, resume=True)
    # When it comes, the notice is sent again with the full lead from this notice, as an update
    assert (result.outcome, result.details["taken_over"], result.details["updated"]) == (
        "notified",
        True,
        True,
    )
    state = migration.state("t1")
    assert (state.status, state.move_at, state.schedule_set) == (
        Status.NOTIFIED,
        resume_at + timedelta(days=14),
        True,
    )
    assert migration.schedules.moves == {"t1": resume_at + timedelta(days=14)}
    assert len(migration.mail.sent) == 2  # SES overwrites Message-ID: the copy cannot be merged
    # and the tenant moves at that time
    migration.clock.now = state.move_at
    assert migration.due("t1", at=state.move_at).outcome == "moved"


def test_a_notice_resume_finishes_a_schedule_a_crash_left_unset_and_leaves_the_rest_alone(
    migration: Migration,
) -> None:
    migration.clock.now = REQUESTED_AT
    _die_after(migration.states, "notice_sent")
    with pytest.raises(Crash):
        migration.request("t1")
    assert migration.schedules.moves == {}  # the crash came before the move's schedule
    migration.clock.now = migration.schedules.resumes["t1"]
    result = migration.request("t1", at=migration.clock.now, resume=True)
    assert (result.outcome, result.reason) == ("unchanged", "the move is already set and its notice sent")
    assert migration.schedules.moves == {"t1": DEFAULT_MOVE}
    assert len(migration.mail.sent) == 1  # recorded as sent: never sent again


def test_a_delivery_that_dies_as_it_takes_the_move_is_resumed(migration: Migration) -> None:
    migration.request("t1")
    migration.clock.now = DEFAULT_MOVE
    _die_after(migration.states, "claim_move")  # before any write of the move's own
    with pytest.raises(Crash):
        migration.due("t1")
    assert migration.due("t1").outcome == "in_progress"
    resume_at = migration.schedules.resumes["t1"]
    assert (resume_at, migration.schedules.resume_steps["t1"]) == (
        DEFAULT_MOVE + timedelta(minutes=11),
        "move",
    )
    migration.clock.now = resume_at
    result = migration.due("t1", at=resume_at, resume=True)
    assert (result.outcome, result.details["taken_over"]) == ("moved", True)


def test_a_request_again_after_a_notice_that_never_went_out_gives_the_full_lead(
    migration: Migration,
) -> None:
    # Given a notice SES refused past every retry (the tenant was never told)
    migration.mail.failures = 1
    with pytest.raises(NoticeNotSent):
        migration.request("t1")
    # When the move is requested again 13 days later
    later = REQUESTED_AT + timedelta(days=13)
    migration.clock.now = later
    result = migration.request("t1", at=later)
    # Then the move is 14 days after the notice actually sent, not one
    assert result.outcome == "notified"
    assert migration.state("t1").move_at == later + timedelta(days=14)
    assert migration.schedules.moves == {"t1": later + timedelta(days=14)}
    assert result.details["updated"] is False  # the first notice the tenant gets


def test_a_failed_move_requested_again_as_its_reason_advises_gets_a_new_notice_and_moves(
    migration: Migration,
) -> None:
    # Given a move that failed: the agreement changed after the notice
    migration.request("t1")
    migration.legacy.add(legacy_tenant("t1", agreement={"interval_months": 12}))
    migration.clock.now = DEFAULT_MOVE
    failed = migration.due("t1")
    assert failed.outcome == "failed"
    assert "request the move again" in str(failed.reason)
    # When it is requested again, as the reason says
    again_at = DEFAULT_MOVE + timedelta(hours=2)
    migration.clock.now = again_at
    result = migration.request("t1", at=again_at)
    # Then an updated notice tells the new terms, with the full lead, and the move goes ahead then
    assert (result.outcome, result.details["updated"]) == ("notified", True)
    assert result.details["price_switch_date"] == "2022-12-01"  # 12 months from 15 November 2021
    state = migration.state("t1")
    assert (state.status, state.move_at) == (Status.NOTIFIED, again_at + timedelta(days=14))
    migration.clock.now = state.move_at
    assert migration.due("t1", at=state.move_at).outcome == "moved"
    assert len(migration.mail.sent) == 2


def test_a_resume_never_requests_a_failed_move_again(migration: Migration) -> None:
    migration.request("t1")
    migration.legacy.add(legacy_tenant("t1", agreement={"interval_months": 12}))
    migration.clock.now = DEFAULT_MOVE
    assert migration.due("t1").outcome == "failed"
    result = migration.request("t1", at=DEFAULT_MOVE, resume=True)
    assert (result.outcome, result.reason) == ("unchanged", "no notice to resume: the tenant is FAILED")
    assert len(migration.mail.sent) == 1


def test_every_address_ses_can_take_gets_the_notice_and_the_others_are_reported_without_their_address(
    migration: Migration,
) -> None:
    users = (
        Person("u1", "Åse", "åse@firm.example", "admin"),  # a local part SES cannot send to
        Person("u2", "Bård", "bard@blåbær.no", "admin"),  # an international domain: punycode
        Person("u3", "Ola", "ola@firm.example", "admin"),
    )
    migration.legacy.add(legacy_tenant("t2", users=users))
    result = migration.request("t2")
    assert result.outcome == "notified"
    (mail,) = migration.mail.sent
    assert mail.recipients == ("post@t2.example", "bard@xn--blbr-roah.no", "ola@firm.example")
    assert result.details["recipients_refused"] == [
        "admin user u1: its part before the @ is not ASCII, which SES cannot send to"
    ]
    assert "åse" not in str(result.as_dict())


def test_a_tenant_no_address_of_which_ses_can_take_is_refused_with_the_reasons(migration: Migration) -> None:
    users = (Person("u1", "Åse", "åse@firm.example", "admin"),)
    migration.legacy.add(legacy_tenant("t3", profile={"email": "ø@t3.example"}, users=users))
    result = migration.request("t3")
    assert result.outcome == "refused"
    assert "the profile's email: its part before the @ is not ASCII" in str(result.reason)
    assert migration.mail.sent == []
