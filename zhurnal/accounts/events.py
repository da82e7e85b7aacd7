"""The audit events of accounts (DESIGN §3: who did what, when, from where): one function per
kind of event, called inside the transaction of what they record."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import Student

from .memberships import memberships_of
from .models import ApiToken, ExternalIdentity, SignInPolicy, User


def credentials_issued(person, *, actor: Actor, username: str, kind: str, reissued: bool) -> None:
    """A login and a one-time password given to a student, guardian or staff member (never
    the password itself)."""
    record(
        action=AuditAction.CREDENTIALS_ISSUED,
        actor=actor,
        obj=person,
        school=person.school,
        student=person if isinstance(person, Student) else None,
        after={"username": username, "kind": kind, "reissued": reissued},
    )


def sessions_revoked(user: User, *, actor: Actor) -> None:
    """The user logged out everywhere."""
    record(action=AuditAction.SESSIONS_REVOKED, actor=actor, obj=user)


def roles_set(staff, *, actor: Actor, before: list[str], after: list[str]) -> None:
    """What a staff member may do in Zhurnal: their roles before and after."""
    record(
        action=AuditAction.ROLES_SET,
        actor=actor,
        obj=staff,
        before={"roles": before},
        after={"roles": after},
    )


def token_issued(api_token: ApiToken, *, actor: Actor) -> None:
    record(action=AuditAction.TOKEN_ISSUED, actor=actor, obj=api_token)


def token_revoked(api_token: ApiToken, *, actor: Actor) -> None:
    record(
        action=AuditAction.TOKEN_REVOKED,
        actor=actor,
        obj=api_token,
        after={"revoked_at": api_token.revoked_at.isoformat()},
    )


def _schools_of(user: User) -> list:
    """The schools of the user (their memberships, loaded once per user object)."""
    return [entry.school for entry in memberships_of(user).values()] or [None]


def _per_school(user: User, **kwargs) -> None:
    """An event of the user's own login, in the audit trail of each of their schools."""
    for school in _schools_of(user):
        record(school=school, **kwargs)


def signed_in_regionally(row: ExternalIdentity, *, actor: Actor) -> None:
    """A sign-in through the region's identity provider."""
    _per_school(
        row.user,
        action=AuditAction.SIGNED_IN_REGIONALLY,
        actor=actor,
        obj=row.user,
        after={"issuer": row.issuer},
    )


def identity_linked(row: ExternalIdentity, *, actor: Actor, by: str) -> None:
    """A regional account linked to the login, by a linking code or a verified e-mail."""
    _per_school(
        row.user,
        action=AuditAction.IDENTITY_LINKED,
        actor=actor,
        obj=row.user,
        after={"issuer": row.issuer, "email": row.email, "by": by},
    )


def identity_unlinked(row: ExternalIdentity, *, actor: Actor) -> None:
    _per_school(
        row.user,
        action=AuditAction.IDENTITY_UNLINKED,
        actor=actor,
        obj=row.user,
        before={"issuer": row.issuer, "email": row.email},
    )


def second_factor_set(user: User, *, actor: Actor, on: bool) -> None:
    """The user turned their second factor on (a new device) or off."""
    _per_school(
        user,
        action=AuditAction.SECOND_FACTOR_ON if on else AuditAction.SECOND_FACTOR_OFF,
        actor=actor,
        obj=user,
    )


def recovery_codes_issued(user: User, *, actor: Actor) -> None:
    _per_school(user, action=AuditAction.RECOVERY_CODES_ISSUED, actor=actor, obj=user)


def second_factor_reset(staff, *, actor: Actor, reason: str) -> None:
    """The administrator reset a staff member's lost second factor."""
    record(action=AuditAction.SECOND_FACTOR_RESET, actor=actor, obj=staff, reason=reason)


def policy_set(policy: SignInPolicy, *, actor: Actor, before: dict, after: dict) -> None:
    """The school's sign-in policy changed, before and after."""
    record(action=AuditAction.UPDATED, actor=actor, obj=policy, before=before, after=after)
