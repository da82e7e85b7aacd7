"""The assessment schedule (график оценочных процедур): the federal limits as pure rules, the
schedule query (bounded queries), the pages, the XLSX download and the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from zhurnal.accounts.models import ApiToken
from zhurnal.assessments import rules
from zhurnal.assessments.queries import breaches_for_course, schedule, school_schedule
from zhurnal.assessments.rules import Assessment
from zhurnal.planning.models import LessonKind, PlanItem
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, LessonStatus

from .factories import GradeLevelFactory, SchoolClassFactory, StaffFactory, SubjectFactory
from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
D = date(2026, 11, 18)


def a(day: date, *, cls=1, subject=1, number=3, course=None, name="Математика") -> Assessment:
    return Assessment(
        date=day,
        class_id=cls,
        class_name=f"{cls}А",
        subject_id=subject,
        subject_name=name,
        course_id=course if course is not None else subject * 100 + cls,
        number=number,
        lesson_id=1 if number is not None else None,
    )


# --- the rules, pure --------------------------------------------------------------------------


def test_two_of_a_subject_less_than_two_and_a_half_weeks_apart_breach():
    with translation.override("en"):
        breaches = rules.too_close([a(D), a(D + timedelta(days=17))])
    assert [b.code for b in breaches] == [rules.TOO_CLOSE]
    assert breaches[0].date == D + timedelta(days=17)
    assert "18.11.2026" in breaches[0].message and "05.12.2026" in breaches[0].message
    assert "Математика" in breaches[0].message


def test_eighteen_days_apart_or_another_subject_or_class_is_fine():
    assert rules.too_close([a(D), a(D + timedelta(days=18))]) == []
    assert rules.too_close([a(D), a(D + timedelta(days=3), subject=2)]) == []
    assert rules.too_close([a(D), a(D + timedelta(days=3), cls=2)]) == []


def test_more_than_ten_percent_of_the_hours_breach():
    items = [a(D), a(D + timedelta(days=20))]
    breaches = rules.too_many(items, {(1, 1): 19})
    assert [b.code for b in breaches] == [rules.TOO_MANY]
    assert breaches[0].course_ids == (101,)
    assert rules.too_many(items, {(1, 1): 20}) == []
    assert rules.too_many([a(D)], {(1, 1): 10}) == []
    # No hours of the subject in the year at all: any assessment is too many.
    assert len(rules.too_many([a(D)], {})) == 1


def test_the_ten_percent_breach_lists_the_years_dates_and_is_dated_by_the_first_one_over():
    # 34 hours a year allow 3 assessments (3.4): the fourth is the first over the allowance.
    days = [date(2026, 9, 17), D, date(2027, 2, 11), date(2027, 4, 15)]
    assert rules.too_many([a(day) for day in days[:3]], {(1, 1): 34}) == []
    with translation.override("en"):
        breaches = rules.too_many([a(day) for day in reversed(days)], {(1, 1): 34})
    assert [(b.code, b.date) for b in breaches] == [(rules.TOO_MANY, date(2027, 4, 15))]
    message = breaches[0].message
    assert "4 assessments in the year" in message and "34 hours a year" in message
    assert "(3)" in message
    assert "17.09.2026, 18.11.2026, 11.02.2027, 15.04.2027" in message


def test_two_assessments_in_a_class_on_one_day_breach():
    breaches = rules.same_day([a(D), a(D, subject=2, number=4, name="Русский язык")])
    assert [b.code for b in breaches] == [rules.SAME_DAY]
    assert "Русский язык" in breaches[0].message
    assert set(breaches[0].course_ids) == {101, 201}


def test_one_a_day_per_class_and_subgroups_of_one_subject_are_fine():
    assert rules.same_day([a(D), a(D, cls=2)]) == []
    assert rules.same_day([a(D), a(D + timedelta(days=1), subject=2)]) == []
    # English, group 1 and group 2 writing the same test: one assessment of the class.
    assert rules.same_day([a(D, course=7), a(D, course=8)]) == []
    assert rules.too_close([a(D, course=7), a(D, course=8)]) == []


def test_first_or_last_lesson_of_the_day_breach():
    bounds = {(1, D): (1, 6)}
    first = rules.first_or_last([a(D, number=1)], bounds)
    last = rules.first_or_last([a(D, number=6)], bounds)
    assert [b.code for b in first + last] == [rules.FIRST_OR_LAST] * 2
    with translation.override("en"):
        assert "first" in rules.first_or_last([a(D, number=1)], bounds)[0].message
        assert "last" in rules.first_or_last([a(D, number=6)], bounds)[0].message


def test_a_lesson_in_the_middle_or_a_planned_test_without_lesson_is_fine():
    bounds = {(1, D): (1, 6)}
    assert rules.first_or_last([a(D, number=3)], bounds) == []
    assert rules.first_or_last([a(D, number=None)], bounds) == []
    assert rules.first_or_last([a(D, number=1)], {}) == []


# --- the schedule from the database -----------------------------------------------------------


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def _test_item(world, position: int) -> PlanItem:
    item = PlanItem.objects.get(plan=world.plan, position=position)
    assert item.kind == LessonKind.TEST
    return item


def _make_test(world, day: date, position: int = 5, course=None) -> Lesson:
    course = course or world.course
    lesson = Lesson.objects.get(course=course, date=day, status=LessonStatus.PLANNED)
    lesson.plan_item = _test_item(world, position) if course == world.course else None
    if course != world.course:
        lesson.kind = LessonKind.TEST
        lesson.topic = "Диктант"
    lesson.save()
    return lesson


def test_the_schedule_lists_tests_with_date_number_class_subject_topic_teacher(world):
    _make_test(world, D)
    data = schedule(world.school, world.term, world.class_6b)
    rows = [(r.date, r.number, r.class_name, r.subject_name, r.topic, r.teacher) for r in data.rows]
    assert rows == [(D, 3, "6Б", "Математика", "Тема 5", world.teacher_staff.short_name)]
    # 6Б has one lesson on Wednesdays: the test is in the first and last lesson of the day.
    assert [b.code for b in data.breaches] == [rules.FIRST_OR_LAST]


def test_cancelled_lessons_and_other_classes_are_left_out(world):
    lesson = _make_test(world, D)
    assert schedule(world.school, world.term, world.class_5a).rows == []
    lesson.status = LessonStatus.CANCELLED
    lesson.save()
    assert schedule(world.school, world.term, world.class_6b).rows == []


def test_a_test_planned_for_a_date_without_a_lesson_is_shown_for_planning(world):
    item = _test_item(world, 10)
    item.planned_date = date(2026, 12, 2)
    item.save()
    rows = schedule(world.school, world.term, world.class_6b).rows
    assert [(r.date, r.number, r.planned, r.topic) for r in rows] == [
        (date(2026, 12, 2), None, True, "Тема 10")
    ]
    # Once a lesson of the course is linked to the item, the lesson is the row.
    _make_test(world, date(2026, 12, 2), position=10)
    rows = schedule(world.school, world.term, world.class_6b).rows
    assert [(r.date, r.number, r.planned) for r in rows] == [(date(2026, 12, 2), 3, False)]


def test_breaches_for_course_reports_two_tests_a_week_apart(world):
    _make_test(world, D)
    _make_test(world, D + timedelta(days=7), position=10)
    codes = {b.code for b in breaches_for_course(world.course, world.term)}
    assert rules.TOO_CLOSE in codes
    assert breaches_for_course(world.class_course, world.term) == []
    assert breaches_for_course(world.course, None) == []


def test_the_whole_school_schedule_has_every_class(world):
    _make_test(world, D)
    _make_test(world, date(2026, 11, 17), course=world.class_course)  # Tuesday, 5А
    data = school_schedule(world.school, world.term)
    assert [(r.class_name, r.subject_name) for r in data.rows] == [
        ("5А", "Русский язык"),
        ("6Б", "Математика"),
    ]


def _add_class(world, n: int) -> None:
    """Another 6th-grade class with a course, a week of lessons and a test."""
    school_class = SchoolClassFactory(
        school=world.school,
        year=world.year,
        grade_level=world.class_6b.grade_level,
        letter=f"X{n}",
    )
    teacher = StaffFactory(school=world.school)
    course = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name=f"Предмет {n}"),
        school_class=school_class,
    )
    course.teachers.add(teacher)
    for number in (1, 2, 3):
        Lesson.objects.create(
            school=world.school,
            course=course,
            date=D,
            number=number,
            teacher=teacher,
            origin="extra",
            kind=LessonKind.TEST if number == 2 else LessonKind.LESSON,
        )


def test_the_number_of_queries_does_not_grow_with_the_classes(world):
    _make_test(world, D)
    _add_class(world, 1)
    with CaptureQueriesContext(connection) as few:
        small = school_schedule(world.school, world.term)
    for n in range(2, 6):
        _add_class(world, n)
    with CaptureQueriesContext(connection) as many:
        big = school_schedule(world.school, world.term)
    assert len(big.rows) == len(small.rows) + 4
    assert len(many) == len(few) <= 6


# --- the 10 % limit over the school year ---------------------------------------------------

# The Thursdays of the 2nd quarter (05.11–28.12.2026): a one-hour subject's 8 lessons.
THURSDAYS = [date(2026, 11, 5) + timedelta(weeks=w) for w in range(8)]


def _course(world, subject, *, school_class=None, group=None, hours_per_week=1) -> m.Course:
    course = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=subject,
        school_class=school_class,
        group=group,
        hours_per_week=Decimal(hours_per_week),
    )
    course.teachers.add(world.teacher_staff)
    return course


def _lessons(world, course, days, *, tests=(), number=3) -> list[Lesson]:
    """Lessons of ``course`` on ``days``; those on ``tests`` days are tests."""
    return [
        Lesson.objects.create(
            school=world.school,
            course=course,
            date=day,
            number=number,
            teacher=world.teacher_staff,
            origin="extra",
            kind=LessonKind.TEST if day in tests else LessonKind.LESSON,
            topic="Контрольная работа" if day in tests else "",
        )
        for day in days
    ]


def _too_many(data) -> list[rules.Breach]:
    return [b for b in data.breaches if b.code == rules.TOO_MANY]


def test_one_test_among_a_quarters_lessons_of_a_one_hour_subject_is_within_the_limit(world):
    # 1 of the quarter's 8 lessons is 12.5 %, but 1 of the year's 34 hours is within 10 %.
    music = _course(
        world, SubjectFactory(school=world.school, name="Музыка"), school_class=world.class_5a
    )
    _lessons(world, music, THURSDAYS, tests=[THURSDAYS[2]])
    data = schedule(world.school, world.term, world.class_5a)
    assert [(r.subject_name, r.date) for r in data.rows] == [("Музыка", THURSDAYS[2])]
    assert _too_many(data) == []


@pytest.mark.parametrize(("grade", "hours"), [(6, 34), (1, 33)])
def test_more_tests_in_the_year_than_ten_percent_of_its_hours_are_flagged_in_the_term(
    world, grade, hours
):
    """Hours per week × the school weeks of the grade (33 in grade 1); the tests of other terms
    count, and the breach lists the year's dates."""
    school_class = SchoolClassFactory(
        school=world.school,
        year=world.year,
        grade_level=GradeLevelFactory(school=world.school, number=grade),
        letter="В",
    )
    music = _course(
        world, SubjectFactory(school=world.school, name="Музыка"), school_class=school_class
    )
    days = [date(2026, 9, 17), THURSDAYS[2], date(2027, 2, 11)]
    _lessons(world, music, sorted({*THURSDAYS, *days}), tests=days)
    first_term = m.Term.objects.get(year=world.year, number=1)
    # 3 tests: within 10 % of the year's hours, whatever the term.
    assert _too_many(schedule(world.school, world.term, school_class)) == []
    assert _too_many(schedule(world.school, first_term, school_class)) == []
    _lessons(world, music, [date(2027, 4, 15)], tests=[date(2027, 4, 15)])
    with translation.override("en"):
        data = schedule(world.school, world.term, school_class)
    assert [r.date for r in data.rows] == [THURSDAYS[2]]
    (breach,) = _too_many(data)
    assert breach.date == date(2027, 4, 15) and breach.course_ids == (music.pk,)
    assert "4 assessments in the year" in breach.message
    assert f"{hours} hours a year" in breach.message
    assert "17.09.2026, 19.11.2026, 11.02.2027, 15.04.2027" in breach.message
    # The first quarter's schedule shows it as well: the limit is the year's.
    with translation.override("en"):
        assert _too_many(schedule(world.school, first_term, school_class)) == [breach]


