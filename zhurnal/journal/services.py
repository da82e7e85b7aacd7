"""Use cases of the class journal: marks, attendance, period marks, the absence register and
unlocks — one function each, checking the rules of seed 002 (DESIGN §3), writing and auditing
in one transaction (DESIGN §5). The web pages, the API and imports call these.

The permission checks (``journal.*`` rules in ``zhurnal.permissions``) are the callers' job, as
in ``zhurnal.timetable.services``; these functions check the facts:

* no backdating: the server stamps every entry; no mark or attendance on a future or a
  cancelled lesson (topics and homework may be entered ahead: ``timetable.services``);
* values on the course's grading scale (``scales.parse``), students on the lesson's list;
* deadlines: a late entry is allowed and flagged, unless the school locks entries after N days
  and no deputy has unlocked the course for that date;
* a change or a deletion after the grace window (the day of the entry by default) needs a
  reason;
* no lost update: a save names the ``version`` of the cell it was based on (0 for an empty
  cell); if the cell changed meanwhile, ``StaleEntry`` carries what is saved now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.notifications.dispatch import emit
from zhurnal.school.models import Course, School, Student, Term
from zhurnal.school.queries import school_today
from zhurnal.timetable.calendar import class_of_course
from zhurnal.timetable.models import Lesson, LessonStatus

from . import deadlines, scales
from .models import (
    Absence,
    AbsenceReason,
    Attendance,
    AttendanceCode,
    GradeColumn,
    Homework,
    HomeworkAttachment,
    JournalPolicy,
    Mark,
    NoteKind,
    PeriodKind,
    PeriodMark,
    StudentNote,
    Unlock,
    WorkCategory,
    WorkType,
)
from .policy import policy_of, scale_of
from .queries import on_roster


class StaleEntry(Exception):
    """The cell changed since the user saw it: ``current`` is the entry saved now (None if it
    was deleted). Nothing was written."""

    def __init__(self, current):
        super().__init__("stale")
        self.current = current


@dataclass(frozen=True)
class Moment:
    """Now, and today in the school's time zone."""

    now: datetime
    today: date

    @classmethod
    def of(cls, school: School) -> Moment:
        return cls(now=timezone.now(), today=school_today(school))


def _grade(course: Course) -> int | None:
    """The grade of the course's class (or of its group's class); None for a cross-class
    group (the deadlines of grades 2–9 apply)."""
    school_class = course.school_class if course.school_class_id else None
    if school_class is None and course.group_id:
        school_class = course.group.school_class
    return school_class.grade_level.number if school_class is not None else None


def _check_lesson_open(lesson: Lesson, moment: Moment) -> None:
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."), code="lesson_cancelled")
    if lesson.date > moment.today:
        raise ValidationError(
            _("Marks and attendance are entered on the day of the lesson or later, not ahead."),
            code="future_lesson",
        )


def _check_student(lesson: Lesson, student: Student) -> None:
    if student.school_id != lesson.school_id or not on_roster(
        lesson.course, student.pk, lesson.date
    ):
        raise ValidationError(
            _("%(student)s is not on the list of this lesson on %(date)s.")
            % {"student": student.short_name, "date": date_format(lesson.date, "d.m.Y")},
            code="not_on_list",
        )


def is_unlocked(course: Course, day: date, now: datetime) -> bool:
    return Unlock.objects.filter(
        course=course, start__lte=day, end__gte=day, until__gt=now
    ).exists()


def _check_not_locked(
    policy: JournalPolicy, course: Course, day: date, deadline: datetime, moment: Moment
) -> None:
    if deadlines.is_locked(policy, deadline, moment.now) and not is_unlocked(
        course, day, moment.now
    ):
        raise ValidationError(
            _(
                "Entries for %(date)s are locked: the deadline passed more than %(days)d days "
                "ago. A deputy director can unlock the course for that date."
            )
            % {"date": date_format(day, "d.m.Y"), "days": policy.lock_after_days},
            code="locked",
        )


