"""Journal control and settings pages (issue 4): the absence register, unlocks, the changes of
journal entries, debts and late entries, and the school's journal settings — each page with its
allowed and denied roles, and what it does to the journal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services
from zhurnal.journal.models import (
    Absence,
    JournalPolicy,
    ScaleRule,
    Unlock,
    WorkCategory,
    WorkType,
)
from zhurnal.journal.queries import journal_grid
from zhurnal.school import models as m
from zhurnal.school.models import AcademicYear, Course
from zhurnal.timetable.models import Lesson

from .factories import SchoolClassFactory, StudentFactory, SubjectFactory
from .personas import build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        yield build_world()


@pytest.fixture
def column(world):
    test = WorkType.objects.create(
        school=world.school,
        code="КР",
        name="Контрольная работа",
        weight=Decimal(2),
        category=WorkCategory.WRITTEN,
    )
    with at(2026, 11, 20, 10, 0):
        return services.add_column(
            lesson=world.lesson, work_type=test, actor=Actor(world.users["teacher"])
        )


def foreign_class(world):
    year = AcademicYear.objects.get(school=world.other_school)
    return SchoolClassFactory(school=world.other_school, year=year)


def login(client, world, persona):
    client.force_login(world.users[persona])
    return client


def fresh_lesson(world) -> Lesson:
    return Lesson.objects.select_related("course__school").get(pk=world.lesson.pk)


# --- the absence register --------------------------------------------------------------------


def absences_url(world, school_class=None):
    school_class = school_class or world.class_5a
    return reverse("journal_control:absences", kwargs={"class_id": school_class.pk})


def absence_post(world, **overrides):
    data = {
        "student": world.student.pk,
        "start": "2026-11-16",
        "end": "2026-11-17",
        "reason": "Б",
        "document": "справка № 123 от 18.11.",
    }
    data.update(overrides)
    return data


def test_the_class_teacher_records_an_absence_and_the_grid_shows_it(client, world):
    with at(2026, 11, 20, 10, 0):
        login(client, world, "class_teacher")
        response = client.post(absences_url(world), absence_post(world))
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert (absence.student, absence.reason, absence.document) == (
        world.student,
        "Б",
        "справка № 123 от 18.11.",
    )
    assert absence.entered_by == world.users["class_teacher"]
    assert AuditEvent.objects.filter(action=AuditAction.ABSENCE_RECORDED).count() == 1
    # The class's course (Monday 1st and Tuesday 2nd lessons) shows «Б» for those days.
    grid = journal_grid(world.class_course, world.term)
    row = next(r for r in grid.rows if r.student == world.student)
    shown = {
        gl.lesson.date: cell.attendance for gl, cell in zip(grid.lessons, row.cells, strict=True)
    }
    assert shown[date(2026, 11, 16)] == "Б"
    assert shown[date(2026, 11, 17)] == "Б"
    assert shown[date(2026, 11, 23)] == ""
    # The register lists it.
    with at(2026, 11, 20, 10, 0):
        page = client.get(absences_url(world)).content.decode()
    assert "справка № 123 от 18.11." in page
    assert "16.11.2026" in page


def test_a_refused_absence_is_shown_and_nothing_typed_is_lost(client, world):
    with at(2026, 11, 20, 10, 0):
        login(client, world, "class_teacher")
        response = client.post(
            absences_url(world), absence_post(world, start="2026-11-18", end="2026-11-16")
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The end date is before the start date." in page
    assert "справка № 123 от 18.11." in page  # the form keeps what was typed
    assert not Absence.objects.exists()


def test_only_students_of_the_class_can_be_recorded(client, world):
    with at(2026, 11, 20, 10, 0):
        login(client, world, "class_teacher")
        response = client.post(
            absences_url(world), absence_post(world, student=world.older_student.pk)
        )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Absence.objects.exists()


@pytest.mark.parametrize("persona", ["deputy", "admin", "teacher", "parent", "secretary"])
def test_others_cannot_record_an_absence(client, world, persona):
    with at(2026, 11, 20, 10, 0):
        login(client, world, persona)
        response = client.post(absences_url(world), absence_post(world))
    assert response.status_code == 403
    assert not Absence.objects.exists()


def test_the_deputy_reads_the_register_without_the_form(client, world):
    with at(2026, 11, 20, 10, 0):
        login(client, world, "deputy")
        page = client.get(absences_url(world)).content.decode()
    assert "Record an absence" not in page


def test_the_class_teacher_of_another_class_is_refused_and_a_foreign_class_is_not_found(
    client, world
):
    with at(2026, 11, 20, 10, 0):
        login(client, world, "class_teacher")
        assert client.get(absences_url(world, world.class_6b)).status_code == 403
        foreign = foreign_class(world)
        assert client.get(absences_url(world, foreign)).status_code == 404
        login(client, world, "admin")
        assert client.get(absences_url(world, foreign)).status_code == 404


# --- unlocks ---------------------------------------------------------------------------------


def unlock_post(world, **overrides):
    data = {
        "course": world.course.pk,
        "start": "2026-11-18",
        "end": "2026-11-18",
        "days": "3",
        "reason": "Учитель болел",
    }
    data.update(overrides)
    return data


def test_an_unlock_allows_an_entry_after_the_lock(client, world):
    JournalPolicy.objects.create(school=world.school, lock_after_days=1)
    teacher = world.users["teacher"]
    with at(2026, 12, 10, 10, 0):
        with pytest.raises(ValidationError, match="locked"):
            services.set_attendance(
                lesson=fresh_lesson(world),
                student=world.older_student,
                code="Н",
                version=0,
                actor=Actor(teacher),
            )
        login(client, world, "deputy")
        response = client.post(reverse("journal_control:unlocks"), unlock_post(world))
        assert response.status_code == 302
        entry = services.set_attendance(
            lesson=fresh_lesson(world),
            student=world.older_student,
            code="Н",
            version=0,
            actor=Actor(teacher),
        )
        assert entry.code == "Н"
        page = client.get(reverse("journal_control:unlocks")).content.decode()
    unlock = Unlock.objects.get()
    assert unlock.granted_by == world.users["deputy"]
    assert "Учитель болел" in page
    assert "open" in page


def test_an_unlock_without_a_reason_is_refused(client, world):
    with at(2026, 12, 10, 10, 0):
        login(client, world, "deputy")
        response = client.post(reverse("journal_control:unlocks"), unlock_post(world, reason=" "))
    assert response.status_code == 200
    assert not Unlock.objects.exists()


@pytest.mark.parametrize("persona", ["admin", "director", "teacher", "class_teacher", "outsider"])
def test_only_the_deputy_grants_unlocks(client, world, persona):
    with at(2026, 12, 10, 10, 0):
        login(client, world, persona)
        response = client.post(reverse("journal_control:unlocks"), unlock_post(world))
    assert response.status_code == 403
    assert not Unlock.objects.exists()


def test_a_course_of_another_school_cannot_be_unlocked(client, world):
    foreign = Course.objects.create(
        school=world.other_school,
        year=AcademicYear.objects.get(school=world.other_school),
        subject=SubjectFactory(school=world.other_school),
        school_class=foreign_class(world),
    )
    with at(2026, 12, 10, 10, 0):
        login(client, world, "deputy")
        response = client.post(
            reverse("journal_control:unlocks"), unlock_post(world, course=foreign.pk)
        )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Unlock.objects.exists()


# --- changes ---------------------------------------------------------------------------------


def changes_url(**params):
    url = reverse("journal_control:changes")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def changed_mark(world, column):
    teacher = world.users["teacher"]
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    request.user = teacher
    with at(2026, 11, 20, 10, 0):
        first = services.set_mark(
            column=column, student=world.older_student, value="4", version=0, actor=Actor(teacher)
        )
    with at(2026, 11, 24, 10, 0):
        services.set_mark(
            column=column,
            student=world.older_student,
            value="5",
            version=first.version,
            reason="ошибка при вводе",
            actor=Actor.of(request),
        )


def test_the_changes_page_lists_a_mark_change_with_old_new_and_reason(client, world, column):
    changed_mark(world, column)
    with at(2026, 11, 25, 10, 0):
        login(client, world, "deputy")
        page = client.get(changes_url(course=world.course.pk)).content.decode()
    assert "4 → 5" in page
    assert "ошибка при вводе" in page
    assert "10.1.2.3" in page
    assert "18.11.2026" in page  # the lesson's date
    assert world.older_student.short_name in page


def test_the_changes_page_lists_the_lessons_topic_and_homework(client, world):
    """A deputy sees every change of a lesson's record, not only marks and attendance."""

    teacher = world.users["teacher"]
    with at(2026, 11, 18, 15, 0):
        lesson = fresh_lesson(world)
        services.record_topic(lesson=lesson, topic="Сложение дробей", actor=Actor(teacher))
        services.set_homework(lesson=lesson, text="Учебник, № 215", version=0, actor=Actor(teacher))
    with at(2026, 11, 19, 9, 0):
        services.record_topic(lesson=lesson, topic="Вычитание дробей", actor=Actor(teacher))
    with at(2026, 11, 25, 10, 0):
        login(client, world, "deputy")
        page = client.get(changes_url(course=world.course.pk)).content.decode()
    assert "∅ → Учебник, № 215" in page
    assert "Сложение дробей → Вычитание дробей" in page
    assert page.count("18.11.2026") >= 3  # each row names the lesson's date


