"""Moving a tenant from the old platform to the client register (CONTRACT §1–2, §7).

Pure rules: what a legacy tenant must hold to be moved, what the register receives,
when the move happens, and how waves of moves fit before the deadline.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from periodyear.domain.addresses import is_address, ses_address
from periodyear.domain.agreement import INTERVALS, paid_through, price_switch_date
from periodyear.domain.calendar import OSLO, parse_date
from periodyear.domain.catalog import Catalog
from periodyear.domain.errors import InvalidDate, MigrationRefused, UnsendableAddress, WavesDoNotFit
from periodyear.domain.tenant import Address, parse_address, parse_reference

TERMS_PROVIDER = "Visma Software AS"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str
    role: str
    sk: str | None = field(default=None, compare=False)  # the legacy sort key; None: ``USER#<user_id>``


@dataclass(frozen=True)
class LegacyClient:
    client_id: str
    name: str
    org_number: str
    sk: str | None = field(default=None, compare=False)  # the legacy sort key; None: ``CLIENT#<client_id>``


@dataclass(frozen=True)
class LegacyTenant:
    """What the old platform holds for a tenant (CONTRACT §1); None where an item is absent."""

    tenant_id: str
    profile: dict[str, object] | None
    agreement: dict[str, object] | None
    clients: tuple[LegacyClient, ...] = ()
    bureau_client: LegacyClient | None = None
    users: tuple[Person, ...] = ()

    @property
    def migrated(self) -> bool:
        return bool(self.profile and self.profile.get("migration_status") == "MIGRATED")


@dataclass(frozen=True)
class NewTerms:
    package: str
    legacy_package: str
    interval_months: int
    current_period_start: date
    paid_through: date
    price_switch_date: date
    terms_effective_from: date
    has_monthly_charge: bool = False  # the new package is billed monthly (period closing)
    has_annual_charge: bool = False  # the new package is billed once a year, in September


@dataclass(frozen=True)
class RegisterProfile:
    """A tenant's PROFILE already in the client register, as the migration checks it (CONTRACT §2)."""

    tenant_id: str
    name: str
    org_number: str


@dataclass(frozen=True)
class RegisterClient:
    client_id: str
    name: str
    org_number: str
    is_bureau_client: bool


@dataclass(frozen=True)
class RegisterTenant:
    """Everything the register receives for one moved tenant (CONTRACT §2)."""

    tenant_id: str
    name: str
    org_number: str
    email: str
    language: str
    terms: NewTerms
    migrated_at: datetime
    clients: tuple[RegisterClient, ...] = ()
    users: tuple[Person, ...] = field(default=())
    address: Address | None = None
    customer_reference: str | None = None

    @property
    def has_bureau_client(self) -> bool:
        return any(c.is_bureau_client for c in self.clients)


def _text(source: dict[str, object], name: str, what: str) -> str:
    value = source.get(name)
    if not isinstance(value, str) or not value:
        raise MigrationRefused(f"{what} has no {name}")
    return value


def new_terms(legacy: LegacyTenant, catalog: Catalog) -> NewTerms:
    """The new subscription, or ``MigrationRefused`` with the reason."""
    if legacy.profile is None:
        raise MigrationRefused(f"tenant {legacy.tenant_id} has no PROFILE on the old platform")
    if legacy.agreement is None:
        raise MigrationRefused(f"tenant {legacy.tenant_id} has no AGREEMENT on the old platform")
    old_package = legacy.agreement.get("package")
    if not isinstance(old_package, str) or old_package not in catalog.package_mapping:
        raise MigrationRefused(f"package {old_package!r} has no new package in the catalog's package_mapping")
    interval = legacy.agreement.get("interval_months")
    if isinstance(interval, bool) or not isinstance(interval, int) or interval not in INTERVALS:
        raise MigrationRefused(f"interval_months is {interval!r}; an agreement runs 3 or 12 months")
    start_text = legacy.agreement.get("current_period_start")
    try:
        start = parse_date(start_text)
    except InvalidDate:
        start = None
    if start is None:
        raise MigrationRefused(f"current_period_start is not an ISO date: {start_text!r}")
    through = paid_through(start, interval)
    package = catalog.package_mapping[old_package]
    prices = [packages[package] for packages in catalog.price_lists.values() if package in packages]
    return NewTerms(
        package=package,
        legacy_package=old_package,
        interval_months=interval,
        current_period_start=start,
        paid_through=through,
        price_switch_date=price_switch_date(through, catalog.new_prices_from),
        terms_effective_from=catalog.new_prices_from,
        has_monthly_charge=any(p.monthly for p in prices),
        has_annual_charge=any(p.annual for p in prices),
    )