def _check_version(entry, version: int) -> None:
    current = entry.version if entry is not None else 0
    if current != version:
        raise StaleEntry(entry)


def _read_cell(same_cell):
    """The entry of a journal cell, locked until the transaction ends (None when empty)."""
    return same_cell.select_for_update().first()


def _save_entry(entry, same_cell) -> None:
    """Save a journal entry. Two first saves of one empty cell at the same moment (teacher
    and substitute, two tabs) both read "empty"; the database's unique constraint refuses the
    second insert, which is then told the cell changed, as any stale save (no lost update),
    instead of failing with a server error."""
    if entry.pk is not None:
        entry.save()
        return
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives the refusal
            entry.save()
    except IntegrityError:
        raise StaleEntry(same_cell.first()) from None


def _needs_reason(policy: JournalPolicy, entry, moment: Moment, tz: str) -> bool:
    """A change after the grace window: after the day of the entry plus the grace days."""
    entered = timezone.localtime(entry.entered_at, timezone=ZoneInfo(tz)).date()
    return moment.today > entered + timedelta(days=policy.correction_grace_days)


def _require_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            _("The mark was entered on an earlier day: give the reason of the change."),
            code="reason_required",
        )
    return reason[:500]


def _mark_state(mark: Mark | None, lesson: Lesson) -> dict | None:
    """A mark as the audit keeps it, with its lesson's date and column (a deleted mark's row
    still says which lesson it was of)."""
    if mark is None:
        return None
    return {
        "value": mark.value,
        "comment": mark.comment,
        "version": mark.version,
        "lesson_date": lesson.date.isoformat(),
        "column": mark.column_id,
    }


# --- mark columns ----------------------------------------------------------------------------


@transaction.atomic
def add_column(
    *,
    lesson: Lesson,
    work_type: WorkType,
    weight: Decimal | None = None,
    title: str = "",
    actor: Actor,
) -> GradeColumn:
    """A column of marks on a lesson, tagged by its work type (seed 002, regulation 2.1.4);
    the weight defaults to the work type's."""
    if work_type.school_id != lesson.school_id:
        raise ValidationError(_("The record belongs to another school."))
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."), code="lesson_cancelled")
    position = GradeColumn.objects.filter(lesson=lesson).count()
    column = GradeColumn.objects.create(
        school_id=lesson.school_id,
        lesson=lesson,
        work_type=work_type,
        weight=work_type.weight if weight is None else weight,
        title=title.strip()[:100],
        position=position,
    )
    record(
        action=AuditAction.CREATED,
        actor=actor,
        obj=column,
        course=lesson.course,
        after={
            "lesson": lesson.pk,
            "lesson_date": lesson.date.isoformat(),
            "work_type": work_type.code,
            "weight": str(column.weight),
        },
    )
    return column


def default_type_order() -> list:
    """The order in which the default work type is chosen: oral first, then the school's."""
    return [
        Case(When(category=WorkCategory.ORAL, then=Value(0)), default=Value(1)),
        "position",
        "pk",
    ]


def default_work_type(school: School) -> WorkType | None:
    """The work type a mark gets when its lesson has no column yet: the school's first oral
    type in its order (by default «У», an answer at the lesson); the school's default work
    types are made on first use."""
    from .defaults import ensure_work_types

    ensure_work_types(school)
    return (
        WorkType.objects.filter(school=school, is_active=True)
        .order_by(*default_type_order())
        .first()
    )


@transaction.atomic
def first_column(*, lesson: Lesson, actor: Actor) -> GradeColumn:
    """The lesson's first mark column, made with the default work type if it has none: a
    mark typed into a lesson without columns needs no "add a column" step. The lesson row is
    locked, so two tabs typing at once make one column, not two."""
    Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
    column = (
        GradeColumn.objects.select_related("work_type")
        .filter(lesson=lesson)
        .order_by("position", "pk")
        .first()
    )
    if column is None:
        work_type = default_work_type(lesson.course.school)
        if work_type is None:
            raise ValidationError(_("The school has no work types in use."))
        column = add_column(lesson=lesson, work_type=work_type, actor=actor)
    column.lesson = lesson
    return column