def test_a_deleted_marks_row_still_names_its_lesson(client, world, column):
    changed_mark(world, column)
    with at(2026, 11, 25, 10, 0):
        services.set_mark(
            column=column,
            student=world.older_student,
            value="",
            version=2,
            reason="выставлена не тому ученику",
            actor=Actor(world.users["teacher"]),
        )
        login(client, world, "deputy")
        page = client.get(changes_url(course=world.course.pk)).content.decode()
    row = next(r for r in page.split("<tr>") if "не тому ученику" in r)
    assert "5 → ∅" in row and "18.11.2026" in row


def test_a_substitution_row_names_the_teachers(client, world):
    from zhurnal.timetable import services as timetable_services

    with at(2026, 11, 18, 8, 0):
        timetable_services.substitute(
            lesson=fresh_lesson(world),
            teacher=world.class_teacher_staff,
            reason="Болезнь учителя",
            actor=Actor(world.users["deputy"]),
        )
    with at(2026, 11, 25, 10, 0):
        login(client, world, "deputy")
        page = client.get(changes_url(course=world.course.pk)).content.decode()
    row = next(r for r in page.split("<tr>") if "Болезнь учителя" in r)
    expected = f"{world.teacher_staff.short_name} → {world.class_teacher_staff.short_name}"
    assert expected in row and "18.11.2026" in row


