"""The year end on the demo school, end to end (issue 13, "Done when"): the secretary closes
the demo year, creates the next one and promotes every class by an order (graduates of grades
9 and 11 with their final marks, one 9th-grader kept on into grade 10); the new year opens and
its journal takes marks, the old one is read-only, and the parent reads last year's marks in
the diary."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from zhurnal.accounts.models import User
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services as journal
from zhurnal.journal.models import Mark, PeriodKind, PeriodMark
from zhurnal.school import models as m
from zhurnal.school.calendar import current_year
from zhurnal.school.courses import of_class
from zhurnal.school.services import Order
from zhurnal.timetable.generation import generate_lessons
from zhurnal.timetable.models import Lesson, TimetableEntry
from zhurnal.yearend import services
from zhurnal.yearend.queries import Decision, class_students

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def demo():
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, at(2026, 11, 22, 12, 0):
        call_command("demo", "--size", "small", stdout=StringIO())
    return m.School.objects.get()


def _final_marks(school_class: m.SchoolClass) -> None:
    """The final marks of a graduating class (entered by its teachers in June)."""
    moment = datetime(2027, 6, 10, tzinfo=MSK)
    students = [s for s, _e in class_students(school_class)]
    PeriodMark.objects.bulk_create(
        PeriodMark(
            school_id=school_class.school_id,
            course=course,
            student=student,
            kind=PeriodKind.FINAL,
            value="4",
            entered_at=moment,
            changed_at=moment,
        )
        for course in m.Course.objects.filter(of_class(school_class), year=school_class.year)
        for student in students
    )


def test_the_demo_school_closes_its_year_and_promotes_every_class(client, demo):
    school = demo
    secretary = Actor(User.objects.get(username="secretary"))
    year = m.AcademicYear.objects.get(school=school)
    classes = list(m.SchoolClass.objects.filter(year=year).select_related("grade_level", "year"))
    on_lists = {s.pk for c in classes for s, _e in class_students(c)}
    old_lesson = (
        Lesson.objects.filter(course__year=year, date__lt=date(2026, 11, 20))
        .exclude(status="cancelled")
        .select_related("course__school")
        .order_by("-date")
        .first()
    )
    parent = User.objects.get(username="parent")
    child = m.Student.objects.filter(guardians__user=parent).order_by("pk").first()
    old_class = m.Enrollment.objects.get(student=child, end__isnull=True).school_class
    old_mark = Mark.objects.filter(student=child).select_related("column__lesson").first()

    with at(2027, 6, 15, 10, 0):
        # 1. The checklist (the demo's journal stops in November: gaps) and the closing.
        with pytest.raises(ValidationError, match="still has gaps"):
            services.close_year(
                year=year, today=date(2027, 6, 15), accept_gaps=False, actor=secretary
            )
        services.close_year(year=year, today=date(2027, 6, 15), accept_gaps=True, actor=secretary)
        # 2. The next year.
        new_year = services.create_next_year(year=year, actor=secretary)
        # 3. The promotion, class by class; grade 9 and 11 graduate with their final marks.
        order = Order("112-у", date(2027, 6, 16))
        for school_class in classes:
            grade = school_class.grade_level.number
            decisions = {}
            if grade in (9, 11):
                _final_marks(school_class)
            if grade == 9:
                stays = class_students(school_class)[0][0]
                decisions[stays.pk] = (Decision.PROMOTE, "")
            services.promote_class(
                school_class=school_class,
                new_year=new_year,
                decisions=decisions,
                order=order,
                actor=secretary,
            )

        # Run again: nothing changes.
        def counts():
            return tuple(
                model.objects.count()
                for model in (
                    m.Movement,
                    m.Enrollment,
                    m.Course,
                    m.Group,
                    m.GroupMembership,
                    m.CurriculumLine,
                    TimetableEntry,
                )
            )

        before = counts()
        for school_class in classes:
            services.promote_class(
                school_class=school_class,
                new_year=new_year,
                decisions={},
                order=order,
                actor=secretary,
            )
        assert counts() == before

    # Every student on a list at the year's end is in a class of the new year or has left.
    new_classes = {
        c.name: c for c in m.SchoolClass.objects.filter(year=new_year).select_related("grade_level")
    }
    assert sorted(new_classes, key=lambda n: int(n[:-1])) == [f"{g}А" for g in range(2, 12)]
    placed = set(
        m.Enrollment.objects.filter(school_class__year=new_year, end__isnull=True).values_list(
            "student_id", flat=True
        )
    )
    graduated = set(
        m.Movement.objects.filter(kind=m.MovementKind.DEPARTURE, date=year.end).values_list(
            "student_id", flat=True
        )
    )
    assert placed | graduated == on_lists
    assert not placed & graduated
    assert m.Enrollment.objects.filter(school_class=new_classes["10А"]).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CLASS_PROMOTED).count() == len(classes)
    assert m.Course.objects.filter(year=new_year).exists()
    # The cross-class groups (the demo's electives by grade) went up with their promoted
    # members, each made once with its course and teacher, their grade raised in the name.
    carried = {
        g.name: g
        for g in m.Group.objects.filter(year=new_year, school_class__isnull=True).prefetch_related(
            "courses__teachers", "memberships"
        )
    }
    old_cross = m.Group.objects.filter(year=year, school_class__isnull=True)
    assert old_cross.exists() and carried
    for group in carried.values():
        assert group.memberships.all() and group.courses.all()
        assert all(course.teachers.all() for course in group.courses.all())
    members = set(
        m.GroupMembership.objects.filter(group__in=carried.values()).values_list(
            "student_id", flat=True
        )
    )
    assert members <= placed  # nobody who left is in a group of the new year

    # The new year opens: its draft timetable generates the lessons, the journal takes marks.
    with at(2027, 9, 2, 12, 0):
        assert current_year(school, date(2027, 9, 2)) == new_year
        generate_lessons(
            school=school,
            year=new_year,
            start=new_year.start,
            end=new_year.start + timedelta(days=6),
        )
        lesson = (
            Lesson.objects.filter(course__year=new_year, date=date(2027, 9, 1))
            .select_related("course__school")
            .first()
        )
        assert lesson is not None
        teacher = Actor(User.objects.filter(staff_records__courses=lesson.course).first())
        student = (
            m.Enrollment.objects.filter(school_class=lesson.course.school_class, end__isnull=True)
            .first()
            .student
        )
        column = journal.first_column(lesson=lesson, actor=teacher)
        assert journal.set_mark(column=column, student=student, value="5", version=0, actor=teacher)
        # The old year is read-only.
        with pytest.raises(ValidationError) as refused:
            journal.record_topic(lesson=old_lesson, topic="Исправление", actor=teacher)
        assert refused.value.code == "year_closed"

        # The parent reads last year's marks in the diary.
        client.force_login(parent)
        url = reverse("diary:marks", args=[child.pk])
        now_page = client.get(url).content.decode()
        assert f"{year.title}, {old_class.name}" in now_page  # the choice of the past year
        past = client.get(url, {"year": year.pk})
        assert past.status_code == 200
        html = past.content.decode()
        assert old_mark.column.lesson.date.strftime("%d.%m") in html