def test_test_items_planned_in_later_terms_count_towards_the_years_limit(world):
    world.course.hours_per_week = Decimal(1)  # 34 hours a year: 3 assessments
    world.course.save()
    _make_test(world, D)
    for position, day in ((10, date(2027, 1, 20)), (15, date(2027, 3, 3))):
        item = _test_item(world, position)
        item.planned_date = day
        item.save()
    assert _too_many(schedule(world.school, world.term, world.class_6b)) == []
    item = _test_item(world, 20)
    item.planned_date = date(2027, 4, 21)
    item.save()
    data = schedule(world.school, world.term, world.class_6b)
    # The rows are the term's; the limit counts the year's.
    assert [r.date for r in data.rows] == [D]
    (breach,) = _too_many(data)
    assert breach.date == date(2027, 4, 21)
    assert breach in breaches_for_course(world.course, world.term)


def test_without_hours_per_week_the_years_lessons_not_cancelled_are_the_hours(world):
    art = _course(
        world,
        SubjectFactory(school=world.school, name="ИЗО"),
        school_class=world.class_5a,
        hours_per_week=0,
    )
    # 5 lessons in the 1st quarter and 5 in the 2nd: 10 hours in the year, 1 test allowed.
    first_quarter = [date(2026, 9, 3) + timedelta(weeks=w) for w in range(5)]
    lessons = _lessons(world, art, first_quarter + THURSDAYS[:5], tests=[THURSDAYS[1]])
    with translation.override("en"):
        assert _too_many(schedule(world.school, world.term, world.class_5a)) == []
        lessons[0].status = LessonStatus.CANCELLED
        lessons[0].save()
        (breach,) = _too_many(schedule(world.school, world.term, world.class_5a))
    assert "9 hours a year" in breach.message


