"""Typed errors of the domain and the services, mapped once at the edge."""

from __future__ import annotations


class PeriodYearError(Exception):
    """Base of every error this project raises on purpose."""


class CatalogError(PeriodYearError):
    """The catalog breaks the contract's shape; nothing may be billed with it."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        detail = "; ".join(f"{path}: {message}" for path, message in problems)
        super().__init__(f"catalog refused: {detail}")


class UnsendableAddress(PeriodYearError):
    """An e-mail address SES can never send to (the reason names no address)."""


class InvalidRequest(PeriodYearError):
    """A job was started with an event it cannot act on."""


class InvalidField(InvalidRequest):
    """One field of the event is wrong: ``field`` names it, ``problem`` says what is wrong, so a
    caller that takes the field another way (the CLI's ``--issue-date``) can name it its way."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem


class PeriodNotEnded(PeriodYearError):
    """A period may only be billed once it has ended."""


class TenantNotFound(PeriodYearError):
    """The register holds no profile for the tenant."""


class TenantDataError(PeriodYearError):
    """The register holds the tenant, but not in a shape billing can use."""


class InvoiceContention(PeriodYearError):
    """The invoice number counter kept moving; the tenant is left for the next run."""


class InvoiceTooLarge(PeriodYearError):
    """The invoice's allocations do not fit the items one issuing transaction may hold."""


class Conflict(Exception):
    """A write the state it was made for no longer allows: another delivery changed the migration
    state first, or the register holds what a request would add or needs what it would remove
    (an org number, an address, the last admin, a tenant). The register's API answers it 409."""


class NoticeNotSent(PeriodYearError):
    """SES did not take the notice; the tenant stays unnotified and the event is retried."""


class MigrationRefused(PeriodYearError):
    """The tenant cannot be moved as it is: nothing is sent, nothing is written."""


class WavesDoNotFit(PeriodYearError):
    """The requested capacity cannot move every tenant before the deadline."""


class EventFromTheFuture(InvalidRequest):
    """An event's ``time`` lies more than five minutes after the real clock (CONTRACT §7)."""


class InvalidInstant(ValueError):
    """Not of the exact form ``YYYY-MM-DDTHH:MM:SSZ``, or not a real instant."""


class InvalidDate(ValueError):
    """Not of the exact form ``YYYY-MM-DD``, or not a real date."""


class DocumentError(PeriodYearError):
    """The invoice cannot be written as a valid document (e.g. a buyer without a valid org number)."""


class RunNotAnnounced(Exception):
    """A run is complete but its announcement is claimed by a delivery that may have died."""


class BatchNotDone(Exception):
    """Some tenants of a fanned-out run's batch failed in a way another delivery may cure."""
