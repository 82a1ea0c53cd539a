"""Shared by every suite: where the test data and the EHF rules are, and the EHF check's fixture.

The AWS fixtures are the integration suite's (tests/integration/conftest.py), so the unit suite
does not load moto."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.ehf import EhfValidator

DATA = Path(__file__).parent / "data"
# The EHF schemas and rules are data beside the project (../shared/ehf), read where they are.
EHF_DIR = Path(os.environ.get("EHF_DIR", Path(__file__).resolve().parents[2] / "shared" / "ehf"))
WORKED_EXAMPLE_CATALOG = DATA / "worked_example_catalog.json"


@pytest.fixture(scope="session")
def ehf() -> EhfValidator:
    if not (EHF_DIR / "peppol-bis-3").is_dir():
        pytest.fail(
            f"the EHF schemas and rules are not at {EHF_DIR} (../shared/ehf); set EHF_DIR to where they are"
        )
    from tests.ehf import EhfValidator  # noqa: PLC0415 (lxml and Saxon for the suites that check EHF)

    return EhfValidator()
