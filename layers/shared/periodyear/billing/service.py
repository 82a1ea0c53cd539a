"""The billing run: one path for monthly and annual invoices, along the run's verbs.

``run`` lists the tenants and bills them; ``bill_tenants`` bills a given list (what a worker
of a fanned-out run does with one batch). Tenants are worked a chunk at a time: each is read
(``reading``) and priced (``pricing``); the chunk's invoices are issued in one transaction, then
their documents are made and announced together (``issuing``). A tenant that fails is reported
(``outcomes``) and never stops the run; a tenant already invoiced for the period is left alone.
The late-usage report reads the same way and is its own module (``late_usage``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import batched
from typing import TYPE_CHECKING

from periodyear.billing.issuing import Issuer
from periodyear.billing.outcomes import RunResult, TenantResult, failed
from periodyear.billing.pricing import Found, Priced, price
from periodyear.billing.reading import Reader
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.billing.ports import Documents, Invoices, Register, Usage
    from periodyear.billing.request import BillingPlan
    from periodyear.domain.catalog import Catalog

CHUNK = 25  # tenants priced, then issued in one transaction, then documented together


class BillingService:
    def __init__(
        self,
        *,
        register: Register,
        usage: Usage,
        invoices: Invoices,
        catalog: Catalog,
        documents: Documents | None = None,
        chunk: int = CHUNK,
    ) -> None:
        self._register = register
        self._catalog = catalog
        self._reader = Reader(register=register, usage=usage, invoices=invoices, catalog=catalog)
        self._issuer = Issuer(invoices=invoices, documents=documents)
        self._chunk = chunk

    def tenant_ids(self) -> Iterable[str]:
        return self._register.tenant_ids()

    def run(self, plan: BillingPlan, on_tenant: Callable[[TenantResult], None] | None = None) -> RunResult:
        tenant_ids = plan.tenant_ids if plan.tenant_ids is not None else self._register.tenant_ids()
        return self.bill_tenants(tenant_ids, plan, on_tenant)

    def bill_tenants(
        self,
        tenant_ids: Iterable[str],
        plan: BillingPlan,
        on_tenant: Callable[[TenantResult], None] | None = None,
    ) -> RunResult:
        result = RunResult(plan)
        with logger.append_context_keys(run_id=plan.run_id, period=plan.period.label, kind=plan.kind.value):
            for chunk in batched(tenant_ids, self._chunk, strict=False):
                for outcome in self._bill_chunk(chunk, plan):
                    result.tenants.append(outcome)
                    if on_tenant:
                        on_tenant(outcome)
            logger.info("billing finished", extra={"tally": result.tally().as_dict()})
        return result

    def _bill_chunk(self, tenant_ids: Sequence[str], plan: BillingPlan) -> list[TenantResult]:
        results: dict[str, TenantResult] = {}
        priced: dict[str, Priced] = {}
        found: dict[str, Found] = {}
        for tenant_id in dict.fromkeys(tenant_ids):
            with logger.append_context_keys(tenant_id=tenant_id):
                try:
                    outcome = price(self._reader.read(tenant_id, plan), plan, self._catalog)
                except Exception as error:  # a bad tenant never stops the run; the summary names it
                    results[tenant_id] = failed(tenant_id, error)
                    continue
            if isinstance(outcome, Priced):
                priced[tenant_id] = outcome
            elif isinstance(outcome, Found):
                found[tenant_id] = outcome
            else:
                results[tenant_id] = outcome
        if priced or found:
            results.update(self._issuer.issue(priced, found, plan))
        return [results[t] for t in dict.fromkeys(tenant_ids)]
