"""The user's context in each school (``accounts.context``), loaded with their memberships in
one statement (``accounts.memberships``): every fact per role, and only what the roles entitle
to (a guardian card without the parent role shows no children)."""

from __future__ import annotations

import pytest

from zhurnal.accounts.context import context
from zhurnal.accounts.models import Role
from zhurnal.school import models as m

from .factories import (
    GuardianFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    SubjectFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


def _course(school_class=None, group=None, *teachers) -> m.Course:
    owner = school_class or group
    course = m.Course.objects.create(
        school=owner.school,
        year=owner.year,
        subject=SubjectFactory(school=owner.school, name="Английский язык" if group else "Физика"),
        school_class=school_class,
        group=group,
    )
    course.teachers.set(teachers)
    return course


def _child_of(guardian: m.Guardian) -> m.Student:
    student = StudentFactory(school=guardian.school)
    m.StudentGuardian.objects.create(
        school=guardian.school, student=student, guardian=guardian, relation="mother"
    )
    return student


def test_one_statement_gives_every_role_its_facts_in_every_school(django_assert_num_queries):
    teaching, parenting, learning = SchoolFactory(), SchoolFactory(), SchoolFactory()
    user = UserFactory(username="many.hats")
    grant(user, teaching, Role.TEACHER, Role.DEPUTY)
    grant(user, parenting, Role.PARENT)
    grant(user, learning, Role.STUDENT)
    # Teaching: a class led, a class's course and a subgroup's course taught, a colleague's
    # course not, and a guardian card without the parent role (no children shown).
    card = StaffFactory(school=teaching, user=user)
    colleague = StaffFactory(school=teaching)
    led = SchoolClassFactory(school=teaching, class_teacher=card)
    other = SchoolClassFactory(school=teaching, year=led.year)
    group = m.Group.objects.create(
        school=teaching, year=led.year, name="Англ. яз., гр. 1", school_class=other
    )
    physics = _course(led, None, card, colleague)
    english = _course(None, group, card)
    _course(other, None, colleague)
    _child_of(GuardianFactory(school=teaching, user=user))
    # Parenting: two children, a third family's child not; no staff card.
    guardian = GuardianFactory(school=parenting, user=user)
    children = {_child_of(guardian).pk, _child_of(guardian).pk}
    _child_of(GuardianFactory(school=parenting))
    # Learning: the own card.
    own = StudentFactory(school=learning, user=user)

    with django_assert_num_queries(1):
        teacher, parent, student = (context(user, s.pk) for s in (teaching, parenting, learning))

    assert teacher.roles == {Role.TEACHER, Role.DEPUTY}
    assert teacher.staff_id == card.pk
    assert teacher.led_class_ids == {led.pk}
    assert teacher.taught_course_ids == {physics.pk, english.pk}
    assert teacher.taught_class_ids == {led.pk, other.pk}
    assert teacher.taught_subject_levels == {
        (physics.subject_id, led.grade_level_id),
        (english.subject_id, other.grade_level_id),
    }
    assert teacher.child_ids == frozenset() and teacher.own_student_ids == frozenset()

    assert parent.roles == {Role.PARENT}
    assert parent.child_ids == children
    assert parent.staff_id is None and parent.taught_course_ids == frozenset()

    assert student.own_student_ids == {own.pk}
    assert student.child_ids == frozenset()


def test_a_staff_card_without_a_staff_role_teaches_nothing():
    school = SchoolFactory()
    user = grant(UserFactory(username="former.teacher"), school, Role.PARENT)
    card = StaffFactory(school=school, user=user)
    _course(SchoolClassFactory(school=school, class_teacher=card), None, card)

    standing = context(user, school.pk)

    assert standing.staff_id is None
    assert standing.led_class_ids == frozenset() and standing.taught_course_ids == frozenset()


def test_no_role_in_the_school_no_context_facts():
    school, elsewhere = SchoolFactory(), SchoolFactory()
    user = grant(UserFactory(username="elsewhere"), elsewhere, Role.PARENT)
    _child_of(GuardianFactory(school=school, user=user))

    standing = context(user, school.pk)

    assert standing.roles == frozenset() and standing.child_ids == frozenset()


def test_the_schools_and_policies_come_as_the_orm_loads_them(django_assert_num_queries):
    from zhurnal.accounts.memberships import memberships_of
    from zhurnal.journal.models import JournalPolicy
    from zhurnal.journal.policy import policy_of

    with_policy, without = SchoolFactory(student_min_age=12), SchoolFactory()
    policy = JournalPolicy.objects.create(
        school=with_policy, forecast_thresholds={"5": 4.6, "4": 3.6, "3": 2.6}, topic_days=3
    )
    user = UserFactory(username="two.schools")
    grant(user, with_policy, Role.TEACHER)
    grant(user, without, Role.PARENT)
    fields = [f.attname for f in m.School._meta.concrete_fields]
    policy_fields = [f.attname for f in JournalPolicy._meta.concrete_fields]

    with django_assert_num_queries(1):
        entries = memberships_of(user)
        loaded = entries[with_policy.pk].school
        loaded_policy = policy_of(loaded)
        default = policy_of(entries[without.pk].school)

    fresh = m.School.objects.get(pk=with_policy.pk)
    assert [getattr(loaded, f) for f in fields] == [getattr(fresh, f) for f in fields]
    fresh_policy = JournalPolicy.objects.get(pk=policy.pk)
    assert [getattr(loaded_policy, f) for f in policy_fields] == [
        getattr(fresh_policy, f) for f in policy_fields
    ]
    assert loaded_policy.forecast_thresholds == {"5": 4.6, "4": 3.6, "3": 2.6}
    assert loaded_policy.school is loaded and not loaded._state.adding
    assert default.pk is None and default.school_id == without.pk  # the defaults, unsaved
