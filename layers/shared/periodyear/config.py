"""Settings from the environment, read once and validated (pydantic-settings)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from periodyear.domain.calendar import OSLO


class BillingSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    usage_table: str
    register_table: str
    invoices_table: str
    catalog_path: Path | None = None


class MigrationEnvironment(BaseSettings):
    """The migrate_tenant function's environment."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    legacy_table: str
    register_table: str
    migration_table: str
    notice_sender: str
    notice_lead_days: int = Field(default=14, ge=0)
    migration_deadline: datetime = datetime(2021, 12, 31, 23, 59, 59, tzinfo=OSLO)
    event_bus_name: str
    event_bus_arn: str
    migration_schedule_group: str
    scheduler_role_arn: str
    catalog_path: Path | None = None

    @field_validator("migration_deadline")
    @classmethod
    def _oslo_unless_offset(cls, moment: datetime) -> datetime:
        """``2021-12-31T23:59:59`` (no offset) is read as Oslo time."""
        return (moment if moment.tzinfo else moment.replace(tzinfo=OSLO)).astimezone(UTC)

    @property
    def deadline(self) -> datetime:
        return self.migration_deadline


class Seller(BaseSettings):
    """Who issues the invoices (environment ``SELLER_*``). The defaults are SAMPLE values for
    development and the demo; production sets the real ones."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="SELLER_")

    name: str = "Eksempel Programvare AS (SAMPLE)"
    org_number: str = "999999999"  # SAMPLE: passes the MOD11 check, belongs to no one
    street: str = "Eksempelveien 1"  # SAMPLE
    postal_code: str = "0150"  # SAMPLE
    city: str = "Oslo"  # SAMPLE
    bank_account: str = "12345678903"  # SAMPLE: a valid MOD11 account number used in examples
    email: str = "faktura@example.no"  # SAMPLE

    @property
    def vat_id(self) -> str:
        return f"NO{self.org_number}MVA"


class DocumentSettings(BaseSettings):
    """Where invoice documents go and where their announcement is sent."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    documents_bucket: str
    event_bus_name: str
