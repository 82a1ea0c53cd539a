"""What every command of the local runner shares: the console, the one-line mistake, reading
settings from the environment or a deployed stack, and the values typed on the command line."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import NoReturn

from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError
from rich.console import Console

from periodyear.adapters.clients import Clients
from periodyear.config import ConfigurationError, EnvSettings
from periodyear.domain.calendar import Period, parse_date, parse_instant
from periodyear.domain.errors import InvalidInstant

BILLING_FUNCTIONS = {"monthly": "MonthlyInvoiceFunction", "annual": "AnnualInvoiceFunction"}
console = Console(width=max(132, shutil.get_terminal_size().columns))


class CliError(Exception):
    """An ordinary mistake: said in one line, with the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and ``--help`` shows the rest)."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see {self.prog} --help)")


def check_settings(*models: type[EnvSettings]) -> None:
    """Build each settings model from the environment now, so a gap is named before any work."""
    problems = []
    for model in models:
        try:
            model.load()
        except ConfigurationError as error:
            problems.append(error.problem)
    if problems:
        raise CliError(
            "not configured: " + "; ".join(problems) + " (or give --stack NAME to read a deployed stack)"
        )


@contextmanager
def configured(stack: str | None, functions: Sequence[str]) -> Iterator[Clients]:
    """The environment of ``functions`` from ``stack`` for the block, or the environment as it
    is, and the command's own AWS clients, made in it on first use."""
    if stack is None:
        yield Clients.fresh()
        return
    from periodyear_local.sandbox import patched_environ  # noqa: PLC0415
    from periodyear_local.stack import stack_environment  # noqa: PLC0415

    with patched_environ(stack_environment(stack, functions)):
        yield Clients.fresh()


def _aws_problem(error: Exception) -> str:
    if isinstance(error, NoRegionError):
        return "no AWS region: set AWS_DEFAULT_REGION (or AWS_PROFILE with a region)"
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code, message = details.get("Code", "Error"), details.get("Message", str(error))
        if code == "ResourceNotFoundException":
            return f"{message}: check the table and bucket names (or --stack NAME)"
        return f"AWS refused the request: {code}: {message}"
    return f"AWS could not be reached: {error}"


def _month(text: str) -> Period:
    try:
        return Period.parse_month(text)
    except ValueError:
        raise CliError(
            f"--period {text} is not a month: write YYYY-MM with a month 01-12, e.g. 2022-08"
        ) from None


def _instant(option: str, text: str) -> datetime:
    try:
        return parse_instant(text)
    except InvalidInstant:
        raise CliError(f"{option} {text} is not an instant: write YYYY-MM-DDTHH:MM:SSZ (UTC)") from None


def _day(option: str, text: str) -> date:
    try:
        return parse_date(text)
    except ValueError:
        raise CliError(f"{option} {text} is not a date: write YYYY-MM-DD") from None


def _day_text(day: date) -> str:
    return f"{day:%d.%m.%Y}"
