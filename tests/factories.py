"""Factories for tests (DESIGN §7.9: factories, not fixture files)."""

from __future__ import annotations

from datetime import date

import factory
from factory.django import DjangoModelFactory

from zhurnal.accounts.models import Membership, User
from zhurnal.school import models as m


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = m.School

    name = factory.Sequence(lambda n: f"МБОУ СОШ № {n + 1}")
    short_name = factory.Sequence(lambda n: f"СОШ № {n + 1}")
    timezone = "Europe/Moscow"


class YearFactory(DjangoModelFactory):
    class Meta:
        model = m.AcademicYear

    school = factory.SubFactory(SchoolFactory)
    title = "2026/2027"
    start = date(2026, 9, 1)
    end = date(2027, 5, 31)


class GradeLevelFactory(DjangoModelFactory):
    class Meta:
        model = m.GradeLevel
        django_get_or_create = ("school", "number")

    school = factory.SubFactory(SchoolFactory)
    number = 5


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = m.Subject
        django_get_or_create = ("school", "name")

    school = factory.SubFactory(SchoolFactory)
    name = "Математика"


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = m.Staff

    school = factory.SubFactory(SchoolFactory)
    staff_number = factory.Sequence(lambda n: f"T{n:04d}")
    last_name = factory.Sequence(lambda n: f"Учителева{n}")
    first_name = "Анна"
    middle_name = "Петровна"


class SchoolClassFactory(DjangoModelFactory):
    class Meta:
        model = m.SchoolClass

    school = factory.SubFactory(SchoolFactory)
    year = factory.SubFactory(YearFactory, school=factory.SelfAttribute("..school"))
    grade_level = factory.SubFactory(GradeLevelFactory, school=factory.SelfAttribute("..school"))
    letter = factory.Sequence(lambda n: "АБВГДЕЖЗИК"[n % 10])


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = m.Student

    school = factory.SubFactory(SchoolFactory)
    personal_file_number = factory.Sequence(lambda n: f"Л-{n:05d}")
    last_name = factory.Sequence(lambda n: f"Ученикова{n}")
    first_name = "Мария"
    birth_date = date(2014, 3, 15)
    gender = m.Gender.FEMALE


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = m.Guardian

    school = factory.SubFactory(SchoolFactory)
    last_name = factory.Sequence(lambda n: f"Родителева{n}")
    first_name = "Ольга"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-42")


def enroll(student: m.Student, school_class: m.SchoolClass, start: date | None = None):
    return m.Enrollment.objects.create(
        school=student.school,
        student=student,
        school_class=school_class,
        start=start or school_class.year.start,
    )


def grant(user: User, school: m.School, *roles: str) -> User:
    for role in roles:
        Membership.objects.get_or_create(user=user, school=school, role=role)
    return user
