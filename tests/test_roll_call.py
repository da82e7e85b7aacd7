"""A lesson's roll call: whether its attendance was taken at all (seed 002, regulation 2.1.1:
"information about the lesson and the absent is entered on the day"). No attendance entry
means "present", so without it "everyone was present" and "attendance was never taken" look
the same.

The service (idempotent, no entry on a future or cancelled lesson, the lock, the late flag by
the attendance's deadline, the audit), the first attendance entry recording it, «everyone
present» on the lesson's page and in the grid's pane (who keeps the lesson presses it, others
read the state), the grid's mark on past lessons without one, the deputy's changes page, and
the API."""

from __future__ import annotations

import importlib
import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.accounts.models import ApiToken, Role
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import Attendance, JournalPolicy, RollCall
from zhurnal.timetable.models import Lesson
from zhurnal.timetable.services import cancel_lesson, substitute

from .factories import StaffFactory, StudentFactory, UserFactory, enroll, grant
from .personas import build_world

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
PREFIX = "/api/v1"


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    """The world's lesson: mathematics in 6Б on Wednesday 18.11.2026; today Friday 20.11."""
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        ensure_work_types(world.school)
        yield world


def take(world, lesson=None, persona="teacher"):
    return services.take_roll_call(lesson=lesson or world.lesson, actor=Actor(world.users[persona]))


def attendance(world, code, *, student=None, version=0):
    return services.set_attendance(
        lesson=world.lesson,
        student=student or world.older_student,
        code=code,
        version=version,
        actor=Actor(world.users["teacher"]),
    )


def roll_call_events():
    return AuditEvent.objects.filter(action=AuditAction.ROLL_CALL_TAKEN)


def future_lesson(world) -> Lesson:
    return Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()


# --- the service ----------------------------------------------------------------------------


def test_everyone_present_is_stamped_by_the_server_and_audited(world):
    with at(2026, 11, 18, 9, 14):
        roll_call = take(world)
    assert roll_call.lesson == world.lesson
    assert roll_call.school == world.school
    assert roll_call.entered_by == world.users["teacher"]
    assert roll_call.entered_at == datetime(2026, 11, 18, 9, 14, tzinfo=MSK)
    assert roll_call.late is False
    event = roll_call_events().get()
    assert (event.actor, event.course, event.student) == (
        world.users["teacher"],
        world.course,
        None,
    )
    assert event.object_type == "journal.rollcall"
    assert event.object_id == str(roll_call.pk)
    assert event.before is None
    assert event.after == {
        "lesson": world.lesson.pk,
        "lesson_date": "2026-11-18",
        "roll_call": 0,  # no attendance entry: everyone present
        "late": False,
    }


def test_a_second_roll_call_changes_nothing_and_writes_no_second_audit_row(world):
    with at(2026, 11, 18, 9, 14):
        first = take(world)
    with at(2026, 11, 18, 11, 0):
        again = take(world)
    with at(2026, 11, 25, 11, 0):  # late now, and by another hand: still the first one
        later = take(world, persona="admin")
    assert again.pk == first.pk == later.pk
    assert later.entered_at == datetime(2026, 11, 18, 9, 14, tzinfo=MSK)
    assert (later.entered_by, later.late) == (world.users["teacher"], False)
    assert RollCall.objects.count() == 1
    assert roll_call_events().count() == 1


def test_no_roll_call_on_a_future_lesson(world):
    with at(2026, 11, 20, 10, 0), pytest.raises(ValidationError, match="not ahead") as refused:
        take(world, future_lesson(world))
    assert refused.value.code == "future_lesson"
    assert not RollCall.objects.exists() and not roll_call_events().exists()


def test_no_roll_call_on_a_cancelled_lesson(world):
    with at(2026, 11, 20, 10, 0):
        cancel_lesson(lesson=world.lesson, reason="Карантин", actor=Actor.system())
        world.lesson.refresh_from_db()
        with pytest.raises(ValidationError, match="cancelled") as refused:
            take(world)
    assert refused.value.code == "lesson_cancelled"
    assert not RollCall.objects.exists() and not roll_call_events().exists()


