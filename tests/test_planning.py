"""Thematic plans (КТП): the hours check, items and numbering, copying, choosing a course's
plan, and who may do it (issue 3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.journal.services import record_topic
from zhurnal.planning import services
from zhurnal.planning.access import may_create_plan_for
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.planning.queries import HoursSource, course_hours_check, plan_row
from zhurnal.school import models as m
from zhurnal.timetable.models import LessonKind

from .factories import GradeLevelFactory, SubjectFactory, YearFactory
from .personas import build_world

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


def _login(client, world, persona):
    client.force_login(world.users[persona])
    return client


def _positions(plan):
    return list(
        PlanItem.objects.filter(plan=plan).order_by("position").values_list("position", "topic")
    )


def _russian_plan(world, grade=6):
    return ThematicPlan.objects.create(
        school=world.school,
        year=world.year,
        subject=world.class_course.subject,
        grade_level=GradeLevelFactory(school=world.school, number=grade),
        title="Русский язык",
    )


# --- hours check ----------------------------------------------------------------------------


def test_plan_hours_are_checked_against_the_course_hours_without_a_curriculum_line(world):
    check = plan_row(world.plan.pk, world.school).check
    # 30 items, every 3rd of 2 hours: 40 hours; the course has 1 h a week × 34 weeks.
    assert (check.planned, check.expected, check.difference) == (40, 34, 6)
    assert check.source == HoursSource.COURSE and check.ok is False


def test_the_curriculum_line_of_the_grade_level_wins_over_the_course(world):
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        hours_per_week=Decimal("1.2"),
    )
    check = plan_row(world.plan.pk, world.school).check
    assert check.source == HoursSource.CURRICULUM
    assert check.expected == 41  # 1.2 × 34 = 40.8 → 41
    assert check.difference == -1


def test_a_class_curriculum_line_is_used_for_the_course_and_a_match_is_ok(world):
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        hours_per_week=Decimal("5"),
    )
    # 6Б studies mathematics on a shortened timetable: 40 hours / 34 weeks ≈ 1.18 h.
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        school_class=world.class_6b,
        hours_per_week=Decimal("1.2"),
    )
    PlanItem.objects.filter(plan=world.plan, position=30).update(hours=3)
    check = course_hours_check(world.course, world.plan)
    assert (check.source, check.expected, check.planned, check.ok) == (
        HoursSource.CLASS_CURRICULUM,
        41,
        41,
        True,
    )
    # The base plan itself is checked against the grade level's line: 5 × 34.
    assert plan_row(world.plan.pk, world.school).check.expected == 170


def test_grade_one_has_33_school_weeks(world):
    g1 = GradeLevelFactory(school=world.school, number=1)
    plan = ThematicPlan.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=g1,
        title="1 класс",
    )
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=g1,
        hours_per_week=4,
    )
    assert plan_row(plan.pk, world.school).check.expected == 132


def test_the_plan_page_shows_a_mismatch_and_does_not_refuse(client, world):
    _login(client, world, "teacher")
    page = client.get(reverse("planning:detail", kwargs={"plan_id": world.plan.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "40 h planned, the year has 34 h" in text
    assert "(+6)" in text
    response = client.post(
        reverse("planning:items", kwargs={"plan_id": world.plan.pk}),
        {"action": "add", "topic": "Повторение", "hours": 3, "kind": "lesson"},
    )
    assert response.status_code == 302
    assert plan_row(world.plan.pk, world.school).check.planned == 43


# --- items and numbering --------------------------------------------------------------------


def test_adding_at_a_number_moves_the_rest_down_and_keeps_numbering(client, world):
    _login(client, world, "teacher")
    url = reverse("planning:items", kwargs={"plan_id": world.plan.pk})
    response = client.post(
        url,
        {
            "action": "add",
            "position": 2,
            "section": "Дроби",
            "topic": "Вставка",
            "hours": 1,
            "kind": "lab",
        },
    )
    assert response.status_code == 302
    rows = _positions(world.plan)
    assert [p for p, _t in rows] == list(range(1, 32))
    assert [t for _p, t in rows[:3]] == ["Тема 1", "Вставка", "Тема 2"]
    assert PlanItem.objects.get(plan=world.plan, topic="Вставка").kind == LessonKind.LAB


def test_deleting_and_moving_renumber_the_items(client, world):
    _login(client, world, "teacher")
    url = reverse("planning:items", kwargs={"plan_id": world.plan.pk})
    second = PlanItem.objects.get(plan=world.plan, position=2)
    assert client.post(url, {"action": "delete", "item": second.pk}).status_code == 302
    rows = _positions(world.plan)
    assert [p for p, _t in rows] == list(range(1, 30))
    assert rows[1][1] == "Тема 3"
    first = PlanItem.objects.get(plan=world.plan, position=1)
    client.post(url, {"action": "down", "item": first.pk})
    assert [t for _p, t in _positions(world.plan)[:2]] == ["Тема 3", "Тема 1"]
    client.post(url, {"action": "up", "item": first.pk})
    last = PlanItem.objects.get(plan=world.plan, position=29)
    # Editing an item's number moves it.
    response = client.post(
        url,
        {
            "action": "save",
            "item": last.pk,
            "position": 1,
            "section": "Итог",
            "topic": "Итоговая работа",
            "hours": 2,
            "kind": "test",
        },
    )
    assert response.status_code == 302
    rows = _positions(world.plan)
    assert rows[0] == (1, "Итоговая работа")
    assert [p for p, _t in rows] == list(range(1, 30))


def test_an_item_with_linked_lessons_is_not_deleted(client, world):
    item = PlanItem.objects.get(plan=world.plan, position=1)
    record_topic(lesson=world.lesson, topic="", plan_item=item, actor=Actor(world.users["teacher"]))
    _login(client, world, "teacher")
    url = reverse("planning:items", kwargs={"plan_id": world.plan.pk})
    response = client.post(url, {"action": "delete", "item": item.pk}, follow=True)
    assert "1 lesson(s) are linked to item 1" in response.content.decode()
    assert PlanItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "add", "topic": "", "hours": 1, "kind": "lesson"}, "topic"),
        ({"action": "add", "topic": "Т", "hours": 0, "kind": "lesson"}, "hours"),
        ({"action": "add", "topic": "Т", "hours": "два", "kind": "lesson"}, "hours"),
        ({"action": "add", "topic": "Т", "hours": 1, "kind": "lecture"}, "kind"),
        (
            {
                "action": "add",
                "topic": "Т",
                "hours": 1,
                "kind": "lesson",
                "planned_date": "31.02.2027",
            },
            "planned_date",
        ),
    ],
)
def test_bad_item_input_is_a_form_error_and_nothing_is_saved(client, world, data, message):
    _login(client, world, "teacher")
    response = client.post(reverse("planning:items", kwargs={"plan_id": world.plan.pk}), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors
    assert PlanItem.objects.filter(plan=world.plan).count() == 30


def test_an_item_of_another_plan_is_not_found(client, world):
    other = _russian_plan(world)
    foreign = PlanItem.objects.create(school=world.school, plan=other, position=1, topic="Х")
    _login(client, world, "teacher")
    url = reverse("planning:items", kwargs={"plan_id": world.plan.pk})
    assert client.get(url, {"item": foreign.pk}).status_code == 404
    assert client.post(url, {"action": "delete", "item": foreign.pk}).status_code == 404
    assert PlanItem.objects.filter(pk=foreign.pk).exists()


def test_item_changes_are_audited(client, world):
    _login(client, world, "teacher")
    client.post(
        reverse("planning:items", kwargs={"plan_id": world.plan.pk}),
        {"action": "add", "topic": "Новая тема", "hours": 1, "kind": "lesson"},
    )
    event = AuditEvent.objects.filter(object_type="planning.thematicplan").latest("id")
    assert event.after["added"]["topic"] == "Новая тема"
    assert event.actor == world.users["teacher"]


# --- creating plans and who may -------------------------------------------------------------


def test_a_teacher_creates_plans_only_for_a_subject_and_grade_level_they_teach(client, world):
    _login(client, world, "teacher")
    url = reverse("planning:create")
    g6 = world.class_6b.grade_level
    russian = world.class_course.subject
    response = client.post(
        url, {"year": world.year.pk, "grade_level": g6.pk, "subject": russian.pk, "title": "А"}
    )
    assert response.status_code == 200
    assert "only for the subjects and grade levels you teach" in response.content.decode()
    assert not ThematicPlan.objects.filter(subject=russian).exists()
    response = client.post(
        url,
        {
            "year": world.year.pk,
            "grade_level": g6.pk,
            "subject": world.course.subject.pk,
            "title": "Углублённый",
        },
    )
    assert response.status_code == 302
    plan = ThematicPlan.objects.get(title="Углублённый")
    assert response["Location"] == reverse("planning:items", kwargs={"plan_id": plan.pk})
    # The rule the page asks (services trust their callers): a subject they do not teach, no.
    teacher = world.users["teacher"]
    assert not may_create_plan_for(teacher, world.school, russian.pk, g6.pk)
    assert may_create_plan_for(teacher, world.school, world.course.subject.pk, g6.pk)


def test_the_deputy_creates_any_plan_and_a_duplicate_title_is_a_clear_error(client, world):
    _login(client, world, "deputy")
    data = {
        "year": world.year.pk,
        "grade_level": world.class_6b.grade_level.pk,
        "subject": world.course.subject.pk,
        "title": "Базовый уровень",
    }
    response = client.post(reverse("planning:create"), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    data["subject"] = world.class_course.subject.pk
    assert client.post(reverse("planning:create"), data).status_code == 302


def test_a_forged_subject_from_another_school_is_an_invalid_choice(client, world):
    foreign = SubjectFactory(school=world.other_school, name="Физика")
    _login(client, world, "deputy")
    response = client.post(
        reverse("planning:create"),
        {
            "year": world.year.pk,
            "grade_level": world.class_6b.grade_level.pk,
            "subject": foreign.pk,
            "title": "Х",
        },
    )
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors


def test_a_teacher_cannot_edit_another_subjects_plan(client, world):
    plan = _russian_plan(world)
    _login(client, world, "teacher")
    for name in ("planning:items", "planning:edit"):
        url = reverse(name, kwargs={"plan_id": plan.pk})
        assert client.get(url).status_code == 403
        assert (
            client.post(
                url, {"action": "add", "topic": "Х", "hours": 1, "kind": "lesson"}
            ).status_code
            == 403
        )
    assert not plan.items.exists()
    # …but reads it, as every member of staff.
    assert client.get(reverse("planning:detail", kwargs={"plan_id": plan.pk})).status_code == 200


@pytest.mark.parametrize("persona", ["parent", "student"])
def test_families_never_reach_plans(client, world, persona):
    _login(client, world, persona)
    for name, kwargs in [
        ("planning:list", {}),
        ("planning:detail", {"plan_id": world.plan.pk}),
        ("planning:course_plan", {"course_id": world.course.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403


def test_a_plan_of_another_school_is_not_found(client, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    foreign = ThematicPlan.objects.create(
        school=world.other_school,
        year=other_year,
        subject=SubjectFactory(school=world.other_school),
        grade_level=GradeLevelFactory(school=world.other_school, number=6),
        title="Чужой",
    )
    _login(client, world, "admin")
    for name in ("planning:detail", "planning:items", "planning:copy", "planning:edit"):
        assert client.get(reverse(name, kwargs={"plan_id": foreign.pk})).status_code == 404


def test_the_list_filters_by_grade_level_and_subject(client, world):
    _russian_plan(world, grade=5)
    _login(client, world, "hr")
    url = reverse("planning:list")
    assert len(client.get(url).context["rows"]) == 2
    rows = client.get(url, {"subject": world.course.subject.pk}).context["rows"]
    assert [r.plan for r in rows] == [world.plan]
    rows = client.get(url, {"grade_level": world.class_5a.grade_level.pk}).context["rows"]
    assert [r.plan.title for r in rows] == ["Русский язык"]


def test_rename_and_delete(client, world):
    _login(client, world, "deputy")
    url = reverse("planning:edit", kwargs={"plan_id": world.plan.pk})
    response = client.post(url, {"action": "delete"}, follow=True)
    assert "1 course(s) follow this plan" in response.content.decode()
    assert client.post(url, {"action": "rename", "title": "Новое"}).status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.title == "Новое"
    spare = _russian_plan(world)
    url = reverse("planning:edit", kwargs={"plan_id": spare.pk})
    assert client.post(url, {"action": "delete"}).status_code == 302
    assert not ThematicPlan.objects.filter(pk=spare.pk).exists()


# --- copying and choosing -------------------------------------------------------------------


def test_copying_last_years_plan_into_this_year_drops_the_dates(client, world):
    last_year = YearFactory(
        school=world.school, title="2025/2026", start=date(2025, 9, 1), end=date(2026, 5, 31)
    )
    old = ThematicPlan.objects.create(
        school=world.school,
        year=last_year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        title="Прошлогодний",
    )
    PlanItem.objects.create(
        school=world.school,
        plan=old,
        position=1,
        section="Числа",
        topic="Натуральные числа",
        hours=3,
        kind="lesson",
        planned_date=date(2025, 9, 2),
    )
    PlanItem.objects.create(
        school=world.school, plan=old, position=2, topic="Контрольная работа", kind="test"
    )
    _login(client, world, "teacher")
    response = client.post(
        reverse("planning:copy", kwargs={"plan_id": old.pk}),
        {"target": "base", "year": world.year.pk, "title": "Прошлогодний"},
    )
    assert response.status_code == 302
    copy = ThematicPlan.objects.get(year=world.year, title="Прошлогодний")
    items = list(copy.items.order_by("position"))
    assert [(i.position, i.topic, i.hours, i.kind, i.planned_date) for i in items] == [
        (1, "Натуральные числа", 3, "lesson", None),
        (2, "Контрольная работа", 1, "test", None),
    ]
    assert copy.owner_course is None
    assert PlanItem.objects.filter(plan=old).count() == 2  # the source is untouched


def test_an_own_copy_for_a_course_is_followed_by_it(client, world):
    PlanItem.objects.filter(plan=world.plan, position=1).update(planned_date=date(2026, 11, 6))
    _login(client, world, "teacher")
    response = client.post(
        reverse("planning:copy", kwargs={"plan_id": world.plan.pk}),
        {"target": "course", "course": world.course.pk, "title": "Моя копия"},
    )
    assert response.status_code == 302
    copy = ThematicPlan.objects.get(title="Моя копия")
    assert copy.owner_course == world.course
    assert CoursePlan.objects.get(course=world.course).plan == copy
    assert copy.items.count() == 30
    assert copy.items.get(position=1).planned_date == date(2026, 11, 6)  # same year: kept
    # The base plan is untouched and still listed for the parallel.
    assert world.plan.items.count() == 30


def test_the_class_teacher_cannot_make_an_own_copy_for_someone_elses_course(client, world):
    _login(client, world, "class_teacher")
    response = client.post(
        reverse("planning:copy", kwargs={"plan_id": world.plan.pk}),
        {"target": "course", "course": world.course.pk, "title": "Чужая"},
    )
    assert response.status_code == 200
    assert "course" in response.context["form"].errors
    assert not ThematicPlan.objects.filter(title="Чужая").exists()


def test_copy_form_needs_a_target(client, world):
    _login(client, world, "deputy")
    response = client.post(
        reverse("planning:copy", kwargs={"plan_id": world.plan.pk}),
        {"target": "course", "title": "Х"},
    )
    assert response.context["form"].errors["course"] == ["Choose the course."]


def test_choosing_the_plan_of_a_course(client, world):
    second = ThematicPlan.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        title="Углублённый",
    )
    russian = _russian_plan(world)
    _login(client, world, "teacher")
    url = reverse("planning:course_plan", kwargs={"course_id": world.course.pk})
    page = client.get(url)
    offered = set(page.context["form"].fields["plan"].queryset)
    assert offered == {world.plan, second}
    assert client.post(url, {"plan": second.pk}).status_code == 302
    assert CoursePlan.objects.get(course=world.course).plan == second
    # A plan of another subject is not a valid choice.
    response = client.post(url, {"plan": russian.pk})
    assert response.status_code == 200 and "plan" in response.context["form"].errors
    with pytest.raises(ValidationError):
        services.choose_plan(course=world.course, plan=russian, actor=Actor(world.users["teacher"]))
    # No plan at all is allowed.
    assert client.post(url, {"plan": ""}).status_code == 302
    assert not CoursePlan.objects.filter(course=world.course).exists()


def test_another_teacher_cannot_choose_the_plan_of_the_course(client, world):
    _login(client, world, "class_teacher")
    url = reverse("planning:course_plan", kwargs={"course_id": world.course.pk})
    assert client.post(url, {"plan": ""}).status_code == 403
    assert CoursePlan.objects.filter(course=world.course).exists()


# --- bounded queries ------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    client.get(url)  # the session is saved on the first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_plan_list_costs_the_same_queries_for_many_plans(client, world):
    _login(client, world, "deputy")
    url = reverse("planning:list")
    few = _count_queries(client, url)
    for grade in range(7, 11):
        level = GradeLevelFactory(school=world.school, number=grade)
        for n in range(3):
            plan = ThematicPlan.objects.create(
                school=world.school,
                year=world.year,
                subject=world.course.subject,
                grade_level=level,
                title=f"План {n}",
            )
            PlanItem.objects.bulk_create(
                PlanItem(school=world.school, plan=plan, position=i, topic=f"Т{i}")
                for i in range(1, 20)
            )
            school_class = m.SchoolClass.objects.create(
                school=world.school, year=world.year, grade_level=level, letter=f"{n}"
            )
            course = m.Course.objects.create(
                school=world.school,
                year=world.year,
                subject=world.course.subject,
                school_class=school_class,
            )
            CoursePlan.objects.create(school=world.school, course=course, plan=plan)
    many = _count_queries(client, url)
    assert many == few
    assert many <= 20


def test_the_plan_pages_have_bounded_queries(client, world, django_assert_max_num_queries):
    _login(client, world, "teacher")
    for name in ("planning:detail", "planning:items"):
        url = reverse(name, kwargs={"plan_id": world.plan.pk})
        client.get(url)
        with django_assert_max_num_queries(16):
            client.get(url)
    url = reverse("planning:course_plan", kwargs={"course_id": world.course.pk})
    client.get(url)
    with django_assert_max_num_queries(18):
        client.get(url)