# --- marks -----------------------------------------------------------------------------------


@transaction.atomic
def set_mark(
    *,
    column: GradeColumn,
    student: Student,
    value: str,
    version: int,
    comment: str = "",
    reason: str = "",
    actor: Actor,
    moment: Moment | None = None,
) -> Mark | None:
    """Enter, change or (with an empty ``value``) delete a student's mark in a column."""
    lesson = column.lesson
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    same_cell = Mark.objects.filter(column=column, student=student)
    mark = _read_cell(same_cell)
    value = value.strip()
    comment = comment.strip()[:300]
    policy = policy_of(school)
    deadline = deadlines.mark_deadline(
        policy,
        lesson.date,
        school.timezone,
        category=column.work_type.category,
        grade=_grade(course),
    )
    if not value:
        if mark is None:
            return None  # already empty: a double submit, or deleted meanwhile
        _check_version(mark, version)
        # A lock stops deletions too: a locked date's marks stay as they are.
        _check_not_locked(policy, course, lesson.date, deadline, moment)
        return _delete_mark(mark, policy=policy, reason=reason, actor=actor, moment=moment)
    _check_lesson_open(lesson, moment)
    _check_student(lesson, student)
    parsed = scales.parse(scale_of(course), value, specials=scales.LESSON_SPECIALS)
    if mark is not None and (mark.value, mark.comment) == (parsed.text, comment):
        return mark  # already so (a double submit): nothing changes, whatever the version
    _check_version(mark, version)
    _check_not_locked(policy, course, lesson.date, deadline, moment)
    before = _mark_state(mark, lesson)
    if mark is None:
        mark = Mark(
            school=school,
            column=column,
            student=student,
            entered_by=actor.user,
            entered_at=moment.now,
            late=deadlines.is_late(deadline, moment.now),
            version=0,
        )
        reason = ""
    elif _needs_reason(policy, mark, moment, school.timezone):
        reason = _require_reason(reason)
    else:
        reason = reason.strip()[:500]
    mark.value = parsed.text
    mark.number = parsed.number
    mark.comment = comment
    mark.changed_at = moment.now
    mark.version += 1
    _save_entry(mark, same_cell)
    record(
        action=AuditAction.MARK_SET,
        actor=actor,
        obj=mark,
        school=school,
        student=student,
        course=course,
        before=before,
        after=_mark_state(mark, lesson),
        reason=reason,
    )
    emit("mark_saved", mark.pk)
    return mark


def _delete_mark(
    mark: Mark, *, policy: JournalPolicy, reason: str, actor: Actor, moment: Moment
) -> None:
    course = mark.column.lesson.course
    if _needs_reason(policy, mark, moment, course.school.timezone):
        reason = _require_reason(reason)
    record(
        action=AuditAction.MARK_DELETED,
        actor=actor,
        obj=mark,
        student=mark.student,
        course=course,
        before=_mark_state(mark, mark.column.lesson),
        after=None,
        reason=reason.strip()[:500],
    )
    mark.delete()
    return None


# --- the lesson's topic ----------------------------------------------------------------------


