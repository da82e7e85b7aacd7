"""A closed year is read-only beyond its journal (issue 13; seed 002 §6.2.3, regulation 3.1):
its lessons are not generated, added, moved, cancelled, restored or substituted, its timetable
entries are not made, changed or ended, its thematic plans (КТП) and the plans its courses
follow are not changed — through the services, the pages, the API and the imports alike, each
with a clear message and nothing changed. The same writes pass in the open year."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhurnal.accounts.models import ApiToken
from zhurnal.audit.actor import Actor
from zhurnal.imports.models import ImportBatch
from zhurnal.planning import services as planning
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school import models as m
from zhurnal.timetable import services
from zhurnal.timetable.generation import generate_lessons
from zhurnal.timetable.models import Lesson, LessonStatus, TimetableEntry, Weekday

from .personas import build_world
from .test_imports import csv_bytes
from .test_imports_timetable import HEADER as TIMETABLE_HEADER

pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
CLOSED = "The academic year 2026/2027 is closed"


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        # A lesson cancelled while the year was open, for the restore.
        world.cancelled = Lesson.objects.get(course=world.course, date=date(2026, 11, 23))
        services.cancel_lesson(lesson=world.cancelled, reason="карантин", actor=Actor.system())
        yield world


def close(world) -> None:
    """The year closed (as ``yearend.services.close_year`` leaves it)."""
    m.AcademicYear.objects.filter(pk=world.year.pk).update(closed_at=timezone.now())


def deputy() -> Actor:
    return Actor.system()


def _lesson(pk: int) -> Lesson:
    return Lesson.objects.select_related("course__year").get(pk=pk)


def _entry(pk: int) -> TimetableEntry:
    return TimetableEntry.objects.select_related("course__year", "teacher", "year").get(pk=pk)


# Each timetable write, run on records read after the closing (or not).
TIMETABLE_WRITES = {
    "generate": lambda w: generate_lessons(
        school=w.school,
        year=m.AcademicYear.objects.get(pk=w.year.pk),
        start=w.term.start,
        end=w.term.end,
        actor=deputy(),
    ),
    "extra lesson": lambda w: services.add_extra_lesson(
        course=m.Course.objects.select_related("year", "school").get(pk=w.course.pk),
        day=date(2026, 11, 26),
        number=6,
        actor=deputy(),
    ),
    "move": lambda w: services.move_lesson(
        lesson=_lesson(w.lesson.pk), day=date(2026, 11, 19), number=6, actor=deputy()
    ),
    "cancel": lambda w: services.cancel_lesson(
        lesson=_lesson(w.lesson.pk), reason="экскурсия", actor=deputy()
    ),
    "restore": lambda w: services.restore_lesson(lesson=_lesson(w.cancelled.pk), actor=deputy()),
    "substitute": lambda w: services.substitute(
        lesson=_lesson(w.lesson.pk), teacher=w.class_teacher_staff, reason="болезнь", actor=deputy()
    ),
    "new entry": lambda w: services.save_entry(
        entry=TimetableEntry(
            school=w.school,
            year_id=w.year.pk,
            course=m.Course.objects.select_related("year").get(pk=w.class_course.pk),
            weekday=Weekday.THURSDAY,
            number=4,
            teacher=w.class_teacher_staff,
            room="12",
            valid_from=date(2026, 11, 23),
        ),
        actor=deputy(),
    ),
    "changed entry": lambda w: services.save_entry(
        entry=_changed(_entry(w.entry.pk)), actor=deputy()
    ),
    "ended entry": lambda w: services.end_entry(
        entry=_entry(w.entry.pk), last_day=date(2026, 12, 1), actor=deputy()
    ),
}


def _changed(entry: TimetableEntry) -> TimetableEntry:
    entry.room = "35"
    return entry


def _state(world) -> tuple:
    """What the timetable writes could change: every lesson and entry of the school."""
    lessons = tuple(
        Lesson.objects.filter(school=world.school)
        .order_by("pk")
        .values_list("pk", "date", "number", "status", "teacher_id", "room")
    )
    entries = tuple(
        TimetableEntry.objects.filter(school=world.school)
        .order_by("pk")
        .values_list("pk", "weekday", "number", "room", "valid_to")
    )
    return lessons, entries


@pytest.mark.parametrize("write", TIMETABLE_WRITES)
def test_a_closed_years_timetable_refuses_every_write_and_changes_nothing(world, write):
    close(world)
    before = _state(world)
    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationError) as refused:
        TIMETABLE_WRITES[write](world)
    assert refused.value.code == "year_closed"
    assert CLOSED in refused.value.messages[0]
    assert "open the year again" in refused.value.messages[0]
    assert _state(world) == before


@pytest.mark.parametrize("write", TIMETABLE_WRITES)
def test_the_same_timetable_writes_pass_while_the_year_is_open(world, write):
    if write == "generate":
        # Regenerating the term brings the deleted Monday lesson back.
        Lesson.objects.filter(course=world.course, date=date(2026, 12, 7)).delete()
    before = _state(world)
    with time_machine.travel(NOW, tick=False):
        TIMETABLE_WRITES[write](world)
    assert _state(world) != before


def test_the_deputys_day_page_says_why_a_closed_years_lesson_is_not_cancelled(client, world):
    close(world)
    client.force_login(world.users["deputy"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("timetable:day") + "?day=2026-11-18",
            {"action": "cancel", "lesson": world.lesson.pk, "reason": "экскурсия"},
            follow=True,
        )
    assert any(CLOSED in str(message) for message in response.context["messages"])
    assert _lesson(world.lesson.pk).status == LessonStatus.PLANNED


def test_generating_a_closed_years_term_is_a_form_error(client, world):
    close(world)
    client.force_login(world.users["deputy"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    Lesson.objects.filter(course=world.course, date=date(2026, 12, 7)).delete()
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("timetable:generate"), {"term": world.term.pk})
    assert response.status_code == 200
    assert CLOSED in " ".join(response.context["form"].non_field_errors())
    assert not Lesson.objects.filter(course=world.course, date=date(2026, 12, 7)).exists()
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("timetable:generate")).content.decode()
    assert CLOSED in page  # said before anything is tried, and no form offered
    assert 'name="term"' not in page


def test_the_api_answers_a_closed_years_substitution_with_a_conflict(world):
    close(world)
    api = Client()
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    raw = ApiToken.issue(world.users["deputy"], "test")[1]
    with time_machine.travel(NOW, tick=False):
        response = api.put(
            f"/api/v1/schools/{world.school.pk}/lessons/{world.lesson.pk}/substitution",
            json.dumps({"teacher_id": world.class_teacher_staff.pk, "reason": "болезнь"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert response.status_code == 409
    assert CLOSED in response.json()["message"]
    assert _lesson(world.lesson.pk).substitute_for_id is None


def test_a_timetable_file_for_a_closed_current_year_is_refused_on_its_preview(client, world):
    close(world)
    client.force_login(world.users["deputy"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = csv_bytes(
        [["5А", "Русский язык", "чт", "4", "", "12", "", "", ""]], header=TIMETABLE_HEADER
    )
    with time_machine.travel(NOW, tick=False):
        client.post(
            reverse("imports:upload"),
            {"kind": "timetable", "file": SimpleUploadedFile("t.csv", data)},
        )
        batch = ImportBatch.objects.latest("id")
        page = client.get(reverse("imports:batch", kwargs={"batch_id": batch.pk}))
    assert [e.message for e in page.context["plan"].errors] == [
        "the academic year 2026/2027 is closed: its timetable is read-only"
    ]
    assert TimetableEntry.objects.filter(school=world.school).count() == 5


# --- the thematic plans (КТП) ------------------------------------------------------------------


def _plan() -> ThematicPlan:
    return ThematicPlan.objects.select_related("year").get(owner_course__isnull=True)


def _item(world, position: int = 1) -> PlanItem:
    return PlanItem.objects.select_related("plan__year").get(plan=world.plan, position=position)


PLAN_WRITES = {
    "create": lambda w: planning.create_plan(
        school=w.school,
        year=m.AcademicYear.objects.get(pk=w.year.pk),
        subject=w.course.subject,
        grade_level=w.class_6b.grade_level,
        title="Углублённый уровень",
        actor=deputy(),
    ),
    "rename": lambda w: planning.rename_plan(plan=_plan(), title="Новое название", actor=deputy()),
    "add item": lambda w: planning.add_item(plan=_plan(), topic="Повторение", actor=deputy()),
    "change item": lambda w: planning.update_item(
        item=_item(w), topic="Дроби: повторение", hours=1, actor=deputy()
    ),
    "move item": lambda w: planning.move_item(item=_item(w), position=3, actor=deputy()),
    "delete item": lambda w: planning.delete_item(item=_item(w, 30), actor=deputy()),
    "choose plan": lambda w: planning.choose_plan(
        course=m.Course.objects.select_related("year").get(pk=w.course.pk),
        plan=None,
        actor=deputy(),
    ),
}


def _plans(world) -> tuple:
    return (
        tuple(ThematicPlan.objects.order_by("pk").values_list("pk", "title")),
        tuple(PlanItem.objects.order_by("pk").values_list("pk", "position", "topic")),
        tuple(CoursePlan.objects.order_by("pk").values_list("course_id", "plan_id")),
    )


@pytest.mark.parametrize("write", PLAN_WRITES)
def test_a_closed_years_plans_refuse_every_write_and_change_nothing(world, write):
    close(world)
    before = _plans(world)
    with pytest.raises(ValidationError) as refused:
        PLAN_WRITES[write](world)
    assert refused.value.code == "year_closed"
    assert "its thematic plans (КТП) are read-only" in refused.value.messages[0]
    assert _plans(world) == before


@pytest.mark.parametrize("write", PLAN_WRITES)
def test_the_same_plan_writes_pass_while_the_year_is_open(world, write):
    before = _plans(world)
    PLAN_WRITES[write](world)
    assert _plans(world) != before


def test_a_closed_years_plan_is_copied_into_the_next_year(world):
    close(world)
    next_year = m.AcademicYear.objects.create(
        school=world.school, title="2027/2028", start=date(2027, 9, 1), end=date(2028, 5, 31)
    )
    copy = planning.copy_plan(source=_plan(), year=next_year, title="Базовый", actor=deputy())
    assert copy.year == next_year
    assert copy.items.count() == world.plan.items.count()


def test_a_closed_years_plan_page_offers_no_editing(client, world):
    close(world)
    client.force_login(world.users["teacher"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("planning:detail", args=[world.plan.pk])).content.decode()
    assert "The year is closed: its plans are read-only." in html
    assert reverse("planning:items", args=[world.plan.pk]) not in html
    response = client.post(
        reverse("planning:items", args=[world.plan.pk]),
        {"action": "add", "topic": "Повторение", "hours": "1", "kind": "lesson"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The year is closed: its plans are read-only." in html
    assert 'value="add"' not in html
    assert world.plan.items.count() == 30


def test_a_plan_file_for_a_closed_years_plan_is_refused_on_its_preview(client, world):
    close(world)
    client.force_login(world.users["teacher"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = csv_bytes(
        [["1", "Дроби", "Новая тема", "1", "урок", ""]],
        header=["№", "Раздел", "Тема", "Часы", "Вид", "Дата"],
    )
    with time_machine.travel(NOW, tick=False):
        client.post(
            reverse("imports:upload") + f"?kind=plan&plan={world.plan.pk}",
            {"kind": "plan", "file": SimpleUploadedFile("ktp.csv", data)},
        )
        batch = ImportBatch.objects.latest("id")
        page = client.get(reverse("imports:batch", kwargs={"batch_id": batch.pk}))
    assert [e.message for e in page.context["plan"].errors] == [
        "the academic year 2026/2027 is closed: its plans are read-only"
    ]
    assert world.plan.items.get(position=1).topic == "Тема 1"


def test_the_day_and_the_week_of_a_closed_year_offer_no_change(client, world):
    close(world)
    client.force_login(world.users["deputy"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        day = client.get(reverse("timetable:day") + "?day=2026-11-18").content.decode()
        week = client.get(
            reverse("timetable:grid") + f"?class_id={world.class_6b.pk}"
        ).content.decode()
    for html in (day, week):
        assert CLOSED in html
    assert 'value="cancel"' not in day and 'value="substitute"' not in day
    assert reverse("timetable:entry_create") not in week


def test_the_day_of_an_open_year_offers_the_changes(client, world):
    client.force_login(world.users["deputy"])
    with time_machine.travel(NOW, tick=False):
        day = client.get(reverse("timetable:day") + "?day=2026-11-18").content.decode()
    assert 'value="cancel"' in day
    assert CLOSED not in day
