"""Regional accounts linked to Zhurnal logins (issue 17; seed 002, Положение 3.3.2 and 4.6:
parents and students from 14 reach the diary through the state portal).

Signing in through the region's identity provider never creates a user or a role: the account
there (its issuer and subject) is linked to a login the school has already issued, either

* by a **linking code**: one-time, handed out with the credentials by the class teacher or the
  administrator (the slips of ``credentials``), valid ``ZHURNAL_OIDC_LINK_CODE_DAYS``; or
* by a **verified e-mail**, where a school of the login allows it (``SignInPolicy``): the
  provider says it verified the address, and exactly one login has it.

The rules of local logins apply to every sign-in (``refusal``): a switched-off login, a student
below the school's age, a locked login, a school that does not use the regional sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor

from . import events, lockout
from .backends import is_underage_student_only
from .models import ExternalIdentity, LinkingCode, SignInPolicy, User

PENDING_KEY = "zhurnal_regional_pending"
# A regional account waiting for its linking code: this long after the provider's answer.
PENDING_SECONDS = 15 * 60
# The session of a regional sign-in: no forced change of a one-time password it never used.
SIGNED_IN_KEY = "zhurnal_regional_sign_in"

# As the one-time passwords: no 0/o, 1/l/i (read from paper, typed by a parent).
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12


@dataclass(frozen=True)
class Identity:
    """An account at the provider, as its verified ID token tells; ``email`` only when the
    provider verified it."""

    issuer: str
    subject: str
    email: str = ""

    @property
    def lock_key(self) -> str:
        """Wrong linking codes of this account count as failed logins of this key."""
        return lockout.code_key("link", self.subject)


def is_configured() -> bool:
    """The deployment has a provider (docs/operations.md: ``ZHURNAL_OIDC_*``)."""
    return bool(settings.ZHURNAL_OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def school_uses_regional_sign_in(school) -> bool:
    return (
        is_configured()
        and SignInPolicy.objects.filter(school=school, external_sign_in=True).exists()
    )


def _normalized(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalized(code).encode()).hexdigest()


def new_linking_code(user: User, school) -> str:
    """A new linking code of the login (the earlier unused ones stop working), shown once, as
    ``abcd-efgh-jkmn``. Call inside the transaction that issues the credentials."""
    LinkingCode.objects.filter(user=user, used_at__isnull=True).delete()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    LinkingCode.objects.create(
        user=user,
        school=school,
        code_hash=_hash(code),
        expires_at=timezone.now() + timedelta(days=settings.ZHURNAL_OIDC_LINK_CODE_DAYS),
    )
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def valid_code(code: str) -> LinkingCode | None:
    """The unused, unexpired linking code typed (spaces, dashes and case ignored)."""
    if not _normalized(code):
        return None
    return (
        LinkingCode.objects.select_related("user")
        .filter(code_hash=_hash(code), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def _schools_allow(user: User, **policy) -> bool:
    return SignInPolicy.objects.filter(school__memberships__user=user, **policy).exists()


def linked_user(identity: Identity) -> tuple[User | None, ExternalIdentity | None]:
    """The login of a linked account; else the one login with the account's verified e-mail
    where its school allows linking by e-mail (the link not made yet: ``None``)."""
    row = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if row is not None:
        return row.user, row
    if identity.email:
        users = list(User.objects.filter(email__iexact=identity.email)[:2])
        if len(users) == 1 and _schools_allow(users[0], link_by_email=True):
            return users[0], None
    return None, None


def refusal(request, user: User) -> str:
    """Why this login may not sign in through the provider now, or "" (the rules of the login
    page: ``backends``, ``lockout``)."""
    if not user.is_active:
        return _("This login is switched off. Ask the school's administrator.")
    if is_underage_student_only(user):
        return _(
            "Students get their own access from the age set by the school. "
            "Your parents can see your diary."
        )
    if lockout.is_locked(request, user.username):
        return _("Too many failed login attempts. Try again later or ask the administrator.")
    if not _schools_allow(user, external_sign_in=True):
        return _(
            "Your school does not use the sign-in through the region's portal. Log in with "
            "your Zhurnal login and password."
        )
    return ""


# --- the account waiting for its linking code, kept in the session ---------------------------


def remember_pending(request, identity: Identity) -> None:
    request.session[PENDING_KEY] = {**asdict(identity), "at": time.time()}


def pending(request) -> Identity | None:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - data.get("at", 0) > PENDING_SECONDS:
        return None
    return Identity(issuer=data["issuer"], subject=data["subject"], email=data["email"])


def forget_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def link(
    *, user: User, identity: Identity, actor: Actor, code: LinkingCode | None = None
) -> ExternalIdentity:
    """Link the account to the login, by its linking code (used up) or by its verified
    e-mail (``code`` None). Audited."""
    row = ExternalIdentity.objects.create(
        user=user, issuer=identity.issuer, subject=identity.subject, email=identity.email
    )
    if code is not None:
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
    events.identity_linked(row, actor=actor, by="code" if code is not None else "email")
    return row


@transaction.atomic
def signed_in(*, row: ExternalIdentity, actor: Actor) -> None:
    """A sign-in through the provider (each one audited, as the login page's are logged)."""
    row.last_sign_in_at = timezone.now()
    row.save(update_fields=["last_sign_in_at"])
    events.signed_in_regionally(row, actor=actor)


@transaction.atomic
def unlink(*, row: ExternalIdentity, actor: Actor) -> None:
    """The user's own account at the provider no longer signs them in."""
    events.identity_unlinked(row, actor=actor)
    row.delete()
