"""Cold imports measured side by side: each snippet in a fresh interpreter, interleaved rounds,
medians. ``as_lambda`` runs them as Lambda does: the project's code copied without any
``__pycache__`` and no bytecode written (``PYTHONDONTWRITEBYTECODE=1``), so every module of
ours is compiled from source on each cold start, as from a read-only deployment package;
``compiled`` ships it as the layer's build does (``compileall``, unchecked-hash pycs).
"""

from __future__ import annotations

import compileall
import contextlib
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from periodyear_local.template import PROJECT_ROOT, function_environment

NAMES = {
    "RegisterTable": "r",
    "UsageTable": "u",
    "InvoicesTable": "i",
    "LegacyTable": "l",
    "MigrationTable": "m",
    "IdempotencyTable": "idem",
    "InvoiceDocumentsBucket": "b",
    "EventBus": "bus",
    "BillingQueue": "q",
    "MigrationScheduleGroup": "g",
    "RegisterUserPool": "pool",
}
ARNS = {
    "EventBus": "arn:aws:events:eu-north-1:1:event-bus/bus",
    "SchedulerDeliveryRole": "arn:aws:iam::1:role/r",
}
Snippet = tuple[str, str | None]  # the code, and the template function whose environment it runs in


@contextmanager
def _code_root(as_lambda: bool, compiled: bool, project: Path = PROJECT_ROOT) -> Iterator[list[Path]]:
    if not as_lambda:
        yield [project, project / "layers/shared"]
        return
    with tempfile.TemporaryDirectory(prefix="cold-") as scratch:
        root = Path(scratch)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(project / "functions", root / "task" / "functions", ignore=ignore)
        shutil.copytree(project / "layers/shared/periodyear", root / "opt" / "periodyear", ignore=ignore)
        if compiled:  # what layers/shared/Makefile ships
            unchecked = py_compile.PycInvalidationMode.UNCHECKED_HASH
            for folder in (root / "task", root / "opt"):
                compileall.compile_dir(folder, quiet=1, invalidation_mode=unchecked)
        yield [root / "task", root / "opt"]


def medians(
    snippets: Mapping[str, Snippet],
    rounds: int,
    *,
    as_lambda: bool = False,
    compiled: bool = False,
    projects: Mapping[str, Path] | None = None,
) -> dict[str, float]:
    """Median seconds each snippet takes in a fresh interpreter; ``projects``: the checkout a
    snippet runs in, where not this one (to compare revisions in the same rounds)."""
    samples: dict[str, list[float]] = {name: [] for name in snippets}
    where = {name: (projects or {}).get(name, PROJECT_ROOT) for name in snippets}
    with contextlib.ExitStack() as stack:
        paths = {
            project: stack.enter_context(_code_root(as_lambda, compiled, project))
            for project in set(where.values())
        }
        for _ in range(rounds):
            for name, values in samples.items():
                code, function = snippets[name]
                env = {
                    "PATH": os.environ.get("PATH", ""),
                    "PYTHONPATH": os.pathsep.join(str(p) for p in paths[where[name]]),
                    "POWERTOOLS_METRICS_NAMESPACE": "PeriodeOgAr",
                    "AWS_REGION": "eu-north-1",  # as Lambda sets them
                    "AWS_DEFAULT_REGION": "eu-north-1",
                }
                if as_lambda:
                    env["PYTHONDONTWRITEBYTECODE"] = "1"
                if function:
                    env |= function_environment(function, NAMES, ARNS)
                timed = f"import time\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
                # -P: the checkout (the working directory) is not on the path, only the copy
                out = subprocess.run(
                    [sys.executable, "-P", "-c", timed], env=env, capture_output=True, text=True, check=False
                )
                if out.returncode:
                    raise RuntimeError(f"{name} failed:\n{out.stderr}")
                values.append(float(out.stdout.strip().splitlines()[-1]))
    return {name: statistics.median(values) for name, values in samples.items()}
