"""``/v1/clients``: a tenant's clients, added, changed and archived by its users (CONTRACT §9)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from periodyear.domain.client_register import ClientChange
from periodyear.register.models import ID_PATTERN, Client, ClientFields, ClientPage, NewClient
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
PathClientId = Annotated[str, Path(pattern=ID_PATTERN, description="the client's id", examples=["c1"])]


@router.get(
    "/v1/clients",
    summary="The tenant's clients",
    responses={200: {"description": "A page of clients"}, **problems()},
)
def list_clients(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the page before")] = None,
    include_archived: Annotated[bool, Query()] = False,
) -> Response[ClientPage]:
    page = services(router).clients.list_clients(
        caller(router), limit=limit, cursor=cursor, include_archived=include_archived
    )
    body = ClientPage(items=[Client.of(c) for c in page.items], next_cursor=page.next_cursor)
    return Response(200, "application/json", body)


@router.post(
    "/v1/clients",
    summary="Add a client",
    responses={201: {"description": "Added; Location names it"}, **problems(400, 409, 413)},
)
def add_client(client: NewClient, idempotency_key: IdempotencyKey = None) -> Response[Client]:
    clients, who = services(router).clients, caller(router)  # read before a keyed POST's first write

    def run() -> Response[Client]:
        added = clients.add_client(who, name=client.name, org=client.org_number, client_id=client.client_id)
        headers = {"Location": f"/v1/clients/{added.client_id}", "ETag": etag(added.version)}
        return Response(201, "application/json", Client.of(added), headers=headers)

    return created(router, idempotency_key, "POST /v1/clients", client, run)


@router.get(
    "/v1/clients/<client_id>",
    summary="One client",
    responses={200: {"description": "The client, with its ETag"}, **problems(404)},
)
def get_client(client_id: PathClientId) -> Response[Client]:
    found = services(router).clients.client(caller(router), client_id)
    return Response(200, "application/json", Client.of(found), headers={"ETag": etag(found.version)})


@router.patch(
    "/v1/clients/<client_id>",
    summary="Rename or renumber a client",
    responses={200: {"description": "Changed"}, **problems(400, 404, 409, 412, 413)},
)
def change_client(
    client_id: PathClientId, fields: ClientFields, if_match: IfMatch = None
) -> Response[Client]:
    change = ClientChange(
        name=fields.name, org_number=fields.org_number, asked=frozenset(fields.model_fields_set)
    )
    changed = services(router).clients.change_client(
        caller(router), client_id, change, if_match=named_version(if_match)
    )
    return Response(200, "application/json", Client.of(changed), headers={"ETag": etag(changed.version)})


@router.delete(
    "/v1/clients/<client_id>",
    summary="Archive a client (it stays, read-only)",
    responses={204: {"description": "Archived"}, **problems(404, 409, 412)},
)
def archive_client(client_id: PathClientId, if_match: IfMatch = None) -> Response[None]:
    services(router).clients.archive_client(caller(router), client_id, if_match=named_version(if_match))
    return Response(204, None, None)
