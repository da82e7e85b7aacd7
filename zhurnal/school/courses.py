"""Where a course sits in the school's structure: the class it is taught to — its own, or the
class of its subgroup (none for a cross-class group) — and that class's grade level (DESIGN §5:
one selector per shared fact). The callers select ``school_class`` and ``group__school_class``
(with ``grade_level``) with the course: these read no rows of their own. And the teachers of many
courses at once (``teachers_by_course``, one query)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Q, QuerySet

from .models import Course, Enrollment, GradeLevel, GroupMembership, SchoolClass, Staff

# What to select with a course for these (and for its name: the subject).
COURSE_PLACE = (
    "school_class__grade_level",
    "group__school_class__grade_level",
)


def class_of_course(course: Course) -> SchoolClass | None:
    """The class a course is taught to: its class, or the class of its subgroup (None for a
    cross-class group)."""
    if course.school_class_id:
        return course.school_class
    return course.group.school_class if course.group_id else None


def class_id_of_course(course: Course) -> int | None:
    """The id of ``class_of_course`` (the group's class is still read for a group course)."""
    if course.school_class_id:
        return course.school_class_id
    return course.group.school_class_id if course.group_id else None


def of_class(school_class, prefix: str = "") -> Q:
    """The courses taught to a class — its own and those of its subgroups — as a condition on
    courses (``prefix``: the path to the course, e.g. ``"course__"`` for lessons). A class or
    its id; a queryset of classes is taken with ``__in``."""
    lookup = "__in" if hasattr(school_class, "query") else ""
    return Q(**{f"{prefix}school_class{lookup}": school_class}) | Q(
        **{f"{prefix}group__school_class{lookup}": school_class}
    )


def grade_level_id_of(course: Course) -> int | None:
    """The id of ``grade_level_of`` (the class is read, its grade level row is not)."""
    school_class = class_of_course(course)
    return school_class.grade_level_id if school_class is not None else None


def grade_level_of(course: Course) -> GradeLevel | None:
    """The grade level of the course's class (None for a cross-class group)."""
    school_class = class_of_course(course)
    return school_class.grade_level if school_class is not None else None


def grade_of(course: Course) -> int | None:
    """The grade (1–11) of the course's class; None for a cross-class group (the record-keeping
    deadlines of grades 2–9 apply to it)."""
    level = grade_level_of(course)
    return level.number if level is not None else None


def teachers_by_course(course_ids) -> dict[int, list[Staff]]:
    """course id → its teachers in name order, for many courses in one query read through the
    course–teacher table (``prefetch_related("teachers")`` builds a queryset per course: a
    noticeable share of a school-wide page's time for a school's ~370 courses). A course without
    a teacher is absent."""
    found: dict[int, list[Staff]] = {}
    for link in (
        Course.teachers.through.objects.filter(course_id__any_of=list(course_ids))
        .select_related("staff")
        .order_by("staff__last_name", "staff__first_name", "staff__middle_name", "staff_id")
    ):
        found.setdefault(link.course_id, []).append(link.staff)
    return found


# --- the journal's version (``journal.freshness``) ---------------------------------------------


def bump_journal_versions(courses: QuerySet[Course] | Iterable[int]) -> None:
    """Bump ``Course.journal_version`` of the courses (a queryset of them, or their ids), in
    the caller's transaction: one statement. Called by ``journal.freshness``'s receivers and by
    the writes that bypass model signals (``bulk_create``, ``QuerySet.update()``)."""
    if not isinstance(courses, QuerySet):
        courses = Course.objects.filter(pk__in=list(courses))
    courses.update(journal_version=F("journal_version") + 1)


def bump_journal_version(course_id: int) -> None:
    """``bump_journal_versions`` of one course, as plain SQL: the mark saved pays it on every
    save, and the ORM's compilation of an ``UPDATE`` costs more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_ONE, [course_id])


_BUMP_ONE = (
    f"UPDATE {Course._meta.db_table} SET journal_version = journal_version + 1 WHERE id = %s"  # noqa: S608 -- a table name
)


def courses_of_class(class_id: int) -> QuerySet[Course]:
    """The class's own courses and its groups' (a departure from the class ends the student's
    group memberships too)."""
    return Course.objects.filter(Q(school_class_id=class_id) | Q(group__school_class_id=class_id))


def courses_of_student(student_id: int) -> QuerySet[Course]:
    """Every course of the classes and groups the student was ever listed in."""
    return Course.objects.filter(
        Q(school_class__in=Enrollment.objects.filter(student_id=student_id).values("school_class"))
        | Q(group__in=GroupMembership.objects.filter(student_id=student_id).values("group"))
    )