def test_the_lessons_first_attendance_entry_records_its_roll_call(world):
    other = StudentFactory(school=world.school, last_name="Яковлев")
    enroll(other, world.class_6b)
    with at(2026, 11, 18, 9, 20):
        entry = attendance(world, "Н")
    roll_call = RollCall.objects.get(lesson=world.lesson)
    assert roll_call.entered_at == entry.entered_at == datetime(2026, 11, 18, 9, 20, tzinfo=MSK)
    assert (roll_call.entered_by, roll_call.late) == (world.users["teacher"], False)
    event = roll_call_events().get()
    assert event.after["roll_call"] == 1  # taken with one entry
    # The entry's own audit row is there too, in the same transaction.
    assert AuditEvent.objects.filter(action=AuditAction.ATTENDANCE_SET).count() == 1
    with at(2026, 11, 18, 9, 30):
        attendance(world, "ОП", student=other)
        attendance(world, "Б", version=entry.version)
        # "Present" again: the entry goes, the roll call stays (attendance was taken).
        attendance(world, "", version=entry.version + 1)
        assert take(world).pk == roll_call.pk
    assert RollCall.objects.get().entered_at == roll_call.entered_at
    assert roll_call_events().count() == 1


def test_a_refused_attendance_entry_records_no_roll_call(world):
    with at(2026, 11, 20, 10, 0), pytest.raises(ValidationError):
        services.set_attendance(
            lesson=future_lesson(world),
            student=world.older_student,
            code="Н",
            version=0,
            actor=Actor(world.users["teacher"]),
        )
    assert not RollCall.objects.exists() and not roll_call_events().exists()


def test_a_roll_call_after_the_day_of_the_lesson_is_flagged_late(world):
    # Attendance, like the topic, is due on the day of the lesson: by 18.11 24:00.
    with at(2026, 11, 18, 23, 59):
        assert take(world).late is False
    RollCall.objects.all().delete()
    with at(2026, 11, 19, 0, 0):
        late = take(world)
    assert late.late is True
    assert roll_call_events().latest("pk").after["late"] is True


def test_the_first_entry_made_late_records_a_late_roll_call(world):
    with at(2026, 11, 19, 8, 0):
        entry = attendance(world, "Н")
    assert entry.late is True
    assert RollCall.objects.get(lesson=world.lesson).late is True


def test_the_schools_attendance_deadline_applies(world):
    JournalPolicy.objects.create(school=world.school, topic_days=1)  # by the next day's 24:00
    with at(2026, 11, 19, 20, 0):
        assert take(world).late is False


def test_a_locked_date_refuses_the_roll_call_until_a_deputy_unlocks(world):
    JournalPolicy.objects.create(school=world.school, lock_after_days=3)
    # Due 18.11 24:00; locked from 22.11 00:00.
    with at(2026, 11, 22, 9, 0):
        with pytest.raises(ValidationError, match="locked") as refused:
            take(world)
        assert refused.value.code == "locked"
        assert not RollCall.objects.exists()
        services.unlock(
            course=world.course,
            start=world.lesson.date,
            end=world.lesson.date,
            days=1,
            reason="Учитель болел",
            actor=Actor(world.users["deputy"]),
        )
        roll_call = take(world)
    assert roll_call.late is True
    with at(2026, 11, 30, 9, 0):  # locked again, and taken already: answered as it is
        assert take(world).pk == roll_call.pk


def test_the_changes_page_shows_the_roll_calls(client, world):
    monday = Lesson.objects.get(course=world.course, date=date(2026, 11, 16))
    with at(2026, 11, 18, 9, 14):
        take(world)
    with at(2026, 11, 20, 9, 0):
        services.set_attendance(
            lesson=monday,
            student=world.older_student,
            code="Н",
            version=0,
            actor=Actor(world.users["teacher"]),
        )
        client.force_login(world.users["deputy"])
        html = client.get(reverse("journal_control:changes")).content.decode()
    assert html.count("<td>attendance taken</td>") == 2
    assert "∅ → everyone present" in html
    assert "∅ → 1 attendance entry, late" in html
    assert "18.11.2026" in html and "16.11.2026" in html