def _id_problems(prefix: str, name: str, records: Sequence[tuple[str, str | None]]) -> list[str]:
    """Each record (id, sort key) must hold a usable id equal to its sort key's, and no id twice."""
    problems: list[str] = []
    for record_id, sk in records:
        key = sk if sk is not None else f"{prefix}{record_id}"
        if not isinstance(record_id, str) or not record_id.strip():
            problems.append(f"{key} has no {name}")
        elif sk is not None and sk != f"{prefix}{record_id}":
            problems.append(f"{key} holds {name} {record_id!r}, not the one its key names")
    counts = Counter(record_id for record_id, _ in records if record_id)
    problems += [
        f"{name} {record_id!r} is held by more than one {prefix} item"
        for record_id, n in sorted(counts.items())
        if n > 1
    ]
    return problems


def why_not_address(value: object) -> str:
    """What makes ``value`` no bare e-mail address, in words that quote none of it (a refusal's
    reason is logged, and an address is personal data)."""
    if not isinstance(value, str) or not value:
        return "is empty or not text"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        return "holds a line break or another control character"
    if "<" in value or ">" in value or "," in value or ";" in value:
        return "holds a display name or more than one address"
    return "is not an address"


def legacy_problems(legacy: LegacyTenant) -> list[str]:
    """What in a legacy tenant would be lost, merged or unsafe to send, each naming its item.

    Checked before any lease, notice or write: a record without a usable id, an id that differs
    from its sort key, an id held twice, an e-mail that is not a bare address."""
    profile = legacy.profile or {}
    problems: list[str] = []
    email = profile.get("email")
    if isinstance(email, str) and email and not is_address(email):
        problems.append(f"PROFILE e-mail {why_not_address(email)}")
    problems += _id_problems("CLIENT#", "client_id", [(c.client_id, c.sk) for c in legacy.clients])
    problems += _id_problems("USER#", "user_id", [(u.user_id, u.sk) for u in legacy.users])
    bureau = legacy.bureau_client
    if bureau is not None and (not isinstance(bureau.client_id, str) or not bureau.client_id.strip()):
        problems.append("BUREAU_CLIENT has no client_id")
    for user in legacy.users:
        if not is_address(user.email):
            key = user.sk if user.sk is not None else f"USER#{user.user_id}"
            problems.append(f"{key} e-mail {why_not_address(user.email)}")
    return problems


def register_content(legacy: LegacyTenant, terms: NewTerms, migrated_at: datetime) -> RegisterTenant:
    """The register's view of a legacy tenant: the bureau client joins the clients, flagged.

    Refuses (``MigrationRefused``, every problem named) a tenant ``legacy_problems`` finds fault with."""
    problems = legacy_problems(legacy)
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise MigrationRefused(shown + more)
    profile = legacy.profile or {}
    language = profile.get("language") or "nb"
    if language not in ("nb", "en"):
        raise MigrationRefused(f"language is {language!r}; it must be nb or en")
    clients = {c.client_id: RegisterClient(c.client_id, c.name, c.org_number, False) for c in legacy.clients}
    if legacy.bureau_client is not None:
        bureau = legacy.bureau_client
        clients[bureau.client_id] = RegisterClient(bureau.client_id, bureau.name, bureau.org_number, True)
    try:
        address = parse_address(profile.get("address"))
        reference = parse_reference(profile.get("customer_reference"))
    except ValueError as problem:
        raise MigrationRefused(f"the profile's {problem}") from None
    return RegisterTenant(
        tenant_id=legacy.tenant_id,
        name=_text(profile, "name", "the profile"),
        org_number=_text(profile, "org_number", "the profile"),
        email=_text(profile, "email", "the profile"),
        language=str(language),
        terms=terms,
        migrated_at=migrated_at,
        clients=tuple(sorted(clients.values(), key=lambda c: c.client_id)),
        users=tuple(sorted(legacy.users, key=lambda u: u.user_id)),
        address=address,
        customer_reference=reference,
    )


