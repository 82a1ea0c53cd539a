"""The CLI explains an ordinary mistake in one line and exits non-zero, never with a traceback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from periodyear.config import SELLER_PARAMETERS
from periodyear.domain.calendar import oslo_date
from periodyear_local.cli import main

SETTINGS = [
    "USAGE_TABLE",
    "REGISTER_TABLE",
    "INVOICES_TABLE",
    "DOCUMENTS_BUCKET",
    "EVENT_BUS_NAME",
    "LEGACY_TABLE",
    "MIGRATION_TABLE",
    "NOTICE_SENDER",
    "NOTICE_CONTACT",
    "TERMS_URL",
    "EVENT_BUS_ARN",
    "MIGRATION_SCHEDULE_GROUP",
    "SCHEDULER_ROLE_ARN",
    *(variable for variable, _ in SELLER_PARAMETERS.values()),
]


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in SETTINGS:
        monkeypatch.delenv(variable, raising=False)


def answer(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line
    assert "Traceback" not in err
    return code, err.strip()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["invoice", "monthly", "--period", "2022-13"],
            "periodyear: --period 2022-13 is not a month: write YYYY-MM with a month 01-12, e.g. 2022-08",
        ),
        (
            ["invoice", "annual", "--period", "2022-08"],
            "periodyear: an annual run takes --year YYYY, not --period (it bills September to August)",
        ),
        (
            ["invoice", "monthly", "--year", "2022"],
            "periodyear: a monthly run takes --period YYYY-MM, not --year",
        ),
        (
            ["invoice", "annual", "--year", "22"],
            "periodyear: --year 22 is not a year this service bills: write YYYY, e.g. 2022",
        ),
        (
            ["invoice", "monthly", "--period", "2022-08", "--issue-date", "1.9.2022"],
            "periodyear: --issue-date 1.9.2022 is not a date: write YYYY-MM-DD",
        ),
        (
            ["invoice", "weekly"],
            "periodyear: argument kind: invalid choice: 'weekly' (choose from 'monthly', 'annual') "
            "(see periodyear invoice --help)",
        ),
        (
            ["migrate", "due", "t1", "--at", "2021-11-15 10:00"],
            "periodyear: --at 2021-11-15 10:00 is not an instant: write YYYY-MM-DDTHH:MM:SSZ (UTC)",
        ),
    ],
)
def test_a_wrong_argument_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], unconfigured: None, argv: list[str], expected: str
) -> None:
    assert answer(capsys, *argv) == (2, expected)


def test_an_old_month_without_an_issue_date_is_refused_so_it_is_not_dated_today(
    capsys: pytest.CaptureFixture[str], unconfigured: None
) -> None:
    today = oslo_date(datetime.now(UTC))
    code, message = answer(capsys, "invoice", "monthly", "--period", "2022-08")
    assert code == 2
    assert message == (
        "periodyear: monthly 2022-08 ended 31.08.2022: give --issue-date YYYY-MM-DD, or its invoices "
        f"would be dated today ({today:%d.%m.%Y}) with the due date from today"
    )


def test_missing_tables_and_seller_are_named_with_the_stack_alternative(
    capsys: pytest.CaptureFixture[str], unconfigured: None
) -> None:
    code, message = answer(capsys, "invoice", "monthly", "--period", "2022-08", "--issue-date", "2022-09-01")
    assert code == 2
    assert message.startswith(
        "periodyear: not configured: set USAGE_TABLE, REGISTER_TABLE, INVOICES_TABLE; "
        "set DOCUMENTS_BUCKET, EVENT_BUS_NAME; the seller is not configured: set SELLER_NAME"
    )
    assert message.endswith("(or give --stack NAME to read a deployed stack)")


def test_missing_migration_settings_are_named(capsys: pytest.CaptureFixture[str], unconfigured: None) -> None:
    code, message = answer(capsys, "migrate", "due", "t1")
    assert code == 2
    assert "not configured: set LEGACY_TABLE, REGISTER_TABLE, MIGRATION_TABLE, NOTICE_SENDER" in message
    assert "NOTICE_CONTACT, TERMS_URL" in message


def test_the_demo_refuses_to_empty_a_folder_it_did_not_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "thesis.docx").write_text("mine")
    code, message = answer(capsys, "demo", "--out", str(tmp_path))
    assert code == 2
    assert message == (
        f"periodyear: --out {tmp_path} holds thesis.docx, which the demo did not write; "
        "give an empty or new folder"
    )
    assert (tmp_path / "thesis.docx").read_text() == "mine"


def test_the_demo_starts_from_an_empty_output_folder(tmp_path: Path) -> None:
    from periodyear_local.cli_demo import empty_output  # noqa: PLC0415

    out = tmp_path / "demo"
    (out / "invoices" / "firm-099").mkdir(parents=True)
    (out / "invoices" / "firm-099" / "1.pdf").write_bytes(b"%PDF old")
    (out / "summary-monthly.json").write_text("{}")
    empty_output(out)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("month", ["2030-01", "2021-06", "2022-09"])
def test_the_demo_refuses_a_month_its_data_does_not_hold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, month: str
) -> None:
    code, message = answer(capsys, "demo", "--period", month, "--out", str(tmp_path / "demo"))
    assert code == 2
    assert message == (
        f"periodyear: --period {month}: the demo's data holds usage of 2022-03 to 2022-08; "
        "give one of those months"
    )
    assert not (tmp_path / "demo").exists()  # nothing was run


def test_deliveries_refuses_a_wrong_month_before_it_reads_any_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("INVOICES_TABLE", "REGISTER_TABLE", "DOCUMENTS_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["deliveries", "--period", "22-08"]) == 2
    assert main(["deliveries"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert (
        errors[0]
        == "periodyear: --period 22-08 is not a month: write YYYY-MM with a month 01-12, e.g. 2022-08"
    )
    assert errors[1] == "periodyear: give --period YYYY-MM or --year YYYY"


def test_the_installed_command_finds_the_handlers_from_any_folder(tmp_path: Path) -> None:
    # .venv/bin/periodyear runs the handlers as Lambda does (demo, serve); from outside the
    # checkout nothing but the installed package puts functions/ on the path
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = subprocess.run(
        [sys.executable, "-c", "import functions.deliver_invoice.app, functions.monthly_invoice.app"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0, found.stderr
