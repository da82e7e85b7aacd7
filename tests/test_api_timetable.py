"""The timetable through the API: lessons of a class, group, teacher and room; a course's
lessons and plan; topic, substitution and cancellation through the same rules as the pages.
Who may call what is in the central matrix of tests/test_api.py; here, what the answers say."""

from __future__ import annotations

import json
from datetime import date

import pytest

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services as journal_services
from zhurnal.planning.models import PlanItem
from zhurnal.school import models as m
from zhurnal.timetable import services
from zhurnal.timetable.models import Lesson, LessonStatus

from .api_support import PREFIX, auth
from .factories import SchoolClassFactory, StaffFactory, SubjectFactory

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")


def get(api, world, persona: str, path: str, **params):
    url = f"{PREFIX}/schools/{world.school.pk}{path}"
    return api.get(url, params, **auth(world.users[persona]))


def send(api, world, persona: str, method: str, path: str, body: dict):
    return api.generic(
        method,
        f"{PREFIX}/schools/{world.school.pk}{path}",
        json.dumps(body),
        content_type="application/json",
        **auth(world.users[persona]),
    )


# --- reading ---------------------------------------------------------------------------------


def test_class_timetable_defaults_to_the_current_week(api, world):
    response = get(api, world, "deputy", f"/timetable/classes/{world.class_6b.pk}")
    assert response.status_code == 200
    body = response.json()
    # Friday 20.11.2026: the week of Monday 16.11.
    assert (body["start"], body["end"]) == ("2026-11-16", "2026-11-22")
    assert body["timezone"] == world.school.timezone
    lessons = body["lessons"]
    assert [(lesson["date"], lesson["number"]) for lesson in lessons] == [
        ("2026-11-16", 2),
        ("2026-11-18", 3),
        ("2026-11-20", 1),
    ]
    wednesday = lessons[1]
    assert wednesday["id"] == world.lesson.pk
    assert wednesday["starts_at"] == "10:30:00+03:00"  # RFC 3339: the school's offset (Moscow)
    assert wednesday["ends_at"] == "11:15:00+03:00"
    assert wednesday["room"] == "21"
    assert wednesday["course"]["subject"]["name"] == "Математика"
    assert wednesday["course"]["audience"] == "6Б"
    assert wednesday["teacher"] == {
        "id": world.teacher_staff.pk,
        "short_name": world.teacher_staff.short_name,
    }
    assert wednesday["substitute_for"] is None
    assert wednesday["status"] == "planned"


def test_class_timetable_includes_its_subgroups_courses(api, world):
    english = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="Английский язык"),
        group=world.group,
    )
    english.teachers.add(world.teacher_staff)
    services.add_extra_lesson(
        course=english, day=date(2026, 11, 19), number=5, room="12", actor=Actor.system()
    )
    body = get(api, world, "teacher", f"/timetable/classes/{world.class_5a.pk}").json()
    subjects = [lesson["course"]["subject"]["name"] for lesson in body["lessons"]]
    assert subjects == ["Русский язык", "Русский язык", "Английский язык"]
    group_body = get(api, world, "teacher", f"/timetable/groups/{world.group.pk}").json()
    assert [lesson["room"] for lesson in group_body["lessons"]] == ["12"]


def test_teacher_timetable_has_the_lessons_they_substitute_not_those_taken_from_them(api, world):
    services.substitute(
        lesson=world.lesson,
        teacher=world.class_teacher_staff,
        reason="болезнь",
        actor=Actor.system(),
    )
    mine = get(api, world, "teacher", f"/timetable/teachers/{world.teacher_staff.pk}").json()
    assert world.lesson.pk not in [lesson["id"] for lesson in mine["lessons"]]
    theirs = get(
        api, world, "teacher", f"/timetable/teachers/{world.class_teacher_staff.pk}"
    ).json()
    (substituted,) = [lesson for lesson in theirs["lessons"] if lesson["id"] == world.lesson.pk]
    assert substituted["substitute_for"]["id"] == world.teacher_staff.pk
    assert substituted["substitution_reason"] == "болезнь"


