"""The audit events of the class journal (DESIGN §2 "Audit", §3: "every change to lessons, marks,
attendance, period marks and notes is audited: who, when, from where, old value, new value,
reason"). One function per kind of event, called by ``journal.services`` inside the transaction
of the change; the ``*_state`` functions are the one shape each entry is kept in (the deputy's
changes page reads them: ``journal.views.control``). Every state of an entry of a lesson
carries the lesson's date, so a deleted entry's row still says which lesson it was of."""

from __future__ import annotations

from typing import Any

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.timetable.events import lesson_state
from zhurnal.timetable.models import Lesson

from .models import (
    Absence,
    AbsenceDay,
    Attendance,
    GradeColumn,
    Homework,
    HomeworkAttachment,
    Mark,
    PeriodMark,
    RollCall,
    StudentNote,
    Unlock,
)

State = dict[str, Any] | None


# --- the shapes ------------------------------------------------------------------------------


def mark_state(mark: Mark | None, lesson: Lesson) -> State:
    if mark is None:
        return None
    return {
        "value": mark.value,
        "comment": mark.comment,
        "version": mark.version,
        "lesson_date": lesson.date.isoformat(),
        "column": mark.column_id,
    }


def attendance_state(entry: Attendance | None, lesson: Lesson) -> State:
    if entry is None:
        return None
    return {"code": entry.code, "version": entry.version, "lesson_date": lesson.date.isoformat()}


def period_mark_state(entry: PeriodMark | None) -> State:
    if entry is None:
        return None
    return {
        "kind": entry.kind,
        "term": entry.term_id,
        "value": entry.value,
        "version": entry.version,
    }


def homework_state(homework: Homework | None, lesson: Lesson) -> State:
    if homework is None:
        return None
    return {
        "lesson_date": lesson.date.isoformat(),
        "text": homework.text,
        "links": homework.links,
        "minutes": homework.minutes,
        "version": homework.version,
    }


# --- marks and columns -----------------------------------------------------------------------


def column_added(column: GradeColumn, *, actor: Actor) -> None:
    """A column of marks on a lesson, with its work type and weight (seed 002, 2.1.4)."""
    lesson = column.lesson
    record(
        action=AuditAction.COLUMN_ADDED,
        actor=actor,
        obj=column,
        course=lesson.course,
        after={
            "lesson": lesson.pk,
            "lesson_date": lesson.date.isoformat(),
            "work_type": column.work_type.code,
            "weight": str(column.weight),
        },
    )


def mark_set(mark: Mark, before: State, *, actor: Actor, reason: str) -> None:
    """A mark entered (``before`` None) or changed; a change after the grace window has its
    reason."""
    lesson = mark.column.lesson
    record(
        action=AuditAction.MARK_SET,
        actor=actor,
        obj=mark,
        school=lesson.course.school,
        student=mark.student,
        course=lesson.course,
        before=before,
        after=mark_state(mark, lesson),
        reason=reason,
    )


def mark_deleted(mark: Mark, *, actor: Actor, reason: str) -> None:
    lesson = mark.column.lesson
    record(
        action=AuditAction.MARK_DELETED,
        actor=actor,
        obj=mark,
        student=mark.student,
        course=lesson.course,
        before=mark_state(mark, lesson),
        reason=reason,
    )


# --- attendance and the absence register -----------------------------------------------------


def attendance_set(entry: Attendance, before: State, *, actor: Actor) -> None:
    """The teacher's attendance code entered or changed."""
    record(
        action=AuditAction.ATTENDANCE_SET,
        actor=actor,
        obj=entry,
        student=entry.student,
        course=entry.lesson.course,
        before=before,
        after=attendance_state(entry, entry.lesson),
    )


def attendance_deleted(entry: Attendance, *, actor: Actor) -> None:
    """The teacher's attendance code removed: the student was present."""
    record(
        action=AuditAction.ATTENDANCE_DELETED,
        actor=actor,
        obj=entry,
        student=entry.student,
        course=entry.lesson.course,
        before=attendance_state(entry, entry.lesson),
    )


def roll_call_taken(roll_call: RollCall, *, entries: int, actor: Actor) -> None:
    """The lesson's attendance taken (seed 002, regulation 2.1.1): "everyone present", or with
    its first attendance entry; ``entries`` is the number of the lesson's attendance entries at
    that moment (0: everyone present)."""
    lesson = roll_call.lesson
    record(
        action=AuditAction.ROLL_CALL_TAKEN,
        actor=actor,
        obj=roll_call,
        school=lesson.course.school,
        course=lesson.course,
        after={
            "lesson": lesson.pk,
            "lesson_date": lesson.date.isoformat(),
            "roll_call": entries,
            "late": roll_call.late,
        },
    )


def absence_recorded(absence: Absence, *, actor: Actor) -> None:
    """The class teacher's absence register: a date range with a documented reason."""
    record(
        action=AuditAction.ABSENCE_RECORDED,
        actor=actor,
        obj=absence,
        student=absence.student,
        after={
            "start": absence.start.isoformat(),
            "end": absence.end.isoformat(),
            "reason": absence.reason,
        },
    )


