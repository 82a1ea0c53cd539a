"""The migration, one tenant at a time (CONTRACT §7): notice first, then the move, verified.

Every step is repeatable: a repeated or concurrent delivery finds the state another
delivery left and does only what is still missing. A refusal is a returned result;
a passing failure (SES, throttling) raises so that the event is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from periodyear.domain.calendar import format_instant, oslo_date
from periodyear.domain.catalog import Catalog
from periodyear.domain.errors import Conflict, MigrationRefused, NoticeNotSent
from periodyear.domain.migration import (
    LegacyTenant,
    NewTerms,
    Recipients,
    RegisterProfile,
    RegisterTenant,
    Wave,
    check_deadline,
    move_time,
    new_terms,
    notice_recipients,
    plan_waves,
    register_content,
)
from periodyear.domain.migration_state import LEASE, Lease, MigrationState, PromisedTerms, Status
from periodyear.migration.notice import Notice, NoticeDetails, notice_message, render_notice
from periodyear.migration.outcomes import Outcome
from periodyear.observability import logger


class Legacy(Protocol):
    def load(self, tenant_id: str) -> LegacyTenant: ...
    def tenants_to_move(self) -> Iterable[str]: ...
    def mark_migrated(self, tenant_id: str, at: datetime) -> None: ...


class Register(Protocol):
    def profile(self, tenant_id: str) -> RegisterProfile | None: ...
    def put_tenant(self, tenant: RegisterTenant) -> int: ...  # every item, the PROFILE unlisted
    def differences(self, tenant: RegisterTenant) -> list[str]: ...
    def list_tenant(self, tenant: RegisterTenant) -> None: ...  # gsi1 keys: the last register write


class States(Protocol):
    def get(self, tenant_id: str) -> MigrationState | None: ...
    def claim_notice(
        self,
        tenant_id: str,
        *,
        move_at: datetime,
        now: datetime,
        expected: MigrationState | None,
        terms: PromisedTerms,
    ) -> Lease: ...
    def notice_sent(self, lease: Lease, *, message_id: str, recipients: int, now: datetime) -> None: ...
    def release(self, lease: Lease, *, reason: str, now: datetime) -> None: ...
    def schedule_set(self, tenant_id: str, *, move_at: datetime, now: datetime) -> None: ...
    def claim_move(self, state: MigrationState, *, now: datetime) -> Lease: ...
    def moved(self, lease: Lease, *, now: datetime, clients: int, users: int) -> None: ...
    def failed(self, lease: Lease, *, reason: str, now: datetime) -> None: ...


class Mail(Protocol):
    def send(self, message: Any, recipients: Iterable[str]) -> str: ...


class Schedules(Protocol):
    def set_move(self, tenant_id: str, move_at: datetime) -> None: ...


class Resumes(Protocol):
    def set_resume(self, tenant_id: str, at: datetime) -> None: ...  # TenantMigrationDue, resume
    def set_notice_resume(self, tenant_id: str, at: datetime) -> None: ...  # ...Requested, resume


# A resume event comes this long after the lease it follows has run out. Each step's resume is
# set before its lease is taken: whatever a crash leaves, a scheduled event brings the tenant on.
RESUME_MARGIN = timedelta(minutes=1)


class Requests(Protocol):
    def request_moves(self, moves: Iterable[dict[str, str]]) -> int: ...
    def tenant_migrated(self, tenant_id: str, migrated_at: str) -> None: ...  # TenantMigrated


@dataclass(frozen=True)
class MigrationPolicy:
    """What the deployment tells the migration service (built from ``config.MigrationSettings``)."""

    sender: str
    lead_days: int
    deadline: datetime
    notice: NoticeDetails  # the contact and terms page every notice gives


def _error_code(error: Exception) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
    return f"{type(error).__name__} ({code})" if code else type(error).__name__


@dataclass(frozen=True)
class Result:
    """What a delivery did."""

    tenant_id: str
    outcome: Outcome
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "outcome": self.outcome.value,
            "reason": self.reason,
            **self.details,
        }


def _notice(
    content: RegisterTenant,
    terms: NewTerms,
    move_at: datetime,
    *,
    updated: bool,
    details: NoticeDetails,
    now: datetime,
) -> Notice:
    return render_notice(
        language=content.language,
        tenant_name=content.name,
        move_at=move_at,
        terms=terms,
        has_bureau_client=content.has_bureau_client,
        updated=updated,
        details=details,
        sent_on=oslo_date(now),
    )


def _settled_for_request(tenant_id: str, state: MigrationState | None, *, resume: bool) -> Result | None:
    """The answer to a request that its state settles before anything is read, or None."""
    if state is not None and state.status is Status.MOVED:
        return Result(tenant_id, Outcome.UNCHANGED, "the tenant has been moved")
    if state is not None and state.status is Status.MOVING:
        return Result(tenant_id, Outcome.REFUSED, "the move is under way; it can no longer be changed")
    if resume and (state is None or state.status is Status.FAILED):
        status = state.status.value if state else "not requested"
        return Result(tenant_id, Outcome.UNCHANGED, f"no notice to resume: the tenant is {status}")
    return None


class MigrationService:
    def __init__(
        self,
        *,
        legacy: Legacy,
        register: Register,
        states: States,
        mail: Mail,
        schedules: Schedules,
        resumes: Resumes,
        requests: Requests,
        catalog: Catalog,
        policy: MigrationPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._legacy = legacy
        self._register = register
        self._states = states
        self._mail = mail
        self._schedules = schedules
        self._resumes = resumes
        self._requests = requests
        self._catalog = catalog
        self._policy = policy
        # Business time (move times, migrated_at) is the event's ``time``; leases and state
        # bookkeeping use this clock, since a retried event carries its original ``time``.
        self._clock = clock

    # ------------------------------------------------------------------ TenantMigrationRequested
    def request(
        self, tenant_id: str, requested_move_at: datetime | None, now: datetime, *, resume: bool = False
    ) -> Result:
        """Set the move and send its notice; ``resume`` marks the event the notice step's resume
        schedule put on the bus, which acts only on a notice not known to be sent (REQUESTED) or
        a move whose schedule is not yet set, never on a FAILED or moved tenant."""
        with logger.append_context_keys(tenant_id=tenant_id, step="request"):
            result = self._request(tenant_id, requested_move_at, now, resume=resume)
            logger.info(
                "migration request handled", extra={"outcome": result.outcome, "reason": result.reason}
            )
            return result

    def _prepare(self, tenant_id: str, now: datetime) -> tuple[LegacyTenant, NewTerms, RegisterTenant]:
        legacy = self._legacy.load(tenant_id)
        terms = new_terms(legacy, self._catalog)
        content = register_content(legacy, terms, now)  # validates what the register will receive
        return legacy, terms, content

    def _move_for(self, state: MigrationState | None, requested: datetime | None, now: datetime) -> datetime:
        """The move a request sets. A move whose notice went out (NOTIFIED) keeps its time when
        no other is asked for; any other move gets the full notice lead from the notice this
        request sends (a notice that never went out gave no lead, and a FAILED move's time passed)."""
        if state is not None and requested is None:
            if state.status is Status.NOTIFIED:
                return state.move_at
            requested = state.move_at
        return move_time(requested, now, self._policy.lead_days)

    def _check_request(
        self, tenant_id: str, state: MigrationState | None, requested_move_at: datetime | None, now: datetime
    ) -> tuple[NewTerms, RegisterTenant, Recipients, datetime] | None:
        """What the request would do, or None when the tenant is already moved; refuses with the reason."""
        legacy, terms, content = self._prepare(tenant_id, now)
        if legacy.migrated:
            return None
        if state is None and self._register.profile(tenant_id) is not None:
            raise MigrationRefused("the tenant is already in the client register")
        recipients = notice_recipients(legacy)
        if not recipients:
            why = f" ({'; '.join(recipients.refused)})" if recipients.refused else ""
            raise MigrationRefused(f"the tenant has no e-mail address and no admin user with one{why}")
        move_at = self._move_for(state, requested_move_at, now)
        check_deadline(move_at, self._policy.deadline)
        return terms, content, recipients, move_at

    def _request(
        self, tenant_id: str, requested_move_at: datetime | None, now: datetime, *, resume: bool
    ) -> Result:
        state = self._states.get(tenant_id)
        if (settled := _settled_for_request(tenant_id, state, resume=resume)) is not None:
            return settled
        try:
            checked = self._check_request(tenant_id, state, None if resume else requested_move_at, now)
        except MigrationRefused as refusal:
            logger.warning("migration refused", extra={"reason": str(refusal)})
            return Result(tenant_id, Outcome.REFUSED, str(refusal))
        if checked is None:
            return Result(tenant_id, Outcome.UNCHANGED, "the old platform marks the tenant as moved")
        move_at = checked[3]
        if state is not None and state.move_at == move_at and state.status is Status.NOTIFIED:
            if not state.schedule_set:  # a crash after the notice: finish the step it skipped
                self._set_schedule(tenant_id, move_at)
            return Result(
                tenant_id,
                Outcome.UNCHANGED,
                "the move is already set and its notice sent",
                {"move_at": format_instant(move_at)},
            )
        if state is not None and state.leased(self._clock()):
            return Result(tenant_id, Outcome.IN_PROGRESS, "another delivery is sending the notice")
        self._resumes.set_notice_resume(tenant_id, self._clock() + LEASE + RESUME_MARGIN)
        try:
            lease = self._states.claim_notice(
                tenant_id,
                move_at=move_at,
                now=self._clock(),
                expected=state,
                terms=PromisedTerms.of(checked[0]),
            )
        except Conflict:
            return Result(tenant_id, Outcome.IN_PROGRESS, "another delivery changed the move first")
        return self._send_notice(lease, state, checked, now)

    def _send_notice(
        self,
        lease: Lease,
        state: MigrationState | None,
        checked: tuple[NewTerms, RegisterTenant, Recipients, datetime],
        now: datetime,
    ) -> Result:
        """Send the notice under ``lease``, record it, and set the move's schedule."""
        terms, content, recipients, move_at = checked
        # A delivery that died holding the lease left the notice's fate unknown (SES may have
        # taken it): this one sends it again, as an update when its move time has changed.
        taken_over = state is not None and state.status is Status.REQUESTED and state.lease_until is not None
        if taken_over:
            logger.warning("notice step taken over from a delivery that died")
        updated = state is not None and (state.notices_sent > 0 or (taken_over and state.move_at != move_at))
        notice = _notice(content, terms, move_at, updated=updated, details=self._policy.notice, now=now)
        message = notice_message(
            notice,
            sender=self._policy.sender,
            recipients=recipients.addresses,
            sent_at=now,
            tenant_id=lease.tenant_id,
        )
        self._deliver(lease, message, recipients)
        details: dict[str, Any] = {
            "move_at": format_instant(move_at),
            "recipients": len(recipients),
            "language": notice.language,
            "updated": updated,
            "package": terms.package,
            "price_switch_date": terms.price_switch_date.isoformat(),
        }
        logger.info("notice sent", extra=details | {"recipients_refused": list(recipients.refused)})
        self._set_schedule(lease.tenant_id, move_at)
        if recipients.refused:
            details["recipients_refused"] = list(recipients.refused)
        if taken_over:
            details["taken_over"] = True
        return Result(lease.tenant_id, Outcome.NOTIFIED, None, details)

    def _deliver(self, lease: Lease, message: EmailMessage, recipients: Recipients) -> None:
        """Send the notice and record it sent; a refusal gives the lease back, so a redelivery
        sends it again (a notice is never recorded sent that SES did not take)."""
        send = self._mail.send  # outside the try: a mailer that cannot be built is a fault, not a refusal
        try:
            message_id = send(message, recipients.addresses)
        except Exception as error:
            self._states.release(lease, reason=f"notice not sent: {type(error).__name__}", now=self._clock())
            # The error's code only: SES's message can name the recipients, which stay out of logs.
            raise NoticeNotSent(
                f"the notice to {lease.tenant_id} was not sent: {_error_code(error)}"
            ) from error
        self._states.notice_sent(lease, message_id=message_id, recipients=len(recipients), now=self._clock())

    def preview(
        self, tenant_id: str, requested_move_at: datetime | None, now: datetime
    ) -> tuple[RegisterTenant, Notice, datetime]:
        """What a request and its move would do (content, notice, move time), writing nothing."""
        state = self._states.get(tenant_id)
        checked = self._check_request(tenant_id, state, requested_move_at, now)
        if checked is None:
            raise MigrationRefused("the old platform marks the tenant as moved")
        terms, content, _recipients, move_at = checked
        updated = state is not None and state.notices_sent > 0
        notice = _notice(content, terms, move_at, updated=updated, details=self._policy.notice, now=now)
        return content, notice, move_at

    def _set_schedule(self, tenant_id: str, move_at: datetime) -> None:
        self._schedules.set_move(tenant_id, move_at)
        self._states.schedule_set(tenant_id, move_at=move_at, now=self._clock())

    # ------------------------------------------------------------------ TenantMigrationDue
    def due(self, tenant_id: str, now: datetime, *, resume: bool = False) -> Result:
        """Move the tenant; ``resume`` marks the event a crashed move's resume schedule put on the
        bus, which acts only on a move still under way (MOVING), never on a FAILED one."""
        with logger.append_context_keys(tenant_id=tenant_id, step="move"):
            result = self._due(tenant_id, now, resume=resume)
            level = logger.error if result.outcome == Outcome.FAILED else logger.info
            level("migration move handled", extra={"outcome": result.outcome, "reason": result.reason})
            return result

    @staticmethod
    def _not_due(
        tenant_id: str, state: MigrationState | None, now: datetime, *, resume: bool
    ) -> Result | None:
        """Why this event moves nothing (None: the move is due)."""
        if state is None or state.status is Status.REQUESTED:
            return Result(tenant_id, Outcome.REFUSED, "no notice has been sent for this tenant")
        if state.status is Status.MOVED:
            return Result(tenant_id, Outcome.UNCHANGED, "the tenant has been moved")
        if resume and state.status is not Status.MOVING:
            return Result(
                tenant_id, Outcome.UNCHANGED, f"no move to resume: the move is {state.status.value}"
            )
        if now < state.move_at:
            return Result(
                tenant_id,
                Outcome.REFUSED,
                f"the move is set for {format_instant(state.move_at)}, after this event's time",
            )
        return None

    def _due(self, tenant_id: str, now: datetime, *, resume: bool = False) -> Result:
        state = self._states.get(tenant_id)
        if (refused := self._not_due(tenant_id, state, now, resume=resume)) is not None:
            return refused
        assert state is not None  # _not_due refused a tenant without a state
        try:  # the legacy data is checked before the move is taken: a refusal leaves no lease
            _, terms, content = self._prepare(tenant_id, now)
        except MigrationRefused as refusal:
            logger.warning("migration refused", extra={"reason": str(refusal)})
            return Result(tenant_id, Outcome.REFUSED, str(refusal))
        if state.leased(self._clock()):
            return Result(tenant_id, Outcome.IN_PROGRESS, "another delivery is moving the tenant")
        taken_over = state.status is Status.MOVING  # its holder died: its lease ran out unfinished
        # Before the lease is taken: should this delivery die anywhere from here on, a resume
        # event takes the move over once its lease has run out (a delivery meeting the lease
        # meanwhile answers in_progress).
        self._resumes.set_resume(tenant_id, self._clock() + LEASE + RESUME_MARGIN)
        try:
            lease = self._states.claim_move(state, now=self._clock())
        except Conflict:
            return Result(tenant_id, Outcome.IN_PROGRESS, "another delivery took the move first")
        if taken_over:
            logger.warning("move taken over from a delivery that died")
        return self._move(lease, state, terms, content, now, taken_over=taken_over)

    def _move(
        self,
        lease: Lease,
        state: MigrationState,
        terms: NewTerms,
        content: RegisterTenant,
        now: datetime,
        *,
        taken_over: bool,
    ) -> Result:
        """Under the lease: check the terms, write, verify, list, mark and announce the move."""
        tenant_id = lease.tenant_id
        if state.terms != PromisedTerms.of(terms):
            promised = state.terms.as_record() if state.terms else None
            reason = (
                f"the agreement changed after the notice (notice said {promised}); request the move again"
            )
            self._states.failed(lease, reason=reason, now=self._clock())
            return Result(tenant_id, Outcome.FAILED, reason)
        written = self._register.put_tenant(content)  # unlisted: billing cannot see it yet
        problems = self._register.differences(content)
        if problems:
            reason = "verification failed: " + "; ".join(problems[:20])
            self._states.failed(lease, reason=reason, now=self._clock())
            return Result(tenant_id, Outcome.FAILED, reason)
        self._register.list_tenant(content)  # verified: billing may list it from now on
        self._legacy.mark_migrated(tenant_id, now)
        # Put before the move is recorded: a crash in between repeats the move's last steps and
        # this event (its consumer makes each sign-in once), where after it could lose the event.
        self._requests.tenant_migrated(tenant_id, format_instant(content.migrated_at))
        clients, users = len(content.clients), len(content.users)
        self._states.moved(lease, now=self._clock(), clients=clients, users=users)
        details: dict[str, Any] = {
            "items_written": written,
            "clients": clients,
            "users": users,
            "bureau_client": content.has_bureau_client,
        }
        if taken_over:
            details["taken_over"] = True
        return Result(tenant_id, Outcome.MOVED, None, details)

    # ------------------------------------------------------------------ MigrationWavePlanRequested
    def plan(
        self,
        *,
        start_at: datetime,
        window_start: time,
        window_end: time,
        capacity_per_night: int,
        now: datetime,
        dry_run: bool = False,
    ) -> tuple[list[Wave], int]:
        """Waves for every tenant not yet moved; puts one request per tenant unless a dry run.

        Moves start no earlier than ``now`` + the notice lead, so no request is pushed later."""
        tenants = sorted(self._legacy.tenants_to_move())
        earliest = max(start_at, move_time(None, now, self._policy.lead_days))
        waves = plan_waves(
            tenants,
            earliest=earliest,
            window_start=window_start,
            window_end=window_end,
            capacity_per_night=capacity_per_night,
            deadline=self._policy.deadline,
        )
        if dry_run:
            return waves, 0
        sent = self._requests.request_moves(
            {"tenant_id": tenant, "move_at": format_instant(at)}
            for wave in waves
            for tenant, at in wave.moves
        )
        return waves, sent