def test_the_migration_records_the_roll_calls_of_lessons_with_attendance_entries(world):
    """Lessons whose attendance was entered before roll calls were recorded had it taken: with
    their first entry (who, when, late); the others stay without one."""
    migration = importlib.import_module("zhurnal.journal.migrations.0002_roll_call")
    other = StudentFactory(school=world.school, last_name="Яковлев")
    enroll(other, world.class_6b)
    monday = Lesson.objects.get(course=world.course, date=date(2026, 11, 16))
    with at(2026, 11, 18, 9, 20):
        attendance(world, "Н")
    with at(2026, 11, 18, 9, 40):
        services.set_attendance(
            lesson=world.lesson, student=other, code="ОП", version=0, actor=Actor.system()
        )
    with at(2026, 11, 17, 8, 0):
        services.set_attendance(
            lesson=monday, student=other, code="Н", version=0, actor=Actor(world.users["admin"])
        )
    RollCall.objects.all().delete()  # as before the migration
    assert Attendance.objects.count() == 3
    migration.record_the_roll_calls_taken(apps, None)
    taken = {r.lesson_id: r for r in RollCall.objects.all()}
    assert set(taken) == {world.lesson.pk, monday.pk}
    first = taken[world.lesson.pk]
    assert first.entered_at == datetime(2026, 11, 18, 9, 20, tzinfo=MSK)
    assert (first.entered_by, first.late, first.school) == (
        world.users["teacher"],
        False,
        world.school,
    )
    assert (taken[monday.pk].entered_by, taken[monday.pk].late) == (world.users["admin"], True)


# --- the lesson's page and the grid's pane --------------------------------------------------


def _lesson_url(lesson):
    return reverse("journal:lesson", kwargs={"lesson_id": lesson.pk})


def _roll_call_url(lesson):
    return reverse("journal:roll_call", kwargs={"lesson_id": lesson.pk})


def _pane(client, lesson, data=None, **headers):
    url = reverse("journal:lesson_pane", kwargs={"lesson_id": lesson.pk})
    headers = {"HX-Request": "true", **headers}
    if data is None:
        return client.get(url, headers=headers)
    return client.post(url, data, headers=headers)


BUTTON = "Everyone present</button>"


def test_the_teacher_records_everyone_present_on_the_lessons_page(client, world):
    client.force_login(world.users["teacher"])
    with at(2026, 11, 18, 9, 14):
        page = client.get(_lesson_url(world.lesson)).content.decode()
        assert BUTTON in page and f'action="{_roll_call_url(world.lesson)}"' in page
        assert "Attendance not taken yet" in page
        response = client.post(_roll_call_url(world.lesson))
        assert response.status_code == 302
        assert response["Location"] == _lesson_url(world.lesson)
        page = client.get(_lesson_url(world.lesson)).content.decode()
    assert "Attendance is taken: the students without an entry are present." in page
    assert "Attendance taken on 18.11 at 09:14" in page
    assert BUTTON not in page
    assert RollCall.objects.get().entered_by == world.users["teacher"]


def test_the_pane_records_everyone_present_with_htmx(client, world):
    client.force_login(world.users["teacher"])
    with at(2026, 11, 18, 9, 14):
        pane = _pane(client, world.lesson).content.decode()
        assert BUTTON in pane and 'name="action" value="roll_call"' in pane
        assert 'hx-target="#lesson-pane"' in pane
        answer = _pane(client, world.lesson, {"action": "roll_call"})
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html  # the pane again, a fragment
    assert 'class="pane-outcome ok"' in html
    assert "Attendance taken on 18.11 at 09:14" in html
    assert BUTTON not in html
    assert RollCall.objects.filter(lesson=world.lesson).exists()


def test_the_pane_form_sent_without_scripts_returns_to_the_lessons_page(client, world):
    client.force_login(world.users["teacher"])
    url = reverse("journal:lesson_pane", kwargs={"lesson_id": world.lesson.pk})
    with at(2026, 11, 19, 8, 0):
        response = client.post(url, {"action": "roll_call"})
        assert response.status_code == 302
        assert response["Location"] == _lesson_url(world.lesson)
        page = client.get(_lesson_url(world.lesson)).content.decode()
    assert "Attendance taken on 19.11 at 08:00" in page
    assert "entered late" in page
    assert RollCall.objects.get().late is True


