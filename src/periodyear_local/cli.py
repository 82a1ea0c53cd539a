"""The local runner: ``periodyear demo | serve | invoice | report | run | deliveries | migrate | openapi``.

``demo`` runs everything in an in-process moto built from template.yaml: no AWS account,
no Docker, no network. ``invoice`` and ``migrate`` run the same code as the Lambda
functions against the AWS the environment points at (credentials, region, the
functions' environment variables, ``AWS_ENDPOINT_URL`` for a local endpoint), or against a
deployed stack named with ``--stack NAME`` (its outputs and parameters give the settings).

A mistake ends with one line on stderr and a non-zero exit: 2 when nothing was done (a wrong
argument, missing settings, a period that has not ended), 1 when a run left something undone
(failed tenants, a refused migration step).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from botocore.exceptions import BotoCoreError, ClientError

from periodyear.domain.errors import PeriodYearError
from periodyear_local import (
    cli_deliveries,
    cli_demo,
    cli_invoice,
    cli_migrate,
    cli_openapi,
    cli_report,
    cli_run,
    cli_serve,
)
from periodyear_local.cli_common import CliError, _aws_problem, _Parser

HELP = """The local runner of Periode & År (.venv/bin/periodyear, or .venv/bin/python -m periodyear_local).

demo runs everything in an in-process moto built from template.yaml: no AWS account, no Docker,
no network. serve runs the start page and the register API on localhost over the same.
invoice, report, run, deliveries and migrate run the same code as the Lambda functions against
the AWS the environment points at (credentials, region, the functions' environment variables,
AWS_ENDPOINT_URL for a local endpoint), or against a deployed stack named with --stack NAME.

A mistake ends with one line on stderr and a non-zero exit: 2 when nothing was done (a wrong
argument, missing settings, a period that has not ended), 1 when a run left something undone
(failed tenants, a refused migration step, an invoice not delivered)."""
# Each command is a module with ``add_parser(commands)`` and ``run(args) -> exit code``.
COMMANDS: dict[str, ModuleType] = {
    "demo": cli_demo,
    "invoice": cli_invoice,
    "serve": cli_serve,
    "deliveries": cli_deliveries,
    "openapi": cli_openapi,
    "run": cli_run,
    "report": cli_report,
    "migrate": cli_migrate,
}


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="periodyear", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.add_parser(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    from periodyear.observability import logger  # noqa: PLC0415

    level = logger.log_level
    logger.setLevel("WARNING")  # the CLI prints its own summary; the JSON log is for Lambda
    try:
        args = parser().parse_args(argv)
        code: int = COMMANDS[args.command].run(args)
        return code
    except CliError as mistake:
        print(f"periodyear: {mistake}", file=sys.stderr)
        return mistake.code
    except PeriodYearError as refusal:  # the rules refused the request: nothing was done
        print(f"periodyear: {refusal}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"periodyear: {_aws_problem(error)}", file=sys.stderr)
        return 2
    finally:
        logger.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
