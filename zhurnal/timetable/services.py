"""Use cases of the timetable and of single lessons: one function each, checking the rule,
writing and auditing in one transaction (DESIGN §5 layers). Views and the API call these.

Single-day changes (issue 3): cancel, move, add an extra lesson, substitute a teacher, and the
lesson's own record (topic, plan item). The permission checks (``timetable.manage``,
``timetable.keep_lesson``) are the callers' job through ``zhurnal.accounts.access``; these
functions check the facts: the school, free teachers and slots, no silent loss of a record.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import Course, Staff

from .calendar import BellTimes, class_of_course
from .conflicts import find_conflicts
from .models import Lesson, LessonOrigin, LessonStatus, TimetableEntry


def _entry_state(entry: TimetableEntry) -> dict:
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


def _lesson_state(lesson: Lesson) -> dict:
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


def _same_school(school_id: int, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.school_id != school_id:
            raise ValidationError(_("The record belongs to another school."))


@transaction.atomic
def save_entry(*, entry: TimetableEntry, actor: Actor) -> TimetableEntry:
    """Create or change a timetable entry; a conflict is refused with every clash named."""
    _same_school(entry.school_id, entry.course, entry.teacher)
    if entry.course.year_id != entry.year_id:
        raise ValidationError(_("The course belongs to another academic year."))
    problems = find_conflicts(entry)
    if problems:
        raise ValidationError(problems)
    before = None
    if entry.pk:
        before = _entry_state(
            TimetableEntry.objects.select_related("course", "teacher").get(pk=entry.pk)
        )
    entry.full_clean()
    entry.save()
    record(
        action=AuditAction.UPDATED if before else AuditAction.CREATED,
        actor=actor,
        obj=entry,
        course=entry.course,
        before=before,
        after=_entry_state(entry),
    )
    return entry


@transaction.atomic
def end_entry(*, entry: TimetableEntry, last_day: date, actor: Actor) -> None:
    """Stop an entry after ``last_day`` (or delete it if it never held): the lessons already
    generated stay until the deputy regenerates."""
    before = _entry_state(entry)
    if last_day < entry.valid_from:
        record(
            action=AuditAction.DELETED,
            actor=actor,
            obj=entry,
            course=entry.course,
            before=before,
        )
        Lesson.objects.filter(timetable_entry=entry).update(timetable_entry=None)
        entry.delete()
        return
    entry.valid_to = last_day
    entry.save(update_fields=["valid_to"])
    record(
        action=AuditAction.UPDATED,
        actor=actor,
        obj=entry,
        course=entry.course,
        before=before,
        after=_entry_state(entry),
    )


def _teacher_busy(teacher_id: int, day: date, number: int, exclude: int | None) -> Lesson | None:
    busy = Lesson.objects.filter(teacher_id=teacher_id, date=day, number=number).exclude(
        status=LessonStatus.CANCELLED
    )
    if exclude:
        busy = busy.exclude(pk=exclude)
    return busy.select_related("course__subject").first()


def _audit_lesson(lesson: Lesson, before: dict | None, *, action, actor: Actor, reason=""):
    record(
        action=action,
        actor=actor,
        obj=lesson,
        course=lesson.course,
        before=before,
        after=_lesson_state(lesson),
        reason=reason,
    )


@transaction.atomic
def substitute(*, lesson: Lesson, teacher: Staff, reason: str, actor: Actor) -> Lesson:
    """Замена: ``teacher`` takes this one lesson instead of the course's teacher. The
    substitute may then keep this lesson's record and nothing else (DESIGN §4)."""
    _same_school(lesson.school_id, teacher)
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."))
    original = lesson.substitute_for_id or lesson.teacher_id
    before = _lesson_state(lesson)
    if teacher.pk == original:
        # Back to the course's own teacher: the substitution is withdrawn.
        lesson.teacher_id, lesson.substitute_for_id, lesson.substitution_reason = original, None, ""
    else:
        if not teacher.is_active:
            raise ValidationError(
                _("%(teacher)s no longer works at the school.") % {"teacher": teacher.short_name}
            )
        clash = _teacher_busy(teacher.pk, lesson.date, lesson.number, lesson.pk)
        if clash:
            raise ValidationError(
                _("%(teacher)s has %(course)s at this time.")
                % {"teacher": teacher.short_name, "course": clash.course}
            )
        lesson.teacher_id, lesson.substitute_for_id = teacher.pk, original
        lesson.substitution_reason = reason.strip()
    lesson.save(update_fields=["teacher", "substitute_for", "substitution_reason", "updated_at"])
    _audit_lesson(lesson, before, action=AuditAction.SUBSTITUTION, actor=actor, reason=reason)
    return lesson


@transaction.atomic
def cancel_lesson(*, lesson: Lesson, reason: str, actor: Actor) -> Lesson:
    """Cancel one lesson (a trip, a quarantine day): it stays, marked, with the reason."""
    if not reason.strip():
        raise ValidationError(_("Give the reason of the cancellation."))
    before = _lesson_state(lesson)
    lesson.status = LessonStatus.CANCELLED
    lesson.cancel_reason = reason.strip()
    lesson.save(update_fields=["status", "cancel_reason", "updated_at"])
    _audit_lesson(
        lesson,
        before,
        action=AuditAction.LESSON_CHANGED,
        actor=actor,
        reason=reason,
    )
    return lesson