def test_subgroups_of_a_class_have_the_hours_of_one_and_one_test_a_day(world):
    english = SubjectFactory(school=world.school, name="Английский язык")
    group_2 = m.Group.objects.create(
        school=world.school, year=world.year, name="Англ. 2", school_class=world.class_5a
    )
    # One hour a week each: the class has 34 hours (3 tests), not 68.
    one = _course(world, english, group=world.group)
    two = _course(world, english, group=group_2)
    # Both groups write on the same three days: three assessments of the class.
    days = [THURSDAYS[0], THURSDAYS[3], THURSDAYS[6]]
    _lessons(world, one, THURSDAYS, tests=days, number=3)
    _lessons(world, two, THURSDAYS, tests=days, number=4)
    assert _too_many(schedule(world.school, world.term, world.class_5a)) == []
    # A fourth on another day, by the second group only.
    _lessons(world, two, [date(2027, 3, 4)], tests=[date(2027, 3, 4)])
    with translation.override("en"):
        (breach,) = _too_many(schedule(world.school, world.term, world.class_5a))
    assert breach.course_ids == (one.pk, two.pk)
    assert "4 assessments in the year" in breach.message and "34 hours a year" in breach.message


def test_the_schedule_with_the_years_limit_takes_six_queries_whatever_the_classes(
    world, django_assert_num_queries
):
    """Classes, courses (with the year's lessons of those without hours), the year's test
    lessons, the year's planned test items, their teachers, the term's lessons by day."""
    _make_test(world, D)
    item = _test_item(world, 10)
    item.planned_date = date(2027, 2, 3)
    item.save()
    world.class_course.hours_per_week = Decimal(0)
    world.class_course.save()
    with django_assert_num_queries(6):
        small = school_schedule(world.school, world.term)
    for n in range(1, 5):
        _add_class(world, n)
    english = SubjectFactory(school=world.school, name="Английский язык")
    _lessons(world, _course(world, english, group=world.group), THURSDAYS, tests=[THURSDAYS[0]])
    with django_assert_num_queries(6):
        big = school_schedule(world.school, world.term)
    assert len(big.rows) == len(small.rows) + 5


