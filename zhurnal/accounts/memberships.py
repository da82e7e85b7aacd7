"""The user's schools, roles and standing in each school, loaded in one statement per request.

The login check (students below the school's age), the school switcher and the permission
context (``accounts.context``: the classes a teacher leads, the courses they teach, a parent's
children, a student's own cards) all need them; one statement serves them all (it runs once per
user object, which Django's authentication middleware shares with ``request.user``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import IntegerField, TextField
from django.db.models.expressions import RawSQL

from zhurnal.school.models import (
    Course,
    Group,
    Guardian,
    SchoolClass,
    Staff,
    Student,
    StudentGuardian,
)

from .models import Membership

CACHE_ATTRIBUTE = "_zhurnal_memberships"


@dataclass(frozen=True)
class Standing:
    """What the user is linked to in one school, whatever their roles (the context keeps what
    their roles entitle them to): the classes led by their staff card, the courses it teaches as
    (course, subject, class, class's grade level, group's class, group class's grade level),
    the students whose guardian they are, their own student cards."""

    led_class_ids: frozenset[int] = frozenset()
    courses: tuple[tuple[int | None, ...], ...] = ()
    child_ids: frozenset[int] = frozenset()
    own_student_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SchoolRoles:
    """The roles a user holds in one school, their staff record there (if any) and their
    standing (``Standing``)."""

    school: object  # zhurnal.school.models.School
    roles: frozenset[str]
    staff_id: int | None
    standing: Standing = field(default_factory=Standing)


# The statement's subqueries are SQL, not Django expressions: this runs on every request, and
# Django took longer to compile ``Subquery(OuterRef(...))`` than the database took to run the
# whole statement (docs/performance.md). Table and column names and bound parameters only
# (hence the ``noqa`` for the injection checks). They name the membership table: for the
# top-level query of memberships below.
_M = Membership._meta.db_table
_TEACHERS = Course.teachers.field
_STAFF_SQL = (
    f"(SELECT s.id FROM {Staff._meta.db_table} s "  # noqa: S608
    f"WHERE s.school_id = {_M}.school_id AND s.user_id = %s LIMIT 1)"
)
# The standing's rows: (kind, id, and for a course its subject, class, class's grade level,
# group's class and that class's grade level). The course rows come first: PostgreSQL types
# the NULL columns of the rows after them by theirs.
_STANDING_ROWS_SQL = (
    "SELECT 'course' AS k, c.id AS a, c.subject_id AS b, c.school_class_id AS c, "  # noqa: S608
    "cl.grade_level_id AS d, gr.school_class_id AS e, gcl.grade_level_id AS f "
    f"FROM {Course._meta.db_table} c "
    f"INNER JOIN {_TEACHERS.m2m_db_table()} ct ON ct.{_TEACHERS.m2m_column_name()} = c.id "
    f"LEFT JOIN {SchoolClass._meta.db_table} cl ON cl.id = c.school_class_id "
    f"LEFT JOIN {Group._meta.db_table} gr ON gr.id = c.group_id "
    f"LEFT JOIN {SchoolClass._meta.db_table} gcl ON gcl.id = gr.school_class_id "
    f"WHERE c.school_id = {_M}.school_id AND ct.{_TEACHERS.m2m_reverse_name()} = {_STAFF_SQL} "
    "UNION ALL "
    f"SELECT 'led', sc.id, NULL, NULL, NULL, NULL, NULL FROM {SchoolClass._meta.db_table} sc "
    f"WHERE sc.school_id = {_M}.school_id AND sc.class_teacher_id = {_STAFF_SQL} "
    "UNION ALL "
    f"SELECT 'child', st.id, NULL, NULL, NULL, NULL, NULL FROM {Student._meta.db_table} st "
    f"INNER JOIN {StudentGuardian._meta.db_table} sg ON sg.student_id = st.id "
    f"INNER JOIN {Guardian._meta.db_table} g ON g.id = sg.guardian_id "
    f"WHERE st.school_id = {_M}.school_id AND g.school_id = {_M}.school_id AND g.user_id = %s "
    "UNION ALL "
    f"SELECT 'own', st.id, NULL, NULL, NULL, NULL, NULL FROM {Student._meta.db_table} st "
    f"WHERE st.school_id = {_M}.school_id AND st.user_id = %s"
)
_ROW = "f.k, f.a, f.b, f.c, f.d, f.e, f.f"
# The rows as one JSON text (an array of arrays), in each database's dialect.
_STANDING_SQL = {
    "postgresql": (
        f"COALESCE((SELECT json_agg(json_build_array({_ROW})) "  # noqa: S608
        f"FROM ({_STANDING_ROWS_SQL}) f)::text, '[]')"
    ),
    "sqlite": (
        f"(SELECT json_group_array(json_array({_ROW})) "  # noqa: S608
        f"FROM ({_STANDING_ROWS_SQL}) f)"
    ),
}


def _standing(text: str) -> Standing:
    rows = json.loads(text)
    return Standing(
        led_class_ids=frozenset(row[1] for row in rows if row[0] == "led"),
        courses=tuple(tuple(row[1:]) for row in rows if row[0] == "course"),
        child_ids=frozenset(row[1] for row in rows if row[0] == "child"),
        own_student_ids=frozenset(row[1] for row in rows if row[0] == "own"),
    )


def memberships_of(user) -> dict[int, SchoolRoles]:
    """school id → ``SchoolRoles`` of the user, in the schools' name order (one statement, then
    cached on the user object)."""
    user = getattr(user, "_wrapped", user)
    cached = user.__dict__.get(CACHE_ATTRIBUTE)
    if cached is not None:
        return cached
    staff = RawSQL(_STAFF_SQL, (user.pk,), output_field=IntegerField())  # noqa: S611
    standing = RawSQL(  # noqa: S611
        _STANDING_SQL[connection.vendor], (user.pk,) * 4, output_field=TextField()
    )
    rows = (
        Membership.objects.filter(user_id=user.pk)
        # The school's journal policy comes along: every journal page and save needs it.
        .select_related("school", "school__journal_policy")
        .annotate(staff_id=staff, standing=standing)
        .order_by("school__short_name", "school_id")
    )
    roles: dict[int, set[str]] = {}
    first: dict[int, Membership] = {}
    for row in rows:
        roles.setdefault(row.school_id, set()).add(row.role)
        first.setdefault(row.school_id, row)
    cached = {
        school_id: SchoolRoles(
            row.school, frozenset(roles[school_id]), row.staff_id, _standing(row.standing)
        )
        for school_id, row in first.items()
    }
    user.__dict__[CACHE_ATTRIBUTE] = cached
    return cached


def forget_memberships(user) -> None:
    """Drop the cache (after roles change within one request)."""
    getattr(user, "_wrapped", user).__dict__.pop(CACHE_ATTRIBUTE, None)
