"""Moving a tenant (``TenantMigrationDue``, CONTRACT §7): under a lease, the promised terms
checked, the register written, verified and listed, the old platform marked and the move
announced. A move whose delivery died is taken over by its resume event once its lease has run
out; a refusal is a returned result, and a passing failure raises so that the event is retried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from periodyear.domain.calendar import format_instant
from periodyear.domain.errors import Conflict, MigrationRefused
from periodyear.domain.migration_state import LEASE, Lease, MigrationState, PromisedTerms, Status
from periodyear.migration.outcomes import Outcome, Result
from periodyear.migration.policy import RESUME_MARGIN
from periodyear.migration.reading import Prepared, prepare
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.domain.catalog import Catalog
    from periodyear.migration.ports import Announcer, LegacyMarked, MoveResumes, MoveStates, RegisterWrites


def _not_due(tenant_id: str, state: MigrationState | None, now: datetime, *, resume: bool) -> Result | None:
    """Why this event moves nothing (None: the move is due)."""
    if state is None or state.status is Status.REQUESTED:
        return Result(tenant_id, Outcome.REFUSED, "no notice has been sent for this tenant")
    if state.status is Status.MOVED:
        return Result(tenant_id, Outcome.UNCHANGED, "the tenant has been moved")
    if resume and state.status is not Status.MOVING:
        return Result(tenant_id, Outcome.UNCHANGED, f"no move to resume: the move is {state.status.value}")
    if now < state.move_at:
        return Result(
            tenant_id,
            Outcome.REFUSED,
            f"the move is set for {format_instant(state.move_at)}, after this event's time",
        )
    return None


class MoveService:
    """Moves a tenant whose notice went out, once its move time has come."""

    def __init__(
        self,
        *,
        legacy: LegacyMarked,
        register: RegisterWrites,
        states: MoveStates,
        resumes: MoveResumes,
        announcer: Announcer,
        catalog: Catalog,
        clock: Callable[[], datetime],
    ) -> None:
        self._legacy = legacy
        self._register = register
        self._states = states
        self._resumes = resumes
        self._announcer = announcer
        self._catalog = catalog
        # Business time (migrated_at) is the event's ``time``; leases and state bookkeeping use
        # this clock, since a retried event carries its original ``time``.
        self._clock = clock

    def due(self, tenant_id: str, now: datetime, *, resume: bool = False) -> Result:
        """Move the tenant; ``resume`` marks the event a crashed move's resume schedule put on the
        bus, which acts only on a move still under way (MOVING), never on a FAILED one."""
        with logger.append_context_keys(tenant_id=tenant_id, step="move"):
            result = self._due(tenant_id, now, resume=resume)
            level = logger.error if result.outcome == Outcome.FAILED else logger.info
            level("migration move handled", extra={"outcome": result.outcome, "reason": result.reason})
            return result

    def _due(self, tenant_id: str, now: datetime, *, resume: bool = False) -> Result:
        state = self._states.get(tenant_id)
        if (refused := _not_due(tenant_id, state, now, resume=resume)) is not None:
            return refused
        assert state is not None  # _not_due refused a tenant without a state
        try:  # the legacy data is checked before the move is taken: a refusal leaves no lease
            prepared = prepare(self._legacy, self._catalog, tenant_id, now)
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
        return self._move(lease, state, prepared, now, taken_over=taken_over)

    def _move(
        self, lease: Lease, state: MigrationState, prepared: Prepared, now: datetime, *, taken_over: bool
    ) -> Result:
        """Under the lease: check the terms, write, verify, list, mark and announce the move."""
        tenant_id, content = lease.tenant_id, prepared.content
        if state.terms != PromisedTerms.of(prepared.terms):
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
        self._announcer.tenant_migrated(tenant_id, format_instant(content.migrated_at))
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
