"""How many examples a property test draws: its full number in ``make check`` (and CI), a tenth
in the inner loop (``make test-unit`` sets ``PROPERTY_EXAMPLES=fast``)."""

from __future__ import annotations

import os


def examples(full: int) -> int:
    return max(10, full // 10) if os.environ.get("PROPERTY_EXAMPLES") == "fast" else full
