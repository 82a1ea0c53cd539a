"""Signing in on the page's own form (CONTRACT §11, "Signing in"), against the local user pool
as against Cognito: both languages, a wrong password, the first sign-in with the invitation's
temporary password, a forgotten password, and signing out."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from periodyear_local.start_page import LocalStartPage
from tests.browser.conftest import OpenPage, fill_sign_in, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_signs_in_in_bokmal_and_sees_the_firms_clients(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    # Given a browser whose language is bokmål
    page = open_page("nb")
    page.goto(site.url)
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    # When the admin signs in on the page's own form
    sign_in(page, site, "admin", "nb")
    # Then the start page is the client register, with the product's and the firm's name
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Periode & År")
    expect(banner).to_contain_text(site.firm_name)
    expect(page.get_by_role("table")).to_contain_text(site.bureau_client)
    for link in ("Klienter", "Brukere", "Fakturaer", "Firma"):
        expect(page.get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Kunder")).to_have_count(0)
    # and the tokens are kept in sessionStorage, never localStorage
    assert page.evaluate("window.localStorage.length") == 0
    assert page.evaluate("Boolean(window.sessionStorage.getItem('periodyear.session'))")


def test_a_user_signs_in_in_english(open_page: OpenPage, site: LocalStartPage) -> None:
    page = sign_in(open_page("en"), site, "user", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Clients", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize(
    ("language", "message"),
    [("nb", "Feil e-post eller passord"), ("en", "Wrong email or password")],
)
def test_a_wrong_password_is_refused_in_the_users_language(
    open_page: OpenPage, site: LocalStartPage, language: str, message: str
) -> None:
    page = open_page(language)
    page.goto(site.url)
    email, _ = site.sign_ins["admin"]
    fill_sign_in(page, email, "Not-the-password-1", language)
    expect(page.get_by_role("alert")).to_contain_text(message)
    # What was typed stays; nothing is signed in
    expect(page.get_by_label("E-post" if language == "nb" else "Email")).to_have_value(email)
    assert not page.evaluate("window.sessionStorage.getItem('periodyear.session')")


def test_the_first_sign_in_with_a_temporary_password_chooses_a_new_one(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    # Given a user the admin has just added, with the invitation's temporary password
    email, temporary = site.temporary_user("user")
    page = open_page("nb")
    page.goto(site.url)
    fill_sign_in(page, email, temporary)
    # Then a new password is asked for, with the pool's rules in words
    expect(page.get_by_role("heading", level=1, name="Velg ditt eget passord")).to_be_visible()
    expect(page.get_by_text("Minst 12 tegn")).to_be_visible()
    # A password that breaks them is refused beside the field, in bokmål
    page.get_by_label("Nytt passord", exact=True).fill("kort")
    page.get_by_label("Gjenta nytt passord").fill("kort")
    page.get_by_role("button", name="Lagre passord og logg inn").click()
    expect(page.get_by_label("Nytt passord", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Passordet må ha minst 12 tegn")).to_be_visible()
    # A good one signs in
    page.get_by_label("Nytt passord", exact=True).fill("Eget-Passord-2026")
    page.get_by_label("Gjenta nytt passord").fill("Eget-Passord-2026")
    page.get_by_role("button", name="Lagre passord og logg inn").click()
    expect(page.get_by_role("heading", level=1, name="Klienter")).to_be_visible()
    # and the new password is the one that signs in from now on
    assert site.id_token(email, "Eget-Passord-2026")


def _pool(site: LocalStartPage, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """The local pool's JSON API, called as the page calls it."""
    request = urllib.request.Request(
        f"{site.url}cognito-idp/",
        data=json.dumps({"ClientId": site.client_id, **body}).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(json.load(answer))


def _user_with_own_password(site: LocalStartPage, password: str) -> str:
    """A new user who has signed in once and chosen ``password`` (Cognito resets only such a one)."""
    email, temporary = site.temporary_user("user")
    auth = {"USERNAME": email, "PASSWORD": temporary}
    first = _pool(site, "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": auth})
    answer = {"USERNAME": first["ChallengeParameters"]["USER_ID_FOR_SRP"], "NEW_PASSWORD": password}
    _pool(
        site,
        "RespondToAuthChallenge",
        {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": first["Session"], "ChallengeResponses": answer},
    )
    return email


def test_a_forgotten_password_is_reset_with_the_code_from_the_email(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    email = _user_with_own_password(site, "Forste-Passord-2026")
    page = open_page("en")
    page.goto(site.url)
    page.get_by_role("button", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1, name="Forgotten password")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    # A wrong code is said beside the code field
    page.get_by_label("Code").fill("000000")
    page.get_by_label("New password", exact=True).fill("Glemt-Passord-2026")
    page.get_by_label("Repeat new password").fill("Glemt-Passord-2026")
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_text("The code is incorrect")).to_be_visible()
    # The e-mail's code sets the new password; then it signs in
    page.get_by_label("Code").fill(site.reset_code(email))
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill("Glemt-Passord-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Clients")).to_be_visible()


def _signed_out(page: Page) -> None:
    expect(page.get_by_role("heading", level=1, name="Logg inn")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.get_by_role("navigation")).to_have_count(0)


def test_signing_out_ends_the_session_and_the_back_button_or_a_reload_shows_no_data(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = sign_in(open_page("nb"), site)
    page.get_by_role("link", name="Brukere").click()
    expect(page.get_by_role("heading", level=1, name="Brukere")).to_be_visible()
    calls: list[str] = []
    page.on(
        "request",
        lambda r: calls.append(r.headers.get("x-amz-target", "")) if "cognito-idp" in r.url else None,
    )
    page.get_by_role("button", name="Logg ut").click()
    _signed_out(page)
    expect(page.get_by_role("status")).to_contain_text("Du er logget ut")
    # The session ended at the pool (this device's refresh token revoked too), nothing kept here
    assert "AWSCognitoIdentityProviderService.GlobalSignOut" in calls
    assert "AWSCognitoIdentityProviderService.RevokeToken" in calls
    assert not page.evaluate("window.sessionStorage.getItem('periodyear.session')")
    page.go_back()
    _signed_out(page)
    page.reload()
    _signed_out(page)


EXPIRE_ID_TOKEN = """() => {
  const kept = JSON.parse(sessionStorage.getItem('periodyear.session'));
  const [head, body, signature] = kept.idToken.split('.');
  const claims = JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/')));
  claims.exp = 1;
  const expired = btoa(JSON.stringify(claims)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  kept.idToken = [head, expired, signature].join('.');
  sessionStorage.setItem('periodyear.session', JSON.stringify(kept));
  return kept.idToken;
}"""


def test_an_expired_id_token_is_refreshed_with_the_refresh_token(
    open_page: OpenPage, site: LocalStartPage
) -> None:
    page = sign_in(open_page("nb"), site)
    expired = page.evaluate(EXPIRE_ID_TOKEN)
    flows: list[str] = []
    page.on(
        "request",
        lambda r: (
            flows.append(json.loads(r.post_data or "{}").get("AuthFlow", ""))
            if "cognito-idp" in r.url
            else None
        ),
    )
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Klienter")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(site.bureau_client)
    assert flows == ["REFRESH_TOKEN_AUTH"]
    assert page.evaluate("JSON.parse(sessionStorage.getItem('periodyear.session')).idToken") != expired
