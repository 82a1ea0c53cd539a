"""``/v1/users``: a tenant's users; an admin adds, changes and removes them (CONTRACT §9)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from periodyear.domain.client_register import UserChange
from periodyear.register.models import ID_PATTERN, NewUser, User, UserFields, UserPage
from periodyear.register.routes.shared import (
    IdempotencyKey,
    IfMatch,
    caller,
    created,
    etag,
    named_version,
    problems,
    services,
)

router = Router()  # type: ignore[no-untyped-call]
PathUserId = Annotated[str, Path(pattern=ID_PATTERN, description="the user's id", examples=["u1"])]


@router.get(
    "/v1/users",
    summary="The tenant's users",
    responses={200: {"description": "A page of users"}, **problems()},
)
def list_users(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the page before")] = None,
) -> Response[UserPage]:
    users, after = services(router).tenant_reads.users(caller(router), limit=limit, cursor=cursor)
    page = UserPage(items=[User.model_validate(u.as_resource()) for u in users], next_cursor=after)
    return Response(200, "application/json", page)


@router.post(
    "/v1/users",
    summary="Add a user (admins): the user pool sends the sign-in invitation",
    responses={201: {"description": "Added; Location names it"}, **problems(400, 409, 413)},
)
def add_user(user: NewUser, idempotency_key: IdempotencyKey = None) -> Response[User]:
    users, who = services(router).users, caller(router)  # read before a keyed POST's first write

    def run() -> Response[User]:
        added = users.add_user(who, name=user.name, email=user.email, user_role=user.role)
        headers = {"Location": f"/v1/users/{added.user_id}", "ETag": etag(added.version)}
        return Response(201, "application/json", User.model_validate(added.as_resource()), headers=headers)

    return created(router, idempotency_key, "POST /v1/users", user, run)


@router.patch(
    "/v1/users/<user_id>",
    summary="Rename a user, change its email or role (admins)",
    responses={200: {"description": "Changed"}, **problems(400, 404, 409, 412, 413)},
)
def change_user(user_id: PathUserId, fields: UserFields, if_match: IfMatch = None) -> Response[User]:
    change = UserChange(name=fields.name, email=fields.email, role=fields.role)
    changed = services(router).users.change_user(
        caller(router), user_id, change, if_match=named_version(if_match)
    )
    headers = {"ETag": etag(changed.version)}
    return Response(200, "application/json", User.model_validate(changed.as_resource()), headers=headers)


@router.delete(
    "/v1/users/<user_id>",
    summary="Remove a user and disable its sign-in (admins)",
    responses={204: {"description": "Removed"}, **problems(404, 409, 412)},
)
def remove_user(user_id: PathUserId, if_match: IfMatch = None) -> Response[None]:
    services(router).users.remove_user(caller(router), user_id, if_match=named_version(if_match))
    return Response(204, None, None)
