"""A school's journal policy and the grading scale of a course (issue 4).

The policy row is optional: a school without one follows the defaults of seed 002
(``JournalPolicy``'s field defaults), so a new school works before anyone opens its settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from zhurnal.school.models import Course, School

from .models import JournalPolicy, ScaleRule


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


def course_grade_level_id(course: Course) -> int | None:
    """The grade level of a course's class (or of its group's class); None for a cross-class
    group, whose scale then follows the subject's rule or the default."""
    if course.school_class_id:
        return course.school_class.grade_level_id
    if course.group_id and course.group.school_class_id:
        return course.group.school_class.grade_level_id
    return None


def with_scale_rule(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate ``scale_rule``: the scale of the most specific rule for each course (the
    subject in its grade level, the subject, the grade level), or None — in the same query."""
    rules = (
        ScaleRule.objects.filter(school=OuterRef("school"))
        .filter(Q(subject=OuterRef("subject")) | Q(subject__isnull=True))
        .filter(Q(grade_level=OuterRef("scale_grade_level")) | Q(grade_level__isnull=True))
        .annotate(
            rank=Case(When(subject__isnull=False, then=Value(2)), default=Value(0))
            + Case(When(grade_level__isnull=False, then=Value(1)), default=Value(0))
        )
        .order_by("-rank")
        .values("scale")[:1]
    )
    return courses.annotate(
        scale_grade_level=Coalesce(
            F("school_class__grade_level"), F("group__school_class__grade_level")
        ),
        scale_rule=Subquery(rules),
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
        grade_level_id=course_grade_level_id(course),
        subject_id=course.subject_id,
    )
