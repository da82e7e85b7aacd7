"""The audit events of accounts (DESIGN §3: who did what, when, from where): one function per
kind of event, called inside the transaction of what they record."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import Student

from .models import ApiToken, User


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
