"""Model invariants held by the database (DESIGN §7.4)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from zhurnal.accounts.models import Membership, Role
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.school import models as m

from .factories import (
    GradeLevelFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    SubjectFactory,
    UserFactory,
    YearFactory,
    enroll,
)

pytestmark = pytest.mark.django_db


def _fails(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_a_year_must_start_before_it_ends():
    school = SchoolFactory()
    _fails(lambda: YearFactory(school=school, start=date(2027, 6, 1), end=date(2026, 9, 1)))


def test_personal_file_numbers_are_unique_within_a_school_only():
    a, b = SchoolFactory(), SchoolFactory()
    StudentFactory(school=a, personal_file_number="17")
    StudentFactory(school=b, personal_file_number="17")  # another school: allowed
    _fails(lambda: StudentFactory(school=a, personal_file_number="17"))


def test_staff_numbers_are_unique_within_a_school():
    school = SchoolFactory()
    StaffFactory(school=school, staff_number="001")
    _fails(lambda: StaffFactory(school=school, staff_number="001"))


def test_grade_levels_are_1_to_11():
    school = SchoolFactory()
    _fails(lambda: m.GradeLevel.objects.create(school=school, number=12))


def test_a_class_name_is_unique_per_year():
    cls = SchoolClassFactory(letter="А")
    _fails(
        lambda: SchoolClassFactory(
            school=cls.school, year=cls.year, grade_level=cls.grade_level, letter="А"
        )
    )
    assert cls.name == "5А"


def test_a_course_is_for_a_class_or_a_group_never_both_nor_neither():
    cls = SchoolClassFactory()
    subject = SubjectFactory(school=cls.school)
    group = m.Group.objects.create(school=cls.school, year=cls.year, name="g", school_class=cls)
    _fails(
        lambda: m.Course.objects.create(
            school=cls.school, year=cls.year, subject=subject, school_class=cls, group=group
        )
    )
    _fails(lambda: m.Course.objects.create(school=cls.school, year=cls.year, subject=subject))
    with pytest.raises(ValidationError):
        m.Course(school=cls.school, year=cls.year, subject=subject).clean()


def test_a_student_has_one_open_enrollment_at_a_time():
    cls = SchoolClassFactory()
    student = StudentFactory(school=cls.school)
    enroll(student, cls)
    other = SchoolClassFactory(school=cls.school, year=cls.year, grade_level=cls.grade_level)
    _fails(lambda: enroll(student, other))


def test_curriculum_line_is_unique_per_grade_level_and_per_class_override():
    cls = SchoolClassFactory()
    subject = SubjectFactory(school=cls.school)
    line = dict(school=cls.school, year=cls.year, subject=subject, grade_level=cls.grade_level)
    m.CurriculumLine.objects.create(**line, hours_per_week=5)
    m.CurriculumLine.objects.create(**line, school_class=cls, hours_per_week=6)
    _fails(lambda: m.CurriculumLine.objects.create(**line, hours_per_week=4))


def test_a_consent_belongs_to_a_guardian_or_a_staff_member():
    school = SchoolFactory()
    _fails(lambda: m.Consent.objects.create(school=school, given_on=date(2026, 9, 1)))


def test_a_term_must_lie_within_its_year():
    year = YearFactory()
    term = m.Term(
        school=year.school,
        year=year,
        kind="quarter",
        number=1,
        start=date(2026, 8, 1),
        end=date(2026, 10, 25),
    )
    with pytest.raises(ValidationError):
        term.clean()


def test_a_role_is_held_once_per_school():
    user, school = UserFactory(), SchoolFactory()
    Membership.objects.create(user=user, school=school, role=Role.TEACHER)
    _fails(lambda: Membership.objects.create(user=user, school=school, role=Role.TEACHER))


def test_audit_events_are_append_only():
    event = AuditEvent.objects.create(action=AuditAction.CREATED, object_type="x")
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_student_age_counts_the_birthday():
    student = StudentFactory.build(birth_date=date(2012, 11, 23))
    assert student.age_on(date(2026, 11, 22)) == 13
    assert student.age_on(date(2026, 11, 23)) == 14


def test_grade_level_factory_is_shared_per_school():
    school = SchoolFactory()
    assert GradeLevelFactory(school=school, number=5) == GradeLevelFactory(school=school, number=5)