def test_the_changes_page_filters(client, world, column):
    changed_mark(world, column)
    with at(2026, 11, 25, 10, 0):
        login(client, world, "director")
        by_teacher = client.get(changes_url(teacher=world.teacher_staff.pk)).content.decode()
        by_other = client.get(changes_url(teacher=world.class_teacher_staff.pk)).content.decode()
        by_student = client.get(changes_url(student=world.student.pk)).content.decode()
        by_dates = client.get(changes_url(start="2026-11-21", end="2026-11-30")).content.decode()
    assert "4 → 5" in by_teacher
    assert "4 → 5" not in by_other
    assert "4 → 5" not in by_student
    assert "4 → 5" in by_dates
    assert "∅ → 4" not in by_dates  # the first entry was on the 20th


def test_a_forged_filter_is_not_found(client, world):
    foreign = StudentFactory(school=world.other_school)
    with at(2026, 11, 25, 10, 0):
        login(client, world, "deputy")
        assert client.get(changes_url(student=foreign.pk)).status_code == 404
        assert client.get(changes_url(course="x")).status_code == 404


def test_the_changes_page_has_a_fixed_number_of_queries(client, world, column):
    changed_mark(world, column)
    teacher = world.users["teacher"]
    with at(2026, 11, 25, 10, 0):
        attendance = services.set_attendance(
            lesson=fresh_lesson(world),
            student=world.older_student,
            code="Н",
            version=0,
            actor=Actor(teacher),
        )
        login(client, world, "deputy")
        with CaptureQueriesContext(connection) as few:
            client.get(changes_url())
    with at(2026, 11, 25, 10, 0):
        for value in ("3", "4", "5", "2", "3"):
            services.set_mark(
                column=column,
                student=world.older_student,
                value=value,
                version=column.marks.get().version,
                reason="исправление",
                actor=Actor(teacher),
            )
            attendance = services.set_attendance(
                lesson=fresh_lesson(world),
                student=world.older_student,
                code="ОП" if value == "2" else "Н",
                version=attendance.version,
                actor=Actor(teacher),
            )
        assert AuditEvent.objects.count() > 10
    with at(2026, 11, 25, 10, 0), CaptureQueriesContext(connection) as many:
        assert "3 → 4" in client.get(changes_url()).content.decode()
    assert len(many) == len(few)