def test_room_timetable_and_an_explicit_range(api, world):
    body = get(
        api, world, "secretary", "/timetable/rooms/21", start="2026-11-23", end="2026-11-24"
    ).json()
    # Monday: Русский 5А (1), Математика 6Б (2); Tuesday: Русский 5А (2).
    assert [(lesson["date"], lesson["number"]) for lesson in body["lessons"]] == [
        ("2026-11-23", 1),
        ("2026-11-23", 2),
        ("2026-11-24", 2),
    ]
    assert get(api, world, "secretary", "/timetable/rooms/404").json()["lessons"] == []


def test_cancelled_lessons_are_listed_with_their_status(api, world):
    services.cancel_lesson(lesson=world.lesson, reason="экскурсия", actor=Actor.system())
    body = get(api, world, "deputy", f"/timetable/classes/{world.class_6b.pk}").json()
    (cancelled,) = [lesson for lesson in body["lessons"] if lesson["id"] == world.lesson.pk]
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "экскурсия"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-11-20", "end": "2026-11-19"}, "The end date is before the start date."),
        ({"start": "2026-09-01", "end": "2026-12-31"}, "Ask for at most 92 days at a time."),
    ],
)
def test_a_bad_range_is_a_validation_error(api, world, params, message):
    response = get(api, world, "deputy", f"/timetable/classes/{world.class_6b.pk}", **params)
    assert response.status_code == 422
    assert response.json() == {"code": "validation_error", "message": message}


def test_a_malformed_date_is_a_validation_error(api, world):
    response = get(api, world, "deputy", "/timetable/rooms/21", start="20.11.2026")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_course_lessons_default_to_the_year(api, world):
    body = get(api, world, "teacher", f"/courses/{world.course.pk}/lessons").json()
    assert (body["start"], body["end"]) == ("2026-09-01", "2027-05-31")
    expected = Lesson.objects.filter(course=world.course).count()
    assert len(body["lessons"]) == expected > 20
    assert {lesson["course"]["id"] for lesson in body["lessons"]} == {world.course.pk}


def test_course_plan_shows_covered_items(api, world):
    items = list(PlanItem.objects.filter(plan=world.plan).order_by("position"))
    journal_services.record_topic(
        lesson=world.lesson, topic="", plan_item=items[0], actor=Actor.system()
    )
    future = Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()
    journal_services.record_topic(lesson=future, topic="", plan_item=items[1], actor=Actor.system())
    body = get(api, world, "deputy", f"/courses/{world.course.pk}/plan").json()
    assert body["plan"]["id"] == world.plan.pk
    assert body["plan"]["owner_course_id"] is None
    assert len(body["items"]) == 30
    assert body["planned_hours"] == sum(i.hours for i in items)
    first, second = body["items"][:2]
    assert first["topic"] == "Тема 1"
    assert first["lessons"] == [{"id": world.lesson.pk, "date": "2026-11-18"}]
    assert first["covered"] is True
    # Entered ahead: linked, not yet covered.
    assert second["lessons"] == [{"id": future.pk, "date": future.date.isoformat()}]
    assert second["covered"] is False
    assert body["covered_items"] == 1


