"""The user's schools, roles and standing in each school, loaded in one statement per request
(two on Citus: ``_rows``).

The login check (students below the school's age), the school switcher and the permission
context (``accounts.context``: the classes a teacher leads, the courses they teach, a parent's
children, a student's own cards) all need them; one statement serves them all (it runs once per
user object, which Django's authentication middleware shares with ``request.user``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import connections, router

from zhurnal.core.rows import ModelRows
from zhurnal.school.models import (
    Course,
    Group,
    Guardian,
    School,
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


# The statement is SQL, not a queryset: it runs on every request, and Django took twice as
# long to compile it (with ``select_related`` and its subqueries) as the database took to run
# it (docs/performance.md, "The floor"). Table and column names and bound parameters only
# (hence the ``noqa`` for the injection checks). The subqueries name their school by ``school``:
# the membership table's column for the statement's top level (``_statement``), or a bound
# parameter (``_standing_statement``). Every join also matches the school: on Citus the tables
# are distributed by school, and a join says so to run on one node (docs/scaling.md).
_M = Membership._meta.db_table
_TEACHERS = Course.teachers.field
_SCHOOL = f"{_M}.school_id"


def _staff_sql(school: str) -> str:
    return (
        f"(SELECT s.id FROM {Staff._meta.db_table} s "  # noqa: S608
        f"WHERE s.school_id = {school} AND s.user_id = %(user)s LIMIT 1)"
    )


def _standing_rows_sql(school: str) -> str:
    """The standing's rows: (kind, id, and for a course its subject, class, class's grade
    level, group's class and that class's grade level). The course rows come first: PostgreSQL
    types the NULL columns of the rows after them by theirs."""
    return (
        "SELECT 'course' AS k, c.id AS a, c.subject_id AS b, c.school_class_id AS c, "  # noqa: S608
        "cl.grade_level_id AS d, gr.school_class_id AS e, gcl.grade_level_id AS f "
        f"FROM {Course._meta.db_table} c "
        f"INNER JOIN {_TEACHERS.m2m_db_table()} ct ON ct.{_TEACHERS.m2m_column_name()} = c.id "
        f"LEFT JOIN {SchoolClass._meta.db_table} cl "
        "ON cl.id = c.school_class_id AND cl.school_id = c.school_id "
        f"LEFT JOIN {Group._meta.db_table} gr ON gr.id = c.group_id AND gr.school_id = c.school_id "
        f"LEFT JOIN {SchoolClass._meta.db_table} gcl "
        "ON gcl.id = gr.school_class_id AND gcl.school_id = c.school_id "
        f"WHERE c.school_id = {school} "
        f"AND ct.{_TEACHERS.m2m_reverse_name()} = {_staff_sql(school)} "
        "UNION ALL "
        f"SELECT 'led', sc.id, NULL, NULL, NULL, NULL, NULL FROM {SchoolClass._meta.db_table} sc "
        f"WHERE sc.school_id = {school} AND sc.class_teacher_id = {_staff_sql(school)} "
        "UNION ALL "
        f"SELECT 'child', st.id, NULL, NULL, NULL, NULL, NULL FROM {Student._meta.db_table} st "
        f"INNER JOIN {StudentGuardian._meta.db_table} sg "
        "ON sg.student_id = st.id AND sg.school_id = st.school_id "
        f"INNER JOIN {Guardian._meta.db_table} g "
        "ON g.id = sg.guardian_id AND g.school_id = st.school_id "
        f"WHERE st.school_id = {school} AND g.school_id = {school} AND g.user_id = %(user)s "
        "UNION ALL "
        f"SELECT 'own', st.id, NULL, NULL, NULL, NULL, NULL FROM {Student._meta.db_table} st "
        f"WHERE st.school_id = {school} AND st.user_id = %(user)s"
    )


_ROW = "f.k, f.a, f.b, f.c, f.d, f.e, f.f"


def _standing_sql(vendor: str, school: str) -> str:
    """The standing's rows as one JSON text (an array of arrays), in each database's dialect."""
    if vendor == "sqlite":
        return (
            f"(SELECT json_group_array(json_array({_ROW})) "  # noqa: S608
            f"FROM ({_standing_rows_sql(school)}) f)"
        )
    return (
        f"COALESCE((SELECT json_agg(json_build_array({_ROW})) "  # noqa: S608
        f"FROM ({_standing_rows_sql(school)}) f)::text, '[]')"
    )


def _standing(text: str) -> Standing:
    rows = json.loads(text)
    return Standing(
        led_class_ids=frozenset(row[1] for row in rows if row[0] == "led"),
        courses=tuple(tuple(row[1:]) for row in rows if row[0] == "course"),
        child_ids=frozenset(row[1] for row in rows if row[0] == "child"),
        own_student_ids=frozenset(row[1] for row in rows if row[0] == "own"),
    )


_POLICY = School._meta.get_field("journal_policy")  # the school's JournalPolicy (journal app)
_SCHOOLS = ModelRows(School, "s")
_POLICIES = ModelRows(_POLICY.related_model, "p")


def _memberships_sql(standing: str) -> str:
    """The user's memberships with their schools and journal policies, in the schools' name
    order; with ``standing``, the staff card and the standing in each school too."""
    return (
        f"SELECT {_M}.school_id, {_M}.role, {standing}"  # noqa: S608
        f"{_SCHOOLS.select}, {_POLICIES.select} FROM {_M} "
        f"INNER JOIN {School._meta.db_table} s ON s.id = {_M}.school_id "
        f"LEFT JOIN {_POLICY.related_model._meta.db_table} p "
        f"ON p.{_POLICY.field.column} = {_M}.school_id "
        f"WHERE {_M}.user_id = %(user)s ORDER BY s.short_name, {_M}.school_id"
    )


@lru_cache(maxsize=2)
def _statement(vendor: str) -> str:
    return _memberships_sql(f"{_staff_sql(_SCHOOL)}, {_standing_sql(vendor, _SCHOOL)}, ")


# On Citus (``ZHURNAL_CITUS``) the memberships are a reference table (``ops.citus``) and the
# statement above, filtered by user and not by school, would run on every shard: there the
# memberships, schools and policies come first (reference tables: one node), then the staff card
# and the standing in each of the user's schools, each school named as a constant (one shard
# per school; ``_standing_statement``). Two statements there, one elsewhere.
_CITUS_MEMBERSHIPS = _memberships_sql("NULL, NULL, ")


@lru_cache(maxsize=8)
def _standing_statement(schools: int) -> str:
    """The staff card and the standing in each of ``schools`` schools (``%(school_N)s``)."""
    return " UNION ALL ".join(
        f"SELECT {_staff_sql(school)}, {_standing_sql('postgresql', school)}"
        for school in (f"%(school_{n})s" for n in range(schools))
    )


def _rows(using: str, user_pk: int) -> list[tuple]:
    """(school id, role, staff id, standing JSON, the school's and the policy's columns…)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if not (settings.ZHURNAL_CITUS and connection.vendor == "postgresql"):
            cursor.execute(_statement(connection.vendor), {"user": user_pk})
            return cursor.fetchall()
        cursor.execute(_CITUS_MEMBERSHIPS, {"user": user_pk})
        rows = cursor.fetchall()
        schools = list(dict.fromkeys(row[0] for row in rows))
        if not schools:
            return rows
        params = {"user": user_pk} | {f"school_{n}": pk for n, pk in enumerate(schools)}
        cursor.execute(_standing_statement(len(schools)), params)
        standing = dict(zip(schools, cursor.fetchall(), strict=True))
    return [(row[0], row[1], *standing[row[0]], *row[4:]) for row in rows]


