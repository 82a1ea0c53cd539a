"""clients.OnFirstUse: an adapter built on its first use, once, and safe to copy."""

from __future__ import annotations

import copy

from periodyear.adapters.clients import OnFirstUse


class Adapter:
    def __init__(self, built: list[str]) -> None:
        built.append("built")

    def send(self) -> str:
        return "sent"


def test_an_adapter_is_built_on_its_first_use_and_only_once() -> None:
    built: list[str] = []
    deferred = OnFirstUse(lambda: Adapter(built))
    assert built == []  # nothing made until it is used
    assert (deferred.send(), deferred.send(), built) == ("sent", "sent", ["built"])


def test_a_deferred_adapter_can_be_copied_without_building_it() -> None:
    built: list[str] = []
    copied = copy.copy(OnFirstUse(lambda: Adapter(built)))  # recursed without end before the guard
    assert built == []
    assert copied.send() == "sent"
