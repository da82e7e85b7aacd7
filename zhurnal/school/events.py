"""The audit events of the school's structure and people (DESIGN §2 "Audit", §3 152-FZ): one
function per kind of event, called by the services (and, for a view of a personal card, by the
page that shows it) inside the transaction of what they record."""

from __future__ import annotations

from typing import Any

from django.db import models

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record

from .models import Movement, Staff, Student


def personal_card_viewed(person: Student | Staff, *, actor: Actor) -> None:
    """Who looked at whose personal card, and when (152-FZ)."""
    student = person if isinstance(person, Student) else None
    record(action=AuditAction.PERSONAL_CARD_VIEWED, actor=actor, obj=person, student=student)


def personal_data_exported(student: Student, *, actor: Actor) -> None:
    """A student's personal data given out as a file (a subject access request, 152-FZ)."""
    record(action=AuditAction.PERSONAL_DATA_EXPORTED, actor=actor, obj=student, student=student)


def movement_recorded(movement: Movement, *, actor: Actor) -> None:
    """An admission, transfer or departure by a director's order."""
    record(
        action=AuditAction.MOVEMENT,
        actor=actor,
        obj=movement.student,
        student=movement.student,
        after={
            "kind": movement.kind,
            "date": movement.date.isoformat(),
            "from_class": str(movement.from_class) if movement.from_class else None,
            "to_class": str(movement.to_class) if movement.to_class else None,
            "order": f"{movement.order_number} от {movement.order_date:%d.%m.%Y}",
        },
    )


def record_created(
    obj: models.Model,
    *,
    actor: Actor,
    after: dict[str, Any] | None = None,
    student: Student | None = None,
) -> None:
    """A record added: a year, a class, a guardian, a consent, a staff position…"""
    record(action=AuditAction.CREATED, actor=actor, obj=obj, student=student, after=after)


def record_changed(
    obj: models.Model,
    *,
    actor: Actor,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    student: Student | None = None,
) -> None:
    """A record changed, with its values before and after."""
    record(
        action=AuditAction.UPDATED,
        actor=actor,
        obj=obj,
        student=student,
        before=before,
        after=after,
    )


def record_deleted(obj: models.Model, *, actor: Actor, before: dict[str, Any]) -> None:
    """A record of the reference data deleted (refused while others refer to it)."""
    record(action=AuditAction.DELETED, actor=actor, obj=obj, before=before)