def memberships_of(user) -> dict[int, SchoolRoles]:
    """school id → ``SchoolRoles`` of the user, in the schools' name order, each school with its
    journal policy (every journal page and save needs it): one statement (two on Citus), then
    cached on the user object."""
    user = getattr(user, "_wrapped", user)
    cached = user.__dict__.get(CACHE_ATTRIBUTE)
    if cached is not None:
        return cached
    using = router.db_for_read(Membership)
    rows = _rows(using, user.pk)
    roles: dict[int, set[str]] = {}
    first: dict[int, tuple] = {}
    for row in rows:
        roles.setdefault(row[0], set()).add(row[1])
        first.setdefault(row[0], row)
    cached = {}
    school_columns = len(_SCHOOLS.fields)
    for school_id, row in first.items():
        school = _SCHOOLS.make(row[4 : 4 + school_columns], using)
        policy_values = row[4 + school_columns :]
        policy = None
        if policy_values[0] is not None:  # its id: the school has a policy
            policy = _POLICIES.make(policy_values, using)
            _POLICY.field.set_cached_value(policy, school)
        _POLICY.set_cached_value(school, policy)  # None: ``journal_policy`` raises, no query
        cached[school_id] = SchoolRoles(
            school, frozenset(roles[school_id]), row[2], _standing(row[3])
        )
    user.__dict__[CACHE_ATTRIBUTE] = cached
    return cached


def forget_memberships(user) -> None:
    """Drop the cache (after roles change within one request)."""
    getattr(user, "_wrapped", user).__dict__.pop(CACHE_ATTRIBUTE, None)
