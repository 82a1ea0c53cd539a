"""What every chapter of the demo is given: where it prints and writes, the in-process AWS built
from template.yaml, and the demo's own clients of it; and the little formatting they share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from periodyear.adapters.clients import Clients
from periodyear_local.sandbox import Provisioned


@dataclass(frozen=True)
class DemoContext:
    console: Console
    out: Path  # the output folder (notices, invoices, e-mails, summaries)
    provisioned: Provisioned  # the template's resources in moto, and each function's environment
    clients: Clients  # the demo's own reads and writes of them

    @property
    def names(self) -> dict[str, str]:
        """Logical id → physical name of each provisioned resource."""
        return self.provisioned.names

    def progress(self) -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )


def nok(value: Any) -> str:
    return f"{Decimal(value):,.2f}".replace(",", " ")


def json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
