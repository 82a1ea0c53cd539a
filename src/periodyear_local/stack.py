"""A deployed stack's settings for the CLI: the environment a function gets there, read from the
stack's outputs and parameters (CloudFormation ``DescribeStacks``) the way template.yaml wires them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import boto3

from periodyear.domain.errors import PeriodYearError
from periodyear_local.template import load_template, resources


class StackError(PeriodYearError):
    """The stack cannot supply what the CLI needs (absent, or deployed without an output)."""


def _template_variables(function: str) -> dict[str, Any]:
    document = load_template()
    merged: dict[str, Any] = dict(
        document.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    merged.update(
        resources("AWS::Serverless::Function")[function].get("Environment", {}).get("Variables", {})
    )
    return merged


def environment_from(
    functions: Iterable[str],
    outputs: Mapping[str, str],
    parameters: Mapping[str, str],
    stack: str = "the stack",
) -> dict[str, str]:
    """The variables ``functions`` get in a deployment with these outputs and parameter values.

    A variable set from a parameter takes the parameter's value; one set from a resource takes
    the stack output whose value is that same reference. ``CATALOG_PATH`` (a path inside
    Lambda) is left out: the CLI uses the catalog shipped with the code."""
    document = load_template()
    declared = document.get("Parameters", {})
    output_of = {json.dumps(spec["Value"], sort_keys=True): key for key, spec in document["Outputs"].items()}
    environment: dict[str, str] = {}
    for function in functions:
        for variable, value in _template_variables(function).items():
            if isinstance(value, str | int | float):
                environment[variable] = str(value)
            elif isinstance(value, dict) and "Fn::If" in value:
                continue
            elif isinstance(value, dict) and value.get("Ref") in declared:
                if str(parameters.get(value["Ref"], "")):
                    environment[variable] = str(parameters[value["Ref"]])
            else:
                key = output_of.get(json.dumps(value, sort_keys=True))
                if key is None:
                    raise StackError(f"template.yaml has no output for {variable} ({value}); add one")
                if key not in outputs:
                    raise StackError(
                        f"{stack} has no output {key} (for {variable}): deploy the current template.yaml"
                    )
                environment[variable] = outputs[key]
    return environment


def stack_environment(stack: str, functions: Iterable[str], client: Any = None) -> dict[str, str]:
    """Read ``stack`` with ``DescribeStacks`` and return the environment of ``functions``."""
    cloudformation = client or boto3.client("cloudformation")
    try:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    except cloudformation.exceptions.ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise StackError(f"cannot read stack {stack!r}: {message}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    parameters = {
        p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", ""))
        for p in described.get("Parameters", [])
    }
    return environment_from(functions, outputs, parameters, f"stack {stack!r}")
