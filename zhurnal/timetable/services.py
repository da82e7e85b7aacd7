"""Use cases of the timetable and of single lessons: one function each, checking the facts,
writing and auditing (``events``) in one transaction (DESIGN §5 layers). Views and the API call
these.

Single-day changes (issue 3): cancel, move, add an extra lesson, substitute a teacher. A
lesson's own record — its topic and plan item — is the journal's (``journal.services``). Who
may act (``timetable.manage``) the callers have checked (``core.access``); these functions
check the facts: the school, free teachers and slots, no silent loss of a record, and no change
in a closed year (issue 13: ``rules.check_year_open``).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.courses import class_id_of_course
from zhurnal.school.models import Course, Staff

from . import events
from .calendar import BellTimes
from .conflicts import find_conflicts
from .models import BellPeriod, BellSchedule, Lesson, LessonOrigin, LessonStatus, TimetableEntry
from .rules import check_year_open


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
    check_year_open(entry.course.year)
    before = None
    if entry.pk:
        saved = TimetableEntry.objects.select_related("course", "teacher", "year").get(pk=entry.pk)
        check_year_open(saved.year)
        before = events.entry_state(saved)
    problems = find_conflicts(entry)
    if problems:
        raise ValidationError(problems)
    entry.full_clean()
    entry.save()
    events.record_saved(
        entry, actor=actor, before=before, after=events.entry_state(entry), course=entry.course
    )
    return entry


@transaction.atomic
def end_entry(*, entry: TimetableEntry, last_day: date, actor: Actor) -> None:
    """Stop an entry after ``last_day`` (or delete it if it never held): the lessons already
    generated stay until the deputy regenerates."""
    check_year_open(entry.year)
    before = events.entry_state(entry)
    if last_day < entry.valid_from:
        events.record_deleted(entry, actor=actor, before=before, course=entry.course)
        Lesson.objects.filter(timetable_entry=entry).update(timetable_entry=None)
        entry.delete()
        return
    entry.valid_to = last_day
    entry.save(update_fields=["valid_to"])
    events.record_saved(
        entry, actor=actor, before=before, after=events.entry_state(entry), course=entry.course
    )


def _teacher_busy(teacher_id: int, day: date, number: int, exclude: int | None) -> Lesson | None:
    busy = Lesson.objects.filter(teacher_id=teacher_id, date=day, number=number).exclude(
        status=LessonStatus.CANCELLED
    )
    if exclude:
        busy = busy.exclude(pk=exclude)
    return busy.select_related("course__subject").first()


@transaction.atomic
def substitute(*, lesson: Lesson, teacher: Staff, reason: str, actor: Actor) -> Lesson:
    """Замена: ``teacher`` takes this one lesson instead of the course's teacher. The
    substitute may then keep this lesson's record and nothing else (DESIGN §4)."""
    _same_school(lesson.school_id, teacher)
    check_year_open(lesson.course.year)
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."))
    original = lesson.substitute_for_id or lesson.teacher_id
    before = events.lesson_state(lesson)
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
    events.substitution(lesson, before, actor=actor, reason=reason)
    return lesson


@transaction.atomic
def cancel_lesson(*, lesson: Lesson, reason: str, actor: Actor) -> Lesson:
    """Cancel one lesson (a trip, a quarantine day): it stays, marked, with the reason."""
    check_year_open(lesson.course.year)
    if not reason.strip():
        raise ValidationError(_("Give the reason of the cancellation."))
    before = events.lesson_state(lesson)
    lesson.status = LessonStatus.CANCELLED
    lesson.cancel_reason = reason.strip()
    lesson.save(update_fields=["status", "cancel_reason", "updated_at"])
    events.lesson_cancelled(lesson, before, actor=actor, reason=reason)
    return lesson


@transaction.atomic
def restore_lesson(*, lesson: Lesson, actor: Actor) -> Lesson:
    """Undo a cancellation, if the slot is still free."""
    check_year_open(lesson.course.year)
    if not lesson.is_cancelled:
        return lesson
    if (
        Lesson.objects.filter(course_id=lesson.course_id, date=lesson.date, number=lesson.number)
        .exclude(status=LessonStatus.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("Another lesson of the course already takes this time."))
    before = events.lesson_state(lesson)
    lesson.status = LessonStatus.PLANNED
    lesson.cancel_reason = ""
    lesson.save(update_fields=["status", "cancel_reason", "updated_at"])
    events.lesson_restored(lesson, before, actor=actor)
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
    course = lesson.course
    check_year_open(course.year)
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."))
    _check_school_day(course, day)
    _check_slot_free(course, lesson.teacher_id, day, number, lesson.pk)
    before = events.lesson_state(lesson)
    lesson.date, lesson.number = day, number
    lesson.starts_at, lesson.ends_at = BellTimes.load(course.school).times(
        class_id_of_course(course), number
    )
    if room is not None:
        lesson.room = room
    lesson.save()
    events.lesson_moved(lesson, before, actor=actor, reason=reason)
    return lesson


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
    check_year_open(course.year)
    teacher = teacher or course.teachers.order_by("pk").first()
    if teacher is None:
        raise ValidationError(_("The course has no teacher."))
    _same_school(course.school_id, teacher)
    _check_school_day(course, day)
    _check_slot_free(course, teacher.pk, day, number, None)
    starts_at, ends_at = BellTimes.load(course.school).times(class_id_of_course(course), number)
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
    events.lesson_added(lesson, actor=actor)
    return lesson


# --- bell schedules --------------------------------------------------------------------------


def _bell_state(schedule: BellSchedule, times: dict) -> dict:
    return {
        "name": schedule.name,
        "is_default": schedule.is_default,
        "classes": sorted(c.name for c in schedule.classes.select_related("grade_level")),
        "periods": {str(n): f"{s:%H:%M}–{e:%H:%M}" for n, (s, e) in sorted(times.items())},
    }


@transaction.atomic
def save_bell_schedule(
    *,
    schedule: BellSchedule,
    name: str,
    is_default: bool,
    classes,
    times: dict,
    actor: Actor,
) -> BellSchedule:
    """A bell schedule (new: ``schedule`` unsaved, its school set) with its lesson times
    (number → (start, end)) and the classes that follow it; one default per school — a new
    default takes over. Lessons get the new times when they are regenerated."""
    before = None
    if schedule.pk:
        saved = BellSchedule.objects.get(pk=schedule.pk)
        before = _bell_state(saved, {p.number: (p.start, p.end) for p in saved.periods.all()})
    if is_default:
        BellSchedule.objects.filter(school_id=schedule.school_id, is_default=True).exclude(
            pk=schedule.pk
        ).update(is_default=False)
    schedule.name, schedule.is_default = name, is_default
    schedule.save()
    schedule.classes.set(classes)
    BellPeriod.objects.filter(schedule=schedule).delete()
    BellPeriod.objects.bulk_create(
        BellPeriod(school_id=schedule.school_id, schedule=schedule, number=n, start=s, end=e)
        for n, (s, e) in sorted(times.items())
    )
    events.record_saved(schedule, actor=actor, before=before, after=_bell_state(schedule, times))
    return schedule
