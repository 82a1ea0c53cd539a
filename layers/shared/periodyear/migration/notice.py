"""The notice e-mail sent before a tenant's data moves (CONTRACT §7), from template files."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from periodyear.documents.plain_text import NO_BREAK, wrapped
from periodyear.domain.calendar import OSLO, written_day
from periodyear.domain.migration import NewTerms

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKAGE_NAMES = {
    "ARSOPPGJOR": "Årsoppgjør",
    "PERIODEAVSLUTNING": "Periodeavslutning",
    "PERIODE_OG_AR": "Periode & År",
    "ARSOPPGJOR_PLUSS": "Årsoppgjør Pluss",
    "KOMPLETT": "Komplett",
}
SUBJECTS = {
    "nb": "Periode & År flytter: dataene deres flyttes {when}",
    "en": "Periode & År is moving: your data moves on {when}",
}


@functools.cache
def _environment() -> Environment:
    """The templates' environment, made when the first notice is rendered (a move or a wave plan
    renders none, so the function's cold start does not load jinja2)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: PLC0415

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class NoticeDetails:
    """What every notice points to, from the deployment's parameters: where to ask, where the terms are."""

    contact: str  # an https:// page or an e-mail address
    terms_url: str

    @property
    def contact_is_email(self) -> bool:
        return not self.contact.startswith("https://") and "@" in self.contact


@dataclass(frozen=True)
class Notice:
    language: str
    subject: str
    text: str
    html: str


def _when(moment: datetime, language: str) -> str:
    local = moment.astimezone(OSLO)
    return f"{_day(local.date(), language)} {'kl.' if language == 'nb' else 'at'} {local:%H:%M}"


_day = written_day


def render_notice(
    *,
    language: str,
    tenant_name: str,
    move_at: datetime,
    terms: NewTerms,
    has_bureau_client: bool,
    updated: bool,
    details: NoticeDetails,
    sent_on: date,
) -> Notice:
    """The notice in the tenant's language (``nb`` or ``en``), as of ``sent_on`` (its Oslo date):
    a prepaid period that has ended by then is told in the past tense."""
    old_package = PACKAGE_NAMES.get(terms.legacy_package, terms.legacy_package)
    new_package = PACKAGE_NAMES.get(terms.package, terms.package)
    first_unpaid = terms.paid_through + timedelta(days=1)
    values = {
        "tenant_name": tenant_name,
        "move_at": _when(move_at, language),
        "old_package": old_package,
        "new_package": new_package,
        "package_kept": old_package == new_package,
        "terms_from": _day(terms.terms_effective_from, language),
        "terms_url": details.terms_url,
        "price_switch": _day(terms.price_switch_date, language),
        "paid_through": _day(terms.paid_through, language),
        "prepaid_ended": terms.paid_through < sent_on,
        "intro_until": (
            _day(terms.price_switch_date - timedelta(days=1), language)
            if terms.price_switch_date > first_unpaid
            else None
        ),
        "monthly_invoice": terms.has_monthly_charge,
        "annual_invoice": terms.has_annual_charge,
        "has_bureau_client": has_bureau_client,
        "updated": updated,
        "contact": details.contact,
        "contact_is_email": details.contact_is_email,
    }
    subject = SUBJECTS[language].format(when=values["move_at"])
    if updated:
        subject = ("Oppdatert: " if language == "nb" else "Updated: ") + subject
    return Notice(
        language=language,
        subject=subject,
        text=wrapped(_environment().get_template(f"notice.{language}.txt").render(_unbroken(values))),
        html=_environment().get_template(f"notice.{language}.html").render(values),
    )


_KEPT_WHOLE = ("move_at", "terms_from", "paid_through", "intro_until", "price_switch")


def _unbroken(values: dict[str, object]) -> dict[str, object]:
    """The values with each date and time held on one line ("1 March 2022", "kl. 10:00")."""
    return {
        k: v.replace(" ", NO_BREAK) if k in _KEPT_WHOLE and isinstance(v, str) else v
        for k, v in values.items()
    }


def notice_message(
    notice: Notice, *, sender: str, recipients: tuple[str, ...], sent_at: datetime, tenant_id: str
) -> EmailMessage:
    """A MIME message with text and HTML alternatives, ready for SES ``Raw`` content."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message["X-Periodyear-Tenant"] = tenant_id  # for support: which tenant a notice was about
    # Quoted-printable: 7-bit safe on every hop (the email package would pick 8bit for short
    # lines, which a relay without 8BITMIME, moto's SES among them, garbles: "Periode & �r").
    message.set_content(notice.text, cte="quoted-printable")
    message.add_alternative(notice.html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = notice.language  # after the body: set_content drops Content-* headers
    return message
