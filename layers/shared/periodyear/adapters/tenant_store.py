"""A tenant itself in the register table, as the register API reads and changes it (CONTRACT §9):
its PROFILE and SUBSCRIPTION, the operators' list of tenants, and a tenant created in the new
service (every item in one transaction) or taken back when its admin could not get a sign-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import error_code
from periodyear.adapters.register_items import (
    PROFILE,
    SUBSCRIPTION,
    key,
    listed_query,
    listed_tenant_id,
    new_tenant_items,
    profile_changes,
    tenant_pk,
    tenant_summary,
)
from periodyear.adapters.register_table import AtVersion
from periodyear.domain.client_register import Conflict, Stale

if TYPE_CHECKING:
    from periodyear.adapters.register_table import RegisterTable
    from periodyear.domain.client_register import Member, NewTenant

BATCH_GET_KEYS = 100


class TenantStore:
    def __init__(self, table: RegisterTable) -> None:
        self._table = table

    # ------------------------------------------------------------------ reads
    def member(self, tenant_id: str, user_id: str) -> Member:
        return self._table.member(tenant_id, user_id)

    def member_and_tenant(
        self, tenant_id: str, user_id: str
    ) -> tuple[Member, dict[str, Any] | None, dict[str, Any] | None]:
        """The caller's standing, the PROFILE and the SUBSCRIPTION, in one BatchGetItem."""
        member, items = self._table.standing(tenant_id, user_id, SUBSCRIPTION)
        return member, items.get(PROFILE), items.get(SUBSCRIPTION)

    def tenant_page(self, *, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` listed tenants in id order after the cursor's (``gsi1``, keys only),
        each its PROFILE's fields with the SUBSCRIPTION's ``package``; and the next cursor."""
        page = self._table.client.query(TableName=self._table.name, Limit=limit, **listed_query(after))
        ids = [listed_tenant_id(item) for item in page["Items"]]
        keys = [key(t, sk) for t in ids for sk in (PROFILE, SUBSCRIPTION)]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), BATCH_GET_KEYS):
            for item in self._table.get_many(keys[start : start + BATCH_GET_KEYS]):
                found[(str(item["pk"]), str(item["sk"]))] = item
        tenants = []
        for tenant_id in ids:
            profile = found.get((tenant_pk(tenant_id), PROFILE), {})
            subscription = found.get((tenant_pk(tenant_id), SUBSCRIPTION), {})
            tenants.append(tenant_summary(tenant_id, profile, subscription))
        more = page.get("LastEvaluatedKey") is not None and bool(ids)
        return tenants, ids[-1] if more else None

    # ------------------------------------------------------------------ writes
    def change_profile(self, tenant_id: str, version: int, changes: dict[str, Any], at: str) -> None:
        """Set (or, for ``None``, remove) the PROFILE's fields, on condition it is still ``version``."""
        sets, removes = profile_changes(changes, version=version + 1, at=at)
        update = self._table.update(tenant_id, PROFILE, sets, at=AtVersion(version), removes=removes)
        try:
            self._table.client.update_item(**update)
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            raise Stale("the tenant changed since it was read") from None

    def create_tenant(self, tenant: NewTenant) -> None:
        """Every item of the new tenant in one transaction, on condition its partition holds none
        of them: a tenant in the register already is a ``Conflict``."""
        actions = [self._table.put_new(item) for item in new_tenant_items(tenant)]
        if not self._table.transact(actions).committed:
            raise Conflict(f"a tenant {tenant.tenant_id} is in the register already")

    def remove_created_tenant(self, tenant: NewTenant) -> None:
        """Take back a tenant just created whose admin could not get a sign-in (nothing else can
        have been written for it: no one can sign in to it yet)."""
        keys = [key(tenant.tenant_id, str(item["sk"])) for item in new_tenant_items(tenant)]
        self._table.transact([{"Delete": {"TableName": self._table.name, "Key": k}} for k in keys])
