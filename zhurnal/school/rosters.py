"""Who is on which list when (DESIGN §2 "Membership over time"): a class's list is its dated
enrollments, a subgroup's or group's list its dated memberships, and a course's list the list of
its class or group — on each day, as it was that day. One selector per question, shared by the
journal, the diary, the reports and the API (DESIGN §5).

* ``enrolled_on(day)``: the condition of a dated row covering a day;
* ``course_roster(course)``: the dated rows that put students on a course's list;
* ``on_roster(course, student, day)``: one student on one day (one query);
  ``student_on_roster`` answers from a ``RosterCheck`` read with the student's row;
* ``class_roster(class, day)``: a class's students on a day, in list order (one query);
* ``roster_spans(students, start, end)``: each student's classes and groups over a period,
  dated, in ONE query — what a student's pages and the class reports ask of every lesson.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.dateparse import parse_date

from zhurnal.core.lookups import any_of_sql

from .models import Course, Enrollment, GradeLevel, GroupMembership, SchoolClass, Student


def enrolled_on(day: date) -> Q:
    """Dated rows (enrollments, group memberships) that cover a day."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def overlapping(start: date, end: date) -> Q:
    """Dated rows that overlap the period from ``start`` to ``end``."""
    return Q(start__lte=end) & (Q(end__isnull=True) | Q(end__gte=start))


def course_roster(course: Course) -> QuerySet:
    """The rows that put students on the course's list: enrollments in its class, or
    memberships of its group (each with ``start`` and ``end``)."""
    if course.group_id:
        return GroupMembership.objects.filter(school_id=course.school_id, group_id=course.group_id)
    return Enrollment.objects.filter(
        school_id=course.school_id, school_class_id=course.school_class_id
    )


def on_roster(course: Course, student_id: int, day: date) -> bool:
    """The student is on the course's list on ``day`` (one query)."""
    return course_roster(course).filter(enrolled_on(day), student_id=student_id).exists()


@dataclass(frozen=True)
class RosterCheck:
    """Whether a student was on a course's list on a day, read with the student's row (by a
    statement that asks ``on_roster``'s question in SQL: ``journal.cell_reads``)."""

    course_id: int
    day: date
    on_roster: bool


def student_on_roster(student: Student, course: Course, day: date) -> bool:
    """``on_roster`` of a student's row: answered by its ``roster_check`` when it was read for
    the same course and day, else one query."""
    check = getattr(student, "roster_check", None)
    if check is not None and (check.course_id, check.day) == (course.pk, day):
        return check.on_roster
    return on_roster(course, student.pk, day)


def current_class_id(student: Student, day: date) -> int | None:
    """The class a student is enrolled in on ``day`` (one query)."""
    return (
        Enrollment.objects.filter(enrolled_on(day), student=student)
        .values_list("school_class_id", flat=True)
        .first()
    )


def with_current_class(
    students: QuerySet[Student], day: date, school_id: int | None = None
) -> QuerySet[Student]:
    """Annotate ``current_class_id`` (the class a student is in on ``day``) in the same query.
    ``school_id``: the students are of that school, which the subquery names (on Citus, one
    shard instead of every shard: docs/scaling.md)."""
    school = OuterRef("school") if school_id is None else school_id
    enrollment = Enrollment.objects.filter(enrolled_on(day), student=OuterRef("pk"), school=school)
    return students.annotate(current_class_id=Subquery(enrollment.values("school_class_id")[:1]))


def class_roster(school_class: SchoolClass, day: date) -> QuerySet[Student]:
    """Students enrolled in the class on a day, in list order (alphabetical), one query."""
    in_class = Enrollment.objects.filter(
        enrolled_on(day),
        student=OuterRef("pk"),
        school=OuterRef("school"),
        school_class=school_class,
    )
    return (
        Student.objects.filter(Exists(in_class))
        .annotate(current_class_id=Value(school_class.pk))
        .order_by("last_name", "first_name", "middle_name")
    )


# --- a student's lists over a period ---------------------------------------------------------

CLASS, GROUP = "c", "g"


@dataclass(frozen=True)
class Span:
    """A dated stay on a list: of a class (with its grade) or of a group."""

    ref_id: int
    start: date
    end: date | None
    grade: int | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and (self.end is None or self.end >= start)


