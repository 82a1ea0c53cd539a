"""The notice reads as a native reader expects: the rules of issue 11 on the words themselves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from periodyear.domain.catalog import load_catalog
from periodyear.domain.migration import LegacyTenant, new_terms
from periodyear.migration.notice import Notice, NoticeDetails, render_notice

CATALOG = load_catalog()
MOVE_AT = datetime(2021, 11, 15, 9, 0, tzinfo=UTC)  # 10:00 in Oslo
SENT_ON = date(2021, 11, 1)
PAGE = NoticeDetails(
    contact="https://example.no/periode-og-ar/kontakt", terms_url="https://example.no/periode-og-ar/vilkar"
)
MAILBOX = NoticeDetails(contact="kundeservice@example.no", terms_url="https://example.no/vilkar")
# The familiar singular; a firm is addressed as "dere" throughout.
SINGULAR = re.compile(r"\b(du|deg|din|ditt|dine)\b", re.IGNORECASE)


def notice(
    package: str = "PERIODE_OG_AR",
    interval: int = 3,
    start: str = "2021-11-15",
    *,
    language: str = "nb",
    bureau: bool = True,
    details: NoticeDetails = PAGE,
    sent_on: date = SENT_ON,
) -> Notice:
    legacy = LegacyTenant(
        "t1",
        {"name": "Fjord Regnskap AS"},
        {"package": package, "interval_months": interval, "current_period_start": start},
    )
    return render_notice(
        language=language,
        tenant_name="Fjord Regnskap AS",
        move_at=MOVE_AT,
        terms=new_terms(legacy, CATALOG),
        has_bureau_client=bureau,
        updated=False,
        details=details,
        sent_on=sent_on,
    )


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&amp;", "&")


def both(found: Notice) -> list[str]:
    """The text part and the HTML part as words, so each rule is checked on what either reader sees."""
    return [re.sub(r"\s+", " ", found.text), plain(found.html)]


def test_a_package_that_keeps_its_name_says_so() -> None:
    for text in both(notice("PERIODEAVSLUTNING")):
        assert "Pakken Periodeavslutning beholder navnet og innholdet." in text
        assert "Periodeavslutning blir Periodeavslutning" not in text
    for text in both(notice("PERIODEAVSLUTNING", language="en")):
        assert "Your package Periodeavslutning keeps its name and its content." in text
        assert "becomes Periodeavslutning" not in text


def test_a_package_that_changes_names_the_new_one() -> None:
    for text in both(notice("PERIODE_OG_AR")):
        assert "Pakken Periode & År blir Komplett." in text
    for text in both(notice("ARSOPPGJOR", language="en")):
        assert "Your package Årsoppgjør becomes Årsoppgjør Pluss." in text


def test_a_prepaid_period_that_has_ended_is_in_the_past_tense() -> None:
    # Given a 3-month agreement from 1 August 2021, prepaid through 31 October, and a notice on 1 November
    ended = notice("PERIODE_OG_AR", 3, "2021-08-01")
    for text in both(ended):
        assert "Den forhåndsbetalte perioden deres varte til og med 31.10.2021." in text
        assert "varer til og med" not in text
        assert "Deretter betaler dere introduksjonspris til og med 28.02.2022." in text
        assert "Fra og med 01.03.2022 gjelder de nye prisene." in text
    for text in both(notice("PERIODE_OG_AR", 3, "2021-08-01", language="en")):
        assert "Your prepaid period ended on 31 October 2021." in text
        assert "After that, you pay the introductory price until and including 28 February 2022." in text


def test_a_prepaid_period_still_running_is_in_the_present_tense() -> None:
    for text in both(notice("PERIODE_OG_AR", 3, "2021-11-15")):
        assert "Den forhåndsbetalte perioden deres varer til og med 14.02.2022." in text
    for text in both(notice("PERIODE_OG_AR", 3, "2021-11-15", language="en")):
        assert "Your prepaid period runs until and including 14 February 2022." in text


def test_no_introductory_price_is_promised_when_the_new_prices_follow_the_prepaid_period() -> None:
    # 12 months from 1 June 2021: prepaid through 31 May 2022, new prices from 1 June 2022
    for text in both(notice("ARSOPPGJOR", 12, "2021-06-01")):
        assert "introduksjonspris" not in text
        assert "Fra og med 01.06.2022 gjelder de nye prisene." in text
    for text in both(notice("ARSOPPGJOR", 12, "2021-06-01", language="en")):
        assert "introductory" not in text
        assert "The new prices apply from 1 June 2022." in text


@pytest.mark.parametrize("package", ["PERIODE_OG_AR", "PERIODEAVSLUTNING", "ARSOPPGJOR"])
def test_the_firm_is_addressed_as_dere_throughout(package: str) -> None:
    found = notice(package)
    for text in [found.subject, *both(found)]:
        assert SINGULAR.findall(text) == [], text
        assert "dere" in text.lower()


@pytest.mark.parametrize(
    ("package", "annual", "monthly"),
    [("PERIODE_OG_AR", True, True), ("ARSOPPGJOR", True, False), ("PERIODEAVSLUTNING", False, True)],
)
def test_firms_whose_package_has_an_annual_charge_are_told_of_the_september_invoice(
    package: str, annual: bool, monthly: bool
) -> None:
    for text in both(notice(package)):
        assert ("Årsoppgjør faktureres etterskuddsvis én gang i året, i september" in text) is annual
        assert ("Periodeavslutning faktureres månedlig etterskuddsvis" in text) is monthly
        assert "samlefaktura for alle klientene" in text
    for text in both(notice(package, language="en")):
        assert ("invoiced in arrears once a year, in September" in text) is annual
        assert ("invoiced monthly in arrears" in text) is monthly
        assert "one collective invoice for all your clients" in text


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_notice_says_where_to_ask_and_where_the_new_terms_are(language: str) -> None:
    found = notice(language=language)
    for part in (found.text, found.html):
        assert "https://example.no/periode-og-ar/kontakt" in part
        assert "https://example.no/periode-og-ar/vilkar" in part
    by_mail = notice(language=language, details=MAILBOX)
    assert "kundeservice@example.no" in by_mail.text
    assert 'href="mailto:kundeservice@example.no"' in by_mail.html
    expected = (
        "Har dere spørsmål om endringen, kan dere skrive til kundeservice@example.no."
        if language == "nb"
        else "If you have any questions about the change, please write to kundeservice@example.no."
    )
    assert expected in " ".join(by_mail.text.split())  # as read, across its wrapped lines


def test_the_bureau_client_is_mentioned_only_to_firms_that_have_one() -> None:
    assert "Byråklienten deres" in notice(bureau=True).text
    assert "Byråklienten" not in notice(bureau=False).text
    assert "bureau client" not in notice(language="en", bureau=False).text


def test_the_subjects_name_the_move_in_oslo_time() -> None:
    assert notice().subject == "Periode & År flytter: dataene deres flyttes 15.11.2021 kl. 10:00"
    assert (
        notice(language="en").subject
        == "Periode & År is moving: your data moves on 15 November 2021 at 10:00"
    )


LONG = NoticeDetails(
    contact="https://kundeservice.example.no/periode-og-ar/sporsmal-om-flyttingen",
    terms_url="https://www.example.no/periode-og-ar/avtalevilkar/2022/nye-vilkar-for-tjenesten",
)


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("details", [PAGE, MAILBOX, LONG])
def test_the_text_part_is_wrapped_after_the_words_are_filled_in(
    language: str, details: NoticeDetails
) -> None:
    text = notice(language=language, details=details).text
    for line in text.splitlines():
        # a line a reader's mail program shows whole; only a lone address may be longer
        assert len(line) <= 76 or " " not in line.strip(), line
    # the wrapping moved no words: the sentences read as before
    joined = re.sub(r"\s+", " ", text)
    assert details.terms_url in joined
    assert details.contact in joined
    for word in ("Periode & År", "Visma Software AS"):
        assert word in joined
    assert not any(line.endswith(" ") for line in text.splitlines())
    for day in ("01.03.2022", "28.02.2022") if language == "nb" else ("1 March 2022", "28 February 2022"):
        assert any(day in line for line in text.splitlines()), day  # a date is never split
