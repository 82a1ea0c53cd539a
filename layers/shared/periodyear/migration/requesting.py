"""Requesting a move (``TenantMigrationRequested``, CONTRACT §7): the move time, its notice and
its schedule, or a preview of them that writes nothing.

Every step is repeatable: a repeated or concurrent delivery finds the state another delivery
left and does only what is still missing. A refusal is a returned result; a passing failure
(SES, throttling) raises so that the event is retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from periodyear.domain.calendar import format_instant, oslo_date
from periodyear.domain.errors import Conflict, MigrationRefused, NoticeNotSent
from periodyear.domain.migration import (
    NewTerms,
    Recipients,
    RegisterTenant,
    check_deadline,
    move_time,
    notice_recipients,
)
from periodyear.domain.migration_state import LEASE, Lease, MigrationState, PromisedTerms, Status
from periodyear.migration.notice import Notice, notice_message, render_notice
from periodyear.migration.outcomes import Outcome, Result
from periodyear.migration.policy import RESUME_MARGIN, MigrationPolicy
from periodyear.migration.reading import prepare
from periodyear.observability import logger

if TYPE_CHECKING:
    from email.message import EmailMessage

    from periodyear.domain.catalog import Catalog
    from periodyear.migration.ports import Legacy, Mail, NoticeSchedules, NoticeStates, RegisterProfiles


@dataclass(frozen=True)
class CheckedRequest:
    """What a request would do, once the tenant's data and the move time are checked."""

    terms: NewTerms
    content: RegisterTenant
    recipients: Recipients
    move_at: datetime


@dataclass(frozen=True)
class Preview:
    """What a request and its move would do, written nowhere."""

    content: RegisterTenant  # what the register would receive
    notice: Notice
    move_at: datetime


def _error_code(error: Exception) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
    return f"{type(error).__name__} ({code})" if code else type(error).__name__


def _settled(tenant_id: str, state: MigrationState | None, *, resume: bool) -> Result | None:
    """The answer to a request that its state settles before anything is read, or None."""
    if state is not None and state.status is Status.MOVED:
        return Result(tenant_id, Outcome.UNCHANGED, "the tenant has been moved")
    if state is not None and state.status is Status.MOVING:
        return Result(tenant_id, Outcome.REFUSED, "the move is under way; it can no longer be changed")
    if resume and (state is None or state.status is Status.FAILED):
        status = state.status.value if state else "not requested"
        return Result(tenant_id, Outcome.UNCHANGED, f"no notice to resume: the tenant is {status}")
    return None


def _already_notified(tenant_id: str, move_at: datetime) -> Result:
    return Result(
        tenant_id,
        Outcome.UNCHANGED,
        "the move is already set and its notice sent",
        {"move_at": format_instant(move_at)},
    )


