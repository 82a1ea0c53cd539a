"""The seller and the customer-facing addresses are named by each deployment, never sample values."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from periodyear.config import SELLER_PARAMETERS, ConfigurationError, MigrationSettings, Seller
from periodyear_local.template import (
    LOCAL_PARAMETERS,
    function_environment,
    load_template,
    parameter_values,
    sample_seller_values,
)

DEPLOYMENT_PARAMETERS = (
    "SellerName",
    "SellerOrgNumber",
    "SellerAccountNumber",
    "SellerStreet",
    "SellerPostalCode",
    "SellerCity",
    "SellerEmail",
    "NoticeSender",
    "NoticeContact",
    "TermsUrl",
)
FUNCTIONS_THAT_INVOICE = ("MonthlyInvoiceFunction", "AnnualInvoiceFunction")


def parameter(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = load_template()["Parameters"][name]
    return spec


def allowed(name: str, value: str) -> bool:
    """What CloudFormation does with AllowedPattern: the whole value must match."""
    pattern = parameter(name).get("AllowedPattern")
    minimum = int(parameter(name).get("MinLength", 0))
    return len(value) >= minimum and (pattern is None or re.fullmatch(pattern, value) is not None)


@pytest.mark.parametrize("name", DEPLOYMENT_PARAMETERS)
def test_a_deployment_must_name_every_seller_and_notice_parameter(name: str) -> None:
    # Given the template, then the parameter has no default to fall back on, and is checked
    spec = parameter(name)
    assert "Default" not in spec
    assert "AllowedPattern" in spec or "MinLength" in spec


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("SellerOrgNumber", "923609016", ["92360901", "123456789", "923 609 016", ""]),
        ("SellerAccountNumber", "12345678903", ["1234.56.78903", "1234567890", ""]),
        ("SellerPostalCode", "0150", ["150", "O150", ""]),
        ("SellerEmail", "faktura@visma.example", ["faktura", "faktura@visma", ""]),
        ("NoticeSender", "periode-og-ar@visma.example", ["periode-og-ar", ""]),
        ("NoticeContact", "https://visma.example/kontakt", ["visma.example/kontakt", "http://x.no", ""]),
        ("NoticeContact", "kundeservice@visma.example", ["kundeservice@visma", ""]),
        ("TermsUrl", "https://visma.example/vilkar", ["www.visma.example/vilkar", ""]),
        ("SellerName", "Visma Software AS", ["", " ", "X"]),
        ("AlarmEmail", "drift@visma.example", ["drift@", ""]),  # required: alarms must reach someone
    ],
)
def test_the_parameter_patterns_take_real_values_and_refuse_typical_mistakes(
    name: str, good: str, bad: list[str]
) -> None:
    assert allowed(name, good)
    for value in bad:
        assert not allowed(name, value), value


def test_the_local_sample_values_pass_the_templates_checks_and_are_marked_sample() -> None:
    for name, value in LOCAL_PARAMETERS.items():
        assert allowed(name, value), name
    assert "SAMPLE" in LOCAL_PARAMETERS["SellerName"]
    assert set(DEPLOYMENT_PARAMETERS) <= set(parameter_values())


@pytest.mark.parametrize("function", FUNCTIONS_THAT_INVOICE)
def test_the_invoicing_functions_get_the_seller_from_the_parameters(
    function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = function_environment(function, {})
    for field, (variable, name) in SELLER_PARAMETERS.items():
        assert environment[variable] == LOCAL_PARAMETERS[name], field
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    seller = Seller.load()
    assert (seller.name, seller.org_number, seller.bank_account) == (
        "Eksempel Programvare AS (SAMPLE)",
        "999999999",
        "12345678903",
    )


def test_the_migration_function_gets_the_notice_contact_and_terms_page() -> None:
    arns = {"EventBus": "arn:bus", "SchedulerDeliveryRole": "arn:role"}
    environment = function_environment("MigrateTenantFunction", {}, arns)
    assert environment["NOTICE_CONTACT"] == LOCAL_PARAMETERS["NoticeContact"]
    assert environment["TERMS_URL"] == LOCAL_PARAMETERS["TermsUrl"]
    settings = MigrationSettings.model_validate(
        {
            "legacy_table": "l",
            "register_table": "r",
            "migration_table": "m",
            "notice_sender": "a@b.no",
            "event_bus_name": "b",
            "event_bus_arn": "arn",
            "migration_schedule_group": "g",
            "scheduler_role_arn": "arn",
            "notice_contact": environment["NOTICE_CONTACT"],
            "terms_url": environment["TERMS_URL"],
        }
    )
    assert settings.terms_url == "https://example.no/periode-og-ar/vilkar"


def test_an_unconfigured_seller_stops_with_the_variables_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, _ in SELLER_PARAMETERS.values():
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(ConfigurationError) as refused:
        Seller.load()
    message = str(refused.value)
    assert "the seller is not configured: set SELLER_NAME, SELLER_ORG_NUMBER, SELLER_BANK_ACCOUNT" in message
    assert "template parameters SellerName, SellerOrgNumber, SellerAccountNumber" in message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org_number", "999999998", "SELLER_ORG_NUMBER '999999998' is not a Norwegian organisation number"),
        ("bank_account", "12345678904", "SELLER_BANK_ACCOUNT '12345678904' is not a Norwegian account"),
        ("postal_code", "150", "SELLER_POSTAL_CODE '150' is not a Norwegian postal code"),
        ("email", "faktura", "SELLER_EMAIL 'faktura' is not an e-mail address"),
    ],
)
def test_a_wrong_seller_number_is_refused_at_start_up_naming_the_variable(
    field: str, value: str, message: str
) -> None:
    # MOD11 cannot be checked by CloudFormation: the function checks it when it starts
    with pytest.raises(ValidationError, match=re.escape(message)):
        Seller.model_validate(sample_seller_values() | {field: value})


def test_spaces_and_dots_in_numbers_are_accepted_and_dropped() -> None:
    seller = Seller.model_validate(
        sample_seller_values() | {"org_number": "923 609 016", "bank_account": "1234.56.78903"}
    )
    assert (seller.org_number, seller.bank_account, seller.vat_id) == (
        "923609016",
        "12345678903",
        "NO923609016MVA",
    )
