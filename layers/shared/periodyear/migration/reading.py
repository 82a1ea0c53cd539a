"""What a request and a move read of a tenant before they act: its legacy data, the new terms
it gets, and what the register will receive, validated (a refusal raises ``MigrationRefused``
before any lease, notice or write)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from periodyear.domain.migration import LegacyTenant, NewTerms, RegisterTenant, new_terms, register_content

if TYPE_CHECKING:
    from datetime import datetime

    from periodyear.domain.catalog import Catalog
    from periodyear.migration.ports import Legacy


@dataclass(frozen=True)
class Prepared:
    """One tenant as a step reads it."""

    legacy: LegacyTenant
    terms: NewTerms
    content: RegisterTenant  # what the register receives, migrated at the event's time


def prepare(legacy: Legacy, catalog: Catalog, tenant_id: str, now: datetime) -> Prepared:
    tenant = legacy.load(tenant_id)
    terms = new_terms(tenant, catalog)
    content = register_content(tenant, terms, now)  # validates what the register will receive
    return Prepared(tenant, terms, content)
