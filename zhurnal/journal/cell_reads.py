"""What the save of one mark reads before it writes (issue 14, "one mark saved"), in two
hand-written statements (``core.rows``) instead of five querysets.

1. ``_COLUMN_SQL``: the column with its lesson and work type; the student of the cell by name
   (not the personal card: DESIGN §3) with whether they are on the course's list on the
   lesson's date (``school.rosters``); the term whose totals the grid's answer carries. All
   by ids from the request, each bound to the school.
2. ``_COURSE_SQL``: the lesson's course with its year (a closed year is read-only), its class
   or group with their grade levels (the deadlines of grades 2–9 and 10–11) and its scale
   rule (``policy.scale_rule_sql``).

Django took longer to compile these as querysets than the database took to run them (2.1 ms
of CPU for the column and the course alone, ~3.5 ms for all five; docs/performance.md). They
are two statements, not one, because PostgreSQL plans one statement over all nine tables in
25-35 ms, each of the two in 1-5 ms: cheap enough for the first runs of a connection, before
the prepared statement's generic plan takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, router

from zhurnal.core.rows import ModelRows
from zhurnal.school.models import (
    AcademicYear,
    Course,
    Enrollment,
    GradeLevel,
    Group,
    GroupMembership,
    SchoolClass,
    Student,
    Term,
)
from zhurnal.school.rosters import RosterCheck
from zhurnal.timetable.models import Lesson

from .models import GradeColumn, WorkType
from .policy import scale_rule_sql

_COLUMN = ModelRows(GradeColumn, "gc")
_LESSON = ModelRows(Lesson, "l")
_WORK_TYPE = ModelRows(WorkType, "w")
_STUDENT = ModelRows(
    Student, "st", only=("id", "school_id", "last_name", "first_name", "middle_name")
)
_TERM = ModelRows(Term, "t")

_COURSES = Course._meta.db_table


def _listed(model, key: str) -> str:
    """A dated row of ``model`` (an enrollment, a group membership) that puts the student on
    the list of the course's class or group (``key``) on the lesson's date: ``enrolled_on``."""
    return (
        f"EXISTS (SELECT 1 FROM {model._meta.db_table} r WHERE r.{key}_id = c.{key}_id "  # noqa: S608
        "AND r.school_id = %(school)s "
        'AND r.student_id = st.id AND r.start <= l.date AND (r."end" IS NULL OR r."end" >= l.date))'
    )


# Table and column names and bound parameters only (hence the ``noqa`` for the injection
# checks). ``course_roster``: a group's course lists its group's members, a class's course
# its class's students. Every join and subquery matches the school, each subquery the school
# given (a constant: Citus plans a subquery correlated with the row's school for every shard,
# with the constant on the school's node alone; docs/scaling.md).
_COLUMN_SQL = (
    f"SELECT {_COLUMN.select}, {_LESSON.select}, {_WORK_TYPE.select}, {_STUDENT.select}, "  # noqa: S608
    f"EXISTS (SELECT 1 FROM {_COURSES} c WHERE c.id = l.course_id AND c.school_id = %(school)s "
    "AND CASE "
    f"WHEN c.group_id IS NULL THEN {_listed(Enrollment, 'school_class')} "
    f"ELSE {_listed(GroupMembership, 'group')} END), {_TERM.select} "
    f"FROM {GradeColumn._meta.db_table} gc "
    f"INNER JOIN {Lesson._meta.db_table} l ON l.id = gc.lesson_id AND l.school_id = gc.school_id "
    f"INNER JOIN {WorkType._meta.db_table} w "
    "ON w.id = gc.work_type_id AND w.school_id = gc.school_id "
    f"LEFT JOIN {Student._meta.db_table} st ON st.id = %(student)s AND st.school_id = gc.school_id "
    f"LEFT JOIN {Term._meta.db_table} t ON t.id = %(term)s AND t.school_id = gc.school_id "
    f"AND t.year_id = (SELECT c.year_id FROM {_COURSES} c "
    "WHERE c.id = l.course_id AND c.school_id = %(school)s) "
    "WHERE gc.id = %(column)s AND gc.school_id = %(school)s"
)

_COURSE = ModelRows(Course, _COURSES)  # the alias the scale rule's SQL names
_YEAR = ModelRows(AcademicYear, "y")
_CLASS = ModelRows(SchoolClass, "cl")
_LEVEL = ModelRows(GradeLevel, "gl")
_GROUP = ModelRows(Group, "g")
_GROUP_CLASS = ModelRows(SchoolClass, "gcl")
_GROUP_LEVEL = ModelRows(GradeLevel, "ggl")
_CLASSES, _LEVELS = SchoolClass._meta.db_table, GradeLevel._meta.db_table

_COURSE_SQL = (
    f"SELECT {_COURSE.select}, {scale_rule_sql('%(school)s')}, {_YEAR.select}, {_CLASS.select}, "  # noqa: S608
    f"{_LEVEL.select}, {_GROUP.select}, {_GROUP_CLASS.select}, {_GROUP_LEVEL.select} "
    f"FROM {_COURSES} INNER JOIN {AcademicYear._meta.db_table} y "
    f"ON y.id = {_COURSES}.year_id AND y.school_id = {_COURSES}.school_id "
    f"LEFT JOIN {_CLASSES} cl "
    f"ON cl.id = {_COURSES}.school_class_id AND cl.school_id = {_COURSES}.school_id "
    f"LEFT JOIN {_LEVELS} gl ON gl.id = cl.grade_level_id AND gl.school_id = cl.school_id "
    f"LEFT JOIN {Group._meta.db_table} g "
    f"ON g.id = {_COURSES}.group_id AND g.school_id = {_COURSES}.school_id "
    f"LEFT JOIN {_CLASSES} gcl ON gcl.id = g.school_class_id AND gcl.school_id = g.school_id "
    f"LEFT JOIN {_LEVELS} ggl ON ggl.id = gcl.grade_level_id AND ggl.school_id = gcl.school_id "
    f"WHERE {_COURSES}.id = %(course)s AND {_COURSES}.school_id = %(school)s"
)


@dataclass(frozen=True)
class MarkCell:
    """A column (its lesson, the lesson's course as the journal reads it, its work type), the
    cell's student (None when the id names no student of the school) and the grid's term
    (None for no id, or an id of no term of the course's year)."""

    column: GradeColumn
    student: Student | None
    term: Term | None


def read_mark_cell(
    school, column_id: int | None, student_id: int | None = None, term_id: int | None = None
) -> MarkCell | None:
    """The ``MarkCell`` of a column of ``school``; None when there is no such column. The
    course's school is ``school`` (loaded with its journal policy: no query for it)."""
    if column_id is None:
        return None
    using = router.db_for_read(GradeColumn)
    with connections[using].cursor() as cursor:
        # 0 names no row, as NULL would; but PostgreSQL folds ``t.id = NULL`` into a join
        # without its school, which Citus refuses (docs/scaling.md)
        cursor.execute(
            _COLUMN_SQL,
            {
                "student": student_id or 0,
                "term": term_id or 0,
                "column": column_id,
                "school": school.pk,
            },
        )
        row = cursor.fetchone()
        if row is None:
            return None
        column, at = _COLUMN.take(row, 0, using)
        lesson, at = _LESSON.take(row, at, using)
        column.work_type, at = _WORK_TYPE.take(row, at, using)
        student, at = _STUDENT.take(row, at, using, optional=True)
        listed = bool(row[at])
        term, at = _TERM.take(row, at + 1, using, optional=True)
        cursor.execute(_COURSE_SQL, {"course": lesson.course_id, "school": school.pk})
        lesson.course = _course(cursor.fetchone(), using)
    lesson.course.school = school
    column.lesson = lesson
    if student is not None:
        student.roster_check = RosterCheck(lesson.course_id, lesson.date, listed)
    return MarkCell(column, student, term)


def _course(row, using: str) -> Course:
    course, at = _COURSE.take(row, 0, using)
    course.scale_rule = row[at]
    course.year, at = _YEAR.take(row, at + 1, using)
    school_class, at = _CLASS.take(row, at, using, optional=True)
    level, at = _LEVEL.take(row, at, using, optional=True)
    group, at = _GROUP.take(row, at, using, optional=True)
    group_class, at = _GROUP_CLASS.take(row, at, using, optional=True)
    group_level, at = _GROUP_LEVEL.take(row, at, using, optional=True)
    if school_class is not None:
        school_class.grade_level = level
    if group_class is not None:
        group_class.grade_level = group_level
    if group is not None:
        group.school_class = group_class
    course.school_class, course.group = school_class, group
    return course
