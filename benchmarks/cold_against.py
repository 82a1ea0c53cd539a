"""Cold starts of this checkout against another revision, side by side in one run.

Run: .venv/bin/python benchmarks/cold_against.py REV   (``--quick`` for 3 rounds instead of 9)

Each handler is imported, and what its first event builds before its first AWS request is
built, in a fresh interpreter as Lambda runs it (the layer's compiled bytecode, no bytecode
written), with the template's environment; the two revisions' snippets and the floor are
interleaved round by round, so a busy machine slows all alike. Printed: each median in ms, each
against the floor (boto3 + Powertools' Logger and Metrics + one pydantic model), and this
checkout's against the revision's. A revision from before the bootstraps (issue 25) builds
through its ``wiring`` modules; the snippets say which of the two each tree has.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from cold import Snippet, medians
from scale import STACK_FLOOR

from periodyear_local.template import PROJECT_ROOT

FUNCTIONS = {
    "monthly_invoice": "MonthlyInvoiceFunction",
    "billing_worker": "BillingWorkerFunction",
    "migrate_tenant": "MigrateTenantFunction",
    "register_api": "RegisterApiFunction",
    "deliver_invoice": "DeliverInvoiceFunction",
}
# What each handler's first event builds, in a tree with its parts' bootstraps ...
BOOTSTRAP = {
    "monthly_invoice": "s = app._process(); s.fanning(); s.fan_out.plan",
    "billing_worker": "s = app._process(); s.fanning(); s.fan_out.work",
    "migrate_tenant": "app._process()",
    "register_api": "app._process()",
    "deliver_invoice": "app._process()",
}
# ... and in one with the wiring modules of before.
WIRING = {
    "monthly_invoice": "from periodyear.billing import wiring\nwiring.fan_out_settings(); wiring.fan_out()",
    "billing_worker": "from periodyear.billing import wiring\nwiring.fan_out_settings(); wiring.fan_out()",
    "migrate_tenant": "from periodyear.migration import wiring\nwiring.migration_service()",
    "register_api": "from periodyear.register import wiring\n"
    "wiring.client_service(); wiring.tenant_reads(); wiring.user_service()",
    "deliver_invoice": "app._service()",
}


def snippets(tree: Path, label: str) -> dict[str, Snippet]:
    built = BOOTSTRAP if (tree / "layers/shared/periodyear/billing/bootstrap.py").exists() else WIRING
    return {
        f"{label} {name}": (f"import functions.{name}.app as app\n{built[name]}", function)
        for name, function in FUNCTIONS.items()
    }


def main() -> None:
    revision = next((a for a in sys.argv[1:] if not a.startswith("--")), None)
    if revision is None:
        sys.exit("usage: cold_against.py REV [--quick]")
    rounds = 3 if "--quick" in sys.argv else 9
    with tempfile.TemporaryDirectory(prefix="cold-against-") as scratch:
        other = Path(scratch) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), revision], check=True, cwd=PROJECT_ROOT
        )
        try:
            found = medians(
                {
                    "floor": (STACK_FLOOR, None),
                    **snippets(other, "before"),
                    **snippets(PROJECT_ROOT, "after"),
                },
                rounds,
                as_lambda=True,
                compiled=True,
                projects=dict.fromkeys(snippets(other, "before"), other),
            )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], check=True, cwd=PROJECT_ROOT)
    floor = found["floor"]
    print(
        f"Cold start as Lambda (compiled bytecode), median of {rounds} interleaved rounds; "
        f"floor {1000 * floor:.0f} ms"
    )
    print(
        f"  {'handler + its first event':<20} {revision:>18} {'this checkout':>22} {'this / ' + revision:>14}"
    )
    for name in FUNCTIONS:
        before, after = found[f"before {name}"], found[f"after {name}"]
        print(
            f"  {name:<20} {1000 * before:6.0f} ms = {before / floor:.2f} × floor"
            f" {1000 * after:6.0f} ms = {after / floor:.2f} × floor {after / before:10.2f}"
        )


if __name__ == "__main__":
    main()