@pytest.mark.parametrize("persona", ["teacher", "class_teacher", "secretary", "parent"])
def test_the_changes_page_is_for_the_administration(client, world, persona):
    login(client, world, persona)
    assert client.get(changes_url()).status_code == 403


# --- debts and late entries ------------------------------------------------------------------


def test_debts_list_work_owed_and_late_entries(client, world, column):
    teacher = world.users["teacher"]
    with at(2026, 11, 20, 10, 0):
        services.set_mark(
            column=column, student=world.older_student, value="•", version=0, actor=Actor(teacher)
        )
    with at(2026, 11, 25, 10, 0):  # the deadline was the 23rd, 24:00: late
        services.set_attendance(
            lesson=fresh_lesson(world),
            student=world.older_student,
            code="Н",
            version=0,
            actor=Actor(teacher),
        )
    url = reverse("journal_control:debts")
    with at(2026, 11, 25, 10, 0):
        login(client, world, "deputy")
        page = client.get(url).content.decode()
        of_6b = client.get(f"{url}?school_class={world.class_6b.pk}").content.decode()
        of_5a = client.get(f"{url}?school_class={world.class_5a.pk}").content.decode()
        foreign = foreign_class(world)
        assert client.get(f"{url}?school_class={foreign.pk}").status_code == 404
    assert world.older_student.short_name in page
    assert "18.11.2026" in page
    assert "Математика" in page
    assert world.teacher_staff.short_name in page  # teacher of the lesson, and late entries
    assert "No late entries." not in page
    assert world.older_student.short_name in of_6b
    assert world.older_student.short_name not in of_5a
    assert "No work owed." in of_5a


def test_late_entries_count_every_kind_with_a_deadline(world, column, django_assert_num_queries):
    """Seed 002, regulation 2: marks, attendance, topics, homework and period marks each have
    a deadline; every late one is counted for the teacher who made it."""
    from zhurnal.journal.control_queries import late_entries
    from zhurnal.journal.models import PeriodKind

    teacher = world.users["teacher"]
    with at(2026, 11, 30, 10, 0):  # every deadline of the lesson of 18.11 has passed
        lesson = fresh_lesson(world)
        services.set_mark(
            column=column, student=world.older_student, value="4", version=0, actor=Actor(teacher)
        )
        services.set_attendance(
            lesson=lesson, student=world.older_student, code="Н", version=0, actor=Actor(teacher)
        )
        services.record_topic(lesson=lesson, topic="Дроби", actor=Actor(teacher))
        services.set_homework(lesson=lesson, text="№ 12", version=0, actor=Actor(teacher))
    with at(2026, 12, 29, 10, 0):  # after the term's last day
        services.set_period_mark(
            course=world.course,
            student=world.older_student,
            kind=PeriodKind.TERM,
            term=world.term,
            value="4",
            version=0,
            actor=Actor(teacher),
        )
    start, end = date(2026, 11, 1), date(2026, 12, 31)
    with django_assert_num_queries(6):
        rows = late_entries(world.school, start, end)
    assert [(row["staff"], row["counts"], row["total"]) for row in rows] == [
        (world.teacher_staff, [1, 1, 1, 1, 1], 5)
    ]
    assert [row["counts"] for row in late_entries(world.school, start, end, world.class_6b)] == [
        [1, 1, 1, 1, 1]
    ]
    assert late_entries(world.school, start, end, world.class_5a) == []


def _cross_class_lesson(world):
    """A course of a group gathered from several classes (no class of its own) with 5А's
    student on its list, and its lesson on 18.11."""
    group = m.Group.objects.create(
        school=world.school, year=world.year, name="Сборная по шахматам", school_class=None
    )
    m.GroupMembership.objects.create(
        school=world.school, group=group, student=world.student, start=date(2026, 9, 1)
    )
    course = Course.objects.create(
        school=world.school, year=world.year, subject=world.course.subject, group=group
    )
    course.teachers.add(world.teacher_staff)
    return Lesson.objects.create(
        school=world.school,
        course=course,
        date=date(2026, 11, 18),
        number=7,
        teacher=world.teacher_staff,
        origin="extra",
    )


