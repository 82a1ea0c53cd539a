"""The demo's data set is as real as the rest: valid organisation numbers, bureau clients, addresses."""

from __future__ import annotations

from stdnum.no import orgnr

from periodyear_local.demo_data import generate, legacy_records


def test_every_firm_and_client_has_an_org_number_that_passes_mod11() -> None:
    data = generate()
    numbers = [firm.org_number for firm in data.firms] + [
        org for firm in data.firms for _, _, org, _ in firm.clients
    ]
    assert len(numbers) > 300
    assert [n for n in numbers if not orgnr.is_valid(n)] == []
    profiles = [i for i in legacy_records(data) if i["sk"] == "PROFILE"]
    clients = [i for i in legacy_records(data) if i["sk"].startswith(("CLIENT#", "BUREAU_CLIENT"))]
    assert all(orgnr.is_valid(i["org_number"]) for i in profiles + clients)


def test_a_firms_bureau_client_is_the_firm_with_its_own_org_number() -> None:
    data = generate()
    items = list(legacy_records(data))
    profiles = {i["pk"]: i for i in items if i["sk"] == "PROFILE"}
    bureau_clients = [i for i in items if i["sk"] == "BUREAU_CLIENT"]
    assert len(bureau_clients) >= 10
    for bureau in bureau_clients:
        firm = profiles[bureau["pk"]]
        assert (bureau["name"], bureau["org_number"]) == (firm["name"], firm["org_number"])
    others = [i for i in items if i["sk"].startswith("CLIENT#")]
    firm_numbers = {p["org_number"] for p in profiles.values()}
    assert not any(c["org_number"] in firm_numbers for c in others)  # only its bureau client is the firm


def test_every_firm_has_an_invoice_address_and_most_a_reference() -> None:
    profiles = [i for i in legacy_records(generate()) if i["sk"] == "PROFILE"]
    assert all(set(p["address"]) == {"street", "postal_code", "city"} for p in profiles)
    with_reference = [p for p in profiles if p.get("customer_reference")]
    assert len(profiles) // 2 < len(with_reference) < len(profiles)
