"""Settings from the environment, read once and validated (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class BillingSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    usage_table: str
    register_table: str
    invoices_table: str
    catalog_path: Path | None = None
