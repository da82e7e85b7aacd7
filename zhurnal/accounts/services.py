"""Use cases of a user's own account: the forced password change done, logging out everywhere,
the API's tokens (issued, used, revoked). Each writes and audits (``events``) in one
transaction; the callers have authenticated the user."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.utils import timezone

from zhurnal.audit.actor import Actor
from zhurnal.core.records import snapshot

from . import events
from .models import ApiToken, SignInPolicy, User, new_session_stamp

POLICY_FIELDS = ("external_sign_in", "link_by_email", "second_factor_for_administration")

# A token's last use is written at most this often (not audited: a usage timestamp).
LAST_USED_PRECISION = timedelta(minutes=1)


def password_changed(user: User) -> None:
    """The user set their own password: a one-time password no longer forces a change."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


@transaction.atomic
def log_out_everywhere(*, user: User, actor: Actor) -> None:
    """End every session of the user (other devices included: a new ``session_stamp``) and
    revoke their API tokens."""
    user.session_stamp = new_session_stamp()
    user.save(update_fields=["session_stamp"])
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    events.sessions_revoked(user, actor=actor)


@transaction.atomic
def issue_token(*, user: User, name: str, actor: Actor) -> tuple[ApiToken, str]:
    """A new bearer token of the user (the raw value is shown once, only its hash is kept)."""
    api_token, raw = ApiToken.issue(user, name)
    update_last_login(None, user)
    events.token_issued(api_token, actor=actor)
    return api_token, raw


@transaction.atomic
def revoke_token(*, api_token: ApiToken, actor: Actor) -> None:
    """The token stops working at once."""
    api_token.revoke()
    events.token_revoked(api_token, actor=actor)


def touch_token(api_token: ApiToken, now: datetime) -> None:
    """Remember when a token was last used, at most once a minute."""
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now


def sign_in_policy(school) -> SignInPolicy:
    """The school's sign-in policy (the defaults where none is saved: not written)."""
    return SignInPolicy.objects.filter(school=school).first() or SignInPolicy(school=school)


@transaction.atomic
def set_sign_in_policy(*, school, data: dict, actor: Actor) -> SignInPolicy:
    """How the school's people sign in (issue 17): the region's provider, linking by verified
    e-mail, the second factor of the administration. Audited before and after."""
    policy, _created = SignInPolicy.objects.select_for_update().get_or_create(school=school)
    before = snapshot(policy, POLICY_FIELDS)
    for name in POLICY_FIELDS:
        setattr(policy, name, data[name])
    policy.save()
    events.policy_set(policy, actor=actor, before=before, after=snapshot(policy, POLICY_FIELDS))
    return policy
