"""Settings from the environment, read once and validated (pydantic).

Every setting is a flat environment variable, the field's name in upper case (with a prefix
for the seller). That is all these functions need of pydantic-settings, whose import alone cost
about 31 ms of every cold start, so ``EnvSettings`` reads them itself and leaves the
validation to pydantic (docs/decisions.md).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from periodyear.domain.calendar import OSLO


class ConfigurationError(Exception):
    """A deployment setting is missing or malformed: the function cannot run until it is fixed.
    Not a ``PeriodYearError``: no handler turns it into a refusal of the event."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"not configured: {problem}")
        self.problem = problem


def settings_problem(error: ValidationError, model: type[EnvSettings]) -> str:
    """What a settings model's validation error says, by environment variable."""
    prefix = model.env_prefix
    missing, other = [], []
    for problem in error.errors(include_url=False):
        where = ".".join(str(p) for p in problem["loc"])
        if problem["type"] == "missing":
            missing.append((prefix + where).upper())
        else:
            message = str(problem["msg"]).removeprefix("Value error, ")
            other.append(message if not where else f"{(prefix + where).upper()}: {message}")
    parts = ([f"set {', '.join(missing)}"] if missing else []) + other
    return "; ".join(parts)


class EnvSettings(BaseModel):
    """A model filled from the environment by ``load()``: field ``x`` from ``<ENV_PREFIX>X``."""

    # Schemas are built when first used, not at import: see docs/performance.md "Cold start".
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)
    env_prefix: ClassVar[str] = ""

    @classmethod
    def load(cls) -> Self:
        """The settings as the environment gives them; ``ConfigurationError`` names each variable
        that is missing or wrong."""
        try:
            return cls.model_validate(cls.from_environment())
        except ValidationError as error:
            raise ConfigurationError(settings_problem(error, cls)) from error

    @classmethod
    def variable(cls, field: str) -> str:
        return f"{cls.env_prefix}{field}".upper()

    @classmethod
    def from_environment(cls) -> dict[str, str]:
        return {
            name: os.environ[cls.variable(name)]
            for name in cls.model_fields
            if cls.variable(name) in os.environ
        }


class BillingSettings(EnvSettings):
    usage_table: str
    register_table: str
    invoices_table: str
    catalog_path: Path | None = None


def _is_web_page(value: str) -> bool:
    return (
        value.startswith("https://") and len(value) > len("https://") and not any(c.isspace() for c in value)
    )


class FanOutSettings(EnvSettings):
    """Where a run's batches go, how large they are, and how often a batch is tried."""

    billing_queue_url: str = ""  # empty: the function only bills inline (dry runs, named tenants)
    billing_batch_size: int = Field(default=25, ge=1, le=500)
    billing_max_receives: int = Field(default=3, ge=1)  # the queue's redrive maxReceiveCount


