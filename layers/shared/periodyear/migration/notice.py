"""The notice e-mail sent before a tenant's data moves (CONTRACT §7), from template files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from periodyear.domain.calendar import OSLO
from periodyear.domain.migration import NewTerms

TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKAGE_NAMES = {
    "ARSOPPGJOR": "Årsoppgjør",
    "PERIODEAVSLUTNING": "Periodeavslutning",
    "PERIODE_OG_AR": "Periode & År",
    "ARSOPPGJOR_PLUSS": "Årsoppgjør Pluss",
    "KOMPLETT": "Komplett",
}
SUBJECTS = {
    "nb": "Periode & År flytter: dine data flyttes {when}",
    "en": "Periode & År is moving: your data moves on {when}",
}
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Notice:
    language: str
    subject: str
    text: str
    html: str


def _when(moment: datetime, language: str) -> str:
    local = moment.astimezone(OSLO)
    return (
        f"{local:%d.%m.%Y} kl. {local:%H:%M}" if language == "nb" else f"{local:%-d %B %Y} at {local:%H:%M}"
    )


def _day(day: object, language: str) -> str:
    return f"{day:%d.%m.%Y}" if language == "nb" else f"{day:%-d %B %Y}"


def render_notice(
    *,
    language: str,
    tenant_name: str,
    move_at: datetime,
    terms: NewTerms,
    has_bureau_client: bool,
    updated: bool,
) -> Notice:
    """The notice in the tenant's language (``nb`` or ``en``)."""
    values = {
        "tenant_name": tenant_name,
        "move_at": _when(move_at, language),
        "old_package": PACKAGE_NAMES.get(terms.legacy_package, terms.legacy_package),
        "new_package": PACKAGE_NAMES.get(terms.package, terms.package),
        "terms_from": _day(terms.terms_effective_from, language),
        "price_switch": _day(terms.price_switch_date, language),
        "paid_through": _day(terms.paid_through, language),
        "has_bureau_client": has_bureau_client,
        "updated": updated,
    }
    subject = SUBJECTS[language].format(when=values["move_at"])
    if updated:
        subject = ("Oppdatert: " if language == "nb" else "Updated: ") + subject
    return Notice(
        language=language,
        subject=subject,
        text=_environment.get_template(f"notice.{language}.txt").render(values),
        html=_environment.get_template(f"notice.{language}.html").render(values),
    )


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
    message.set_content(notice.text)
    message.add_alternative(notice.html, subtype="html")
    message["Content-Language"] = notice.language  # after the body: set_content drops Content-* headers
    return message
