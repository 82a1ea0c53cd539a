import json
from pathlib import Path
from typing import Any

import pytest

from periodyear.domain.catalog import DEFAULT_CATALOG, load_catalog, parse_catalog
from periodyear.domain.errors import CatalogError


def default() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    return document


def problems_of(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CatalogError) as refused:
        parse_catalog(json.dumps(document))
    return dict(refused.value.problems)


def test_the_default_catalog_prices_every_package_in_both_lists_and_vpi_at_659() -> None:
    catalog = load_catalog()
    assert catalog.packages == {"ARSOPPGJOR_PLUSS", "PERIODEAVSLUTNING", "KOMPLETT"}
    assert set(catalog.price_lists["intro"]) == catalog.packages
    assert set(catalog.package_mapping.values()) == catalog.packages
    vpi = catalog.addons.monthly[0]
    assert (vpi.code, vpi.model, str(getattr(vpi, "unit_price", None))) == ("VPI", "per_unit", "659.00")
    assert catalog.comment is not None
    assert "SAMPLE" in catalog.comment


def test_a_broken_tier_list_is_refused_naming_its_path() -> None:
    document = default()
    document["price_lists"]["standard"]["KOMPLETT"]["monthly"][1]["tiers"] = [
        {"up_to": 5, "unit_price": "1.00"}
    ]
    problems = problems_of(document)
    assert "price_lists.standard.KOMPLETT.monthly[1].tiers" in problems
    assert "last tier" in problems["price_lists.standard.KOMPLETT.monthly[1].tiers"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["addons"]["monthly"][0].update(unit_price=659.0), "addons.monthly[0].unit_price"),
        (
            lambda d: d["price_lists"]["intro"]["KOMPLETT"]["annual"][0].pop("meter"),
            "price_lists.intro.KOMPLETT.annual[0].meter",
        ),
        (
            lambda d: d["price_lists"]["intro"]["KOMPLETT"]["annual"][0].update(model="tiered"),
            "price_lists.intro.KOMPLETT.annual[0]",
        ),
        (
            lambda d: d["price_lists"]["standard"]["KOMPLETT"]["monthly"][0].update(
                meter="period_active_clients"
            ),
            "price_lists.standard.KOMPLETT.monthly[0].meter",
        ),
        (
            lambda d: d["price_lists"]["standard"]["KOMPLETT"]["monthly"][1]["tiers"].insert(
                0, {"up_to": 30, "unit_price": "1.00"}
            ),
            "price_lists.standard.KOMPLETT.monthly[1].tiers",
        ),
        (
            lambda d: d["price_lists"]["standard"]["KOMPLETT"]["annual"][0].update(
                meter="period_active_clients"
            ),
            "price_lists.standard.KOMPLETT.annual[0].meter",
        ),
        (
            lambda d: d["price_lists"]["standard"]["KOMPLETT"]["monthly"][1].update(code="VPI"),
            "price_lists.standard.KOMPLETT.monthly[1].code",
        ),
        (
            lambda d: d["package_mapping"].update(PERIODE_OG_AR="KOMPLETT_PLUSS"),
            "package_mapping.PERIODE_OG_AR",
        ),
        (lambda d: d["price_lists"]["intro"].pop("KOMPLETT"), "price_lists.intro.KOMPLETT"),
        (lambda d: d["price_lists"].pop("intro"), "price_lists.intro"),
        (lambda d: d.update(vat_rate=0.25), "vat_rate"),
        (lambda d: d.update(currency="SEK"), "currency"),
        (lambda d: d.update(new_prices_from="1 March 2022"), "new_prices_from"),
        (lambda d: d.update(surprise=True), "surprise"),
    ],
)
def test_shape_errors_name_the_offending_path(change: Any, path: str) -> None:
    document = default()
    change(document)
    assert path in problems_of(document)


def test_a_catalog_that_is_not_json_or_not_there_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="Invalid JSON"):
        parse_catalog("{not json")
    with pytest.raises(CatalogError, match="cannot be read"):
        load_catalog(tmp_path / "missing.json")
