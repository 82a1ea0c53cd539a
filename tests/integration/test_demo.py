"""``make demo`` as a new user runs it: every chapter, on the in-process moto stack."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from periodyear_local.demo import run_demo


def test_the_demo_runs_every_chapter_and_the_clients_added_through_the_api_are_billed(tmp_path: Path) -> None:
    printed = io.StringIO()
    assert run_demo(Console(file=printed, width=200), "2022-08", tmp_path / "demo") == 0
    text = printed.getvalue()
    for chapter in ("2. Collective invoices", "3. Late usage", "4. The client register's API"):
        assert chapter in text
    # every tenant that got its notice is moved at its move time, and the waves are the plan's nights
    notified, moved = re.search(r"notices sent (\d+), tenants moved (\d+)", text).groups()  # type: ignore[union-attr]
    assert (notified, moved) == ("35", "35")
    assert "4 waves (20.11–23.11.2021)" in text
    assert "POST /v1/clients → 201" in text
    assert "(replayed: true), one client" in text
    assert (
        "Operator: POST /v1/tenants → 201: Nystartet Regnskap AS on KOMPLETT, billed from 2022-10-01" in text
    )
    assert text.count("added through the API, is named in the basis: yes") == 2
    assert "NO" not in re.findall(r"named in the basis: (\w+)", text)
    assert len(list((tmp_path / "demo" / "invoices" / "nystartet").glob("*.pdf"))) == 1
    # every invoice the demo issued reaches its firm: some through PEPPOL, the rest by e-mail
    total, peppol, submissions, violations, emailed, emails, missing = map(
        int,
        re.search(  # type: ignore[union-attr]
            r"(\d+) invoices and credit notes: (\d+) delivered through PEPPOL \((\d+) submissions .*?"
            r"(\d+) violations\), (\d+) by e-mail \((\d+) e-mails\), (\d+) not delivered",
            " ".join(text.split()),
        ).groups(),
    )
    assert peppol > 0
    assert emailed > 0
    assert (peppol + emailed, submissions, emails, violations, missing) == (total, peppol, emailed, 0, 0)
    # every invoice the demo issued is written under out/demo/invoices, as the README says
    assert len(list((tmp_path / "demo" / "invoices").glob("*/*.json"))) == total
    written = sorted((tmp_path / "demo" / "invoice-mail").glob("*.eml"))
    assert len(written) == emailed
    assert b"Content-Type: application/pdf" in written[0].read_bytes()