def test_course_fulfilment_counts_held_cancelled_and_lists_items_not_covered(api, world):
    items = list(PlanItem.objects.filter(plan=world.plan).order_by("position"))
    past = list(
        Lesson.objects.filter(course=world.course, date__lte=date(2026, 11, 20)).order_by(
            "date", "number"
        )
    )
    journal_services.record_topic(
        lesson=past[0], topic="", plan_item=items[0], actor=Actor.system()
    )
    services.cancel_lesson(lesson=past[-1], reason="Карантин", actor=Actor.system())
    body = get(api, world, "teacher", f"/courses/{world.course.pk}/fulfilment").json()
    assert body["day"] == "2026-11-20"
    assert body["plan_id"] == world.plan.pk
    assert body["plan_hours"] == sum(i.hours for i in items)
    assert body["scheduled"] == len(past)
    assert body["cancelled"] == 1
    assert body["held"] == len(past) - 1
    assert body["lag"] == body["planned"] - body["held"] == 1
    assert body["covered"] == items[0].hours
    # Due by now and not covered: the items after the first, up to the planned hours.
    uncovered = [row["id"] for row in body["not_covered"]]
    assert items[0].pk not in uncovered
    assert uncovered[0] == items[1].pk
    # An explicit day: before the course's first lesson nothing is planned yet.
    early = get(
        api, world, "teacher", f"/courses/{world.course.pk}/fulfilment", day="2026-09-01"
    ).json()
    assert early["planned"] == early["held"] == early["lag"] == 0


def test_school_fulfilment_lists_the_courses_most_behind_first(api, world):
    lesson = Lesson.objects.filter(course=world.class_course, date__lte=date(2026, 11, 20)).first()
    services.cancel_lesson(lesson=lesson, reason="Болезнь учителя", actor=Actor.system())
    rows = get(api, world, "deputy", "/fulfilment").json()
    assert rows[0]["course"]["id"] == world.class_course.pk
    assert rows[0]["fulfilment"]["cancelled"] == 1
    assert {row["course"]["id"] for row in rows} == {world.course.pk, world.class_course.pk}
    only_6b = get(api, world, "deputy", "/fulfilment", class_id=world.class_6b.pk).json()
    assert [row["course"]["id"] for row in only_6b] == [world.course.pk]
    # A class of another school is not found; a teacher is not administration.
    other = SchoolClassFactory(
        school=world.other_school, year=m.AcademicYear.objects.get(school=world.other_school)
    )
    assert get(api, world, "deputy", "/fulfilment", class_id=other.pk).status_code == 404
    assert get(api, world, "teacher", "/fulfilment").status_code == 403


def test_course_without_a_plan(api, world):
    body = get(api, world, "class_teacher", f"/courses/{world.class_course.pk}/plan").json()
    assert body == {
        "course_id": world.class_course.pk,
        "plan": None,
        "planned_hours": 0,
        "covered_items": 0,
        "items": [],
    }


def test_the_class_teacher_reads_the_lessons_of_their_class_but_not_other_courses(api, world):
    ok = get(api, world, "class_teacher", f"/courses/{world.class_course.pk}/lessons")
    assert ok.status_code == 200
    denied = get(api, world, "class_teacher", f"/courses/{world.course.pk}/lessons")
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"


# --- the number of queries does not grow with the data ----------------------------------------


def _count_queries(api, world, path, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = auth(world.users["deputy"])
    url = f"{PREFIX}/schools/{world.school.pk}{path}"
    api.get(url, params, **headers)  # warm the token's last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params, **headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        "/timetable/classes/{class_id}",
        "/timetable/rooms/21",
        "/courses/{course_id}/lessons",
        "/courses/{course_id}/plan",
        "/courses/{course_id}/fulfilment",
        "/fulfilment",
    ],
)
def test_reads_take_a_fixed_number_of_queries(api, world, path):
    path = path.format(class_id=world.class_6b.pk, course_id=world.course.pk)
    before = _count_queries(api, world, path, start="2026-11-01", end="2026-12-28")
    # More lessons, substitutions and topics.
    for lesson in Lesson.objects.filter(course=world.course)[:8]:
        services.substitute(
            lesson=lesson, teacher=world.class_teacher_staff, reason="", actor=Actor.system()
        )
    for lesson, item in zip(
        Lesson.objects.filter(course=world.course).order_by("date")[:10],
        PlanItem.objects.filter(plan=world.plan).order_by("position"),
        strict=False,
    ):
        journal_services.record_topic(lesson=lesson, topic="", plan_item=item, actor=Actor.system())
    other = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="История"),
        school_class=world.class_6b,
    )
    other.teachers.add(StaffFactory(school=world.school))
    for day in range(16, 28):
        services.add_extra_lesson(
            course=other, day=date(2026, 11, day), number=7, room="21", actor=Actor.system()
        )
    after = _count_queries(api, world, path, start="2026-11-01", end="2026-12-28")
    assert after == before <= 13


