"""Pages that keep the school's structure and people (behaviour, not access: see the matrix)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.school import models as m

from .factories import SchoolClassFactory, StudentFactory
from .personas import build_world


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


def _login(client, world, persona):
    client.force_login(world.users[persona])
    return client


def test_creating_a_class_twice_is_a_form_error_not_a_crash(client, world):
    _login(client, world, "deputy")
    data = {"year": world.year.pk, "grade_level": world.class_5a.grade_level.pk, "letter": "В"}
    assert client.post(reverse("school:classes_create"), data).status_code == 302
    response = client.post(reverse("school:classes_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert m.SchoolClass.objects.filter(school=world.school, letter="В").count() == 1


@pytest.mark.parametrize(
    ("persona", "linked"),
    [
        ("deputy", {"5А", "6Б"}),
        ("class_teacher", {"5А"}),  # leads 5А only
        ("teacher", {"6Б"}),  # teaches a course of 6Б only
        ("hr", set()),  # sees the structure, not the class lists
    ],
)
def test_class_list_links_only_the_classes_the_user_may_open(client, world, persona, linked):
    _login(client, world, persona)
    rows = client.get(reverse("school:classes_list")).context["rows"]
    assert {values[0] for _obj, values, link in rows if link} == linked
    for obj, _values, link in rows:
        if link:
            assert client.get(link).status_code == 200, obj


def test_a_forged_choice_from_another_school_is_refused(client, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    other_class = SchoolClassFactory(school=world.other_school, year=other_year)
    _login(client, world, "deputy")
    data = {"year": other_class.year.pk, "grade_level": other_class.grade_level.pk, "letter": "Г"}
    response = client.post(reverse("school:classes_create"), data)
    assert response.status_code == 200
    assert "year" in response.context["form"].errors
    # (The other school's class may itself be «Г»: the factory's letters go round.)
    assert not m.SchoolClass.objects.filter(school=world.school, letter="Г").exists()


def test_changes_to_reference_data_are_audited(client, world):
    _login(client, world, "admin")
    url = reverse("school:subjects_edit", kwargs={"pk": world.course.subject.pk})
    client.post(url, {"name": "Алгебра", "short_name": "алг"})
    event = AuditEvent.objects.get(action=AuditAction.UPDATED, object_type="school.subject")
    assert event.before["name"] == "Математика"
    assert event.after["name"] == "Алгебра"
    assert event.actor == world.users["admin"]


def test_the_schools_settings_are_saved_and_audited_as_the_schools_event(client, world):
    _login(client, world, "admin")
    data = {
        "name": world.school.name,
        "short_name": "СОШ № 1 им. Пушкина",
        "timezone": "Asia/Yekaterinburg",
        "week_days": 6,
        "student_min_age": 14,
        "address": "",
        "phone": "",
        "email": "",
    }
    assert client.post(reverse("school:settings"), data).status_code == 302
    world.school.refresh_from_db()
    assert (world.school.short_name, world.school.timezone) == (
        "СОШ № 1 им. Пушкина",
        "Asia/Yekaterinburg",
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATED, object_type="school.school")
    assert event.school == world.school  # in the school's own audit trail
    assert event.before["timezone"] == "Europe/Moscow"
    assert event.after["timezone"] == "Asia/Yekaterinburg"


def test_a_referenced_record_cannot_be_deleted(client, world):
    _login(client, world, "admin")
    url = reverse("school:subjects_delete", kwargs={"pk": world.course.subject.pk})
    response = client.post(url, follow=True)
    assert m.Subject.objects.filter(pk=world.course.subject.pk).exists()
    assert "cannot be deleted" in response.content.decode() or response.context["messages"]


def test_viewing_and_exporting_a_personal_card_is_logged(client, world):
    _login(client, world, "class_teacher")
    card = client.get(reverse("school:student_card", kwargs={"student_id": world.student.pk}))
    assert world.student.full_name in card.content.decode()
    export = client.get(reverse("school:student_export", kwargs={"student_id": world.student.pk}))
    assert export["Content-Type"] == "application/json"
    assert export.json()["student"]["personal_file_number"] == world.student.personal_file_number
    actions = list(
        AuditEvent.objects.filter(student=world.student).values_list("action", "actor__username")
    )
    assert (AuditAction.PERSONAL_CARD_VIEWED, "class_teacher") in actions
    assert (AuditAction.PERSONAL_DATA_EXPORTED, "class_teacher") in actions


def test_secretary_admits_a_student_by_order(client, world):
    _login(client, world, "secretary")
    response = client.post(
        reverse("school:student_admit"),
        {
            "last_name": "Кузнецов",
            "first_name": "Иван",
            "middle_name": "Ильич",
            "personal_file_number": "К-101",
            "birth_date": "2015-02-03",
            "gender": "m",
            "order-school_class": world.class_5a.pk,
            "order-day": "2026-11-20",
            "order-order_number": "55-у",
            "order-order_date": "2026-11-19",
        },
    )
    assert response.status_code == 302
    student = m.Student.objects.get(personal_file_number="К-101")
    assert student.enrollments.get().school_class == world.class_5a
    assert student.movements.get().order_number == "55-у"


def test_a_bad_admission_keeps_nothing(client, world):
    _login(client, world, "secretary")
    response = client.post(
        reverse("school:student_admit"),
        {
            "last_name": "Кузнецов",
            "first_name": "Иван",
            "personal_file_number": "К-102",
            "birth_date": "2999-01-01",
            "gender": "m",
            "order-school_class": world.class_5a.pk,
            "order-day": "2026-11-20",
            "order-order_number": "",
            "order-order_date": "",
        },
    )
    assert response.status_code == 200
    assert not m.Student.objects.filter(personal_file_number="К-102").exists()


def test_class_teacher_edits_a_guardian_of_their_class(client, world):
    _login(client, world, "class_teacher")
    url = reverse(
        "school:guardian_edit",
        kwargs={"student_id": world.student.pk, "guardian_id": world.guardian.pk},
    )
    response = client.post(
        url,
        {
            "last_name": world.guardian.last_name,
            "first_name": "Ольга",
            "phone": "+7 900 000-00-00",
            "relation": "guardian",
        },
    )
    assert response.status_code == 302
    world.guardian.refresh_from_db()
    assert world.guardian.phone == "+7 900 000-00-00"


def test_transfer_page_moves_the_student(client, world):
    _login(client, world, "secretary")
    target = SchoolClassFactory(
        school=world.school, year=world.year, grade_level=world.class_5a.grade_level, letter="Д"
    )
    url = reverse("school:student_transfer", kwargs={"student_id": world.student.pk})
    response = client.post(
        url,
        {
            "school_class": target.pk,
            "day": "2026-11-20",
            "order_number": "60-у",
            "order_date": "2026-11-19",
        },
    )
    assert response.status_code == 302
    assert world.student.enrollments.get(end__isnull=True).school_class == target


def test_group_members_are_dated(client, world):
    _login(client, world, "deputy")
    url = reverse("school:group_members", kwargs={"group_id": world.group.pk})
    client.post(url, {"students": [world.student.pk], "day": "2026-11-20"})
    membership = m.GroupMembership.objects.get(group=world.group)
    assert (membership.student, membership.end) == (world.student, None)
    client.post(url, {"day": "2026-12-01"})
    membership.refresh_from_db()
    assert str(membership.end) == "2026-12-01"


def test_register_lists_current_students_and_finds_by_file_number(client, world):
    departed = StudentFactory(school=world.school, last_name="Ушедшая")
    _login(client, world, "secretary")
    page = client.get(reverse("school:students")).content.decode()
    assert world.student.last_name in page
    assert "Ушедшая" not in page
    found = client.get(
        reverse("school:students"), {"q": departed.personal_file_number, "departed": "1"}
    )
    assert "Ушедшая" in found.content.decode()


def test_home_page_shows_each_role_its_work(client, world):
    pages = {}
    for persona in ("admin", "class_teacher", "secretary", "hr", "parent", "student"):
        _login(client, world, persona)
        pages[persona] = client.get("/").content.decode()
    assert "5А" in pages["admin"]
    assert "5А" in pages["class_teacher"]  # their class
    assert world.student.full_name in pages["parent"]
    assert world.older_student.full_name in pages["student"]
    assert reverse("school:students") in pages["secretary"]
    assert reverse("school:staff") in pages["hr"]


def test_home_page_queries_do_not_grow_with_the_school(
    client, world, django_assert_max_num_queries
):
    _login(client, world, "admin")
    with django_assert_max_num_queries(20):
        client.get("/")
    for letter in "ВГДЕЖ":
        cls = SchoolClassFactory(
            school=world.school,
            year=world.year,
            grade_level=world.class_5a.grade_level,
            letter=letter,
        )
        for _ in range(3):
            from .factories import enroll

            enroll(StudentFactory(school=world.school), cls)
    with django_assert_max_num_queries(20):
        client.get("/")


def test_course_form_options_cost_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    _login(client, world, "deputy")
    url = reverse("school:courses_create")
    for letter in "ВГДЕЖЗ":
        cls = SchoolClassFactory(
            school=world.school,
            year=world.year,
            grade_level=world.class_5a.grade_level,
            letter=letter,
        )
        m.Group.objects.create(
            school=world.school, year=world.year, name=f"Англ. {letter}", school_class=cls
        )
    with django_assert_max_num_queries(19):
        response = client.get(url)
    assert "5Г" in response.content.decode()


def test_the_audit_trail_shows_who_viewed_whose_card(client, world):
    _login(client, world, "class_teacher")
    client.get(reverse("school:student_card", kwargs={"student_id": world.student.pk}))
    _login(client, world, "director")
    page = client.get(reverse("audit:trail"), {"action": AuditAction.PERSONAL_CARD_VIEWED})
    text = page.content.decode()
    assert "class_teacher" in text
    assert world.student.short_name in text
