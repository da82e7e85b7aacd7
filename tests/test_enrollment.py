"""Movements of the contingent: admission, transfer, departure by order (DESIGN §2)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.school import services
from zhurnal.school.models import Enrollment, Movement, MovementKind
from zhurnal.school.rosters import class_roster

from .factories import SchoolClassFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db
ORDER = services.Order("12-у", date(2026, 8, 30))


@pytest.fixture
def classes():
    a = SchoolClassFactory(letter="А")
    b = SchoolClassFactory(school=a.school, year=a.year, grade_level=a.grade_level, letter="Б")
    return a, b


def test_transfer_closes_the_old_class_the_day_before_and_keeps_history(classes):
    a, b = classes
    actor = Actor(UserFactory())
    student = StudentFactory(school=a.school)
    services.admit_student(
        student=student, school_class=a, day=date(2026, 9, 1), order=ORDER, actor=actor
    )
    services.transfer_student(
        student=student,
        school_class=b,
        day=date(2026, 11, 10),
        order=services.Order("40-у", date(2026, 11, 9)),
        actor=actor,
    )
    enrollments = list(Enrollment.objects.filter(student=student).order_by("start"))
    assert [(e.school_class, e.start, e.end) for e in enrollments] == [
        (a, date(2026, 9, 1), date(2026, 11, 9)),
        (b, date(2026, 11, 10), None),
    ]
    assert list(class_roster(a, date(2026, 11, 9))) == [student]
    assert list(class_roster(a, date(2026, 11, 10))) == []
    assert list(class_roster(b, date(2026, 11, 10))) == [student]
    kinds = list(Movement.objects.filter(student=student).values_list("kind", "order_number"))
    assert kinds == [(MovementKind.ADMISSION, "12-у"), (MovementKind.TRANSFER, "40-у")]
    assert AuditEvent.objects.filter(action=AuditAction.MOVEMENT, student=student).count() == 2


def test_departure_ends_enrollment_but_keeps_the_card(classes):
    a, _ = classes
    student = StudentFactory(school=a.school)
    services.admit_student(
        student=student, school_class=a, day=date(2026, 9, 1), order=ORDER, actor=Actor.system()
    )
    services.depart_student(
        student=student, day=date(2026, 12, 1), order=ORDER, actor=Actor.system(), note="переезд"
    )
    assert list(class_roster(a, date(2026, 12, 2))) == []
    assert list(class_roster(a, date(2026, 12, 1))) == [student]
    student.refresh_from_db()  # still in the register


def test_cannot_admit_twice_or_transfer_a_student_not_enrolled(classes):
    a, b = classes
    student = StudentFactory(school=a.school)
    with pytest.raises(ValidationError):
        services.transfer_student(
            student=student, school_class=b, day=date(2026, 9, 2), order=ORDER, actor=Actor.system()
        )
    services.admit_student(
        student=student, school_class=a, day=date(2026, 9, 1), order=ORDER, actor=Actor.system()
    )
    with pytest.raises(ValidationError):
        services.admit_student(
            student=student, school_class=b, day=date(2026, 9, 1), order=ORDER, actor=Actor.system()
        )


def test_a_class_of_another_school_is_refused(classes):
    a, _ = classes
    foreign = SchoolClassFactory()
    student = StudentFactory(school=a.school)
    with pytest.raises(ValidationError):
        services.admit_student(
            student=student,
            school_class=foreign,
            day=date(2026, 9, 1),
            order=ORDER,
            actor=Actor.system(),
        )