def test_late_entries_of_a_cross_class_group_count_for_the_students_class(world):
    """The class filter follows the student for their entries (as the debts list does); a
    lesson's own entries follow its course's class, which a cross-class group has none of."""
    from zhurnal.journal.control_queries import late_entries

    lesson = _cross_class_lesson(world)
    teacher = world.users["teacher"]
    with at(2026, 11, 30, 10, 0):
        services.set_attendance(
            lesson=lesson, student=world.student, code="Н", version=0, actor=Actor(teacher)
        )
        services.record_topic(lesson=lesson, topic="Дебют", actor=Actor(teacher))
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    assert [row["counts"] for row in late_entries(world.school, start, end)] == [[0, 1, 1, 0, 0]]
    assert [row["counts"] for row in late_entries(world.school, start, end, world.class_5a)] == [
        [0, 1, 0, 0, 0]
    ]
    assert late_entries(world.school, start, end, world.class_6b) == []


def test_the_changes_of_a_group_course_take_a_fixed_number_of_queries(client, world):
    lesson = _cross_class_lesson(world)
    teacher = world.users["teacher"]

    def page_queries() -> int:
        with at(2026, 11, 30, 10, 0):
            login(client, world, "deputy")
            with CaptureQueriesContext(connection) as queries:
                assert client.get(changes_url()).status_code == 200
        return len(queries)

    with at(2026, 11, 18, 15, 0):
        services.set_attendance(
            lesson=lesson, student=world.student, code="Н", version=0, actor=Actor(teacher)
        )
        services.set_homework(lesson=lesson, text="Этюды", version=0, actor=Actor(teacher))
    few = page_queries()
    with at(2026, 11, 18, 15, 0):
        for version, code in enumerate(("ОП", "Н", "Б", "ОП"), start=1):
            services.set_attendance(
                lesson=lesson,
                student=world.student,
                code=code,
                version=version,
                actor=Actor(teacher),
            )
        for version, text in enumerate(("Этюды № 2", "Этюды № 3"), start=1):
            services.set_homework(lesson=lesson, text=text, version=version, actor=Actor(teacher))
        services.add_note(
            lesson=lesson,
            student=world.student,
            kind="praise",
            text="Молодец",
            actor=Actor(teacher),
        )
    assert page_queries() == few


@pytest.mark.parametrize("persona", ["teacher", "class_teacher", "hr", "student"])
def test_debts_are_for_the_administration(client, world, persona):
    login(client, world, persona)
    assert client.get(reverse("journal_control:debts")).status_code == 403


# --- settings --------------------------------------------------------------------------------


def policy_post(**overrides):
    data = {
        "form": "policy",
        "p-default_scale": "five",
        "p-topic_days": "1",
        "p-homework_hours": "2",
        "p-oral_mark_days": "1",
        "p-written_mark_days": "7",
        "p-written_mark_days_senior": "7",
        "p-lock_after_days": "3",
        "p-correction_grace_days": "0",
        "p-threshold_5": "4.60",
        "p-threshold_4": "3.60",
        "p-threshold_3": "2.60",
    }
    data.update(overrides)
    return data


def test_settings_change_a_deadline(client, world):
    login(client, world, "deputy")
    url = reverse("journal_control:settings")
    response = client.post(url, policy_post())
    assert response.status_code == 302
    policy = JournalPolicy.objects.get(school=world.school)
    assert (policy.written_mark_days, policy.lock_after_days, policy.topic_days) == (7, 3, 1)
    assert policy.forecast_thresholds == {"5": "4.60", "4": "3.60", "3": "2.60"}
    assert AuditEvent.objects.filter(
        school=world.school, action=AuditAction.CREATED, object_type="journal.journalpolicy"
    ).exists()
    client.post(url, policy_post(**{"p-written_mark_days": "4"}))
    policy.refresh_from_db()
    assert policy.written_mark_days == 4
    event = AuditEvent.objects.get(action=AuditAction.UPDATED)
    assert (event.before["written_mark_days"], event.after["written_mark_days"]) == ("7", "4")