SES_RECIPIENTS_PER_MESSAGE = 50  # SES v2 SendEmail: To, Cc and Bcc together


@dataclass(frozen=True)
class Recipients:
    """Whom a notice goes to, as SES takes them, and whom it cannot reach and why (each named by
    where the address came from, never by the address: reasons reach logs)."""

    addresses: tuple[str, ...]
    refused: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.addresses)


def notice_recipients(legacy: LegacyTenant) -> Recipients:
    """The tenant's e-mail and every admin user's, each once, in a stable order."""
    profile = legacy.profile or {}
    candidates = [("the profile's email", str(profile.get("email") or ""))] + [
        (f"admin user {u.user_id}", u.email) for u in legacy.users if u.role == "admin"
    ]
    addresses: dict[str, None] = {}
    refused: list[str] = []
    for whose, address in candidates:
        if not address:
            continue
        try:
            addresses[ses_address(address)] = None
        except UnsendableAddress as why:
            refused.append(f"{whose}: {why}")
    return Recipients(tuple(addresses), tuple(refused))


def move_time(requested: datetime | None, event_time: datetime, lead_days: int) -> datetime:
    """``move_at``, or event time + the notice lead when it is absent or sooner."""
    earliest = event_time + timedelta(hours=24 * lead_days)
    return requested if requested is not None and requested >= earliest else earliest


def check_deadline(move_at: datetime, deadline: datetime) -> None:
    if move_at > deadline:
        raise MigrationRefused(
            f"the move time {move_at.astimezone(OSLO):%d.%m.%Y %H:%M} (Oslo) is after the migration "
            f"deadline {deadline.astimezone(OSLO):%d.%m.%Y %H:%M:%S} (Oslo)"
        )


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True)
class Wave:
    night: date  # the Oslo date on which the night's window begins
    moves: tuple[tuple[str, datetime], ...]


def plan_waves(
    tenant_ids: Sequence[str],
    *,
    earliest: datetime,
    window_start: time,
    window_end: time,
    capacity_per_night: int,
    deadline: datetime,
) -> list[Wave]:
    """Nightly waves from ``earliest``: at most ``capacity_per_night`` moves, spread evenly over
    the Oslo window (which may pass midnight). Refuses when the last move would be after the deadline."""
    if capacity_per_night < 1:
        raise WavesDoNotFit("capacity per night must be at least 1")
    length = (_seconds(window_end) - _seconds(window_start)) % 86_400
    if length == 0:
        raise WavesDoNotFit("the nightly window must have a length")
    spacing = timedelta(seconds=length) / capacity_per_night
    waves: list[Wave] = []
    remaining = sorted(tenant_ids)
    night = earliest.astimezone(OSLO).date() - timedelta(days=1)
    while remaining:
        night += timedelta(days=1)
        opens = datetime.combine(night, window_start, tzinfo=OSLO).astimezone(UTC)  # UTC: no DST surprises
        slots = [opens + spacing * n for n in range(capacity_per_night)]
        slots = [slot for slot in slots if slot >= earliest]
        if not slots:
            continue
        taken, remaining = remaining[: len(slots)], remaining[len(slots) :]
        waves.append(Wave(night, tuple(zip(taken, slots, strict=False))))
    if waves and waves[-1].moves[-1][1] > deadline:
        last = waves[-1].moves[-1][1]
        raise WavesDoNotFit(
            f"{len(tenant_ids)} tenants at {capacity_per_night} a night from "
            f"{earliest.astimezone(OSLO):%d.%m.%Y %H:%M} need until "
            f"{last.astimezone(OSLO):%d.%m.%Y %H:%M} (Oslo), "
            f"after the deadline {deadline.astimezone(OSLO):%d.%m.%Y %H:%M} (Oslo)"
        )
    return waves
