"""Attendance: the teacher's entry per lesson, the lesson's roll call, and the class teacher's
absence register (DESIGN §2: the two layers stay apart; the code the journal shows is derived
from both).

No entry means "present"; the roll call (``RollCall``) records that the lesson's attendance was
taken at all (seed 002, regulation 2.1.1): by "everyone present" (``take_roll_call``) or with
the lesson's first attendance entry (``set_attendance``)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.notifications.dispatch import emit
from zhurnal.school.calendar import closed_year_between
from zhurnal.school.models import Student
from zhurnal.timetable.models import Lesson

from .. import deadlines, events
from ..models import Absence, AbsenceReason, Attendance, AttendanceCode, RollCall
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
    the day of the lesson, by 24:00 school time (seed 002, regulation 2). A new entry records
    the lesson's roll call too, unless it is recorded (seed 002, regulation 2.1.1: the absent
    are entered on the day); an entry that exists already did when it was made."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    cell = VersionedCell.read(
        Attendance.objects.filter(school_id=lesson.school_id, lesson=lesson, student=student)
    )
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
    if not cell.save(entry, content=("code",)):
        return cell.entry  # an identical save won the race: already so (a double submit)
    events.attendance_set(entry, before, actor=actor)
    if before is None and not RollCall.objects.filter(lesson=lesson).exists():
        _record_roll_call(lesson, late=entry.late, moment=moment, actor=actor)
    emit("attendance_saved", entry.pk)
    return entry


def _record_roll_call(
    lesson: Lesson, *, late: bool, moment: Moment, actor: Actor
) -> RollCall | None:
    """Record and audit the lesson's roll call; None when another save recorded it meanwhile
    (the one-to-one's unique constraint refuses the second: a savepoint keeps the outer
    transaction, and nothing is audited twice)."""
    roll_call = RollCall(
        school_id=lesson.school_id,
        lesson=lesson,
        entered_by=actor.user,
        entered_at=moment.now,
        late=late,
    )
    try:
        with transaction.atomic():
            roll_call.save()
    except IntegrityError:
        return None
    entries = Attendance.objects.filter(lesson=lesson).count()
    events.roll_call_taken(roll_call, entries=entries, actor=actor)
    return roll_call


@transaction.atomic
def take_roll_call(*, lesson: Lesson, actor: Actor, moment: Moment | None = None) -> RollCall:
    """The lesson's attendance taken: "everyone present", or the absent entered already (seed
    002, regulation 2.1.1: information about the lesson and the absent is entered on the day
    of the lesson). Idempotent: a roll call recorded already is answered as it is, with no
    second audit row. Refused, as attendance is, on a cancelled or a future lesson and on a
    date the school has locked; flagged late after the deadline of the lesson's attendance
    (``JournalPolicy.topic_days``)."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    check_lesson_open(lesson, moment)
    taken = RollCall.objects.filter(lesson=lesson).first()
    if taken is None:
        policy = policy_of(school)
        deadline = deadlines.record_deadline(policy, lesson.date, school.timezone)
        check_not_locked(policy, course, lesson.date, deadline, moment)
        late = deadlines.is_late(deadline, moment.now)
        # None: recorded meanwhile by a concurrent save, which stands.
        taken = _record_roll_call(lesson, late=late, moment=moment, actor=actor)
        taken = taken or RollCall.objects.get(lesson=lesson)
    lesson.roll_call = taken  # the caller's lesson shows it (a page answered after the save)
    return taken


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
    included. Overlapping ranges are allowed (a note from a doctor after a parent's note).
    Refused for dates of a closed year (issue 13: its journal is read-only)."""
    if end < start:
        raise ValidationError(_("The end date is before the start date."))
    if reason not in AbsenceReason.values:
        raise ValidationError(_("Choose the reason: ill (Б) or another valid reason (У)."))
    closed = closed_year_between(student.school_id, start, end)
    if closed is not None:
        raise ValidationError(
            _("The academic year %(year)s is closed: its journal is read-only.")
            % {"year": closed.title},
            code="year_closed",
        )
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