def test_settings_set_the_norm_of_marks_and_keep_the_ones_left_empty(client, world):
    login(client, world, "deputy")
    url = reverse("journal_control:settings")
    client.post(url, policy_post(**{"p-norm_1": "2", "p-norm_4": "8"}))
    policy = JournalPolicy.objects.get(school=world.school)
    assert policy.accumulation_norms == {"1": 2, "2": 4, "3": 5, "4": 8}
    response = client.post(url, policy_post(**{"p-norm_2": "-1"}))
    assert response.status_code == 200 and response.context["policy_form"].errors


def test_settings_refuse_thresholds_out_of_order_and_keep_the_input(client, world):
    login(client, world, "admin")
    response = client.post(
        reverse("journal_control:settings"), policy_post(**{"p-threshold_4": "4.80"})
    )
    assert response.status_code == 200
    assert "The forecast thresholds must decrease" in response.content.decode()
    assert not JournalPolicy.objects.exists()


def test_settings_create_default_work_types_and_change_a_weight(client, world):
    login(client, world, "deputy")
    url = reverse("journal_control:settings")
    page = client.get(url).content.decode()
    assert "Контрольная работа" in page
    test = WorkType.objects.get(school=world.school, code="КР")
    assert client.get(f"{url}?edit={test.pk}").status_code == 200
    response = client.post(
        url,
        {
            "form": "work_type",
            "work_type": test.pk,
            "w-code": "КР",
            "w-name": "Контрольная работа",
            "w-weight": "3",
            "w-category": "written",
            "w-position": "7",
            "w-is_active": "on",
        },
    )
    assert response.status_code == 302
    test.refresh_from_db()
    assert test.weight == Decimal(3)
    event = AuditEvent.objects.get(action=AuditAction.UPDATED, object_type="journal.worktype")
    assert Decimal(event.before["weight"]) == 2
    assert Decimal(event.after["weight"]) == 3
    # A new work type; a duplicate code is refused.
    new = {
        "form": "work_type",
        "w-code": "ЗЧ",
        "w-name": "Зачёт",
        "w-weight": "2",
        "w-category": "written",
        "w-position": "9",
        "w-is_active": "on",
    }
    assert client.post(url, new).status_code == 302
    assert WorkType.objects.filter(school=world.school, code="ЗЧ").exists()
    again = client.post(url, new)
    assert "already has a work type with this code" in again.content.decode()


def test_a_work_type_of_another_school_is_not_found(client, world):
    foreign = WorkType.objects.create(school=world.other_school, code="КР", name="x")
    login(client, world, "deputy")
    url = reverse("journal_control:settings")
    assert client.get(f"{url}?edit={foreign.pk}").status_code == 404
    response = client.post(
        url,
        {
            "form": "work_type",
            "work_type": foreign.pk,
            "w-code": "КР",
            "w-name": "y",
            "w-weight": "5",
            "w-category": "written",
            "w-position": "0",
        },
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "x"


def test_scale_rules_are_added_and_deleted(client, world):
    login(client, world, "admin")
    url = reverse("journal_control:settings")
    grade = world.class_5a.grade_level
    response = client.post(url, {"form": "rule", "r-grade_level": grade.pk, "r-scale": "ten"})
    assert response.status_code == 302
    rule = ScaleRule.objects.get(school=world.school)
    assert (rule.grade_level, rule.subject, rule.scale) == (grade, None, "ten")
    duplicate = client.post(url, {"form": "rule", "r-grade_level": grade.pk, "r-scale": "five"})
    assert duplicate.status_code == 200
    assert ScaleRule.objects.count() == 1
    empty = client.post(url, {"form": "rule", "r-scale": "five"})
    assert "Choose a grade level, a subject, or both." in empty.content.decode()
    assert client.post(url, {"form": "delete_rule", "rule": rule.pk}).status_code == 302
    assert not ScaleRule.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETED).count() == 1


@pytest.mark.parametrize("persona", ["director", "teacher", "class_teacher", "secretary"])
def test_settings_are_for_admin_and_deputy(client, world, persona):
    login(client, world, persona)
    url = reverse("journal_control:settings")
    assert client.get(url).status_code == 403
    assert client.post(url, policy_post()).status_code == 403
    assert not JournalPolicy.objects.exists()