@transaction.atomic
def restore_lesson(*, lesson: Lesson, actor: Actor) -> Lesson:
    """Undo a cancellation, if the slot is still free."""
    if not lesson.is_cancelled:
        return lesson
    if (
        Lesson.objects.filter(course_id=lesson.course_id, date=lesson.date, number=lesson.number)
        .exclude(status=LessonStatus.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("Another lesson of the course already takes this time."))
    before = _lesson_state(lesson)
    lesson.status = LessonStatus.PLANNED
    lesson.cancel_reason = ""
    lesson.save(update_fields=["status", "cancel_reason", "updated_at"])
    _audit_lesson(lesson, before, action=AuditAction.LESSON_CHANGED, actor=actor)
    return lesson


def _check_slot_free(
    course: Course, teacher_id: int, day: date, number: int, exclude: int | None
) -> None:
    taken = Lesson.objects.filter(course=course, date=day, number=number).exclude(
        status=LessonStatus.CANCELLED
    )
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(_("The course already has a lesson at this time."))
    clash = _teacher_busy(teacher_id, day, number, exclude)
    if clash:
        raise ValidationError(
            _("The teacher has %(course)s at this time.") % {"course": clash.course}
        )


def _check_school_day(course: Course, day: date) -> None:
    year = course.year
    if not (year.start <= day <= year.end):
        raise ValidationError(_("The date is outside the academic year."))


@transaction.atomic
def move_lesson(
    *,
    lesson: Lesson,
    day: date,
    number: int,
    room: str | None = None,
    reason: str = "",
    actor: Actor,
) -> Lesson:
    """Move one lesson to another day or lesson number; it keeps its slot in the timetable, so
    regeneration neither brings it back nor deletes it."""
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."))
    course = lesson.course
    _check_school_day(course, day)
    _check_slot_free(course, lesson.teacher_id, day, number, lesson.pk)
    before = _lesson_state(lesson)
    lesson.date, lesson.number = day, number
    lesson.starts_at, lesson.ends_at = BellTimes.load(course.school).times(
        _class_id(course), number
    )
    if room is not None:
        lesson.room = room
    lesson.save()
    _audit_lesson(
        lesson,
        before,
        action=AuditAction.LESSON_CHANGED,
        actor=actor,
        reason=reason,
    )
    return lesson


def _class_id(course: Course) -> int | None:
    school_class = class_of_course(course)
    return school_class.pk if school_class else None


@transaction.atomic
def add_extra_lesson(
    *,
    course: Course,
    day: date,
    number: int,
    teacher: Staff | None = None,
    room: str = "",
    actor: Actor,
) -> Lesson:
    """An extra lesson outside the timetable (a make-up lesson, a consultation)."""
    teacher = teacher or course.teachers.order_by("pk").first()
    if teacher is None:
        raise ValidationError(_("The course has no teacher."))
    _same_school(course.school_id, teacher)
    _check_school_day(course, day)
    _check_slot_free(course, teacher.pk, day, number, None)
    starts_at, ends_at = BellTimes.load(course.school).times(_class_id(course), number)
    lesson = Lesson.objects.create(
        school_id=course.school_id,
        course=course,
        date=day,
        number=number,
        teacher=teacher,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        origin=LessonOrigin.EXTRA,
    )
    _audit_lesson(lesson, None, action=AuditAction.CREATED, actor=actor)
    return lesson


@transaction.atomic
def record_topic(*, lesson: Lesson, topic: str, plan_item=None, actor: Actor) -> Lesson:
    """The lesson's topic (and the plan item it covers). Topics may be entered ahead of the
    lesson (seed 002); the server stamps when the record was made. The topic's deadline is
    the journal's (seed 002, regulation 2: by 24:00 of the lesson day): a first entry after
    it is flagged late, and a school that locks entries refuses any change of a locked date
    (``journal.services.check_topic_entry``)."""
    # The deadlines and locks are the journal's rules (journal/deadlines.py); the journal
    # app depends on this one, hence the import here.
    from zhurnal.journal.services import check_topic_entry

    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."))
    if plan_item is not None:
        _same_school(lesson.school_id, plan_item)
    topic = topic.strip()
    if not topic and plan_item is not None:
        topic = plan_item.topic
    late = check_topic_entry(lesson)
    before = _lesson_state(lesson)
    had_topic = bool(lesson.topic)
    lesson.topic = topic[:500]
    lesson.plan_item = plan_item
    if plan_item is not None:
        lesson.kind = plan_item.kind
    lesson.topic_entered_at = timezone.now() if topic else None
    # Late or not is decided by the first entry: correcting a topic given in time later on
    # does not make it late.
    lesson.topic_late = bool(topic) and (lesson.topic_late if had_topic else late)
    lesson.save(
        update_fields=[
            "topic",
            "plan_item",
            "kind",
            "topic_entered_at",
            "topic_late",
            "updated_at",
        ]
    )
    _audit_lesson(lesson, before, action=AuditAction.LESSON_CHANGED, actor=actor)
    return lesson