# --- writing ---------------------------------------------------------------------------------


def test_the_teacher_records_a_topic_with_a_plan_item(api, world):
    item = PlanItem.objects.get(plan=world.plan, position=1)
    response = send(
        api,
        world,
        "teacher",
        "PUT",
        f"/lessons/{world.lesson.pk}/topic",
        {"topic": "", "plan_item_id": item.pk},
    )
    assert response.status_code == 200
    assert response.json()["topic"] == "Тема 1"
    assert response.json()["plan_item_id"] == item.pk
    world.lesson.refresh_from_db()
    assert world.lesson.topic == "Тема 1"
    assert world.lesson.topic_entered_at is not None
    event = AuditEvent.objects.filter(action=AuditAction.TOPIC_SET).latest("pk")
    assert event.actor == world.users["teacher"]
    assert event.after["topic"] == "Тема 1"


def test_a_plan_item_of_another_school_is_not_found(api, world):
    from zhurnal.planning.models import ThematicPlan

    other_year = m.AcademicYear.objects.get(school=world.other_school)
    level = m.GradeLevel.objects.create(school=world.other_school, number=6)
    plan = ThematicPlan.objects.create(
        school=world.other_school,
        year=other_year,
        subject=SubjectFactory(school=world.other_school),
        grade_level=level,
        title="x",
    )
    foreign = PlanItem.objects.create(school=world.other_school, plan=plan, position=1, topic="x")
    response = send(
        api,
        world,
        "teacher",
        "PUT",
        f"/lessons/{world.lesson.pk}/topic",
        {"topic": "x", "plan_item_id": foreign.pk},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_plan_item_of_a_plan_the_course_does_not_follow_is_refused(api, world):
    """The same rule as the lesson's page: the item is of the plan the course follows."""
    from zhurnal.planning.models import ThematicPlan

    other = ThematicPlan.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.plan.grade_level,
        title="Другой план",
    )
    item = PlanItem.objects.create(school=world.school, plan=other, position=1, topic="Чужая")
    response = send(
        api,
        world,
        "teacher",
        "PUT",
        f"/lessons/{world.lesson.pk}/topic",
        {"topic": "", "plan_item_id": item.pk},
    )
    assert response.status_code == 409
    assert "not in the plan the course follows" in response.json()["message"]
    world.lesson.refresh_from_db()
    assert world.lesson.plan_item_id is None