def test_a_future_lesson_offers_no_roll_call(client, world):
    client.force_login(world.users["teacher"])
    future = future_lesson(world)
    with at(2026, 11, 20, 10, 0):
        assert BUTTON not in client.get(_lesson_url(future)).content.decode()
        assert BUTTON not in _pane(client, future).content.decode()
        refused = client.post(_roll_call_url(future), follow=True)
    assert "not ahead" in refused.content.decode()
    assert not RollCall.objects.exists()


def test_a_cancelled_lesson_offers_no_roll_call(client, world):
    with at(2026, 11, 20, 10, 0):
        cancel_lesson(lesson=world.lesson, reason="Карантин", actor=Actor.system())
        client.force_login(world.users["teacher"])
        assert BUTTON not in client.get(_lesson_url(world.lesson)).content.decode()
        assert BUTTON not in _pane(client, world.lesson).content.decode()
        assert _pane(client, world.lesson, {"action": "roll_call"}).status_code == 403
    assert not RollCall.objects.exists()


@pytest.mark.parametrize("persona", ["deputy", "director", "admin"])
def test_the_administration_reads_the_state_but_cannot_take_the_roll_call(client, world, persona):
    client.force_login(world.users[persona])
    with at(2026, 11, 20, 10, 0):
        page = client.get(_lesson_url(world.lesson)).content.decode()
        pane = _pane(client, world.lesson).content.decode()
        assert "Attendance not taken yet." in page and "Attendance not taken yet." in pane
        assert BUTTON not in page and BUTTON not in pane
        assert client.post(_roll_call_url(world.lesson)).status_code == 403
        assert _pane(client, world.lesson, {"action": "roll_call"}).status_code == 403
    assert not RollCall.objects.exists()
    with at(2026, 11, 18, 9, 14):
        take(world)
    with at(2026, 11, 20, 10, 0):
        page = client.get(_lesson_url(world.lesson)).content.decode()
    assert "Attendance taken on 18.11 at 09:14" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("class_teacher", 403),  # another teacher: neither teaches 6Б nor leads it
        ("secretary", 403),
        ("parent", 403),
        ("student", 403),
        ("outsider", 404),  # another school's: not told it exists
    ],
)
def test_who_may_not_take_the_roll_call(client, world, persona, status):
    client.force_login(world.users[persona])
    with at(2026, 11, 20, 10, 0):
        assert client.post(_roll_call_url(world.lesson)).status_code == status
        assert _pane(client, world.lesson, {"action": "roll_call"}).status_code == status
    assert not RollCall.objects.exists()


def test_the_roll_call_needs_a_login_and_a_post(client, world):
    with at(2026, 11, 20, 10, 0):
        response = client.post(_roll_call_url(world.lesson))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        client.force_login(world.users["teacher"])
        assert client.get(_roll_call_url(world.lesson)).status_code == 405
    assert not RollCall.objects.exists()


def test_the_substitute_takes_the_roll_call_of_their_lesson_only(client, world):
    substitute_user = UserFactory()
    staff = StaffFactory(school=world.school, user=substitute_user, last_name="Заменова")
    grant(substitute_user, world.school, Role.TEACHER)
    other = Lesson.objects.filter(course=world.course, date__lt=date(2026, 11, 20)).exclude(
        pk=world.lesson.pk
    )[0]
    with at(2026, 11, 18, 9, 0):
        substitute(lesson=world.lesson, teacher=staff, reason="Болезнь", actor=Actor.system())
        client.force_login(substitute_user)
        assert client.post(_roll_call_url(world.lesson)).status_code == 302
        assert client.post(_roll_call_url(other)).status_code == 403
    assert RollCall.objects.get().entered_by == substitute_user
    # The course's own teacher no longer keeps that lesson: the state, no button.
    client.force_login(world.users["teacher"])
    with at(2026, 11, 18, 9, 0):
        assert client.post(_roll_call_url(world.lesson)).status_code == 403


# --- the grid -------------------------------------------------------------------------------


def _grid(client, world) -> str:
    url = reverse("journal:course", kwargs={"course_id": world.course.pk})
    return client.get(url).content.decode()


