"""The parts' services as a process would build them, in the environment of the moment: for the
local tools and the tests, which set up an in-process AWS and then pass these to the handlers
(``handler(event, context, services=...)``) instead of the handler building its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from periodyear.adapters.clients import Clients

if TYPE_CHECKING:
    from periodyear.billing.bootstrap import BillingServices
    from periodyear.delivery.bootstrap import DeliveryServices
    from periodyear.delivery.ports import Counter
    from periodyear.register.bootstrap import RegisterServices
    from periodyear.register.sign_ins import MovedSignIns


def system_clock() -> datetime:
    return datetime.now(UTC)


def billing(clock: Callable[[], datetime] = system_clock, clients: Clients | None = None) -> BillingServices:
    from periodyear.billing.bootstrap import bootstrap  # noqa: PLC0415
    from periodyear.config import BillingSettings  # noqa: PLC0415

    return bootstrap(BillingSettings.load(), clients=clients or Clients.fresh(), clock=clock)


class _Uncounted:
    def count(self, name: str, value: int = 1) -> None:
        pass


def delivery(
    clock: Callable[[], datetime] = system_clock,
    clients: Clients | None = None,
    counter: Counter | None = None,
) -> DeliveryServices:
    from periodyear.config import DeliverySettings  # noqa: PLC0415
    from periodyear.delivery.bootstrap import bootstrap  # noqa: PLC0415

    return bootstrap(
        DeliverySettings.load(),
        clients=clients or Clients.fresh(),
        clock=clock,
        counter=counter or _Uncounted(),
    )


def register(
    clock: Callable[[], datetime] = system_clock, clients: Clients | None = None
) -> RegisterServices:
    from periodyear.config import RegisterSettings  # noqa: PLC0415
    from periodyear.register.bootstrap import bootstrap  # noqa: PLC0415

    return bootstrap(RegisterSettings.load(), clients=clients or Clients.fresh(), clock=clock)


def sign_ins(clock: Callable[[], datetime] = system_clock, clients: Clients | None = None) -> MovedSignIns:
    from periodyear.config import SignInSettings  # noqa: PLC0415
    from periodyear.register.bootstrap import bootstrap_sign_ins  # noqa: PLC0415

    return bootstrap_sign_ins(SignInSettings.load(), clients=clients or Clients.fresh(), clock=clock)
