"""Reads template.yaml, so tests and the demo build exactly the infrastructure it declares."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from periodyear.config import Seller

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = PROJECT_ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that reads the short intrinsic forms (``!Ref X`` → ``{"Ref": "X"}``)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@functools.cache
def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)
    return document


def resources(kind: str, template: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Logical id → properties of every resource of a type."""
    document = template or load_template()
    return {
        name: resource.get("Properties", {})
        for name, resource in document["Resources"].items()
        if resource["Type"] == kind
    }


def table_definitions() -> dict[str, dict[str, Any]]:
    """``create_table`` arguments for every DynamoDB table, named by its logical id."""
    definitions = {}
    for name, props in resources("AWS::DynamoDB::Table").items():
        arguments: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props["BillingMode"],
        }
        if "GlobalSecondaryIndexes" in props:
            arguments["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        definitions[name] = arguments
    return definitions


STACK_NAME = "periodyear-local"


# The parameters a deployment must name (no default in template.yaml), with SAMPLE values for
# the local demo and the tests only: they never reach a deployment (docs/deploy.md).
LOCAL_PARAMETERS = {
    "SellerName": "Eksempel Programvare AS (SAMPLE)",
    "SellerOrgNumber": "999999999",  # passes the MOD11 check, belongs to no one
    "SellerAccountNumber": "12345678903",  # a valid MOD11 account number used in examples
    "SellerStreet": "Eksempelveien 1",
    "SellerPostalCode": "0150",
    "SellerCity": "Oslo",
    "SellerEmail": "faktura@example.no",
    "NoticeSender": "periode-og-ar@example.no",
    "NoticeContact": "https://example.no/periode-og-ar/kontakt",
    "TermsUrl": "https://example.no/periode-og-ar/vilkar",
    # The access point locally is a stand-in on 127.0.0.1 (periodyear_local.access_point); its
    # address is known once it listens, so the local tools set ACCESS_POINT_URL themselves.
    "AccessPointUrl": "https://access-point.invalid/api/v2",
    "AccessPointLegalEntityId": "4711",
    "InvoiceSender": "faktura@example.no",
}
LOCAL_ACCESS_POINT_KEY = "local-access-point-key (SAMPLE)"  # the local secret's value


def parameter_defaults() -> dict[str, str]:
    """Each parameter's default in template.yaml (parameters without one are left out)."""
    return {
        name: str(spec["Default"])
        for name, spec in load_template().get("Parameters", {}).items()
        if "Default" in spec
    }


def parameter_values() -> dict[str, str]:
    """The values a local stack gets: the template's defaults, and the SAMPLE values above."""
    return parameter_defaults() | LOCAL_PARAMETERS


def sample_seller() -> Seller:
    """The SAMPLE seller of the local stack, for tests that build documents without one."""
    return Seller.model_validate(sample_seller_values())


def sample_seller_values() -> dict[str, str]:
    """``Seller`` field → the local SAMPLE value (for tests that build documents without a stack)."""
    return {
        "name": LOCAL_PARAMETERS["SellerName"],
        "org_number": LOCAL_PARAMETERS["SellerOrgNumber"],
        "bank_account": LOCAL_PARAMETERS["SellerAccountNumber"],
        "street": LOCAL_PARAMETERS["SellerStreet"],
        "postal_code": LOCAL_PARAMETERS["SellerPostalCode"],
        "city": LOCAL_PARAMETERS["SellerCity"],
        "email": LOCAL_PARAMETERS["SellerEmail"],
    }


def substitute(value: str | Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``!Sub`` for the names the template uses locally (stack name, resources, parameters)."""
    text = str(value["Fn::Sub"]) if isinstance(value, Mapping) else value
    values = {"AWS::StackName": STACK_NAME, **parameter_values(), **names}
    for key, replacement in values.items():
        text = text.replace("${" + key + "}", replacement)
    return text


def _resolve(value: Any, names: Mapping[str, str], arns: Mapping[str, str]) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):  # a YAML number, as CloudFormation passes it on: text
        return str(value)
    if isinstance(value, dict) and "Ref" in value:
        ref = str(value["Ref"])
        if ref == "AWS::NoValue":
            return None
        if ref in names:
            return names[ref]
        if ref in load_template().get("Parameters", {}):
            return parameter_values().get(ref)  # None for an empty parameter without a local value
        return ref
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        if attribute == "Arn" and resource in arns:
            return arns[resource]
        raise ValueError(f"no local value for {resource}.{attribute}")
    if isinstance(value, dict) and "Fn::If" in value:
        return None  # conditional settings are left at their defaults locally
    raise ValueError(f"cannot resolve {value!r} locally")


def function_environment(
    function: str, names: Mapping[str, str], arns: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a function gets from the template (Globals, then its own)."""
    document = load_template()
    merged: dict[str, Any] = dict(
        document.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    props = resources("AWS::Serverless::Function")[function]
    merged.update(props.get("Environment", {}).get("Variables", {}))
    resolved = {key: _resolve(value, names, arns or {}) for key, value in merged.items()}
    return {key: value for key, value in resolved.items() if value is not None}