# --- pages ------------------------------------------------------------------------------------


def test_the_deputy_sees_the_school_schedule_with_breaches(client, world):
    _make_test(world, D)
    client.force_login(world.users["deputy"])
    response = client.get(reverse("assessments:index"), {"term": world.term.pk})
    assert response.status_code == 200
    assert response.context["show_breaches"] is True
    assert [r.subject_name for r in response.context["schedule"].rows] == ["Математика"]
    assert response.context["schedule"].breaches
    # Filtered by class.
    response = client.get(
        reverse("assessments:index"), {"term": world.term.pk, "class": world.class_5a.pk}
    )
    assert response.context["schedule"].rows == []


def test_the_teacher_sees_the_class_page_with_breaches(client, world):
    _make_test(world, D)
    client.force_login(world.users["teacher"])
    response = client.get(
        reverse("assessments:class", kwargs={"class_id": world.class_6b.pk}),
        {"term": world.term.pk},
    )
    assert response.status_code == 200
    assert [r.date for r in response.context["schedule"].rows] == [D]
    assert response.context["show_breaches"] is True
    breach = response.context["schedule"].breaches[0]
    assert breach.code == rules.FIRST_OR_LAST
    assert breach.message in response.content.decode()


def test_the_parent_sees_the_child_class_only_and_no_breaches(client, world):
    _make_test(world, D)
    _make_test(world, date(2026, 11, 17), course=world.class_course)
    client.force_login(world.users["parent"])
    own = reverse("assessments:class", kwargs={"class_id": world.class_5a.pk})
    other = reverse("assessments:class", kwargs={"class_id": world.class_6b.pk})
    response = client.get(own, {"term": world.term.pk})
    assert response.status_code == 200
    assert response.context["show_breaches"] is False
    assert [r.class_name for r in response.context["schedule"].rows] == ["5А"]
    assert client.get(other).status_code == 403
    index = client.get(reverse("assessments:index"), {"term": world.term.pk})
    assert [c.pk for c in index.context["classes"]] == [world.class_5a.pk]
    assert [r.class_name for r in index.context["schedule"].rows] == ["5А"]
    # Another class through the filter: not told.
    assert client.get(reverse("assessments:index"), {"class": world.class_6b.pk}).status_code == 404
    assert client.get(reverse("assessments:xlsx"), {"class": world.class_6b.pk}).status_code == 404