def check_topic_entry(lesson: Lesson, moment: Moment | None = None) -> bool:
    """The topic's deadline (seed 002, regulation 2: by 24:00 school time on the day of the
    lesson, ``JournalPolicy.topic_days``), for ``timetable.services.record_topic``: whether
    an entry made now is late. A school that locks entries refuses it once the date is
    locked (``ValidationError`` with code ``locked``) unless a deputy unlocked the course.
    Topics entered ahead are neither late nor locked."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    policy = policy_of(school)
    deadline = deadlines.record_deadline(policy, lesson.date, school.timezone)
    _check_not_locked(policy, course, lesson.date, deadline, moment)
    return deadlines.is_late(deadline, moment.now)


# --- attendance ------------------------------------------------------------------------------


def _attendance_state(entry: Attendance | None, lesson: Lesson) -> dict | None:
    if entry is None:
        return None
    return {"code": entry.code, "version": entry.version, "lesson_date": lesson.date.isoformat()}


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
    """The teacher's attendance entry (Н, Б, У, ОП); an empty ``code`` means present."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    same_cell = Attendance.objects.filter(lesson=lesson, student=student)
    entry = _read_cell(same_cell)
    code = code.strip().upper()
    _check_lesson_open(lesson, moment)
    _check_student(lesson, student)
    if code and code not in AttendanceCode.values:
        raise ValidationError(
            _("«%(code)s» is not an attendance code: enter Н, Б, У or ОП.") % {"code": code}
        )
    if (entry.code if entry else "") == code:
        return entry  # already so (a double submit)
    _check_version(entry, version)
    policy = policy_of(school)
    deadline = deadlines.record_deadline(policy, lesson.date, school.timezone)
    _check_not_locked(policy, course, lesson.date, deadline, moment)
    before = _attendance_state(entry, lesson)
    if not code:
        record(
            action=AuditAction.ATTENDANCE_SET,
            actor=actor,
            obj=entry,
            student=student,
            course=course,
            before=before,
            after=None,
        )
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
    _save_entry(entry, same_cell)
    record(
        action=AuditAction.ATTENDANCE_SET,
        actor=actor,
        obj=entry,
        student=student,
        course=course,
        before=before,
        after=_attendance_state(entry, lesson),
    )
    emit("attendance_saved", entry.pk)
    return entry


# --- period marks ----------------------------------------------------------------------------


def _period_state(entry: PeriodMark | None) -> dict | None:
    if entry is None:
        return None
    return {
        "kind": entry.kind,
        "term": entry.term_id,
        "value": entry.value,
        "version": entry.version,
    }


@transaction.atomic
def set_period_mark(
    *,
    course: Course,
    student: Student,
    kind: str,
    term: Term | None,
    value: str,
    version: int,
    reason: str = "",
    actor: Actor,
    moment: Moment | None = None,
) -> PeriodMark | None:
    """A term (with ``term``), year, exam or final mark; entered by the teacher's action only
    (the forecast is never saved by itself). Due by the last school day of the term."""
    school = course.school
    moment = moment or Moment.of(school)
    if kind not in PeriodKind.values:
        raise ValidationError(_("Unknown kind of period mark."))
    if (kind == PeriodKind.TERM) != (term is not None):
        raise ValidationError(_("A term mark needs its term; other period marks have none."))
    if term is not None and term.school_id != school.pk:
        raise ValidationError(_("The record belongs to another school."))
    same_cell = PeriodMark.objects.filter(course=course, student=student, kind=kind, term=term)
    entry = _read_cell(same_cell)
    value = value.strip()
    policy = policy_of(school)
    last_day = term.end if term is not None else course.year.end
    deadline = deadlines.period_mark_deadline(last_day, school.timezone)
    if not value:
        if entry is None:
            return None  # already empty
        _check_version(entry, version)
        # A lock stops deletions too.
        _check_not_locked(policy, course, last_day, deadline, moment)
        if _needs_reason(policy, entry, moment, school.timezone):
            reason = _require_reason(reason)
        record(
            action=AuditAction.PERIOD_MARK_SET,
            actor=actor,
            obj=entry,
            student=student,
            course=course,
            before=_period_state(entry),
            after=None,
            reason=reason.strip()[:500],
        )
        entry.delete()
        return None
    on_list = on_roster(course, student.pk, min(last_day, moment.today))
    if student.school_id != school.pk or not on_list:
        raise ValidationError(
            _("%(student)s is not on the list of this course.") % {"student": student.short_name}
        )
    parsed = scales.parse(scale_of(course), value, specials=scales.PERIOD_SPECIALS)
    if entry is not None and entry.value == parsed.text:
        return entry  # already so (a double submit)
    _check_version(entry, version)
    if entry is not None and _needs_reason(policy, entry, moment, school.timezone):
        reason = _require_reason(reason)
    _check_not_locked(policy, course, last_day, deadline, moment)
    before = _period_state(entry)
    if entry is None:
        entry = PeriodMark(
            school=school,
            course=course,
            student=student,
            kind=kind,
            term=term,
            entered_by=actor.user,
            entered_at=moment.now,
            late=deadlines.is_late(deadline, moment.now),
            version=0,
        )
    entry.value = parsed.text
    entry.number = parsed.number
    entry.changed_at = moment.now
    entry.version += 1
    _save_entry(entry, same_cell)
    record(
        action=AuditAction.PERIOD_MARK_SET,
        actor=actor,
        obj=entry,
        student=student,
        course=course,
        before=before,
        after=_period_state(entry),
        reason=reason.strip()[:500],
    )
    emit("period_mark_saved", entry.pk)
    return entry


