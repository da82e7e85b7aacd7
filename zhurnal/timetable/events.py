"""The audit events of the timetable (DESIGN §2 "Audit"): its entries, bell schedules, the
calendar feeds, and the changes of single lessons a deputy makes — a substitution, a
cancellation, a move, an extra lesson. One function per kind of event, called by the services
inside the transaction of the change. A lesson's own record (its topic) is the journal's
(``journal.events.topic_set``), in the same shape as these (``lesson_state``)."""

from __future__ import annotations

from typing import Any

from django.db import models

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record

from .models import Lesson, TimetableEntry


def lesson_state(lesson: Lesson) -> dict[str, Any]:
    """A lesson as the audit keeps it: when, who taught it, its status and its topic."""
    return {
        "date": lesson.date.isoformat(),
        "number": lesson.number,
        "status": lesson.status,
        "teacher": lesson.teacher_id,
        "substitute_for": lesson.substitute_for_id,
        "room": lesson.room,
        "topic": lesson.topic,
        "plan_item": lesson.plan_item_id,
    }


def entry_state(entry: TimetableEntry) -> dict[str, Any]:
    """A timetable entry as the audit keeps it."""
    return {
        "course": str(entry.course),
        "weekday": entry.weekday,
        "number": entry.number,
        "teacher": entry.teacher.short_name if entry.teacher_id else None,
        "room": entry.room,
        "parity": entry.parity,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
    }


def _lesson_event(action, lesson: Lesson, before, *, actor: Actor, reason: str = "") -> None:
    record(
        action=action,
        actor=actor,
        obj=lesson,
        course=lesson.course,
        before=before,
        after=lesson_state(lesson),
        reason=reason,
    )


def substitution(lesson: Lesson, before: dict, *, actor: Actor, reason: str) -> None:
    """Another teacher takes the lesson (or the course's own teacher takes it back)."""
    _lesson_event(AuditAction.SUBSTITUTION, lesson, before, actor=actor, reason=reason)


def lesson_cancelled(lesson: Lesson, before: dict, *, actor: Actor, reason: str) -> None:
    _lesson_event(AuditAction.LESSON_CANCELLED, lesson, before, actor=actor, reason=reason)


def lesson_restored(lesson: Lesson, before: dict, *, actor: Actor) -> None:
    _lesson_event(AuditAction.LESSON_RESTORED, lesson, before, actor=actor)


def lesson_moved(lesson: Lesson, before: dict, *, actor: Actor, reason: str) -> None:
    _lesson_event(AuditAction.LESSON_MOVED, lesson, before, actor=actor, reason=reason)


def lesson_added(lesson: Lesson, *, actor: Actor) -> None:
    """An extra lesson outside the timetable."""
    _lesson_event(AuditAction.LESSON_ADDED, lesson, None, actor=actor)


def lessons_generated(school, *, actor: Actor, after: dict) -> None:
    """The lessons of a period made from the timetable (what was created, changed, kept)."""
    record(action=AuditAction.LESSONS_GENERATED, actor=actor, school=school, after=after)


def record_saved(
    obj: models.Model, *, actor: Actor, before: dict | None, after: dict, course=None
) -> None:
    """A timetable entry, bell schedule or calendar feed created (``before`` None) or changed."""
    record(
        action=AuditAction.UPDATED if before is not None else AuditAction.CREATED,
        actor=actor,
        obj=obj,
        course=course,
        before=before,
        after=after,
    )


def record_deleted(obj: models.Model, *, actor: Actor, before: dict, course=None) -> None:
    """A timetable entry that never held, deleted."""
    record(action=AuditAction.DELETED, actor=actor, obj=obj, course=course, before=before)