@dataclass
class RosterSpans:
    """A student's classes and groups over a period, and the rows of any other dated kind the
    caller asked for in the same query (``extra``: e.g. the journal's absence register), as
    ``(kind, ref_id, start, end, text)``."""

    classes: list[Span] = field(default_factory=list)
    groups: list[Span] = field(default_factory=list)
    extra: list[tuple] = field(default_factory=list)

    def on_list(self, class_id: int | None, group_id: int | None, day: date) -> bool:
        """The student is on the list of a group (``group_id``), else of a class, on ``day``."""
        if group_id:
            return any(s.ref_id == group_id and s.covers(day) for s in self.groups)
        return any(s.ref_id == class_id and s.covers(day) for s in self.classes)

    def on_course(self, course: Course, day: date) -> bool:
        """The student is on the course's list on ``day``."""
        return self.on_list(course.school_class_id, course.group_id, day)

    def in_course(self, course: Course, start: date, end: date) -> bool:
        """The student is on the course's list at some time from ``start`` to ``end``."""
        spans = self.groups if course.group_id else self.classes
        ref = course.group_id or course.school_class_id
        return any(s.ref_id == ref and s.overlaps(start, end) for s in spans)

    def grade_on(self, day: date) -> int | None:
        """The grade of the student's class on ``day``, else of their last class."""
        for span in self.classes:
            if span.covers(day):
                return span.grade
        return self.classes[-1].grade if self.classes else None

    def lessons_filter(self) -> Q:
        """Lessons of the courses of the student's classes and groups (to be narrowed to the
        days they were on each list with ``on_course``)."""
        class_ids = {s.ref_id for s in self.classes}
        group_ids = {s.ref_id for s in self.groups}
        return Q(course__school_class_id__any_of=class_ids) | Q(course__group_id__any_of=group_ids)


# A part of ``roster_spans``'s one statement: a SELECT of ``(kind, student_id, ref_id, start,
# end, text, grade)`` and its parameters (the journal's absence register:
# ``journal.queries.absence_rows``).
RawPart = tuple[str, list]

_CLASSES_SQL = (
    f"SELECT '{CLASS}', r.student_id, r.school_class_id, r.start, r.\"end\", '', gl.number "  # noqa: S608
    f"FROM {Enrollment._meta.db_table} r "
    f"JOIN {SchoolClass._meta.db_table} c ON c.id = r.school_class_id "
    "AND c.school_id = r.school_id "
    f"JOIN {GradeLevel._meta.db_table} gl ON gl.id = c.grade_level_id "
    "AND gl.school_id = c.school_id "
    'WHERE {students} AND r.start <= %s AND (r."end" IS NULL OR r."end" >= %s){school}'
)
_GROUPS_SQL = (
    f"SELECT '{GROUP}', r.student_id, r.group_id, r.start, r.\"end\", '', NULL "  # noqa: S608
    f"FROM {GroupMembership._meta.db_table} r "
    'WHERE {students} AND r.start <= %s AND (r."end" IS NULL OR r."end" >= %s){school}'
)


def roster_part(
    sql: str, alias: str, student_ids, dates: list, school_id: int, vendor: str
) -> RawPart:
    """A part of ``roster_spans``'s statement: ``sql`` with ``{students}`` (the rows of
    ``alias`` of those students) and ``{school}`` (of the school) filled, and its parameters
    in that order: the students', ``dates``, the school's."""
    students, params = any_of_sql(f"{alias}.student_id", student_ids, vendor)
    school = f" AND {alias}.school_id = %s"
    return sql.format(students=students, school=school), [*params, *dates, school_id]


def as_date(value):
    """A date column of a UNION read by hand (SQLite gives the text of all but the first)."""
    return parse_date(value) if isinstance(value, str) else value


def roster_spans(
    student_ids: Iterable[int],
    start: date,
    end: date,
    *,
    school_id: int,
    extra: Sequence[RawPart] = (),
) -> dict[int, RosterSpans]:
    """Each student's classes and groups overlapping the period, dated, in ONE hand-written
    statement (a UNION ALL of enrollments and memberships: a student's pages ask it on every
    request, and Django compiled the querysets in longer than the database ran them;
    docs/performance.md). ``extra``: more parts for the same statement (``RawPart``, with a
    kind of their own); they come back in ``RosterSpans.extra``. Every student asked for has
    an entry. ``school_id``: the students' school — the index's way to their rows among a
    region's (without it PostgreSQL planned the 335,000-student region's enrollments in
    800 ms instead of 2), and on Citus the statement's one node (docs/scaling.md)."""
    ids = list(student_ids)
    spans = {student_id: RosterSpans() for student_id in ids}
    if not ids:
        return spans
    using = router.db_for_read(Enrollment)
    vendor = connections[using].vendor
    dates = [end, start]
    parts = [
        roster_part(_CLASSES_SQL, "r", ids, dates, school_id, vendor),
        roster_part(_GROUPS_SQL, "r", ids, dates, school_id, vendor),
        *extra,
    ]
    rows = [
        (kind, student_id, ref_id, as_date(first), as_date(last), text, grade)
        for kind, student_id, ref_id, first, last, text, grade in union_rows(parts, using)
    ]
    rows.sort(key=lambda r: (r[0], r[3], r[2]))
    for kind, student_id, ref_id, first, last, text, grade in rows:
        own = spans[student_id]
        if kind == CLASS:
            own.classes.append(Span(ref_id, first, last, grade))
        elif kind == GROUP:
            own.groups.append(Span(ref_id, first, last))
        else:
            own.extra.append((kind, ref_id, first, last, text))
    return spans


def union_rows(parts: Sequence[RawPart], using: str) -> list[tuple]:
    """The rows of the parts joined by UNION ALL, in one statement."""
    sql = " UNION ALL ".join(part for part, _params in parts)
    params = [param for _part, part_params in parts for param in part_params]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
