"""Marks and the columns they are entered in (seed 002, regulation 2.1.4: each column of marks
is tagged by its work type)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.notifications.dispatch import emit
from zhurnal.school.courses import grade_of
from zhurnal.school.models import School, Student
from zhurnal.timetable.models import Lesson

from .. import deadlines, events, scales
from ..defaults import ensure_work_types
from ..models import GradeColumn, Mark, WorkCategory, WorkType
from ..policy import policy_of, scale_of
from .cells import VersionedCell
from .rules import (
    Moment,
    check_lesson_open,
    check_not_cancelled,
    check_not_locked,
    check_student,
    check_year_open,
    reason_of,
)


@transaction.atomic
def add_column(
    *,
    lesson: Lesson,
    work_type: WorkType,
    weight: Decimal | None = None,
    title: str = "",
    actor: Actor,
) -> GradeColumn:
    """A column of marks on a lesson, tagged by its work type; the weight defaults to the work
    type's."""
    if work_type.school_id != lesson.school_id:
        raise ValidationError(_("The record belongs to another school."))
    check_not_cancelled(lesson)
    check_year_open(lesson.course, lesson.date, timezone.now())
    position = GradeColumn.objects.filter(lesson=lesson).count()
    column = GradeColumn.objects.create(
        school_id=lesson.school_id,
        lesson=lesson,
        work_type=work_type,
        weight=work_type.weight if weight is None else weight,
        title=title.strip()[:100],
        position=position,
    )
    events.column_added(column, actor=actor)
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
    Lesson.objects.select_for_update().filter(pk=lesson.pk, school_id=lesson.school_id).first()
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


@transaction.atomic
def set_mark_in_first_column(
    *, lesson: Lesson, student: Student, value: str, version: int, reason: str = "", actor: Actor
) -> tuple[GradeColumn, Mark | None]:
    """A mark typed into a lesson without columns: its first column (made with the default
    work type if none) takes it, in one transaction."""
    column = first_column(lesson=lesson, actor=actor)
    mark = set_mark(
        column=column, student=student, value=value, version=version, reason=reason, actor=actor
    )
    return column, mark


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
    """Enter, change or (with an empty ``value``) delete a student's mark in a column: on the
    course's scale (``scales.parse``), due by the work type's deadline (oral answers within a
    day; written work within 5 days in grades 2–9, 7 in 10–11: seed 002, regulation 2)."""
    lesson = column.lesson
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    cell = VersionedCell.read(
        Mark.objects.filter(school_id=column.school_id, column=column, student=student)
    )
    mark = cell.entry
    if mark is not None:
        mark.column, mark.student = column, student  # the rows in hand: no query for them
    value = value.strip()
    comment = comment.strip()[:300]
    policy = policy_of(school)
    deadline = deadlines.mark_deadline(
        policy,
        lesson.date,
        school.timezone,
        category=column.work_type.category,
        grade=grade_of(course),
    )
    if not value:
        if mark is None:
            return None  # already empty: a double submit, or deleted meanwhile
        cell.check(version)
        # A lock stops deletions too: a locked date's marks stay as they are.
        check_not_locked(policy, course, lesson.date, deadline, moment)
        reason = reason_of(policy, mark, moment, school.timezone, reason)
        events.mark_deleted(mark, actor=actor, reason=reason)
        mark.delete()
        return None
    check_lesson_open(lesson, moment)
    check_student(lesson, student)
    parsed = scales.parse(scale_of(course), value, specials=scales.LESSON_SPECIALS)
    if mark is not None and (mark.value, mark.comment) == (parsed.text, comment):
        return mark  # already so (a double submit): nothing changes, whatever the version
    cell.check(version)
    check_not_locked(policy, course, lesson.date, deadline, moment)
    before = events.mark_state(mark, lesson)
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
    else:
        reason = reason_of(policy, mark, moment, school.timezone, reason)
    mark.value = parsed.text
    mark.number = parsed.number
    mark.comment = comment
    mark.changed_at = moment.now
    mark.version += 1
    if not cell.save(mark, content=("value", "comment")):
        return cell.entry  # an identical save won the race: already so (a double submit)
    events.mark_set(mark, before, actor=actor, reason=reason)
    emit("mark_saved", mark.pk)
    return mark
