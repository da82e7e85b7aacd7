"""Sign-in through the region's identity provider: OpenID Connect with mozilla-django-oidc
(issue 17; seed 002, Положение 3.3.2 and 4.6 — regions put ЕСИА behind their own OpenID
Connect gateway, so Zhurnal speaks standard OpenID Connect).

* The provider's endpoints come from its **discovery document**
  (``<issuer>/.well-known/openid-configuration``), read once an hour per process.
* The **authorization code flow with PKCE** (S256) and a nonce (mozilla-django-oidc's views).
* The **ID token** is verified here, not only its signature: RS256 with the provider's key from
  its JWKS, the issuer, the audience (our client; ``azp`` when there are several), the expiry
  and the time of issue (a minute's leeway for clocks), the nonce. A token that fails any of
  them signs nobody in.
* The account is a login already issued (``linking``): never created, never given a role.
"""

from __future__ import annotations

import logging
import time

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .backends import is_underage_student_only
from .linking import Identity, is_configured, linked_user, remember_pending

logger = logging.getLogger(__name__)

DISCOVERY_SECONDS = 3600
LEEWAY_SECONDS = 60
_discovered: dict[str, tuple[float, dict]] = {}

# mozilla-django-oidc's settings of the endpoints -> the discovery document's names.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderError(Exception):
    """The provider could not be reached or answered what OpenID Connect does not allow."""


def discovery() -> dict:
    """The provider's discovery document (cached ``DISCOVERY_SECONDS`` in this process)."""
    issuer = settings.ZHURNAL_OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"discovery document of {issuer}: {exc}") from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderError(f"discovery document names another issuer: {document.get('issuer')}")
    if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
        raise ProviderError("the provider does not support PKCE with S256")
    missing = [name for name in ENDPOINTS.values() if not document.get(name)]
    if missing:
        raise ProviderError(f"discovery document without {', '.join(missing)}")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def forget_discovery() -> None:
    _discovered.clear()


def oidc_setting(attr: str, *default):
    """mozilla-django-oidc's settings, the endpoints read from the discovery document."""
    if attr in ENDPOINTS:
        return discovery()[ENDPOINTS[attr]]
    return import_from_settings(attr, *default)


class RegionalBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend: the endpoints by discovery, the ID token verified in
    full, the account found among the linked ones (``linking``) and never created. Acts only
    on the callback (its ``nonce``): Django asks every backend at each password login too."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # The endpoints are read when a callback is handled, not when Django builds the
        # backends for a password login (the provider may be off or unreachable then).
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not is_configured():
            return None
        OIDCAuthenticationBackend.__init__(self)
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The ID token's signature (RS256, the provider's JWKS), issuer, audience, expiry,
        time of issue and nonce; SuspiciousOperation for any failure."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}")
            key = self.retrieve_matching_jwk(token)
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=discovery()["issuer"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc
        audiences = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token refused: issued to another party (azp)")
        if payload.get("iat", 0) > time.time() + LEEWAY_SECONDS:
            raise SuspiciousOperation("ID token refused: issued in the future")
        if kwargs.get("nonce") is None or payload.get("nonce") != kwargs["nonce"]:
            raise SuspiciousOperation("ID token refused: nonce")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        """The linked login of the account, or None — the account then waits in the session
        for its linking code (``linking.pending``). Never creates a user."""
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload["sub"]:
            raise SuspiciousOperation("userinfo of another subject than the ID token")
        email = claims.get("email") or payload.get("email") or ""
        verified = claims.get("email_verified", payload.get("email_verified")) is True
        identity = Identity(
            issuer=payload["iss"], subject=payload["sub"], email=email if verified else ""
        )
        self.request.zhurnal_identity = identity
        user, _row = linked_user(identity)
        if user is None:
            remember_pending(self.request, identity)
        return user

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not is_underage_student_only(user)

    # The permissions are ZhurnalBackend's and the rules': this backend only signs in.
    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False

    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_user_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set:
        return set()
