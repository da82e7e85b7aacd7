"""Writing the audit trail. Call inside the transaction of the change it records; the apps'
``events`` modules name each kind of event (``journal.events.mark_set``, …) and call this."""

from __future__ import annotations

from typing import Any

from django.db import models

from .actor import Actor
from .models import AuditAction, AuditEvent


def record(
    *,
    action: AuditAction,
    actor: Actor,
    obj: models.Model | None = None,
    school=None,
    student=None,
    course=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    if school is None and obj is not None:
        # The event of a school's own record (its settings) is the school's.
        is_school = obj._meta.label_lower == "school.school"
        school = obj if is_school else getattr(obj, "school", None)
    user = actor.user
    return AuditEvent.objects.create(
        school=school,
        actor=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        student=student,
        course=course,
        before=before,
        after=after,
        reason=reason,
        address=actor.address,
    )
