"""Sign-in through the region's identity provider (issue 17), against a real OpenID provider
(the npm `oidc-provider`, tests/oidc_provider.py) on the loopback, not a mock: a parent signs
in, links with the code from the slip, signs out; a tampered token, a token of another
audience and an expired one are refused; the rules of a login apply."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlparse

import pytest
import requests
import time_machine
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.utils import timezone

from zhurnal.accounts.credentials import issue_credentials
from zhurnal.accounts.models import ExternalIdentity, LinkingCode, Role, SignInPolicy
from zhurnal.accounts.oidc import RegionalBackend, discovery
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent

from . import oidc_provider
from .factories import GuardianFactory, SchoolFactory, StudentFactory, UserFactory, grant

CALLBACK = "http://testserver/accounts/regional/callback/"


@pytest.fixture(scope="module")
def provider():
    running = oidc_provider.start([CALLBACK])
    yield running
    running.stop()


@pytest.fixture
def regional(settings, provider):
    oidc_provider.settings_for(settings, provider)
    return provider


@pytest.fixture
def school(db):
    school = SchoolFactory(short_name="СОШ № 7")
    SignInPolicy.objects.create(school=school, external_sign_in=True)
    return school


@pytest.fixture
def parent(school):
    guardian = GuardianFactory(school=school, last_name="Иванова", first_name="Мария")
    return guardian


def _issue(person) -> tuple:
    [result] = issue_credentials(people=[person], actor=Actor.system(), blocker=lambda p: "")
    person.refresh_from_db()
    return person.user, result


def _through_provider(client, login: str, *, travel=None):
    """Zhurnal's start → the provider's pages → Zhurnal's callback; the callback's answer."""
    start = client.get(reverse("accounts:regional_start"))
    assert start.status_code == 302
    back = oidc_provider.sign_in(start["Location"], login)
    target = urlparse(back)
    if travel is not None:
        with time_machine.travel(travel):
            return client.get(f"{target.path}?{target.query}")
    return client.get(f"{target.path}?{target.query}")


def test_the_start_asks_for_a_code_with_pkce_s256_state_and_nonce(client, db, regional):
    response = client.get(reverse("accounts:regional_start"))
    params = oidc_provider.query(response["Location"])
    assert response["Location"].startswith(discovery()["authorization_endpoint"])
    assert params["response_type"] == "code"
    assert params["client_id"] == "zhurnal"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    assert "openid" in params["scope"].split()


def test_a_parent_signs_in_links_with_the_code_and_signs_out(client, regional, parent):
    user, issued = _issue(parent)
    assert len(issued.linking_code) == 14  # abcd-efgh-jkmn

    response = _through_provider(client, "ivanova-gosuslugi")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:regional_link")
    page = client.get(reverse("accounts:regional_link"))
    assert "не связана" in page.content.decode()
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("accounts:regional_link"), {"code": "aaaa-bbbb-cccc"})
    assert wrong.status_code == 400
    assert "Код неверен" in wrong.content.decode()

    linked = client.post(reverse("accounts:regional_link"), {"code": issued.linking_code.upper()})
    assert linked.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("home")).status_code == 200  # no forced password change
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (regional.issuer, "ivanova-gosuslugi")
    assert LinkingCode.objects.get(user=user).used_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.IDENTITY_LINKED, object_id=user.pk)
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_IN_REGIONALLY).count() == 1

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302

    # Linked now: the provider alone signs her in, and each sign-in is audited.
    again = _through_provider(client, "ivanova-gosuslugi")
    assert again.status_code == 302 and again["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_IN_REGIONALLY).count() == 2


def test_the_local_password_still_signs_in_once_linked(client, regional, parent):
    """Issue 17 item 1: local passwords remain beside the regional sign-in."""
    user, issued = _issue(parent)
    _through_provider(client, "ivanova-gosuslugi")
    client.post(reverse("accounts:regional_link"), {"code": issued.linking_code})
    assert ExternalIdentity.objects.filter(user=user).exists()
    client.post(reverse("accounts:logout"))
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": issued.password}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_linking_code_links_once(client, regional, parent):
    _user, issued = _issue(parent)
    _through_provider(client, "first-account")
    client.post(reverse("accounts:regional_link"), {"code": issued.linking_code})
    client.post(reverse("accounts:logout"))
    _through_provider(client, "second-account")
    response = client.post(reverse("accounts:regional_link"), {"code": issued.linking_code})
    assert response.status_code == 400
    assert ExternalIdentity.objects.count() == 1


def test_an_unlinked_account_is_told_in_russian_and_nobody_is_signed_in(client, regional, school):
    response = _through_provider(client, "stranger")
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Введите код привязки" in text
    assert "_auth_user_id" not in client.session
    assert not ExternalIdentity.objects.exists()


def test_a_verified_email_links_where_the_school_allows_it(client, regional, school):
    user = grant(UserFactory(username="petrova", email="Petrova@Example.ru"), school, Role.PARENT)
    response = _through_provider(client, "petrova@example.ru")
    assert response["Location"] == reverse("accounts:regional_link")  # not allowed yet

    SignInPolicy.objects.filter(school=school).update(link_by_email=True)
    client.logout()
    response = _through_provider(client, "petrova@example.ru")
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(action=AuditAction.IDENTITY_LINKED)
    assert event.after["by"] == "email"


def test_an_unverified_email_never_links(client, regional, school):
    SignInPolicy.objects.filter(school=school).update(link_by_email=True)
    grant(UserFactory(username="u", email="unverified-x@region.test"), school, Role.PARENT)
    response = _through_provider(client, "unverified-x")
    assert response["Location"] == reverse("accounts:regional_link")


def test_a_locked_login_is_refused(client, regional, parent, settings):
    user, _issued = _issue(parent)
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="locked-parent")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    response = _through_provider(client, "locked-parent")
    assert response.status_code == 403
    assert "Слишком много неудачных попыток" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_student_below_the_schools_login_age_is_refused(client, regional, school):
    user = grant(UserFactory(username="young"), school, Role.STUDENT)
    StudentFactory(school=school, user=user, birth_date=timezone.localdate().replace(year=2016))
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="young")
    response = _through_provider(client, "young")
    assert response.status_code == 403
    assert "Учащиеся получают собственный доступ" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unlinked_accounts_from_one_computer_do_not_shut_out_the_linked(
    client, regional, parent, settings
):
    """A school computer where many families try before linking: each unlinked return is a
    failed authentication, which must not lock the provider's sign-in from that address."""
    user, _issued = _issue(parent)
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="linked")
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        response = _through_provider(client, f"family-{n}")
        assert response["Location"] == reverse("accounts:regional_link")
    response = _through_provider(client, "linked")
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_switched_off_login_is_refused(client, regional, parent):
    user, _issued = _issue(parent)
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="off")
    user.is_active = False
    user.save()
    response = _through_provider(client, "off")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_school_that_does_not_use_the_provider_refuses(client, regional, parent, school):
    user, _issued = _issue(parent)
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="p")
    SignInPolicy.objects.filter(school=school).update(external_sign_in=False)
    response = _through_provider(client, "p")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_expired_token_is_refused_at_the_callback(client, regional, parent):
    user, _issued = _issue(parent)
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="late")
    response = _through_provider(client, "late", travel=timezone.now() + timedelta(hours=2))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_logout_everywhere_ends_a_regional_session(client, regional, parent):
    user, _issued = _issue(parent)
    ExternalIdentity.objects.create(user=user, issuer=regional.issuer, subject="everywhere")
    _through_provider(client, "everywhere")
    user.must_change_password = False
    user.save()
    other = client.__class__()
    other.force_login(user)
    other.post(reverse("accounts:logout_everywhere"))
    assert client.get(reverse("home")).status_code == 302  # the regional session ended


