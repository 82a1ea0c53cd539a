"""``periodyear demo``: migrate and bill the demo's data in an in-process moto built from
template.yaml (no AWS account, no Docker, no network); its files under ``--out``."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from periodyear_local.cli_common import CliError, _month, console

DEMO_OUTPUT = frozenset(
    {"notices", "invoices", "invoice-mail", "summary-monthly.json", "summary-annual.json"}
)


def add_parser(commands: Any) -> None:
    demo_cmd = commands.add_parser("demo", help="migrate and bill demo data in an in-process moto")
    demo_cmd.add_argument("--period", default="2022-08", help="month to bill, YYYY-MM (default 2022-08)")
    demo_cmd.add_argument(
        "--out", type=Path, default=Path("out/demo"), help="output folder, emptied first (default out/demo)"
    )


def empty_output(out: Path) -> None:
    """Start the demo from an empty folder; never empty one the demo did not write."""
    if out.exists():
        if not out.is_dir():
            raise CliError(f"--out {out} is a file; give a folder")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in DEMO_OUTPUT)
        if foreign:
            raise CliError(
                f"--out {out} holds {', '.join(foreign[:3])}, which the demo did not write; "
                "give an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)


def run(args: argparse.Namespace) -> int:
    from periodyear_local.demo import run_demo  # noqa: PLC0415
    from periodyear_local.demo_data import FIRST_MONTH, LAST_MONTH  # noqa: PLC0415

    month = _month(args.period)
    first, last = f"{FIRST_MONTH:%Y-%m}", f"{LAST_MONTH:%Y-%m}"
    if not FIRST_MONTH <= month.start <= LAST_MONTH:
        raise CliError(
            f"--period {args.period}: the demo's data holds usage of {first} to {last}; "
            "give one of those months"
        )
    empty_output(args.out)
    return run_demo(console, args.period, args.out)
