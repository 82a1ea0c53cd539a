"""What delivery's outside world answers, as typed records and errors (no I/O): the access
point's answers, SES's, and a record that moved under a worker. The adapters raise and return
these; the service reads them; neither knows the other's module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PeppolDocumentType = Literal["invoice", "creditnote"]


class Moved(Exception):
    """The delivery record changed since it was read (another worker): read it again."""


class AccessPointError(Exception):
    """Something the access point answered, or failed to answer."""


class AccessPointUnavailable(AccessPointError):
    """429, a 5xx, a timeout or a broken connection: try again later (``retry_after`` seconds
    when the provider said so). ``refused_unread``: the provider answered that it did not take
    the request (429); after any other of these a submission may have been taken."""

    def __init__(self, problem: str, retry_after: int | None = None, *, refused_unread: bool = False) -> None:
        super().__init__(problem)
        self.retry_after = retry_after
        self.refused_unread = refused_unread


class AccessPointNotAuthorised(AccessPointError):
    """401/403: the key or the legal entity is wrong. A configuration fault: retried and alarmed,
    never turned into an e-mail."""


class SubmissionRefused(AccessPointError):
    """A 422 on a submission that is not a repeated ``idempotencyGuid``: the provider will not
    send this document (``detail``: what it said)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Submitted:
    """A submission the access point took: its ``guid``, or None when the provider answered that
    the ``idempotencyGuid`` was used before (submitted earlier; nothing was sent again)."""

    guid: str | None

    @property
    def repeated(self) -> bool:
        return self.guid is None


@dataclass(frozen=True)
class ProviderOutcome:
    """One queued outcome (``GET /webhook_instances/``): ``instance`` is the webhook instance's own
    guid (to acknowledge it), ``submission`` the submission it names (None when its body names
    none), ``event`` its event (``succeeded``, ``failed``, or another), ``detail`` what it says
    beside that, ``body`` the body as received, ``idempotency_guid`` our own key of the
    submission when the body carries it (it finds a submission whose 200 never reached us)."""

    instance: str
    submission: str | None
    event: str
    detail: str | None
    body: str
    idempotency_guid: str | None = None


# ---------------------------------------------------------------- the e-mail
class MailRefused(Exception):
    """SES refused the message for good (a rejected address, a message too large): no retry
    sends it; the delivery fails with this reason."""


class MailNotTaken(Exception):
    """SES answered that it sent nothing (throttled, paused, a sender not verified): the claim
    may be given back and the e-mail tried again at once."""
