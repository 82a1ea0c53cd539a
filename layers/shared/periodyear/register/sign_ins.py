"""Sign-ins for the users a move brought over (CONTRACT §9): on ``TenantMigrated``, every user
of the moved tenant gets a user in the pool, which sends the invitation.

Once, however often the event arrives: the pool holds one user per address, so a repeat finds
each sign-in made and makes none again. An address that signs in already as someone else's, or
that the pool cannot take, is a counted, logged skip (by user id, never by address); the other
users still get theirs. Anything else fails the event, and its retry makes only what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from periodyear.domain.client_register import Conflict, Invalid, RegisterUser
from periodyear.observability import logger
from periodyear.register.ports import SignIns, UserPages


@dataclass(frozen=True)
class SignInSummary:
    tenant_id: str
    created: int
    existing: int  # made by an earlier delivery of the event (or by the API)
    refused: list[str]  # user ids whose address the pool would not take for them

    def as_dict(self) -> dict[str, object]:
        return {
            "tenant_id": self.tenant_id,
            "created": self.created,
            "existing": self.existing,
            "refused": self.refused,
        }

    def log_fields(self) -> dict[str, object]:  # "created" is a LogRecord attribute already
        return {"sign_ins_created": self.created, "sign_ins_existing": self.existing, "refused": self.refused}


class MovedSignIns:
    def __init__(self, *, users: UserPages, sign_ins: SignIns) -> None:
        self._users = users
        self._sign_ins = sign_ins

    def _all_users(self, tenant_id: str) -> Iterator[RegisterUser]:
        after: str | None = None
        while True:
            page, after = self._users.users(tenant_id, limit=500, after=after)
            yield from page
            if after is None:
                return

    def create(self, tenant_id: str) -> SignInSummary:
        created = existing = 0
        refused: list[str] = []
        for user in self._all_users(tenant_id):
            try:
                self._sign_ins.create(tenant_id, user)
                created += 1
                continue
            except Invalid:
                pass
            except Conflict:
                if self._sign_ins.owner(user.email) == (tenant_id, user.user_id):
                    existing += 1
                    continue
            refused.append(user.user_id)
            logger.warning(
                "moved user gets no sign-in: the pool refused the address",
                extra={"tenant_id": tenant_id, "user_id": user.user_id},
            )
        return SignInSummary(tenant_id, created, existing, refused)