class RequestService:
    """Sets a tenant's move and sends its notice; ``preview`` shows both and writes nothing."""

    def __init__(
        self,
        *,
        legacy: Legacy,
        register: RegisterProfiles,
        states: NoticeStates,
        mail: Mail,
        schedules: NoticeSchedules,
        catalog: Catalog,
        policy: MigrationPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self._legacy = legacy
        self._register = register
        self._states = states
        self._mail = mail
        self._schedules = schedules
        self._catalog = catalog
        self._policy = policy
        # Business time (the move time) is the event's ``time``; leases and state bookkeeping
        # use this clock, since a retried event carries its original ``time``.
        self._clock = clock

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

    def preview(self, tenant_id: str, requested_move_at: datetime | None, now: datetime) -> Preview:
        """What a request and its move would do (content, notice, move time), writing nothing."""
        state = self._states.get(tenant_id)
        checked = self._check(tenant_id, state, requested_move_at, now)
        if checked is None:
            raise MigrationRefused("the old platform marks the tenant as moved")
        updated = state is not None and state.notices_sent > 0
        return Preview(checked.content, self._notice(checked, updated=updated, now=now), checked.move_at)

    def _request(
        self, tenant_id: str, requested_move_at: datetime | None, now: datetime, *, resume: bool
    ) -> Result:
        state = self._states.get(tenant_id)
        if (settled := _settled(tenant_id, state, resume=resume)) is not None:
            return settled
        try:
            checked = self._check(tenant_id, state, None if resume else requested_move_at, now)
        except MigrationRefused as refusal:
            logger.warning("migration refused", extra={"reason": str(refusal)})
            return Result(tenant_id, Outcome.REFUSED, str(refusal))
        if checked is None:
            return Result(tenant_id, Outcome.UNCHANGED, "the old platform marks the tenant as moved")
        if state is not None and state.move_at == checked.move_at and state.status is Status.NOTIFIED:
            if not state.schedule_set:  # a crash after the notice: finish the step it skipped
                self._set_schedule(tenant_id, checked.move_at)
            return _already_notified(tenant_id, checked.move_at)
        if state is not None and state.leased(self._clock()):
            return Result(tenant_id, Outcome.IN_PROGRESS, "another delivery is sending the notice")
        self._schedules.set_notice_resume(tenant_id, self._clock() + LEASE + RESUME_MARGIN)
        try:
            lease = self._states.claim_notice(
                tenant_id,
                move_at=checked.move_at,
                now=self._clock(),
                expected=state,
                terms=PromisedTerms.of(checked.terms),
            )
        except Conflict:
            return Result(tenant_id, Outcome.IN_PROGRESS, "another delivery changed the move first")
        return self._send_notice(lease, state, checked, now)

    def _move_for(self, state: MigrationState | None, requested: datetime | None, now: datetime) -> datetime:
        """The move a request sets. A move whose notice went out (NOTIFIED) keeps its time when
        no other is asked for; any other move gets the full notice lead from the notice this
        request sends (a notice that never went out gave no lead, and a FAILED move's time passed)."""
        if state is not None and requested is None:
            if state.status is Status.NOTIFIED:
                return state.move_at
            requested = state.move_at
        return move_time(requested, now, self._policy.lead_days)

    def _check(
        self, tenant_id: str, state: MigrationState | None, requested_move_at: datetime | None, now: datetime
    ) -> CheckedRequest | None:
        """What the request would do, or None when the tenant is already moved; refuses with the reason."""
        prepared = prepare(self._legacy, self._catalog, tenant_id, now)
        if prepared.legacy.migrated:
            return None
        if state is None and self._register.profile(tenant_id) is not None:
            raise MigrationRefused("the tenant is already in the client register")
        recipients = notice_recipients(prepared.legacy)
        if not recipients:
            why = f" ({'; '.join(recipients.refused)})" if recipients.refused else ""
            raise MigrationRefused(f"the tenant has no e-mail address and no admin user with one{why}")
        move_at = self._move_for(state, requested_move_at, now)
        check_deadline(move_at, self._policy.deadline)
        return CheckedRequest(prepared.terms, prepared.content, recipients, move_at)

    def _notice(self, checked: CheckedRequest, *, updated: bool, now: datetime) -> Notice:
        return render_notice(
            language=checked.content.language,
            tenant_name=checked.content.name,
            move_at=checked.move_at,
            terms=checked.terms,
            has_bureau_client=checked.content.has_bureau_client,
            updated=updated,
            details=self._policy.notice,
            sent_on=oslo_date(now),
        )

    def _send_notice(
        self, lease: Lease, state: MigrationState | None, checked: CheckedRequest, now: datetime
    ) -> Result:
        """Send the notice under ``lease``, record it, and set the move's schedule."""
        # A delivery that died holding the lease left the notice's fate unknown (SES may have
        # taken it): this one sends it again, as an update when its move time has changed.
        taken_over = state is not None and state.status is Status.REQUESTED and state.lease_until is not None
        if taken_over:
            logger.warning("notice step taken over from a delivery that died")
        moved_on = taken_over and state is not None and state.move_at != checked.move_at
        updated = state is not None and (state.notices_sent > 0 or moved_on)
        notice = self._notice(checked, updated=updated, now=now)
        recipients = checked.recipients
        message = notice_message(
            notice,
            sender=self._policy.sender,
            recipients=recipients.addresses,
            sent_at=now,
            tenant_id=lease.tenant_id,
        )
        self._deliver(lease, message, recipients)
        details: dict[str, Any] = {
            "move_at": format_instant(checked.move_at),
            "recipients": len(recipients),
            "language": notice.language,
            "updated": updated,
            "package": checked.terms.package,
            "price_switch_date": checked.terms.price_switch_date.isoformat(),
        }
        logger.info("notice sent", extra=details | {"recipients_refused": list(recipients.refused)})
        self._set_schedule(lease.tenant_id, checked.move_at)
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

    def _set_schedule(self, tenant_id: str, move_at: datetime) -> None:
        self._schedules.set_move(tenant_id, move_at)
        self._states.schedule_set(tenant_id, move_at=move_at, now=self._clock())
