"""Use cases of a user's own account: the forced password change done, logging out everywhere,
the API's tokens (issued, used, revoked). Each writes and audits (``events``) in one
transaction; the callers have authenticated the user."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.utils import timezone

from zhurnal.audit.actor import Actor

from . import events
from .models import ApiToken, User, new_session_stamp

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