# --- the ID token, verified in full (real tokens of the provider) ------------------------------


def _token(provider, client_id: str, secret: str, redirect_uri: str, nonce: str) -> str:
    """A real ID token of the provider, for ``client_id``, by the code flow with PKCE."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    config = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10).json()
    url = (
        config["authorization_endpoint"]
        + "?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email",
                "state": "s",
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
    )
    code = oidc_provider.query(oidc_provider.sign_in(url, "someone"))["code"]
    answer = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": secret,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["id_token"]


@pytest.fixture
def backend(regional):
    backend = RegionalBackend()
    RegionalBackend.__mro__[1].__init__(backend)
    return backend


def test_a_good_token_passes(backend, regional):
    token = _token(regional, "zhurnal", oidc_provider.SECRET, CALLBACK, "n-1")
    assert backend.verify_token(token, nonce="n-1")["sub"] == "someone"


def test_a_tampered_token_is_refused(backend, regional):
    token = _token(regional, "zhurnal", oidc_provider.SECRET, CALLBACK, "n-2")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "somebody-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(f"{header}.{forged}.{signature}", nonce="n-2")


def test_a_token_of_another_audience_is_refused(backend, regional):
    token = _token(
        regional,
        "other-app",
        oidc_provider.OTHER_SECRET,
        "http://127.0.0.1/other-app/callback",
        "n-3",
    )
    with pytest.raises(SuspiciousOperation, match=r"(?i)audience"):
        backend.verify_token(token, nonce="n-3")


def test_an_expired_token_is_refused(backend, regional):
    token = _token(regional, "zhurnal", oidc_provider.SECRET, CALLBACK, "n-4")
    later = timezone.now() + timedelta(hours=2)
    with time_machine.travel(later), pytest.raises(SuspiciousOperation, match="expired"):
        backend.verify_token(token, nonce="n-4")


def test_a_token_of_another_nonce_is_refused(backend, regional):
    token = _token(regional, "zhurnal", oidc_provider.SECRET, CALLBACK, "n-5")
    with pytest.raises(SuspiciousOperation, match="nonce"):
        backend.verify_token(token, nonce="n-6")


def test_an_unsigned_token_is_refused(backend, regional):
    token = _token(regional, "zhurnal", oidc_provider.SECRET, CALLBACK, "n-7")
    _header, payload, _signature = token.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(f"{none_header}.{payload}.", nonce="n-7")
