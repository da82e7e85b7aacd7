"""Attendance: the teacher's entry per lesson, and the class teacher's absence register (DESIGN
§2: the two layers stay apart; the code the journal shows is derived from both)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.notifications.dispatch import emit
from zhurnal.school.models import Student
from zhurnal.timetable.models import Lesson

from .. import deadlines, events
from ..models import Absence, AbsenceReason, Attendance, AttendanceCode
from ..policy import policy_of
from .cells import VersionedCell
from .rules import Moment, check_lesson_open, check_not_locked, check_student


@transaction.atomic
def set_attendance(
    *,
    lesson: Lesson,
    student: Student,
    code: str,
    version: int,
    actor: Actor,
    moment: Moment | None = None,
) -> Attendance | None:
    """The teacher's attendance entry (Н, Б, У, ОП); an empty ``code`` means present. Due on
    the day of the lesson, by 24:00 school time (seed 002, regulation 2)."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    cell = VersionedCell.read(Attendance.objects.filter(lesson=lesson, student=student))
    entry = cell.entry
    if entry is not None:
        entry.lesson, entry.student = lesson, student  # the rows in hand: no query for them
    code = code.strip().upper()
    check_lesson_open(lesson, moment)
    check_student(lesson, student)
    if code and code not in AttendanceCode.values:
        raise ValidationError(
            _("«%(code)s» is not an attendance code: enter Н, Б, У or ОП.") % {"code": code}
        )
    if (entry.code if entry else "") == code:
        return entry  # already so (a double submit)
    cell.check(version)
    policy = policy_of(school)
    deadline = deadlines.record_deadline(policy, lesson.date, school.timezone)
    check_not_locked(policy, course, lesson.date, deadline, moment)
    before = events.attendance_state(entry, lesson)
    if not code:
        events.attendance_deleted(entry, actor=actor)
        entry.delete()
        return None
    if entry is None:
        entry = Attendance(
            school=school,
            lesson=lesson,
            student=student,
            entered_by=actor.user,
            entered_at=moment.now,
            late=deadlines.is_late(deadline, moment.now),
            version=0,
        )
    entry.code = code
    entry.changed_at = moment.now
    entry.version += 1
    cell.save(entry)
    events.attendance_set(entry, before, actor=actor)
    emit("attendance_saved", entry.pk)
    return entry


@transaction.atomic
def record_absence(
    *,
    student: Student,
    start: date,
    end: date,
    reason: str,
    document: str = "",
    actor: Actor,
) -> Absence:
    """The class teacher's absence register: the student is absent from ``start`` to ``end``
    for a documented reason (Б or У); every lesson it covers shows the reason, a teacher's «Н»
    included. Overlapping ranges are allowed (a note from a doctor after a parent's note)."""
    if end < start:
        raise ValidationError(_("The end date is before the start date."))
    if reason not in AbsenceReason.values:
        raise ValidationError(_("Choose the reason: ill (Б) or another valid reason (У)."))
    absence = Absence.objects.create(
        school_id=student.school_id,
        student=student,
        start=start,
        end=end,
        reason=reason,
        document=document.strip()[:200],
        entered_by=actor.user,
        entered_at=timezone.now(),
    )
    events.absence_recorded(absence, actor=actor)
    return absence