def _not_taken(html: str) -> int:
    return len(re.findall(r'class="att-h no-roll-call"', html))


def test_the_grid_marks_past_lessons_whose_attendance_was_never_taken(client, world):
    past = list(
        Lesson.objects.filter(course=world.course, date__lt=date(2026, 11, 20)).order_by("date")
    )
    assert len(past) >= 2
    client.force_login(world.users["teacher"])
    with at(2026, 11, 20, 10, 0):
        before = _grid(client, world)
    assert _not_taken(before) == len(past)  # today's and later lessons are not marked
    assert "attendance not taken" in before
    with at(2026, 11, 20, 10, 0):
        take(world)
        after = _grid(client, world)
    assert _not_taken(after) == len(past) - 1


def test_the_roll_calls_cost_the_grid_no_query(client, world):
    client.force_login(world.users["teacher"])

    def count() -> int:
        caches["journal"].clear()  # the grid built, not taken from the cache
        with at(2026, 11, 20, 10, 0), CaptureQueriesContext(connection) as queries:
            _grid(client, world)
        return len(queries)

    with at(2026, 11, 20, 10, 0):
        _grid(client, world)  # the session's first touch is not the page's cost
    none = count()
    with at(2026, 11, 20, 10, 0):
        for lesson in Lesson.objects.filter(course=world.course, date__lte=date(2026, 11, 20)):
            take(world, lesson)
    assert count() == none


# --- the API --------------------------------------------------------------------------------


@pytest.fixture
def api():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _call(api, world, persona, method, path):
    raw = ApiToken.issue(world.users[persona], "test")[1]
    url = f"{PREFIX}/schools/{world.school.pk}{path}"
    return api.generic(method, url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_api_takes_the_roll_call_once_and_the_journal_shows_it(api, world):
    path = f"/lessons/{world.lesson.pk}/roll-call"
    with at(2026, 11, 18, 9, 14):
        first = _call(api, world, "teacher", "POST", path)
    with at(2026, 11, 18, 10, 0):
        second = _call(api, world, "teacher", "POST", path)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    body = first.json()
    assert (body["lesson_id"], body["late"]) == (world.lesson.pk, False)
    assert datetime.fromisoformat(body["taken_at"]) == datetime(2026, 11, 18, 9, 14, tzinfo=MSK)
    assert roll_call_events().count() == 1
    with at(2026, 11, 20, 10, 0):
        journal = _call(api, world, "deputy", "GET", f"/courses/{world.course.pk}/journal")
    lessons = {x["id"]: x["roll_call"] for x in journal.json()["lessons"]}
    assert lessons.pop(world.lesson.pk) == body
    assert set(lessons.values()) == {None}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("deputy", 403),
        ("director", 403),
        ("class_teacher", 403),
        ("parent", 403),
        ("outsider", 404),
    ],
)
def test_who_may_not_take_the_roll_call_through_the_api(api, world, persona, status):
    with at(2026, 11, 20, 10, 0):
        response = _call(api, world, persona, "POST", f"/lessons/{world.lesson.pk}/roll-call")
    assert response.status_code == status
    assert not RollCall.objects.exists()


def test_the_api_refuses_a_future_lesson_with_its_code(api, world):
    with at(2026, 11, 20, 10, 0):
        response = _call(
            api, world, "teacher", "POST", f"/lessons/{future_lesson(world).pk}/roll-call"
        )
    assert response.status_code == 422
    assert response.json()["code"] == "future_lesson"
    assert not RollCall.objects.exists()


def test_an_attendance_entry_through_the_api_records_the_roll_call(api, world):
    raw = ApiToken.issue(world.users["teacher"], "test")[1]
    url = (
        f"{PREFIX}/schools/{world.school.pk}/lessons/{world.lesson.pk}"
        f"/attendance/{world.older_student.pk}"
    )
    with at(2026, 11, 18, 9, 20):
        response = api.put(
            url,
            json.dumps({"code": "Н", "version": 0}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert response.status_code == 200
    assert RollCall.objects.get().entered_at == datetime(2026, 11, 18, 9, 20, tzinfo=MSK)