class MigrationSettings(EnvSettings):
    """The migrate_tenant function's environment."""

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
    notice_contact: str  # where a customer asks about the move: a web page or an e-mail address
    terms_url: str  # where the new terms are published

    @field_validator("notice_contact")
    @classmethod
    def _contact(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if not (_is_web_page(value) or (local and "." in domain and not any(c.isspace() for c in value))):
            raise ValueError(f"NOTICE_CONTACT {value!r} is neither an https:// page nor an e-mail address")
        return value

    @field_validator("terms_url")
    @classmethod
    def _terms(cls, value: str) -> str:
        if not _is_web_page(value):
            raise ValueError(f"TERMS_URL {value!r} is not an https:// page")
        return value

    @field_validator("migration_deadline")
    @classmethod
    def _oslo_unless_offset(cls, moment: datetime) -> datetime:
        """``2021-12-31T23:59:59`` (no offset) is read as Oslo time."""
        return (moment if moment.tzinfo else moment.replace(tzinfo=OSLO)).astimezone(UTC)

    @property
    def deadline(self) -> datetime:
        return self.migration_deadline


SELLER_PARAMETERS = {  # field → (environment variable, template parameter)
    "name": ("SELLER_NAME", "SellerName"),
    "org_number": ("SELLER_ORG_NUMBER", "SellerOrgNumber"),
    "bank_account": ("SELLER_BANK_ACCOUNT", "SellerAccountNumber"),
    "street": ("SELLER_STREET", "SellerStreet"),
    "postal_code": ("SELLER_POSTAL_CODE", "SellerPostalCode"),
    "city": ("SELLER_CITY", "SellerCity"),
    "email": ("SELLER_EMAIL", "SellerEmail"),
}


class Seller(EnvSettings):
    """Who issues the invoices: environment ``SELLER_*``, set from the template's ``Seller*``
    parameters. There are no defaults: a deployment names its seller, and a wrong one stops the
    function at start-up with the variable to fix (the organisation and account numbers are
    checked with their MOD11 digit, which CloudFormation cannot do)."""

    env_prefix: ClassVar[str] = "SELLER_"

    name: str
    org_number: str
    bank_account: str
    street: str
    postal_code: str
    city: str
    email: str

    @model_validator(mode="before")
    @classmethod
    def _every_part_set(cls, values: Any) -> Any:
        if isinstance(values, dict):
            missing = [
                env for field, (env, _) in SELLER_PARAMETERS.items() if not str(values.get(field) or "")
            ]
            if missing:
                raise ValueError(
                    f"the seller is not configured: set {', '.join(missing)} (template parameters "
                    f"{', '.join(p for f, (e, p) in SELLER_PARAMETERS.items() if e in missing)})"
                )
        return values

    @field_validator("name", "street", "city")
    @classmethod
    def _text(cls, value: str) -> str:
        return value.strip()

    @field_validator("org_number")
    @classmethod
    def _organisation_number(cls, value: str) -> str:
        from stdnum.no import orgnr  # noqa: PLC0415 (checked once, when the seller is read)

        number = orgnr.compact(value)
        if not orgnr.is_valid(number):
            raise ValueError(
                f"SELLER_ORG_NUMBER {value!r} is not a Norwegian organisation number "
                "(9 digits that pass the MOD11 check)"
            )
        return str(number)

    @field_validator("bank_account")
    @classmethod
    def _account_number(cls, value: str) -> str:
        from stdnum.no import kontonr  # noqa: PLC0415

        number = kontonr.compact(value)
        if len(number) != 11 or not kontonr.is_valid(number):
            raise ValueError(
                f"SELLER_BANK_ACCOUNT {value!r} is not a Norwegian account number "
                "(11 digits that pass the MOD11 check)"
            )
        return str(number)

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise ValueError(f"SELLER_POSTAL_CODE {value!r} is not a Norwegian postal code (4 digits)")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in value):
            raise ValueError(f"SELLER_EMAIL {value!r} is not an e-mail address")
        return value

    @property
    def vat_id(self) -> str:
        return f"NO{self.org_number}MVA"


class DocumentSettings(EnvSettings):
    """Where invoice documents go and where their announcement is sent."""

    documents_bucket: str
    event_bus_name: str


class SignInSettings(EnvSettings):
    """The moved users' sign-ins function's environment."""

    register_table: str
    register_user_pool_id: str


class RegisterSettings(EnvSettings):
    """The register API's environment."""

    register_table: str
    invoices_table: str
    documents_bucket: str
    event_bus_name: str
    register_user_pool_id: str
    legacy_table: str  # read only: a tenant the old platform holds is moved, not created
    idempotency_table: str  # Powertools' idempotency records of the POSTs (Idempotency-Key)
    delivery_queue_url: str  # an admin's resend goes to delivery through it
    catalog_path: Path | None = None


class DeliverySettings(EnvSettings):
    """The delivery functions' environment (CONTRACT §10)."""

    invoices_table: str
    register_table: str
    event_bus_name: str
    access_point_url: str
    access_point_legal_entity_id: int
    access_point_key_secret: str  # the Secrets Manager secret holding the provider's API key
    invoice_sender: str
    invoice_configuration_set: str
    delivery_queue_url: str = ""  # to put a message back later (back-off); empty: SQS's own timeout
    start_page_url: str | None = None  # named in an e-mail whose basis was too large to attach

    @field_validator("access_point_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not (_is_web_page(value) or value.startswith("http://127.0.0.1:")):
            raise ValueError(f"ACCESS_POINT_URL {value!r} is not an https:// address")
        return value.rstrip("/")
