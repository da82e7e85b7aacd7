"""A school's journal policy and the grading scale of a course (issue 4).

The policy row is optional: a school without one follows the defaults of seed 002
(``JournalPolicy``'s field defaults), so a new school works before anyone opens its settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import CharField, DecimalField, QuerySet
from django.db.models.expressions import RawSQL

from zhurnal.school.courses import grade_level_id_of
from zhurnal.school.models import Course, Group, School, SchoolClass

from .models import JournalPolicy, ScaleRule, WorkCategory, WorkType


def policy_of(school: School | int) -> JournalPolicy:
    """The school's policy; an unsaved one with the defaults if the school has none yet.

    Given a ``School``, the policy comes through its ``journal_policy`` relation, free when
    the school was loaded with it (``accounts.memberships`` loads the request's schools so);
    given an id, one query."""
    if isinstance(school, School):
        try:
            return school.journal_policy
        except JournalPolicy.DoesNotExist:
            return JournalPolicy(school=school)
    policy = JournalPolicy.objects.filter(school_id=school).first()
    return policy or JournalPolicy(school_id=school)


def resolve_scale(
    rules: Iterable[ScaleRule], default: str, *, grade_level_id: int | None, subject_id: int
) -> str:
    """The scale for a subject in a grade level: the rule for both, else the subject's, else
    the grade level's, else ``default``."""
    best: tuple[int, str] | None = None
    for rule in rules:
        if rule.subject_id not in (None, subject_id):
            continue
        if rule.grade_level_id not in (None, grade_level_id):
            continue
        rank = (2 if rule.subject_id else 0) + (1 if rule.grade_level_id else 0)
        if best is None or rank > best[0]:
            best = (rank, rule.scale)
    return best[1] if best else default


# The course annotations below are SQL (``RawSQL``), not Django expressions: built from
# ``Subquery``/``OuterRef``/``Case``/``Coalesce`` they took Django 2.5-3 ms to compile on every
# journal request and mark saved, more than the database took to run them (docs/performance.md).
# The SQL is made of table names, constants and the school (a bound parameter, or the course's
# column): no input (hence the ``noqa`` for the injection checks). It names the course table,
# so it is for a top-level query of courses (every use is); tests/test_journal_models.py checks
# it against the rules in Python. Every subquery matches the course's school; on Citus a
# statement runs on the school's node alone only when each subquery names the school as a
# constant (docs/scaling.md): ``school`` below is ``%s``, bound to the school's id, for a query
# of one school's courses.
_COURSE = Course._meta.db_table
_CLASS = SchoolClass._meta.db_table
_COURSE_SCHOOL = f"{_COURSE}.school_id"


def _grade_level_sql(school: str) -> str:
    """The grade level of the course's class, or of its group's class (NULL for a cross-class
    group): ``school.courses.grade_level_id_of`` in SQL."""
    return (
        f"COALESCE((SELECT c.grade_level_id FROM {_CLASS} c "  # noqa: S608
        f"WHERE c.id = {_COURSE}.school_class_id AND c.school_id = {school}), "
        f"(SELECT c.grade_level_id FROM {Group._meta.db_table} g "
        f"INNER JOIN {_CLASS} c ON c.id = g.school_class_id AND c.school_id = g.school_id "
        f"WHERE g.id = {_COURSE}.group_id AND g.school_id = {school}))"
    )


def scale_rule_sql(school: str = _COURSE_SCHOOL) -> str:
    """``resolve_scale`` in SQL: the matching rule of the highest rank (subject 2, grade level
    1), for the row of the statement's course table (``with_scale_rule``, ``cell_reads``)."""
    return (
        f"(SELECT r.scale FROM {ScaleRule._meta.db_table} r WHERE r.school_id = {school} "  # noqa: S608
        f"AND (r.subject_id = {_COURSE}.subject_id OR r.subject_id IS NULL) "
        f"AND (r.grade_level_id = {_grade_level_sql(school)} OR r.grade_level_id IS NULL) "
        "ORDER BY (CASE WHEN r.subject_id IS NULL THEN 0 ELSE 2 END) "
        "+ (CASE WHEN r.grade_level_id IS NULL THEN 0 ELSE 1 END) DESC LIMIT 1)"
    )


def _default_type_sql(column: str, school: str) -> str:
    """A column of the school's default work type, in ``services.default_type_order``: the
    first active oral type, then by position."""
    return (
        f"(SELECT w.{column} FROM {WorkType._meta.db_table} w "  # noqa: S608
        f"WHERE w.school_id = {school} AND w.is_active "
        f"ORDER BY (CASE WHEN w.category = '{WorkCategory.ORAL.value}' THEN 0 ELSE 1 END), "
        "w.position, w.id LIMIT 1)"
    )


def _sql(builder, field, school_id: int | None, *args) -> RawSQL:
    """The annotation, its subqueries bound to ``school_id`` (a query of one school's courses)
    or, without it, to each course's school."""
    if school_id is None:
        return RawSQL(builder(*args, _COURSE_SCHOOL), (), output_field=field)  # noqa: S611
    text = builder(*args, "%s")
    return RawSQL(text, (school_id,) * text.count("%s"), output_field=field)  # noqa: S611


def with_scale_rule(courses: QuerySet[Course], school_id: int | None = None) -> QuerySet[Course]:
    """Annotate ``scale_rule``: the scale of the most specific rule for each course (the
    subject in its grade level, the subject, the grade level), or None — in the same query.
    ``school_id``: the courses are of that school (the subqueries name it: one node on
    Citus)."""
    return courses.annotate(scale_rule=_sql(scale_rule_sql, CharField(null=True), school_id))


def with_default_work_type(
    courses: QuerySet[Course], school_id: int | None = None
) -> QuerySet[Course]:
    """Annotate ``default_type_code``, ``default_type_name`` and ``default_type_weight``: the
    work type a mark gets in a lesson without columns (None before the school has any).
    ``school_id`` as for ``with_scale_rule``."""
    return courses.annotate(
        default_type_code=_sql(_default_type_sql, CharField(null=True), school_id, "code"),
        default_type_name=_sql(_default_type_sql, CharField(null=True), school_id, "name"),
        default_type_weight=_sql(
            _default_type_sql,
            DecimalField(max_digits=4, decimal_places=2, null=True),
            school_id,
            "weight",
        ),
    )


def scale_of(course: Course, policy: JournalPolicy | None = None) -> str:
    """The grading scale of a course: free for a course from ``with_scale_rule`` with the
    policy given; otherwise a query for the rules (and one for the policy)."""
    policy = policy or policy_of(
        course.school if Course.school.is_cached(course) else course.school_id
    )
    if hasattr(course, "scale_rule"):
        return course.scale_rule or policy.default_scale
    rules = ScaleRule.objects.filter(school_id=course.school_id, subject_id=course.subject_id) | (
        ScaleRule.objects.filter(school_id=course.school_id, subject__isnull=True)
    )
    return resolve_scale(
        rules,
        policy.default_scale,
        grade_level_id=grade_level_id_of(course),
        subject_id=course.subject_id,
    )
