"""The Oslo business calendar and UTC instants.

Business dates (months, annual windows, ``paid_through``, issue and due dates) are
Europe/Oslo calendar dates. Instants are UTC strings of the exact form
``YYYY-MM-DDTHH:MM:SSZ``; an instant belongs to the Oslo date on which it falls.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from periodyear.domain.errors import InvalidDate, InvalidInstant

OSLO = ZoneInfo("Europe/Oslo")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: object) -> date:
    """A date from the contract's form ``YYYY-MM-DD`` only, or ``InvalidDate``: ``date.fromisoformat``
    also takes ``20220301`` and ``2022-W09-2``, which no contract item holds."""
    if not isinstance(text, str) or not _DATE.match(text):
        raise InvalidDate(f"not of the form YYYY-MM-DD: {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as error:  # e.g. 2022-02-30
        raise InvalidDate(f"not a real date: {text!r}") from error


def parse_instant(text: object) -> datetime:
    """An aware UTC datetime from the contract's instant form, or ``InvalidInstant``."""
    if not isinstance(text, str) or not _INSTANT.match(text):
        raise InvalidInstant(f"not of the form YYYY-MM-DDTHH:MM:SSZ: {text!r}")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as error:  # e.g. 2022-02-30T10:00:00Z
        raise InvalidInstant(f"not a real instant: {text!r}") from error


def format_instant(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def oslo_date(moment: datetime) -> date:
    """The Oslo calendar date on which an aware instant falls."""
    if moment.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    return moment.astimezone(OSLO).date()


def oslo_start_of(day: date) -> datetime:
    """The UTC instant at which an Oslo calendar date begins (00:00 Oslo)."""
    return datetime(day.year, day.month, day.day, tzinfo=OSLO).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """Calendar months later, the day of month clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def first_of_month_on_or_after(day: date) -> date:
    return day if day.day == 1 else add_months(day.replace(day=1), 1)


class PeriodKind(StrEnum):
    MONTHLY = "MONTHLY"
    ANNUAL = "ANNUAL"


@dataclass(frozen=True, order=True)
class Period:
    """A billing period of Oslo dates: ``start`` inclusive, ``end`` exclusive."""

    kind: PeriodKind
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls(PeriodKind.MONTHLY, start, add_months(start, 1))

    @classmethod
    def parse_month(cls, text: str) -> Period:
        match = _MONTH.match(text)
        if not match:
            raise ValueError(f"a month is written YYYY-MM, not {text!r}")
        return cls.month(int(match.group(1)), int(match.group(2)))

    @classmethod
    def annual(cls, year: int) -> Period:
        """The annual window of year Y: [Y-1-09-01, Y-09-01)."""
        return cls(PeriodKind.ANNUAL, date(year - 1, 9, 1), date(year, 9, 1))

    @classmethod
    def month_before(cls, day: date) -> Period:
        previous = add_months(day.replace(day=1), -1)
        return cls.month(previous.year, previous.month)

    def previous(self) -> Period:
        """The period of the same kind before this one (the one a run reviews, CONTRACT §5a)."""
        if self.kind is PeriodKind.MONTHLY:
            return Period.month_before(self.start)
        return Period.annual(self.end.year - 1)

    def following(self) -> Period:
        """The period of the same kind after this one (whose invoice corrects this one's, §5a)."""
        if self.kind is PeriodKind.MONTHLY:
            return Period.month(self.end.year, self.end.month)
        return Period.annual(self.end.year + 1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """``YYYY-MM`` for a month, ``YYYY`` (the invoicing year) for an annual window."""
        if self.kind is PeriodKind.MONTHLY:
            return f"{self.start:%Y-%m}"
        return f"{self.end:%Y}"

    def utc_bounds(self) -> tuple[str, str]:
        """The period as UTC instants [start, end), for sort-key ranges."""
        return format_instant(oslo_start_of(self.start)), format_instant(oslo_start_of(self.end))

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


MONTH_NAMES = {  # as a reader of each language writes them
    "nb": (
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def written_day(value: date, language: str) -> str:
    """``01.03.2022`` in Norwegian, ``1 March 2022`` in English (never the process's locale)."""
    if language == "nb":
        return f"{value:%d.%m.%Y}"
    return f"{value.day} {MONTH_NAMES['en'][value.month - 1]} {value.year}"
