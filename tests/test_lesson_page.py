"""The lesson record page and the lessons of a course: the next plan item suggested in order
(multi-hour items cover several lessons), topics entered ahead, and who keeps a lesson
(issue 3; DESIGN §4: the substitute keeps that one lesson and nothing else)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services as journal_services
from zhurnal.planning.models import CoursePlan, LessonKind, PlanItem, ThematicPlan
from zhurnal.planning.queries import PlanSequence
from zhurnal.timetable.models import Lesson
from zhurnal.timetable.services import cancel_lesson, substitute

from .personas import build_world, keeper

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW):
        yield build_world()


def _login(client, world, persona):
    client.force_login(world.users[persona])
    return client


def _lessons(world):
    return list(Lesson.objects.filter(course=world.course).order_by("date", "number"))


def _item(world, position):
    return PlanItem.objects.get(plan=world.plan, position=position)


def _url(lesson):
    return reverse("lessons:lesson", kwargs={"lesson_id": lesson.pk})


# --- the order of the plan ------------------------------------------------------------------


def test_the_first_lesson_gets_the_first_item(client, world):
    first = _lessons(world)[0]
    assert first.date == date(2026, 11, 6)
    _login(client, world, "teacher")
    page = client.get(_url(first))
    assert page.context["suggestion"] == _item(world, 1)
    assert page.context["form"].initial["plan_item"] == _item(world, 1).pk


def test_a_two_hour_item_covers_two_lessons_in_order(client, world):
    _login(client, world, "teacher")
    lessons = _lessons(world)
    got = []
    for lesson in lessons[:6]:
        suggested = client.get(_url(lesson)).context["suggestion"]
        got.append(suggested.position)
        response = client.post(_url(lesson), {"plan_item": suggested.pk, "topic": ""})
        assert response.status_code == 302
    # Items 3 and 6 are of 2 hours.
    assert got == [1, 2, 3, 3, 4, 5]
    lesson = Lesson.objects.get(pk=lessons[4].pk)
    assert (lesson.topic, lesson.plan_item.position) == ("Тема 4", 4)
    fifth = Lesson.objects.get(pk=lessons[5].pk)
    assert fifth.kind == LessonKind.TEST  # item 5 is a test: the lesson takes its kind


def test_the_suggestion_continues_after_a_skipped_item(world):
    lessons = _lessons(world)
    teacher = world.users["teacher"]
    journal_services.record_topic(
        lesson=lessons[0], topic="", plan_item=_item(world, 1), actor=Actor(teacher)
    )
    # The teacher skips item 2 and goes on with item 4.
    journal_services.record_topic(
        lesson=lessons[1], topic="", plan_item=_item(world, 4), actor=Actor(teacher)
    )
    sequence = PlanSequence.load(world.course, world.plan)
    assert sequence.suggestion(lessons[2]) == _item(world, 5)
    # A lesson before the skip still sees item 2 next.
    assert sequence.suggestion(lessons[0]) == _item(world, 1)


def test_an_extra_lesson_before_topics_entered_ahead_gets_the_next_uncovered_item(world):
    lessons = _lessons(world)
    teacher = world.users["teacher"]
    for lesson, position in zip(lessons[:3], (1, 2, 3), strict=True):
        journal_services.record_topic(
            lesson=lesson, topic="", plan_item=_item(world, position), actor=Actor(teacher)
        )
    extra = Lesson.objects.create(
        school=world.school,
        course=world.course,
        date=lessons[0].date,
        number=7,
        teacher=world.teacher_staff,
        origin="extra",
    )
    sequence = PlanSequence.load(world.course, world.plan)
    # After item 1 comes item 2, but a later lesson covers it: item 3 has one hour left.
    assert sequence.suggestion(extra) == _item(world, 3)


def test_cancelled_lessons_cover_nothing_and_get_no_suggestion(world):
    lessons = _lessons(world)
    teacher = world.users["teacher"]
    journal_services.record_topic(
        lesson=lessons[0], topic="", plan_item=_item(world, 1), actor=Actor(teacher)
    )
    cancel_lesson(lesson=lessons[0], reason="карантин", actor=Actor(teacher))
    sequence = PlanSequence.load(world.course, world.plan)
    assert sequence.suggestion(lessons[1]) == _item(world, 1)
    assert sequence.suggestion(Lesson.objects.get(pk=lessons[0].pk)) is None


def test_a_typed_topic_without_an_item_is_kept(client, world):
    _login(client, world, "teacher")
    response = client.post(_url(world.lesson), {"plan_item": "", "topic": "  Экскурсия  "})
    assert response.status_code == 302
    world.lesson.refresh_from_db()
    assert (world.lesson.topic, world.lesson.plan_item) == ("Экскурсия", None)
    assert world.lesson.topic_entered_at is not None


def test_topics_may_be_entered_ahead_and_are_audited(client, world):
    future = _lessons(world)[-1]
    assert future.date == date(2026, 12, 28)
    _login(client, world, "teacher")
    response = client.post(_url(future), {"plan_item": _item(world, 7).pk, "topic": ""})
    assert response.status_code == 302
    future.refresh_from_db()
    assert future.topic == "Тема 7"
    event = AuditEvent.objects.filter(action=AuditAction.TOPIC_SET).latest("id")
    assert event.after["plan_item"] == _item(world, 7).pk
    assert event.actor == world.users["teacher"]


def test_clearing_the_record(client, world):
    _login(client, world, "teacher")
    client.post(_url(world.lesson), {"plan_item": _item(world, 1).pk, "topic": ""})
    assert client.post(_url(world.lesson), {"action": "clear"}).status_code == 302
    world.lesson.refresh_from_db()
    assert (world.lesson.topic, world.lesson.plan_item, world.lesson.topic_entered_at) == (
        "",
        None,
        None,
    )


# --- bad input and forged ids ---------------------------------------------------------------


def test_an_empty_record_is_a_clear_error(client, world):
    _login(client, world, "teacher")
    response = client.post(_url(world.lesson), {"plan_item": "", "topic": "   "})
    assert response.status_code == 200
    assert "Choose a plan item or type the topic of the lesson." in response.content.decode()
    world.lesson.refresh_from_db()
    assert world.lesson.topic == ""


def test_an_item_of_another_plan_is_an_invalid_choice(client, world):
    other = ThematicPlan.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        title="Другой",
    )
    foreign = PlanItem.objects.create(school=world.school, plan=other, position=1, topic="Х")
    _login(client, world, "teacher")
    response = client.post(_url(world.lesson), {"plan_item": foreign.pk, "topic": ""})
    assert response.status_code == 200
    assert "plan_item" in response.context["form"].errors
    with pytest.raises(ValidationError):
        journal_services.record_topic(
            lesson=world.lesson, topic="", plan_item=foreign, actor=Actor(world.users["teacher"])
        )
    world.lesson.refresh_from_db()
    assert world.lesson.plan_item is None


def test_a_cancelled_lesson_cannot_be_kept(client, world):
    cancel_lesson(
        lesson=world.lesson, reason="актированный день", actor=Actor(world.users["deputy"])
    )
    _login(client, world, "teacher")
    page = client.get(_url(world.lesson))
    assert page.status_code == 200 and not page.context["can_keep"]
    response = client.post(_url(world.lesson), {"plan_item": "", "topic": "Х"})
    assert response.status_code == 200
    assert "The lesson is cancelled." in response.content.decode()


def test_a_lesson_of_another_school_is_not_found(client, world):
    from .factories import StaffFactory

    other_year = world.other_school.years.get()
    course = world.course.__class__.objects.create(
        school=world.other_school,
        year=other_year,
        subject=world.course.subject,
        group=world.group,
    )
    foreign = Lesson.objects.create(
        school=world.other_school,
        course=course,
        date=date(2026, 11, 18),
        number=1,
        teacher=StaffFactory(school=world.other_school),
        origin="extra",
    )
    _login(client, world, "admin")
    assert client.get(_url(foreign)).status_code == 404
    assert client.get(reverse("lessons:lesson", kwargs={"lesson_id": 999999})).status_code == 404


# --- who keeps a lesson ---------------------------------------------------------------------


def test_a_teacher_cannot_keep_another_teachers_lesson(client, world):
    russian = Lesson.objects.filter(course=world.class_course).first()
    _login(client, world, "teacher")
    assert client.get(_url(russian)).status_code == 403
    assert client.post(_url(russian), {"topic": "Х"}).status_code == 403
    russian.refresh_from_db()
    assert russian.topic == ""


def test_the_administration_reads_the_lesson_but_does_not_keep_it(client, world):
    _login(client, world, "deputy")
    page = client.get(_url(world.lesson))
    assert page.status_code == 200
    assert not page.context["can_keep"]
    assert b'name="topic"' not in page.content
    assert client.post(_url(world.lesson), {"topic": "Х"}).status_code == 403


def test_the_substitute_keeps_the_substituted_lesson_and_nothing_else(client, world):
    substitute(
        lesson=world.lesson,
        teacher=world.class_teacher_staff,
        reason="больничный",
        actor=Actor(world.users["deputy"]),
    )
    _login(client, world, "class_teacher")
    page = client.get(_url(world.lesson))
    assert page.status_code == 200 and page.context["can_keep"]
    assert "instead of Петрова" in page.content.decode()
    assert client.post(_url(world.lesson), {"plan_item": _item(world, 1).pk}).status_code == 302
    world.lesson.refresh_from_db()
    assert world.lesson.topic == "Тема 1"
    # Nothing else of the course: not its other lessons, its list, its plan or fulfilment.
    other = Lesson.objects.filter(course=world.course).exclude(pk=world.lesson.pk).first()
    assert client.get(_url(other)).status_code == 403
    for name in ("lessons:course", "lessons:fulfilment", "planning:course_plan"):
        url = reverse(name, kwargs={"course_id": world.course.pk})
        assert client.get(url).status_code == 403, name
    assert (
        client.post(
            reverse("lessons:course", kwargs={"course_id": world.course.pk}),
            {"start": "2026-11-01", "count": 5},
        ).status_code
        == 403
    )
    assert (
        client.get(reverse("planning:items", kwargs={"plan_id": world.plan.pk})).status_code == 403
    )


def test_the_course_teacher_only_reads_a_lesson_taken_by_a_substitute(client, world):
    substitute(
        lesson=world.lesson,
        teacher=world.class_teacher_staff,
        reason="курсы",
        actor=Actor(world.users["deputy"]),
    )
    _login(client, world, "teacher")
    page = client.get(_url(world.lesson))
    assert page.status_code == 200 and not page.context["can_keep"]
    assert client.post(_url(world.lesson), {"topic": "Х"}).status_code == 403


@pytest.mark.parametrize("persona", ["parent", "student", "secretary", "hr"])
def test_families_and_other_staff_are_denied(client, world, persona):
    _login(client, world, persona)
    assert client.get(_url(world.lesson)).status_code == 403
    url = reverse("lessons:course", kwargs={"course_id": world.course.pk})
    assert client.get(url).status_code == 403


# --- the lessons of a course, and filling ahead ---------------------------------------------


def test_the_course_page_shows_the_term_and_previews_the_fill(client, world):
    _login(client, world, "teacher")
    page = client.get(reverse("lessons:course", kwargs={"course_id": world.course.pk}))
    assert page.context["term"] == world.term
    rows = page.context["rows"]
    assert len(rows) == 23  # Mon, Wed, Fri of 05.11–28.12
    previews = [(lesson.date, item.position) for lesson, item, _k in rows if item]
    # From today (20.11) on: the lessons without a topic get items 1, 2, 3, 3, 4.
    assert previews == [
        (date(2026, 11, 20), 1),
        (date(2026, 11, 23), 2),
        (date(2026, 11, 25), 3),
        (date(2026, 11, 27), 3),
        (date(2026, 11, 30), 4),
    ]
    # The preview wrote nothing.
    assert not Lesson.objects.filter(course=world.course, plan_item__isnull=False).exists()


def test_filling_the_next_topics_in_advance(client, world):
    _login(client, world, "teacher")
    url = reverse("lessons:course", kwargs={"course_id": world.course.pk})
    response = client.post(url, {"start": "2026-11-01", "count": 6})
    assert response.status_code == 302
    filled = list(
        Lesson.objects.filter(course=world.course, plan_item__isnull=False)
        .order_by("date")
        .values_list("date", "plan_item__position", "topic")
    )
    assert [(d.day, p) for d, p, _t in filled] == [
        (6, 1),
        (9, 2),
        (11, 3),
        (13, 3),
        (16, 4),
        (18, 5),
    ]
    assert filled[0][2] == "Тема 1"
    # Filling again continues where the plan stopped.
    client.post(url, {"start": "2026-11-01", "count": 2})
    positions = list(
        Lesson.objects.filter(course=world.course, plan_item__isnull=False)
        .order_by("date")
        .values_list("plan_item__position", flat=True)
    )
    assert positions == [1, 2, 3, 3, 4, 5, 6, 6]


def test_filling_skips_lessons_with_a_topic_and_cancelled_ones(world):
    lessons = _lessons(world)
    teacher = world.users["teacher"]
    journal_services.record_topic(
        lesson=lessons[1], topic="Входная диагностика", plan_item=None, actor=Actor(teacher)
    )
    cancel_lesson(lesson=lessons[2], reason="карантин", actor=Actor(teacher))
    filled = journal_services.fill_topics(
        course=world.course,
        start=date(2026, 11, 1),
        count=3,
        may_keep=keeper(teacher),
        actor=Actor(teacher),
    )
    assert [x.pk for x in filled] == [lessons[0].pk, lessons[3].pk, lessons[4].pk]
    assert [x.plan_item.position for x in filled] == [1, 2, 3]
    assert Lesson.objects.get(pk=lessons[1].pk).topic == "Входная диагностика"


def test_filling_leaves_the_dates_the_school_has_locked(world):
    """With entries locked 3 days after their deadline, the lessons up to 16.11 keep no topic
    (a deputy's unlock opens them); the fill goes on with the later ones."""
    from zhurnal.journal.models import JournalPolicy

    JournalPolicy.objects.create(school=world.school, lock_after_days=3)
    with time_machine.travel(NOW):
        filled = journal_services.fill_topics(
            course=world.course,
            start=date(2026, 11, 1),
            count=3,
            may_keep=keeper(world.users["teacher"]),
            actor=Actor(world.users["teacher"]),
        )
    assert len(filled) == 3
    assert all(lesson.date > date(2026, 11, 16) for lesson in filled)
    assert not Lesson.objects.filter(
        course=world.course, date__lte=date(2026, 11, 16), plan_item__isnull=False
    ).exists()


def test_filling_does_not_touch_a_lesson_taken_by_a_substitute(world):
    lessons = _lessons(world)
    substitute(
        lesson=lessons[0],
        teacher=world.class_teacher_staff,
        reason="",
        actor=Actor(world.users["deputy"]),
    )
    filled = journal_services.fill_topics(
        course=world.course,
        start=date(2026, 11, 1),
        count=2,
        may_keep=keeper(world.users["teacher"]),
        actor=Actor(world.users["teacher"]),
    )
    assert [x.pk for x in filled] == [lessons[1].pk, lessons[2].pk]
    assert Lesson.objects.get(pk=lessons[0].pk).plan_item is None


def test_fill_input_errors_are_clear(client, world):
    _login(client, world, "teacher")
    url = reverse("lessons:course", kwargs={"course_id": world.course.pk})
    response = client.post(url, {"start": "завтра", "count": 0})
    assert response.status_code == 200
    errors = response.context["fill_form"].errors
    assert set(errors) == {"start", "count"}
    CoursePlan.objects.filter(course=world.course).delete()
    with pytest.raises(ValidationError, match="no thematic plan"):
        journal_services.fill_topics(
            course=world.course,
            start=date(2026, 11, 1),
            count=1,
            may_keep=keeper(world.users["teacher"]),
            actor=Actor(world.users["teacher"]),
        )


def test_the_deputy_sees_the_lessons_but_no_fill_form(client, world):
    _login(client, world, "deputy")
    url = reverse("lessons:course", kwargs={"course_id": world.course.pk})
    page = client.get(url)
    assert page.status_code == 200 and not page.context["can_fill"]
    assert client.post(url, {"start": "2026-11-01", "count": 5}).status_code == 403


def test_choosing_another_term(client, world):
    _login(client, world, "teacher")
    first = world.year.terms.get(number=1)
    url = reverse("lessons:course", kwargs={"course_id": world.course.pk})
    page = client.get(url, {"term": first.pk})
    assert page.context["term"] == first
    assert page.context["rows"] == []  # only the 2nd quarter was generated


# --- bounded queries ------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # the session is saved on the first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lesson_pages_cost_the_same_queries_with_many_lessons_recorded(client, world):
    _login(client, world, "teacher")
    lesson_url = _url(world.lesson)
    course_url = reverse("lessons:course", kwargs={"course_id": world.course.pk})
    before = (_count(client, lesson_url), _count(client, course_url))
    journal_services.fill_topics(
        course=world.course,
        start=date(2026, 11, 1),
        count=20,
        may_keep=keeper(world.users["teacher"]),
        actor=Actor(world.users["teacher"]),
    )
    after = (_count(client, lesson_url), _count(client, course_url))
    assert after == before
    assert max(after) <= 16