# --- the absence register and unlocks --------------------------------------------------------


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
    record(
        action=AuditAction.ABSENCE_RECORDED,
        actor=actor,
        obj=absence,
        student=student,
        after={"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
    )
    return absence


@transaction.atomic
def unlock(
    *, course: Course, start: date, end: date, days: int, reason: str, actor: Actor
) -> Unlock:
    """A deputy opens the course's locked entries for lessons from ``start`` to ``end`` for
    ``days`` days (seed 002: a school may lock late entries; a deputy unlocks)."""
    if end < start:
        raise ValidationError(_("The end date is before the start date."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Give the reason of the unlock."))
    if not 1 <= days <= 30:
        raise ValidationError(_("An unlock lasts from 1 to 30 days."))
    entry = Unlock.objects.create(
        school_id=course.school_id,
        course=course,
        start=start,
        end=end,
        until=timezone.now() + timedelta(days=days),
        reason=reason[:300],
        granted_by=actor.user,
    )
    record(
        action=AuditAction.JOURNAL_UNLOCKED,
        actor=actor,
        obj=entry,
        course=course,
        after={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "until": entry.until.isoformat(),
        },
        reason=reason[:500],
    )
    return entry


# --- homework and notes ----------------------------------------------------------------------

MAX_LINKS = 10


def _clean_links(links: list[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        link = link.strip()
        if not link:
            continue
        try:
            validate(link)
        except ValidationError as error:
            raise ValidationError(
                _("«%(link)s» is not a web address (http:// or https://).") % {"link": link[:80]}
            ) from error
        cleaned.append(link[:500])
    if len(cleaned) > MAX_LINKS:
        raise ValidationError(_("At most %(n)d links.") % {"n": MAX_LINKS})
    return cleaned


def class_day_end(lesson: Lesson) -> datetime | None:
    """When the last lesson of the lesson's class ends that day (school time); None without
    bell times or for a cross-class group."""
    school_class = class_of_course(lesson.course)
    if school_class is None:
        return None
    ends = (
        Lesson.objects.filter(date=lesson.date, ends_at__isnull=False)
        .filter(Q(course__school_class=school_class) | Q(course__group__school_class=school_class))
        .exclude(status=LessonStatus.CANCELLED)
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    if ends is None:
        return None
    return datetime.combine(lesson.date, ends, tzinfo=ZoneInfo(lesson.course.school.timezone))


def _homework_state(homework: Homework | None, lesson: Lesson) -> dict | None:
    if homework is None:
        return None
    return {
        "lesson_date": lesson.date.isoformat(),
        "text": homework.text,
        "links": homework.links,
        "minutes": homework.minutes,
        "version": homework.version,
    }


@transaction.atomic
def set_homework(
    *,
    lesson: Lesson,
    text: str,
    version: int,
    links: list[str] | None = None,
    minutes: int | None = None,
    actor: Actor,
    moment: Moment | None = None,
) -> Homework | None:
    """The homework of a lesson; may be entered ahead (seed 002). Due within the policy's
    hours after the class's last lesson of that day; a late entry is flagged. Empty text and
    no links remove it."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."), code="lesson_cancelled")
    homework = Homework.objects.select_for_update().filter(lesson=lesson).first()
    text = text.strip()
    if len(text) > 4000:
        raise ValidationError(_("The homework is too long: at most 4000 characters."))
    links = _clean_links(links or [])
    if minutes is not None and not 0 < minutes <= 240:
        raise ValidationError(_("The estimated time is from 1 to 240 minutes."))
    state = (text, links, minutes)
    if homework is not None and (homework.text, homework.links, homework.minutes) == state:
        return homework  # already so (a double submit)
    if homework is None and not text and not links:
        return None
    _check_version(homework, version)
    policy = policy_of(school)
    day_end = class_day_end(lesson)
    deadline = (
        deadlines.homework_deadline(policy, day_end)
        if day_end is not None
        else deadlines.record_deadline(policy, lesson.date, school.timezone)
    )
    _check_not_locked(policy, course, lesson.date, deadline, moment)
    before = _homework_state(homework, lesson)
    if not text and not links:
        record(
            action=AuditAction.LESSON_CHANGED,
            actor=actor,
            obj=homework,
            course=course,
            before=before,
            after=None,
        )
        homework.delete()
        return None
    if homework is None:
        homework = Homework(
            school=school,
            lesson=lesson,
            entered_by=actor.user,
            entered_at=moment.now,
            late=deadlines.is_late(deadline, moment.now),
            version=0,
        )
    homework.text, homework.links, homework.minutes = state
    homework.changed_at = moment.now
    homework.version += 1
    homework.save()
    record(
        action=AuditAction.LESSON_CHANGED,
        actor=actor,
        obj=homework,
        course=course,
        before=before,
        after=_homework_state(homework, lesson),
    )
    return homework


@transaction.atomic
def attach_files(*, homework: Homework, files, actor: Actor) -> list[HomeworkAttachment]:
    """Files attached to a lesson's homework (checked for kind and size by the form); the
    attachment is recorded in the audit trail with the lesson's course."""
    attachments = [
        HomeworkAttachment.objects.create(
            school_id=homework.school_id,
            homework=homework,
            file=upload,
            name=upload.name[:200],
            size=upload.size,
        )
        for upload in files
    ]
    for attachment in attachments:
        record(
            action=AuditAction.CREATED,
            actor=actor,
            obj=attachment,
            school=homework.lesson.course.school,
            course=homework.lesson.course,
            after={
                "name": attachment.name,
                "size": attachment.size,
                "lesson_date": homework.lesson.date.isoformat(),
            },
        )
    return attachments


@transaction.atomic
def add_note(
    *, lesson: Lesson, student: Student, kind: str, text: str, actor: Actor
) -> StudentNote:
    """A remark, a praise or a message to the parents about a student at a lesson; shown in
    the diary."""
    if kind not in NoteKind.values:
        raise ValidationError(_("Choose the kind of the note."))
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("Write the note."))
    if len(text) > 1000:
        raise ValidationError(_("The note is too long: at most 1000 characters."))
    _check_student(lesson, student)
    note = StudentNote.objects.create(
        school_id=lesson.school_id,
        lesson=lesson,
        student=student,
        kind=kind,
        text=text,
        entered_by=actor.user,
        entered_at=timezone.now(),
    )
    record(
        action=AuditAction.CREATED,
        actor=actor,
        obj=note,
        student=student,
        course=lesson.course,
        after={"kind": kind, "text": text, "lesson_date": lesson.date.isoformat()},
    )
    emit("note_added", note.pk)
    return note
