"""clients.OnFirstUse: an adapter built on its first use, once, and safe to copy."""

from __future__ import annotations

import copy

import pytest

from periodyear.adapters.clients import Clients, OnFirstUse, on_first_use


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


class Hooked:
    """An object whose caller sets a hook on it (as the demo sets the fan-out's ``on_tenant``)."""

    def __init__(self) -> None:
        self.on_event: object = None

    def fire(self) -> object:
        return self.on_event


def test_an_attribute_set_on_a_deferred_object_is_set_on_the_object_itself() -> None:
    deferred = on_first_use(Hooked)
    deferred.on_event = "hook"
    assert deferred.fire() == "hook"  # the built object sees it, not only the stand-in
    deferred.on_event = None
    assert deferred.fire() is None


def test_clients_made_fresh_are_made_once_per_set_and_never_shared_between_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    one, other = Clients.fresh(), Clients.fresh()
    assert one.dynamodb() is one.dynamodb()
    assert one.dynamodb() is not other.dynamodb()
    assert one.sqs().meta.region_name == "eu-north-1"
