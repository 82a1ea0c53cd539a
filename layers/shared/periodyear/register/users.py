"""A tenant's users through the register API (CONTRACT §9): an admin adds, changes and removes
them; each has a sign-in in the user pool, created with the user and disabled with it.

The register decides (one address a user, a tenant always keeps an admin: the store's
conditional writes); the user pool follows. A user is written first and its sign-in made next;
a sign-in the pool refuses (the address signs in already) takes the user back out, so the
register never keeps a user who cannot sign in for that reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from periodyear.domain.calendar import format_instant
from periodyear.domain.client_register import (
    Caller,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RegisterUser,
    Stale,
    UserChange,
    check_id,
    check_member,
    email_address,
    role,
    tenant_user,
)
from periodyear.register.ports import Events, SignIns, UserStore


class UserService:
    def __init__(
        self,
        *,
        store: UserStore,
        sign_ins: SignIns,
        events: Events,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:20],
    ) -> None:
        self._store = store
        self._sign_ins = sign_ins
        self._events = events
        self._clock = clock
        self._new_id = new_id

    def _admin(self, caller: Caller, user_id: str | None = None) -> tuple[str, str, RegisterUser | None]:
        """The caller's tenant and id, once its register item says it is an admin now."""
        tenant_id, caller_id = tenant_user(caller)
        target = check_id("user_id", user_id) if user_id is not None else caller_id
        member, user = self._store.member_and_user(tenant_id, caller_id, target)
        check_member(member)
        if member.role != "admin":
            raise Forbidden("only an admin of the tenant may change its users")
        return tenant_id, caller_id, user

    def _event(self, detail_type: str, tenant_id: str, actor: str, user_id: str) -> None:
        self._events.changed(detail_type, {"tenant_id": tenant_id, "actor": actor, "user_id": user_id})

    def add_user(self, caller: Caller, *, name: str, email: str, user_role: str) -> RegisterUser:
        tenant_id, actor, _ = self._admin(caller)
        now = format_instant(self._clock())
        user = RegisterUser(self._new_id(), name, email_address(email), role(user_role), 1, now, now)
        self._store.add_user(tenant_id, user)
        try:
            self._sign_ins.create(tenant_id, user)
        except (Conflict, Invalid):  # the pool refused the address: back out, admin count and all
            self._store.remove_user(tenant_id, user)
            raise
        self._event("UserAdded", tenant_id, actor, user.user_id)
        return user

    def change_user(
        self, caller: Caller, user_id: str, change: UserChange, *, if_match: int | None
    ) -> RegisterUser:
        tenant_id, actor, user = self._admin(caller, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        if if_match is not None and if_match != user.version:
            raise Stale(f"user {user_id} changed since that version was read (If-Match)")
        changed = replace(
            user,
            name=change.name if change.name is not None else user.name,
            email=email_address(change.email) if change.email is not None else user.email,
            role=role(change.role) if change.role is not None else user.role,
        )
        if changed == user:
            return user
        changed = replace(changed, version=user.version + 1, updated_at=format_instant(self._clock()))
        self._store.replace_user(tenant_id, user, changed)
        if changed.email != user.email:
            self._sign_ins.change_email(user.email, changed.email)
        self._event("UserUpdated", tenant_id, actor, user_id)
        return changed

    def remove_user(self, caller: Caller, user_id: str, *, if_match: int | None) -> None:
        tenant_id, actor, user = self._admin(caller, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        if if_match is not None and if_match != user.version:
            raise Stale(f"user {user_id} changed since that version was read (If-Match)")
        self._store.remove_user(tenant_id, user)
        self._sign_ins.disable(user.email)
        self._event("UserRemoved", tenant_id, actor, user_id)
