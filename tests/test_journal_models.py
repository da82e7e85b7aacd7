"""The journal's model invariants and the scale of a course (issue 4; DESIGN §2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import (
    Absence,
    AbsenceReason,
    JournalPolicy,
    PeriodKind,
    PeriodMark,
    ScaleRule,
    WorkCategory,
    WorkType,
)
from zhurnal.journal.policy import policy_of, scale_of, with_default_work_type, with_scale_rule
from zhurnal.journal.scales import ScaleKind
from zhurnal.journal.services import default_work_type
from zhurnal.school import models as m

from .factories import GradeLevelFactory, SchoolClassFactory, StudentFactory, SubjectFactory
from .personas import build_world


@pytest.fixture
def world(db):
    return build_world()


def test_a_school_without_a_policy_follows_the_defaults_of_seed_002(world):
    policy = policy_of(world.school)
    assert policy.pk is None
    assert policy.default_scale == ScaleKind.FIVE
    assert (policy.topic_days, policy.homework_hours) == (0, 2)
    assert (policy.oral_mark_days, policy.written_mark_days, policy.written_mark_days_senior) == (
        1,
        5,
        7,
    )
    assert policy.lock_after_days is None
    assert policy.correction_grace_days == 0


def both_ways(course) -> str:
    """The scale by the rules in Python and by the annotation in SQL: they must agree."""
    annotated = with_scale_rule(m.Course.objects.filter(pk=course.pk)).get()
    in_python = scale_of(m.Course.objects.get(pk=course.pk))
    assert scale_of(annotated, policy_of(course.school_id)) == in_python
    return in_python


def test_the_most_specific_scale_rule_wins(world):
    course = world.course  # Математика, 6Б
    assert both_ways(course) == ScaleKind.FIVE
    JournalPolicy.objects.create(school=world.school, default_scale=ScaleKind.TEN)
    assert both_ways(course) == ScaleKind.TEN
    ScaleRule.objects.create(
        school=world.school, grade_level=world.class_6b.grade_level, scale=ScaleKind.HUNDRED
    )
    assert both_ways(course) == ScaleKind.HUNDRED
    ScaleRule.objects.create(school=world.school, subject=course.subject, scale=ScaleKind.FIVE)
    assert both_ways(course) == ScaleKind.FIVE
    ScaleRule.objects.create(
        school=world.school,
        grade_level=world.class_6b.grade_level,
        subject=course.subject,
        scale=ScaleKind.PASS_FAIL,
    )
    assert both_ways(course) == ScaleKind.PASS_FAIL
    # Another subject of the grade level follows the grade level's rule.
    other = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="Музыка"),
        school_class=world.class_6b,
    )
    assert both_ways(other) == ScaleKind.HUNDRED


def test_a_group_course_follows_the_grade_level_of_its_class_a_cross_class_group_not(world):
    ScaleRule.objects.create(
        school=world.school, grade_level=world.class_5a.grade_level, scale=ScaleKind.TEN
    )
    subject = SubjectFactory(school=world.school, name="Английский язык")
    in_class = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=subject,
        group=world.group,  # of 5А
    )
    assert both_ways(in_class) == ScaleKind.TEN
    cross = m.Group.objects.create(school=world.school, year=world.year, name="Хор")
    across = m.Course.objects.create(
        school=world.school, year=world.year, subject=subject, group=cross
    )
    assert both_ways(across) == ScaleKind.FIVE


@pytest.mark.parametrize(
    "change",
    ["defaults", "oral type off", "oral types reordered", "written only"],
)
def test_the_default_work_type_in_sql_is_the_services_one(world, change):
    types = {t.code: t for t in ensure_work_types(world.school)}
    if change == "oral type off":
        WorkType.objects.filter(pk=types["У"].pk).update(is_active=False)
    elif change == "oral types reordered":
        WorkType.objects.filter(school=world.school).update(position=F("position") + 10)
        WorkType.objects.filter(pk=types["ДЗ"].pk).update(category=WorkCategory.ORAL, position=0)
    elif change == "written only":
        WorkType.objects.filter(school=world.school).update(
            category=WorkCategory.WRITTEN, position=F("position") + 10
        )
        WorkType.objects.filter(pk=types["Т"].pk).update(position=0)
    expected = default_work_type(world.school)
    course = with_default_work_type(m.Course.objects.filter(pk=world.course.pk)).get()
    assert (course.default_type_code, course.default_type_name, course.default_type_weight) == (
        expected.code,
        expected.name,
        expected.weight,
    )


def test_a_school_without_work_types_has_no_default_in_sql(world):
    course = with_default_work_type(m.Course.objects.filter(pk=world.course.pk)).get()
    assert course.default_type_code is None


def test_grade_one_without_marks(world):
    g1 = GradeLevelFactory(school=world.school, number=1)
    ScaleRule.objects.create(school=world.school, grade_level=g1, scale=ScaleKind.NONE)
    class_1a = SchoolClassFactory(school=world.school, year=world.year, grade_level=g1, letter="А")
    course = m.Course.objects.create(
        school=world.school, year=world.year, subject=world.course.subject, school_class=class_1a
    )
    assert both_ways(course) == ScaleKind.NONE


def test_a_scale_rule_is_unique_per_target_and_has_one(world):
    ScaleRule.objects.create(school=world.school, subject=world.course.subject, scale="ten")
    with transaction.atomic(), pytest.raises(IntegrityError):
        ScaleRule.objects.create(school=world.school, subject=world.course.subject, scale="five")
    with transaction.atomic(), pytest.raises(IntegrityError):
        ScaleRule.objects.create(school=world.school, scale="five")


def _period_mark(world, **fields):
    now = timezone.now()
    values = {
        "school": world.school,
        "student": world.older_student,
        "course": world.course,
        "value": "5",
        "entered_at": now,
        "changed_at": now,
    }
    return PeriodMark.objects.create(**(values | fields))


def test_one_term_mark_per_term_and_one_year_mark(world):
    _period_mark(world, kind=PeriodKind.TERM, term=world.term)
    with transaction.atomic(), pytest.raises(IntegrityError):
        _period_mark(world, kind=PeriodKind.TERM, term=world.term)
    _period_mark(world, kind=PeriodKind.YEAR)
    with transaction.atomic(), pytest.raises(IntegrityError):
        _period_mark(world, kind=PeriodKind.YEAR)
    # A term only on a term mark, and a term mark needs it.
    with transaction.atomic(), pytest.raises(IntegrityError):
        _period_mark(world, kind=PeriodKind.EXAM, term=world.term)
    with transaction.atomic(), pytest.raises(IntegrityError):
        _period_mark(world, kind=PeriodKind.TERM)


def test_an_absence_ends_on_or_after_its_start(world):
    student = StudentFactory(school=world.school)
    fields = {"school": world.school, "student": student, "reason": AbsenceReason.ILL}
    Absence.objects.create(
        start=date(2026, 11, 16), end=date(2026, 11, 16), entered_at=timezone.now(), **fields
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        Absence.objects.create(
            start=date(2026, 11, 16), end=date(2026, 11, 15), entered_at=timezone.now(), **fields
        )


def test_a_school_starts_with_the_usual_work_types_once(world):
    from zhurnal.journal.defaults import ensure_work_types

    first = ensure_work_types(world.school)
    assert [t.code for t in first][:3] == ["У", "ДЗ", "СР"]
    assert {t.code: t.weight for t in first}["КР"] == 2
    assert len(ensure_work_types(world.school)) == len(first)


def test_a_subgroup_course_follows_the_rules_of_its_class_grade(world):
    course = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="Английский язык"),
        group=world.group,  # a subgroup of 5А
    )
    assert both_ways(course) == ScaleKind.FIVE
    ScaleRule.objects.create(
        school=world.school, grade_level=world.class_5a.grade_level, scale=ScaleKind.TEN
    )
    assert both_ways(course) == ScaleKind.TEN
