"""A realistic, deterministic demo data set: accounting firms, their clients, months of usage."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stdnum.no import orgnr

from periodyear.domain.agreement import paid_through, price_switch_date
from periodyear.domain.calendar import format_instant
from periodyear_local.seed import legacy_items, usage_item

NEW_PRICES_FROM = date(2022, 3, 1)
FIRST_MONTH, LAST_MONTH = date(2022, 3, 1), date(2022, 8, 1)  # the months the demo's usage covers
PACKAGES = {
    "PERIODE_OG_AR": "KOMPLETT",
    "PERIODEAVSLUTNING": "PERIODEAVSLUTNING",
    "ARSOPPGJOR": "ARSOPPGJOR_PLUSS",
}
_PLACES = [
    "Nord",
    "Fjord",
    "Vest",
    "Bergen",
    "Trøndelag",
    "Viken",
    "Agder",
    "Lofoten",
    "Hamar",
    "Bodø",
    "Tromsø",
    "Molde",
    "Sandnes",
    "Drammen",
    "Lillehammer",
    "Ålesund",
    "Kongsberg",
    "Narvik",
]
_KINDS = ["Regnskap AS", "Økonomi AS"]
_CLIENT_WORDS = [
    "Bakeri",
    "Rør",
    "Elektro",
    "Frisør",
    "Transport",
    "Bygg",
    "Fisk",
    "Maskin",
    "Tannlege",
    "Blomster",
    "Sykkel",
    "Kafé",
    "Snekker",
    "Maling",
    "Gartner",
    "Regnskapskontor",
]


# Where the firms are: (place in the firm's name, street, postal code, postal town).
_ADDRESSES = {
    "Nord": ("Storgata 12", "9008", "Tromsø"),
    "Fjord": ("Strandgata 5", "5013", "Bergen"),
    "Vest": ("Kongens gate 3", "6002", "Ålesund"),
    "Bergen": ("Olav Kyrres gate 22", "5015", "Bergen"),
    "Trøndelag": ("Munkegata 26", "7011", "Trondheim"),
    "Viken": ("Bragernes torg 2", "3017", "Drammen"),
    "Agder": ("Markens gate 9", "4611", "Kristiansand"),
    "Lofoten": ("Torget 4", "8300", "Svolvær"),
    "Hamar": ("Torggata 40", "2317", "Hamar"),
    "Bodø": ("Sjøgata 15", "8006", "Bodø"),
    "Tromsø": ("Grønnegata 50", "9008", "Tromsø"),
    "Molde": ("Storgata 18", "6413", "Molde"),
    "Sandnes": ("Langgata 30", "4306", "Sandnes"),
    "Drammen": ("Nedre Storgate 7", "3015", "Drammen"),
    "Lillehammer": ("Storgata 60", "2609", "Lillehammer"),
    "Ålesund": ("Keiser Wilhelms gate 20", "6003", "Ålesund"),
    "Kongsberg": ("Kirkegata 1", "3616", "Kongsberg"),
    "Narvik": ("Kongens gate 44", "8514", "Narvik"),
}


@dataclass
class DemoFirm:
    tenant_id: str
    name: str
    org_number: str
    package: str
    legacy_package: str
    interval_months: int
    current_period_start: date
    paid_through: date
    price_switch_date: date
    clients: list[tuple[str, str, str, bool]] = field(default_factory=list)
    vpi_users: list[str] = field(default_factory=list)
    broken: bool = False


@dataclass
class DemoData:
    firms: list[DemoFirm]
    usage: list[dict[str, Any]]
    invalid_usage: int

    @property
    def client_count(self) -> int:
        return sum(len(f.clients) for f in self.firms)


def _org(rng: random.Random, taken: set[str]) -> str:
    """An organisation number that passes the MOD11 check, not yet used in the data set."""
    while True:
        number = str(rng.randint(810_000_000, 999_999_999))
        if orgnr.is_valid(number) and number not in taken:
            taken.add(number)
            return number


def _instant(rng: random.Random, day: date) -> str:
    # Any second of the Oslo day, as UTC: near midnight too, to exercise the month edges.
    moment = (
        datetime(day.year, day.month, day.day, tzinfo=UTC)
        - timedelta(hours=1)
        + timedelta(seconds=rng.randint(0, 86_399))
    )
    return format_instant(moment)


def _agreement(rng: random.Random, index: int) -> tuple[int, date]:
    # A few firms are chosen so that the demo month shows every case of the price rules.
    special = {
        0: (12, date(2021, 8, 15)),  # prepaid through 14 Aug 2022: August on the intro list
        1: (12, date(2021, 10, 1)),  # prepaid through 30 Sep 2022: nothing of August billed
        2: (12, date(2021, 8, 20)),
    }
    if index in special:
        return special[index]
    interval = rng.choice([3, 3, 12])
    start = date(2021, rng.randint(6, 12), rng.choice([1, 1, 15]))
    return interval, start


def _months(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def generate(
    seed: int = 2022,
    firms: int = 36,
    first_month: date = FIRST_MONTH,
    last_month: date = LAST_MONTH,
) -> DemoData:
    rng = random.Random(seed)
    taken: set[str] = set()
    result: list[DemoFirm] = []
    usage: list[dict[str, Any]] = []
    for index in range(firms):
        tenant_id = f"firm-{index + 1:03d}"
        legacy = rng.choices(list(PACKAGES), weights=[5, 3, 2])[0] if index > 2 else "PERIODE_OG_AR"
        interval, start = _agreement(rng, index)
        through = paid_through(start, interval)
        firm = DemoFirm(
            tenant_id=tenant_id,
            name=f"{_PLACES[index % len(_PLACES)]} {_KINDS[index // len(_PLACES) % 2]}",
            org_number=_org(rng, taken),
            package=PACKAGES[legacy],
            legacy_package=legacy,
            interval_months=interval,
            current_period_start=start,
            paid_through=through,
            price_switch_date=price_switch_date(through, NEW_PRICES_FROM),
            broken=index == firms - 1,
        )
        for n in range(rng.randint(4, 22)):
            firm.clients.append(
                (
                    f"c{n + 1:03d}",
                    f"{rng.choice(_CLIENT_WORDS)} {_PLACES[rng.randrange(len(_PLACES))]} AS",
                    _org(rng, taken),
                    False,
                )
            )
        if rng.random() < 0.6:  # the firm's own client: the firm itself, with its own org number
            firm.clients.append(("bureau", firm.name, firm.org_number, True))
        if index in (1, 2) or rng.random() < 0.3:
            firm.vpi_users = [f"u{n + 1}" for n in range(rng.randint(1, 2))]
        result.append(firm)

        for month in _months(first_month, last_month):
            days = (date(month.year + month.month // 12, month.month % 12 + 1, 1) - month).days
            if firm.package != "ARSOPPGJOR_PLUSS":
                for client_id, *_ in firm.clients:
                    for _closing in range(rng.choice([0, 1, 1, 1, 2])):
                        day = month + timedelta(days=rng.randrange(days))
                        usage.append(
                            usage_item(tenant_id, "period.closed", _instant(rng, day), client_id=client_id)
                        )
            for user in firm.vpi_users:
                day = month + timedelta(days=rng.randrange(days))
                usage.append(usage_item(tenant_id, "vpi.active", _instant(rng, day), user_id=user))
        if firm.package != "PERIODEAVSLUTNING":
            for client_id, *_ in firm.clients:
                for _submission in range(rng.choice([0, 1, 1, 1, 1, 2])):
                    day = date(2021, 9, 1) + timedelta(days=rng.randrange(365))
                    usage.append(
                        usage_item(
                            tenant_id,
                            "annual.submitted",
                            _instant(rng, day),
                            client_id=client_id,
                            attributes={"altinn_receipt": f"AR{rng.randint(10**8, 10**9)}"},
                        )
                    )
    # A few records that the product wrote wrongly: counted and skipped, never billed.
    invalid = [
        usage_item("firm-001", "period.closed", "2022-08-12T10:00:00Z"),
        usage_item("firm-001", "period.closed", "2022-08-13T10:00:00Z", client_id=""),
        {
            **usage_item("firm-003", "period.closed", "2022-08-14T10:00:00Z", client_id="c001"),
            "occurred_at": "2022-08-32T10:00:00Z",
        },
    ]
    return DemoData(result, usage + invalid, len(invalid))


_PEOPLE = ["Kari Nordmann", "Ola Hansen", "Ingrid Berg", "Per Johansen", "Anne Larsen", "Lars Olsen"]


def legacy_records(data: DemoData) -> Iterator[dict[str, Any]]:
    """The firms as the old platform holds them (CONTRACT §1); the last firm lacks its agreement."""
    for index, firm in enumerate(data.firms):
        domain = f"{firm.tenant_id}.example"
        users = [
            (
                f"u{n + 1}",
                _PEOPLE[(index + n) % len(_PEOPLE)],
                f"bruker{n + 1}@{domain}",
                "admin" if n != 1 else "user",
            )
            for n in range(3)
        ]
        bureau = next(((c, n, o) for c, n, o, is_bureau in firm.clients if is_bureau), None)
        street, postal_code, city = _ADDRESSES[firm.name.split(" ")[0]]
        yield from legacy_items(
            firm.tenant_id,
            package=firm.legacy_package,
            interval_months=firm.interval_months,
            current_period_start=firm.current_period_start.isoformat(),
            name=firm.name,
            org_number=firm.org_number,
            email=f"post@{domain}",
            language="en" if index % 7 == 3 else "nb",
            clients=[(c, n, o) for c, n, o, is_bureau in firm.clients if not is_bureau],
            bureau_client=bureau,
            users=users,
            with_agreement=not firm.broken,
            address={"street": street, "postal_code": postal_code, "city": city},
            # two firms in three have told the old platform whom their invoices go to
            customer_reference=users[0][1] if index % 3 != 2 else None,
        )
