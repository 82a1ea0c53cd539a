"""The catalog (CONTRACT §4): packages, price lists, charges and add-ons.

A catalog that breaks the shape is refused at load with ``CatalogError`` naming each
offending path, e.g. ``price_lists.standard.KOMPLETT.monthly[0].tiers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from periodyear.domain.calendar import PeriodKind
from periodyear.domain.errors import CatalogError
from periodyear.domain.meters import METER_SOURCES, Meter
from periodyear.domain.money import parse_decimal_string

DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.json"

Price = Annotated[Decimal, BeforeValidator(parse_decimal_string)]
Text = Annotated[StrictStr, Field(min_length=1)]
PriceListName = Literal["intro", "standard"]
CHARGE_MODELS = ("per_unit", "graduated", "volume", "flat")


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built on first load


class Tier(_Shape):
    up_to: Annotated[StrictInt, Field(gt=0)] | None
    unit_price: Price


def _check_tiers(tiers: list[Tier]) -> list[Tier]:
    if not tiers:
        raise ValueError("needs at least one tier")
    if tiers[-1].up_to is not None:
        raise ValueError("the last tier must have up_to null")
    bounds = [tier.up_to for tier in tiers[:-1]]
    if any(bound is None for bound in bounds):
        raise ValueError("only the last tier may have up_to null")
    if any(b >= a for a, b in zip(bounds[1:], bounds, strict=False) if a and b):
        raise ValueError("up_to must be strictly ascending")
    return tiers


class PerUnitCharge(_Shape):
    code: Text
    description: Text
    description_en: Text | None = None  # the English text; absent means ``description``
    model: Literal["per_unit"]
    meter: Meter
    unit_price: Price


class GraduatedCharge(_Shape):
    code: Text
    description: Text
    description_en: Text | None = None  # the English text; absent means ``description``
    model: Literal["graduated"]
    meter: Meter
    tiers: list[Tier]

    _tiers = field_validator("tiers")(_check_tiers)


class VolumeCharge(_Shape):
    code: Text
    description: Text
    description_en: Text | None = None  # the English text; absent means ``description``
    model: Literal["volume"]
    meter: Meter
    tiers: list[Tier]

    _tiers = field_validator("tiers")(_check_tiers)


class FlatCharge(_Shape):
    code: Text
    description: Text
    description_en: Text | None = None  # the English text; absent means ``description``
    model: Literal["flat"]
    amount: Price


Charge = Annotated[PerUnitCharge | GraduatedCharge | VolumeCharge | FlatCharge, Field(discriminator="model")]
MeteredCharge = PerUnitCharge | GraduatedCharge | VolumeCharge


class PackagePrices(_Shape):
    monthly: list[Charge]
    annual: list[Charge]


class Addons(_Shape):
    monthly: list[Charge]


class Catalog(_Shape):
    """The catalog as the contract writes it. ``_comment`` is a free note (e.g. "sample prices")."""

    comment: str | None = Field(default=None, alias="_comment")
    currency: Literal["NOK"]
    vat_rate: Price
    new_prices_from: Annotated[date, Field(strict=True)]
    payment_terms_days: Annotated[StrictInt, Field(ge=0)]
    package_mapping: dict[Text, Text]
    price_lists: dict[PriceListName, dict[Text, PackagePrices]]
    addons: Addons

    def package_charges(self, price_list: PriceListName, package: str, kind: PeriodKind) -> Sequence[Charge]:
        prices = self.price_lists[price_list].get(package)
        if prices is None:
            raise KeyError(package)
        return prices.monthly if kind is PeriodKind.MONTHLY else prices.annual

    def addon_charges(self, kind: PeriodKind) -> Sequence[Charge]:
        return self.addons.monthly if kind is PeriodKind.MONTHLY else ()

    @property
    def packages(self) -> frozenset[str]:
        return frozenset(self.price_lists["standard"])

    def descriptions(self, language: str) -> dict[str, str]:
        """Charge code → its text in ``language`` (``en`` uses ``description_en`` where given)."""
        charges = [*self.addons.monthly]
        for packages in self.price_lists.values():
            for prices in packages.values():
                charges += [*prices.monthly, *prices.annual]
        return {
            charge.code: (charge.description_en or charge.description)
            if language == "en"
            else charge.description
            for charge in charges
        }


def _path(location: Sequence[int | str]) -> str:
    """``('price_lists', 'standard', 'KOMPLETT', 'monthly', 0, 'graduated', 'tiers')`` →
    ``price_lists.standard.KOMPLETT.monthly[0].tiers`` (the union's tag is dropped)."""
    text = ""
    previous: int | str | None = None
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(previous, int) and part in CHARGE_MODELS:
            pass
        else:
            text += f".{part}" if text else str(part)
        previous = part
    return text or "(catalog)"


def _consistency_problems(catalog: Catalog) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name in ("intro", "standard"):
        if name not in catalog.price_lists:
            problems.append((f"price_lists.{name}", "is missing"))
    if problems:
        return problems
    intro, standard = set(catalog.price_lists["intro"]), set(catalog.price_lists["standard"])
    for package in sorted(intro ^ standard):
        problems.append(
            (
                f"price_lists.{'standard' if package in intro else 'intro'}.{package}",
                "is missing: both price lists must price the same packages",
            )
        )
    for legacy, package in catalog.package_mapping.items():
        if package not in standard:
            problems.append((f"package_mapping.{legacy}", f"maps to {package!r}, which no price list prices"))
    if catalog.vat_rate >= 1:
        problems.append(("vat_rate", "must be below 1 (0.25 is 25 %)"))

    def check_list(path: str, charges: Sequence[Charge], kind: PeriodKind, seen: dict[str, str]) -> None:
        for index, charge in enumerate(charges):
            where = f"{path}[{index}]"
            if "@" in charge.code:
                problems.append(
                    (f"{where}.code", "must not contain '@', which marks a correction (PERIOD@2022-02)")
                )
            if charge.code in seen:
                problems.append((f"{where}.code", f"{charge.code!r} is also used at {seen[charge.code]}"))
            seen[charge.code] = where
            if not isinstance(charge, FlatCharge) and METER_SOURCES[charge.meter].kind is not kind:
                problems.append(
                    (
                        f"{where}.meter",
                        f"{charge.meter.value} cannot be billed on a {kind.value.lower()} invoice",
                    )
                )

    for name, packages in catalog.price_lists.items():
        for package, prices in packages.items():
            monthly_codes: dict[str, str] = {}
            check_list("addons.monthly", catalog.addons.monthly, PeriodKind.MONTHLY, monthly_codes)
            check_list(
                f"price_lists.{name}.{package}.monthly", prices.monthly, PeriodKind.MONTHLY, monthly_codes
            )
            check_list(f"price_lists.{name}.{package}.annual", prices.annual, PeriodKind.ANNUAL, {})
    return sorted(set(problems))


def parse_catalog(text: str | bytes) -> Catalog:
    """Validate a catalog document; ``CatalogError`` lists every offending path."""
    try:
        catalog = Catalog.model_validate_json(text)
    except ValidationError as error:
        raise CatalogError(
            [(_path(item["loc"]), item["msg"]) for item in error.errors(include_url=False)]
        ) from error
    problems = _consistency_problems(catalog)
    if problems:
        raise CatalogError(problems)
    return catalog


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at ``path`` (``CATALOG_PATH``), else the default shipped with the package."""
    source = path or DEFAULT_CATALOG
    try:
        text = source.read_bytes()
    except OSError as error:
        raise CatalogError([("(catalog)", f"cannot be read from {source}: {error}")]) from error
    return parse_catalog(text)
