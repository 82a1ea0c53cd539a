"""The register's rules for the tenant itself (CONTRACT §9): what a profile change may set, what
a tenant created in the new service holds, and from which day it is billed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from periodyear.domain.calendar import OSLO
from periodyear.domain.client_register import (
    Invalid,
    RegisterUser,
    TenantChange,
    first_billed_day,
    new_tenant,
    profile_changes,
)

PROFILE: dict[str, object] = {
    "name": "Firma AS",
    "email": "f@a.example",
    "language": "nb",
    "org_number": "923609016",
}
ADMIN = RegisterUser("u1", "Kari", "kari@a.example", "admin", 1)
FIELDS: dict[str, object] = {
    "tenant_id": "firm-c",
    "name": "Ny AS",
    "org_number": "914778271",
    "email": "f@ny.example",
    "package": "KOMPLETT",
}


def test_a_change_sets_only_what_differs_and_removes_what_is_set_to_null() -> None:
    change = TenantChange(
        name="Firma AS",
        customer_reference=" Ola ",
        address={"street": "Storgata 1", "country": "NO"},
        asked=frozenset({"name", "customer_reference", "address"}),
    )
    assert profile_changes(PROFILE, change) == {
        "customer_reference": "Ola",
        "address": {"street": "Storgata 1", "country": "NO"},
    }
    removal = TenantChange(asked=frozenset({"customer_reference"}))
    assert profile_changes({**PROFILE, "customer_reference": "Ola"}, removal) == {"customer_reference": None}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (TenantChange(asked=frozenset({"org_number"})), "org_number"),
        (TenantChange(asked=frozenset({"name"})), "name"),
        (TenantChange(email="not an address", asked=frozenset({"email"})), "email"),
        (TenantChange(language="se", asked=frozenset({"language"})), "language"),
        (TenantChange(address={"country": "Norge"}, asked=frozenset({"address"})), "address"),
    ],
)
def test_a_change_the_rules_refuse_names_its_field(change: TenantChange, named: str) -> None:
    with pytest.raises(Invalid) as refused:
        profile_changes(PROFILE, change)
    assert list(refused.value.fields or {}) == [named]


@given(
    st.datetimes(
        min_value=datetime(2022, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds with timezones=)
        max_value=datetime(2040, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_a_created_tenant_is_billed_from_the_first_of_the_oslo_month_it_was_created_in(
    moment: datetime,
) -> None:
    first = first_billed_day(moment)
    oslo = moment.astimezone(OSLO).date()
    assert first.day == 1
    assert (first.year, first.month) == (oslo.year, oslo.month)
    assert first <= oslo < first + timedelta(days=31)


def test_the_last_evening_of_a_month_in_oslo_is_already_the_next_month() -> None:
    assert first_billed_day(datetime(2022, 4, 30, 22, 30, tzinfo=UTC)) == date(2022, 5, 1)  # 00:30 in Oslo


def test_a_new_tenant_holds_no_legacy_terms_and_refuses_what_the_catalog_does_not_sell() -> None:
    made = new_tenant(
        FIELDS,
        ADMIN,
        packages=frozenset({"KOMPLETT"}),
        terms_from=date(2022, 3, 1),
        now=datetime(2022, 5, 2, tzinfo=UTC),
    )
    assert (made.language, made.price_switch_date, made.address, made.customer_reference) == (
        "nb",
        date(2022, 5, 1),
        None,
        None,
    )
    with pytest.raises(Invalid) as refused:
        new_tenant({**FIELDS, "package": "ARSOPPGJOR"}, ADMIN, packages=frozenset({"KOMPLETT"}),
                   terms_from=date(2022, 3, 1), now=datetime(2022, 5, 2, tzinfo=UTC))  # fmt: skip
    assert list(refused.value.fields or {}) == ["package"]


def test_the_invoice_address_is_an_address_and_null_sends_invoices_to_the_email_again() -> None:
    # Given a firm whose invoices should go to its bookkeeping inbox
    change = TenantChange(invoice_email="faktura@a.example", asked=frozenset({"invoice_email"}))
    assert profile_changes(PROFILE, change) == {"invoice_email": "faktura@a.example"}
    # When it is removed again, the profile loses it (invoices go to ``email``)
    removal = TenantChange(asked=frozenset({"invoice_email"}))
    assert profile_changes({**PROFILE, "invoice_email": "faktura@a.example"}, removal) == {
        "invoice_email": None
    }
    # and an address that is none is refused by its own name
    with pytest.raises(Invalid) as refused:
        profile_changes(PROFILE, TenantChange(invoice_email="faktura", asked=frozenset({"invoice_email"})))
    assert refused.value.fields == {"invoice_email": "not an address"}