def test_the_substitute_keeps_that_lesson_and_the_course_teacher_no_longer_does(api, world):
    response = send(
        api,
        world,
        "deputy",
        "PUT",
        f"/lessons/{world.lesson.pk}/substitution",
        {"teacher_id": world.class_teacher_staff.pk, "reason": "болезнь"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["teacher"]["id"] == world.class_teacher_staff.pk
    assert body["substitute_for"]["id"] == world.teacher_staff.pk
    topic = f"/lessons/{world.lesson.pk}/topic"
    assert send(api, world, "class_teacher", "PUT", topic, {"topic": "Дроби"}).status_code == 200
    denied = send(api, world, "teacher", "PUT", topic, {"topic": "Дроби"})
    assert denied.status_code == 403
    # Another lesson of the course stays out of the substitute's reach.
    other = Lesson.objects.filter(course=world.course).exclude(pk=world.lesson.pk).first()
    path = f"/lessons/{other.pk}/topic"
    assert send(api, world, "class_teacher", "PUT", path, {"topic": "x"}).status_code == 403
    # Naming the course's own teacher withdraws the substitution.
    back = send(
        api,
        world,
        "deputy",
        "PUT",
        f"/lessons/{world.lesson.pk}/substitution",
        {"teacher_id": world.teacher_staff.pk},
    )
    assert back.json()["substitute_for"] is None
    assert back.json()["teacher"]["id"] == world.teacher_staff.pk


def test_a_busy_substitute_is_a_conflict_with_the_reason(api, world):
    monday_math = Lesson.objects.get(course=world.course, date=date(2026, 11, 23))
    # The class teacher has Русский 5А in lesson 1 on Mondays; move the maths lesson there.
    services.move_lesson(lesson=monday_math, day=monday_math.date, number=1, actor=Actor.system())
    response = send(
        api,
        world,
        "deputy",
        "PUT",
        f"/lessons/{monday_math.pk}/substitution",
        {"teacher_id": world.class_teacher_staff.pk},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "Русский язык" in response.json()["message"]


def test_a_substitute_of_another_school_is_not_found(api, world):
    foreign = StaffFactory(school=world.other_school)
    response = send(
        api,
        world,
        "deputy",
        "PUT",
        f"/lessons/{world.lesson.pk}/substitution",
        {"teacher_id": foreign.pk},
    )
    assert response.status_code == 404


def test_cancellation_needs_a_reason_and_blocks_the_topic(api, world):
    path = f"/lessons/{world.lesson.pk}/cancellation"
    assert send(api, world, "deputy", "POST", path, {"reason": ""}).status_code == 422
    response = send(api, world, "deputy", "POST", path, {"reason": "карантин"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    world.lesson.refresh_from_db()
    assert world.lesson.status == LessonStatus.CANCELLED
    topic = send(api, world, "teacher", "PUT", f"/lessons/{world.lesson.pk}/topic", {"topic": "x"})
    assert topic.status_code == 409
    assert topic.json()["message"] == "The lesson is cancelled."


# --- other schools, families -----------------------------------------------------------------


def test_forged_ids_of_another_school_are_not_found(api, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    foreign_class = SchoolClassFactory(school=world.other_school, year=other_year)
    foreign_staff = StaffFactory(school=world.other_school)
    foreign_course = m.Course.objects.create(
        school=world.other_school,
        year=other_year,
        subject=SubjectFactory(school=world.other_school),
        school_class=foreign_class,
    )
    foreign_course.teachers.add(foreign_staff)
    foreign_lesson = services.add_extra_lesson(
        course=foreign_course, day=date(2026, 11, 18), number=1, actor=Actor.system()
    )
    for path in (
        f"/timetable/classes/{foreign_class.pk}",
        f"/timetable/teachers/{foreign_staff.pk}",
        f"/courses/{foreign_course.pk}/lessons",
        f"/courses/{foreign_course.pk}/plan",
    ):
        response = get(api, world, "deputy", path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    for method, path, body in (
        ("PUT", f"/lessons/{foreign_lesson.pk}/topic", {"topic": "x"}),
        ("PUT", f"/lessons/{foreign_lesson.pk}/substitution", {"teacher_id": foreign_staff.pk}),
        ("POST", f"/lessons/{foreign_lesson.pk}/cancellation", {"reason": "x"}),
    ):
        assert send(api, world, "deputy", method, path, body).status_code == 404, path
    foreign_lesson.refresh_from_db()
    assert foreign_lesson.status == LessonStatus.PLANNED


@pytest.mark.parametrize("persona", ["parent", "student"])
def test_families_get_403_on_the_staff_timetable(api, world, persona):
    for path in (
        f"/timetable/classes/{world.class_6b.pk}",
        f"/timetable/teachers/{world.teacher_staff.pk}",
        f"/courses/{world.course.pk}/lessons",
    ):
        response = get(api, world, persona, path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"
    response = send(
        api, world, persona, "POST", f"/lessons/{world.lesson.pk}/cancellation", {"reason": "x"}
    )
    assert response.status_code == 403