def absence_day_state(entry: AbsenceDay | None) -> State:
    if entry is None:
        return None
    return {
        "date": entry.date.isoformat(),
        "reason": entry.reason,
        "whole_day": entry.whole_day,
        "document": entry.document,
        "version": entry.version,
    }


def absence_day_set(entry: AbsenceDay, before: State, *, actor: Actor, reason: str) -> None:
    """A day of the class teacher's absence sheet: the reason of the day recorded or changed
    (seed 002, regulation 2.2.1)."""
    record(
        action=AuditAction.ABSENCE_DAY_SET,
        actor=actor,
        obj=entry,
        student=entry.student,
        before=before,
        after=absence_day_state(entry),
        reason=reason,
    )


def absence_day_deleted(entry: AbsenceDay, *, actor: Actor, reason: str) -> None:
    """A day of the sheet removed: the day has no reason of its own again (a range covering
    it, if any, stands)."""
    record(
        action=AuditAction.ABSENCE_DAY_DELETED,
        actor=actor,
        obj=entry,
        student=entry.student,
        before=absence_day_state(entry),
        reason=reason,
    )


# --- period marks ----------------------------------------------------------------------------


def period_mark_set(entry: PeriodMark, before: State, *, actor: Actor, reason: str) -> None:
    """A term, year, exam or final mark entered or changed."""
    record(
        action=AuditAction.PERIOD_MARK_SET,
        actor=actor,
        obj=entry,
        student=entry.student,
        course=entry.course,
        before=before,
        after=period_mark_state(entry),
        reason=reason,
    )


def period_mark_deleted(entry: PeriodMark, *, actor: Actor, reason: str) -> None:
    record(
        action=AuditAction.PERIOD_MARK_DELETED,
        actor=actor,
        obj=entry,
        student=entry.student,
        course=entry.course,
        before=period_mark_state(entry),
        reason=reason,
    )


# --- the lesson's record: topic, homework, files, notes --------------------------------------


def topic_set(lesson: Lesson, before: State, *, actor: Actor) -> None:
    """The lesson's topic and the plan item it covers (in the timetable's lesson shape)."""
    record(
        action=AuditAction.TOPIC_SET,
        actor=actor,
        obj=lesson,
        course=lesson.course,
        before=before,
        after=lesson_state(lesson),
    )


def homework_set(homework: Homework, before: State, *, actor: Actor) -> None:
    record(
        action=AuditAction.HOMEWORK_SET,
        actor=actor,
        obj=homework,
        course=homework.lesson.course,
        before=before,
        after=homework_state(homework, homework.lesson),
    )


def homework_deleted(homework: Homework, *, actor: Actor) -> None:
    record(
        action=AuditAction.HOMEWORK_DELETED,
        actor=actor,
        obj=homework,
        course=homework.lesson.course,
        before=homework_state(homework, homework.lesson),
    )


def attachment_added(attachment: HomeworkAttachment, lesson: Lesson, *, actor: Actor) -> None:
    """A file attached to a lesson's homework."""
    record(
        action=AuditAction.ATTACHMENT_ADDED,
        actor=actor,
        obj=attachment,
        school=lesson.course.school,
        course=lesson.course,
        after={
            "name": attachment.name,
            "size": attachment.size,
            "lesson_date": lesson.date.isoformat(),
        },
    )


def note_added(note: StudentNote, *, actor: Actor) -> None:
    """A remark, a praise or a message to the parents about a student at a lesson."""
    record(
        action=AuditAction.NOTE_ADDED,
        actor=actor,
        obj=note,
        student=note.student,
        course=note.lesson.course,
        after={"kind": note.kind, "text": note.text, "lesson_date": note.lesson.date.isoformat()},
    )


# --- control ---------------------------------------------------------------------------------


def journal_unlocked(entry: Unlock, *, actor: Actor, reason: str) -> None:
    """A deputy opens a course's locked entries for a range of lesson dates."""
    record(
        action=AuditAction.JOURNAL_UNLOCKED,
        actor=actor,
        obj=entry,
        course=entry.course,
        after={
            "start": entry.start.isoformat(),
            "end": entry.end.isoformat(),
            "until": entry.until.isoformat(),
        },
        reason=reason,
    )


def setting_saved(obj, before: State, after: dict[str, Any], *, actor: Actor) -> None:
    """The journal policy, a work type or a grading scale rule created (``before`` None) or
    changed."""
    record(
        action=AuditAction.UPDATED if before is not None else AuditAction.CREATED,
        actor=actor,
        obj=obj,
        school=obj.school,
        before=before,
        after=after,
    )


def setting_deleted(obj, before: dict[str, Any], *, actor: Actor) -> None:
    """A grading scale rule deleted."""
    record(action=AuditAction.DELETED, actor=actor, obj=obj, school=obj.school, before=before)
