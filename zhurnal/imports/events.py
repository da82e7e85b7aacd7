"""The audit events of imports (DESIGN §2 "Audit": every change of the register from a file is
traced to it): one function per kind of event, called inside the import's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record


def record_imported(
    obj: models.Model,
    *,
    actor: Actor,
    school,
    file_name: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    student=None,
) -> None:
    """A person (or a plan's items) written from a row of an imported file, with the values
    before and after; the file's name is the reason."""
    record(
        action=AuditAction.IMPORTED,
        actor=actor,
        obj=obj,
        school=school,
        student=student,
        before=before,
        after=after,
        reason=file_name[:500],
    )


def file_imported(batch, *, actor: Actor, after: dict[str, Any]) -> None:
    """A whole file committed, with its counts."""
    record(action=AuditAction.IMPORTED, actor=actor, obj=batch, school=batch.school, after=after)


def plan_imported(
    thematic_plan, *, actor: Actor, school, file_name: str, after: dict[str, Any]
) -> None:
    """A thematic plan's items replaced from a file (the file's name is the reason)."""
    record(
        action=AuditAction.IMPORTED,
        actor=actor,
        obj=thematic_plan,
        school=school,
        after=after,
        reason=file_name[:500],
    )
