"""The sources of the project's events on its bus (one constant each)."""

from __future__ import annotations

MIGRATION_SOURCE = "periodyear.migration"
BILLING_SOURCE = "periodyear.billing"
REGISTER_SOURCE = "periodyear.register"
DELIVERY_SOURCE = "periodyear.delivery"