def test_the_xlsx_opens_with_a_table_and_a_sheet_per_class(client, world):
    _make_test(world, D)
    _make_test(world, date(2026, 11, 17), course=world.class_course)
    client.force_login(world.users["deputy"])
    response = client.get(reverse("assessments:xlsx"), {"term": world.term.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[1:] == ["5А", "6Б"]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows[0]) == 4  # class, date, subject, topic (in the user's language)
    assert [(r[0], r[1].date(), r[2], r[3]) for r in rows[1:]] == [
        ("5А", date(2026, 11, 17), "Русский язык", "Диктант"),
        ("6Б", D, "Математика", "Тема 5"),
    ]
    assert len(list(book["6Б"].iter_rows(values_only=True))) == 2


# --- API --------------------------------------------------------------------------------------


def _api(client, world, persona: str, **params):
    raw = ApiToken.issue(world.users[persona], "test")[1]
    return client.get(
        f"/api/v1/schools/{world.school.pk}/assessments",
        params,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_api_gives_rows_and_breaches_to_staff(client, world):
    _make_test(world, D)
    response = _api(client, world, "deputy", term_id=world.term.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["term"]["id"] == world.term.pk
    assert [(r["date"], r["number"], r["class_name"], r["subject"]) for r in body["rows"]] == [
        ("2026-11-18", 3, "6Б", "Математика")
    ]
    assert [b["code"] for b in body["breaches"]] == [rules.FIRST_OR_LAST]
    one = _api(client, world, "teacher", term_id=world.term.pk, class_id=world.class_5a.pk)
    assert one.status_code == 200 and one.json()["rows"] == []


def test_the_api_limits_families_to_their_classes(client, world):
    _make_test(world, D)
    parent = _api(client, world, "parent", term_id=world.term.pk)
    assert parent.status_code == 200
    assert parent.json()["class_ids"] == [world.class_5a.pk]
    assert parent.json()["rows"] == [] and parent.json()["breaches"] == []
    student = _api(client, world, "student", term_id=world.term.pk)
    assert [r["class_name"] for r in student.json()["rows"]] == ["6Б"]
    assert student.json()["breaches"] == []
    denied = _api(client, world, "parent", class_id=world.class_6b.pk)
    assert denied.status_code == 403
    assert _api(client, world, "outsider").status_code == 404
    other_term = m.Term.objects.create(
        school=world.other_school,
        year=world.other_school.years.get(),
        kind="quarter",
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 10, 24),
    )
    assert _api(client, world, "deputy", term_id=other_term.pk).status_code == 404


def test_the_course_lessons_page_shows_the_breaches_of_the_course(client, world):
    _make_test(world, D)
    _make_test(world, D + timedelta(days=7), position=10)
    client.force_login(world.users["teacher"])
    response = client.get(
        reverse("lessons:course", kwargs={"course_id": world.course.pk}), {"term": world.term.pk}
    )
    assert response.status_code == 200
    breaches = response.context["breaches"]
    assert rules.TOO_CLOSE in {b.code for b in breaches}
    assert breaches[0].message in response.content.decode()
