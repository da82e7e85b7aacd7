"""The class teacher's daily absence sheet (seed 002, regulation 2.2.1; issue 15): who reads and
keeps it, what a save records and how the journal, the diary and the reports then count the
day; the rules of the journal (no entry ahead, reasons for late changes, no lost update, the
audit); a bounded number of queries whatever the class's size."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.diary import report
from zhurnal.diary.queries import attendance_summary
from zhurnal.journal import services
from zhurnal.journal.absence_sheet import absence_sheet, class_day
from zhurnal.journal.attendance_counts import class_attendance
from zhurnal.journal.models import AbsenceDay
from zhurnal.journal.queries import journal_grid
from zhurnal.journal.services import DayRow
from zhurnal.school.models import AcademicYear
from zhurnal.timetable.models import Lesson

from .api_support import PREFIX, auth
from .factories import SchoolClassFactory, StudentFactory, enroll
from .personas import build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 11, 16)  # 5А: Русский язык, lesson 1 (and lesson 3, added below)
TUESDAY = date(2026, 11, 17)  # 5А: Русский язык, lesson 2


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        first = Lesson.objects.get(course=world.class_course, date=MONDAY)
        world.third = Lesson.objects.create(
            school=world.school,
            course=world.class_course,
            date=MONDAY,
            number=3,
            teacher=first.teacher,
            origin="extra",
        )
        yield world


def sheet_url(world, day=MONDAY, school_class=None):
    school_class = school_class or world.class_5a
    url = reverse("journal_control:absence_sheet", kwargs={"class_id": school_class.pk})
    return f"{url}?date={day.isoformat()}"


def login(client, world, persona):
    client.force_login(world.users[persona])
    return client


class Pages:
    """The pages as a persona of the world gets them, through the test's client."""

    def __init__(self, client, world):
        self.client, self.world = client, world

    def get(self, persona, url, **params):
        """The answer to ``persona`` (the client logged in as them) of a GET of ``url``."""
        return login(self.client, self.world, persona).get(url, params)

    def read(self, persona, url, **params) -> str:
        """The HTML ``persona`` reads at ``url``; the page must open (200)."""
        response = self.get(persona, url, **params)
        assert response.status_code == 200, (persona, url, response.status_code)
        return response.content.decode()


@pytest.fixture
def pages(client, world) -> Pages:
    return Pages(client, world)


def post_data(world, row=("", False, "", 0), day=MONDAY):
    """The sheet as the browser sends it: the student's row (reason, whole day, document,
    version) and the date."""
    reason, whole, document, version = row
    pk = world.student.pk
    data = {
        "date": day.isoformat(),
        "change_reason": "",
        f"reason_{pk}": reason,
        f"document_{pk}": document,
        f"version_{pk}": str(version),
    }
    if whole:
        data[f"whole_{pk}"] = "on"
    return data


def save_sheet(world, reason, whole_day, document="", day=MONDAY):
    """The class teacher saves the sheet of ``day`` with the world's student's new row."""
    services.set_absence_days(
        school_class=world.class_5a,
        day=day,
        rows=[DayRow(world.student, reason, whole_day, document, 0)],
        actor=Actor(world.users["class_teacher"]),
    )


def teacher_absent(world, lesson, code="Н"):
    services.set_attendance(
        lesson=lesson, student=world.student, code=code, version=0, actor=Actor.system()
    )


def shown_on(world, day):
    """What the 5А journal shows of the student on the lessons of ``day``, by lesson number."""
    grid = journal_grid(world.class_course, world.term)
    row = next(r for r in grid.rows if r.student == world.student)
    return {
        gl.lesson.number: cell.attendance
        for gl, cell in zip(grid.lessons, row.cells, strict=True)
        if gl.lesson.date == day
    }


# --- reading ---------------------------------------------------------------------------------


def test_the_sheet_shows_the_teachers_codes_and_asks_for_the_reason(pages, world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        page = pages.read("class_teacher", sheet_url(world))
    assert world.student.short_name in page
    assert "reason not recorded yet" in page
    assert 'class="code code-Н"' in page
    assert "Save the sheet" in page
    # Every control of a row is named by its student; the reasons are tied to the hint.
    assert f'aria-label="Reason: {world.student.short_name}"' in page
    assert 'aria-describedby="sheet-help"' in page
    assert 'id="sheet-help"' in page


def test_the_deputy_reads_the_sheet_without_the_form(client, pages, world):
    with at(2026, 11, 20, 10, 0):
        assert "Save the sheet" not in pages.read("deputy", sheet_url(world))
        refused = client.post(sheet_url(world), post_data(world, ("Б", True, "", 0)))
    assert refused.status_code == 403
    assert not AbsenceDay.objects.exists()


@pytest.mark.parametrize("persona", ["teacher", "parent", "student", "secretary", "hr"])
def test_others_can_neither_read_nor_keep_the_sheet(client, pages, world, persona):
    with at(2026, 11, 20, 10, 0):
        assert pages.get(persona, sheet_url(world)).status_code == 403
        refused = client.post(sheet_url(world), post_data(world, ("Б", True, "", 0)))
    assert refused.status_code == 403
    assert not AbsenceDay.objects.exists()


def test_another_class_is_refused_and_a_foreign_class_not_found(pages, world):
    with at(2026, 11, 20, 10, 0):
        other_class = sheet_url(world, school_class=world.class_6b)
        assert pages.get("class_teacher", other_class).status_code == 403
        year = AcademicYear.objects.get(school=world.other_school)
        foreign = SchoolClassFactory(school=world.other_school, year=year)
        assert pages.get("class_teacher", sheet_url(world, school_class=foreign)).status_code == 404
        bad_date = sheet_url(world).replace(MONDAY.isoformat(), "2026-13-01")
        assert pages.get("class_teacher", bad_date).status_code == 400


# --- keeping ---------------------------------------------------------------------------------


def test_a_reason_for_the_lessons_entered_absent_turns_them_and_leaves_the_others(client, world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        login(client, world, "class_teacher")
        response = client.post(
            sheet_url(world),
            post_data(world, ("У", False, "записка от мамы", 0)),
        )
    assert response.status_code == 302
    day = AbsenceDay.objects.get()
    assert (day.reason, day.whole_day, day.document, day.date) == (
        "У",
        False,
        "записка от мамы",
        MONDAY,
    )
    assert day.entered_by == world.users["class_teacher"]
    assert day.late  # entered on Friday for Monday: allowed, flagged
    event = AuditEvent.objects.get(action=AuditAction.ABSENCE_DAY_SET)
    assert event.after["reason"] == "У" and event.before is None
    assert shown_on(world, MONDAY) == {1: "", 3: "У"}


def test_a_whole_day_reason_covers_every_lesson_of_the_day(client, world):
    with at(2026, 11, 20, 10, 0):
        login(client, world, "class_teacher")
        client.post(sheet_url(world), post_data(world, ("Н", True, "", 0)))
    assert shown_on(world, MONDAY) == {1: "Н", 3: "Н"}
    line = class_attendance(world.school, [world.class_5a], MONDAY, MONDAY)[0].students[0].line
    assert (line.lessons, line.missed["Н"], line.days["Н"]) == (2, 2, 1)


def test_a_range_shows_on_each_day_and_a_day_changed_on_the_sheet_stands_for_that_day(world):
    with at(2026, 11, 20, 10, 0):
        services.record_absence(
            student=world.student,
            start=MONDAY,
            end=TUESDAY,
            reason="Б",
            actor=Actor(world.users["class_teacher"]),
        )
        row = class_day(world.class_5a, MONDAY).rows[0]
        assert (row.reason, row.whole_day, row.range[:2], row.needs_reason) == (
            "Б",
            True,
            (MONDAY, TUESDAY),
            False,
        )
        # Saved as shown: the range says so already, nothing is written.
        actor = Actor(world.users["class_teacher"])
        unchanged = DayRow(world.student, "Б", True, "", 0)
        saved = services.set_absence_days(
            school_class=world.class_5a, day=MONDAY, rows=[unchanged], actor=actor
        )
        assert saved.written == 0 and not AbsenceDay.objects.exists()
        # The student came on Monday after all, for the 3rd lesson: not the whole day.
        teacher_absent(world, Lesson.objects.get(course=world.class_course, date=MONDAY, number=1))
        save_sheet(world, "Б", False)
    assert shown_on(world, MONDAY) == {1: "Б", 3: ""}
    assert shown_on(world, TUESDAY) == {2: "Б"}  # the range's other day


def test_the_diary_and_the_reports_count_the_sheets_reasons(world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        save_sheet(world, "У", False)
        save_sheet(world, "Б", True, day=TUESDAY)
        summary = attendance_summary(world.student, world.term, until=date(2026, 11, 20))
        sheet = absence_sheet(world.class_5a, TUESDAY, date(2026, 11, 20))
    assert summary.total.counts == {"У": 1, "Б": 1}
    line = class_attendance(world.school, [world.class_5a], MONDAY, TUESDAY)[0].total
    assert (line.missed["У"], line.missed["Б"], line.missed["Н"]) == (1, 1, 0)
    assert (line.days["Б"], line.days["У"]) == (1, 0)  # Monday: 1 of 2 lessons missed
    # The sheet's term counts are the same count, up to the day shown.
    row = sheet.class_day.rows[0]
    assert (row.line.missed["У"], row.line.missed["Б"], row.line.days["Б"]) == (1, 1, 1)


# --- the rules of the journal ------------------------------------------------------------------


def test_no_reason_ahead_of_the_day(world):
    with at(2026, 11, 20, 10, 0), pytest.raises(ValidationError) as refused:
        save_sheet(world, "Б", True, day=date(2026, 11, 23))
    assert refused.value.code == "future_day"


def test_a_student_of_another_class_is_refused(world):
    with at(2026, 11, 20, 10, 0), pytest.raises(ValidationError) as refused:
        services.set_absence_days(
            school_class=world.class_5a,
            day=MONDAY,
            rows=[DayRow(world.older_student, "Б", True, "", 0)],
            actor=Actor(world.users["class_teacher"]),
        )
    assert refused.value.code == "not_on_list"


def test_a_change_on_a_later_day_needs_a_reason_and_is_audited(world):
    actor = Actor(world.users["class_teacher"])
    with at(2026, 11, 16, 12, 0):
        save_sheet(world, "Н", True)
    assert not AbsenceDay.objects.get().late  # on the day itself
    with at(2026, 11, 20, 10, 0):
        with pytest.raises(ValidationError) as refused:
            services.set_absence_days(
                school_class=world.class_5a,
                day=MONDAY,
                rows=[DayRow(world.student, "У", True, "справка", 1)],
                actor=actor,
            )
        assert refused.value.code == "reason_required"
        assert AbsenceDay.objects.get().reason == "Н"  # nothing written
        services.set_absence_days(
            school_class=world.class_5a,
            day=MONDAY,
            rows=[DayRow(world.student, "У", True, "справка", 1)],
            reason="справка принесена в пятницу",
            actor=actor,
        )
        # Removing the day's reason is a change too: audited with its reason.
        services.set_absence_days(
            school_class=world.class_5a,
            day=MONDAY,
            rows=[DayRow(world.student, "", False, "", 2)],
            reason="ошибка: ученик был в школе",
            actor=actor,
        )
    assert not AbsenceDay.objects.exists()
    changed = AuditEvent.objects.filter(action=AuditAction.ABSENCE_DAY_SET).order_by("pk")
    assert [e.after["reason"] for e in changed] == ["Н", "У"]
    assert changed[1].before["reason"] == "Н"
    assert changed[1].reason == "справка принесена в пятницу"
    removed = AuditEvent.objects.get(action=AuditAction.ABSENCE_DAY_DELETED)
    assert (removed.before["reason"], removed.reason) == ("У", "ошибка: ученик был в школе")


def test_a_row_changed_meanwhile_is_not_overwritten(client, world):
    with at(2026, 11, 20, 10, 0):
        save_sheet(world, "Н", True)
        # A second tab, opened before that save, still holds version 0.
        login(client, world, "class_teacher")
        response = client.post(
            sheet_url(world),
            post_data(world, ("Б", True, "", 0)),
            follow=True,
        )
    assert "Changed meanwhile by someone else" in response.content.decode()
    assert AbsenceDay.objects.get().reason == "Н"


def test_a_closed_year_is_read_only_on_the_sheet(pages, world):
    year = world.class_5a.year
    with at(2026, 11, 20, 10, 0):
        year.closed_at = datetime(2026, 11, 20, 9, 0, tzinfo=MSK)
        year.save()
        page = pages.read("class_teacher", sheet_url(world))
    assert "is closed" in page
    assert "Save the sheet" not in page


# --- navigation, queries -------------------------------------------------------------------------


def test_the_sheet_links_the_days_before_and_after(pages, world):
    with at(2026, 11, 20, 10, 0):
        page = pages.read("class_teacher", sheet_url(world, TUESDAY))
        today = pages.read("class_teacher", sheet_url(world, date(2026, 11, 20)))
    assert "?date=2026-11-16" in page and "?date=2026-11-18" in page
    assert 'rel="next"' not in today  # nothing to keep ahead of today


def test_the_sheet_costs_the_same_queries_for_a_small_and_a_large_class(client, pages, world):
    def count() -> int:
        with at(2026, 11, 20, 10, 0), CaptureQueriesContext(connection) as queries:
            assert client.get(sheet_url(world)).status_code == 200
        return len(queries)

    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        pages.read("class_teacher", sheet_url(world))  # warm the session and the policy
    small = count()
    with at(2026, 11, 20, 10, 0):
        for n in range(30):
            student = StudentFactory(school=world.school, last_name=f"Ученик{n:02d}")
            enroll(student, world.class_5a)
            services.set_attendance(
                lesson=world.third, student=student, code="Н", version=0, actor=Actor.system()
            )
    assert count() == small
    # The floor's three, the class, the day (5), the term, its counts (4, and SET/RESET of
    # custom plans on PostgreSQL), the sheet's rules (policy, closed year): docs/performance.md.
    # On Citus the memberships take two statements (docs/scaling.md).
    budget = (17 if connection.vendor == "postgresql" else 15) + settings.ZHURNAL_CITUS
    assert small <= budget, small


# --- the class teacher's home page ---------------------------------------------------------------


def test_the_class_teachers_home_lists_todays_absentees_with_their_reason(pages, world):
    first = Lesson.objects.get(course=world.class_course, date=MONDAY, number=1)
    with at(2026, 11, 16, 10, 0):
        teacher_absent(world, first)
        page = pages.read("class_teacher", reverse("home"))
        assert "Absent today in 5А" in page
        assert world.student.short_name in page
        assert "reason not recorded yet" in page
        assert sheet_url(world).split("?")[0] in page
        save_sheet(world, "Б", True)
        page = pages.read("class_teacher", reverse("home"))
        assert "reason not recorded yet" not in page
        assert "the whole day" in page
        # Another teacher, who leads no class, has no such section.
        assert "Absent today" not in pages.read("teacher", reverse("home"))


def test_nobody_absent_is_said_so(pages):
    with at(2026, 11, 16, 10, 0):
        page = pages.read("class_teacher", reverse("home"))
    assert "Nobody is absent so far today." in page


# --- the API -------------------------------------------------------------------------------------


def api_get(client, world, persona, path, **params):
    url = f"{PREFIX}/schools/{world.school.pk}{path}"
    return client.get(url, params, **auth(world.users[persona]))


def test_the_api_gives_the_class_teacher_the_days_sheet(client, world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        save_sheet(world, "У", False, "записка")
        path = f"/classes/{world.class_5a.pk}/absences/sheet"
        answer = api_get(client, world, "class_teacher", path, date="2026-11-16")
        assert api_get(client, world, "teacher", path).status_code == 403
        assert api_get(client, world, "parent", path).status_code == 403
    assert answer.status_code == 200
    data = answer.json()
    assert data["date"] == "2026-11-16"
    (row,) = data["students"]
    assert row["student"]["id"] == world.student.pk
    assert [(x["number"], x["entered"], x["shown"]) for x in row["lessons"]] == [
        (1, "", ""),
        (3, "Н", "У"),
    ]
    assert row["day_reason"] == {
        "reason": "У",
        "whole_day": False,
        "source": "day",
        "range_start": None,
        "range_end": None,
        "document": "записка",
        "version": 1,
    }
    assert row["term"]["lessons_missed_by_reason"] == {"Н": 0, "Б": 0, "У": 1}


def test_the_api_gives_the_parent_their_childs_absences_and_hides_others(client, world):
    with at(2026, 11, 20, 10, 0):
        services.record_absence(
            student=world.student,
            start=TUESDAY,
            end=TUESDAY,
            reason="Б",
            actor=Actor(world.users["class_teacher"]),
        )
        teacher_absent(world, world.third)
        own = api_get(client, world, "parent", f"/students/{world.student.pk}/absences")
        other = api_get(client, world, "parent", f"/students/{world.older_student.pk}/absences")
        staff = api_get(client, world, "teacher", f"/students/{world.student.pk}/absences")
    assert other.status_code == 404
    assert staff.status_code == 403
    assert own.status_code == 200
    days = {d["date"]: d for d in own.json()["days"]}
    assert days["2026-11-16"]["reason"] == "" and days["2026-11-16"]["lessons_missed"] == 1
    assert (days["2026-11-17"]["reason"], days["2026-11-17"]["whole_day"]) == ("Б", True)
    assert [x["shown"] for x in days["2026-11-17"]["lessons"]] == ["Б"]


# --- the diary -----------------------------------------------------------------------------------


def test_the_parents_diary_shows_the_sheets_reason_in_the_week_and_the_attendance(pages, world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        save_sheet(world, "У", False, "записка")
        child = {"student_id": world.student.pk}
        week = pages.read("parent", reverse("diary:week", kwargs=child), week="2026-11-16")
        page = pages.read("parent", reverse("diary:attendance", kwargs=child))
    assert ">У<" in week and ">Н<" not in week
    days = page[page.index('id="h-absence-days"') :]
    assert "16.11" in days and "valid reason" in days
    assert "Русский язык — У" in days


# --- the reports ---------------------------------------------------------------------------------


def test_the_class_attendance_report_counts_the_sheets_reasons(client, pages, world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        save_sheet(world, "Б", True, "справка")
        path = f"/classes/{world.class_5a.pk}/reports/attendance"
        answer = api_get(client, world, "deputy", path, start="2026-11-16", end="2026-11-17")
        page = pages.read(
            "deputy",
            reverse("reports:class_attendance", kwargs={"class_id": world.class_5a.pk}),
            start="2026-11-16",
            end="2026-11-17",
        )
    assert answer.status_code == 200
    (row,) = answer.json()["students"]
    assert row["missed_by_reason"] == {"Н": 0, "Б": 2, "У": 0}
    assert row["days_by_reason"] == {"Н": 0, "Б": 1, "У": 0}
    assert "the daily sheet" in page


def test_the_deputys_changes_page_lists_the_sheets_days(pages, world):
    with at(2026, 11, 20, 10, 0):
        save_sheet(world, "Б", True)
        page = pages.read("deputy", reverse("journal_control:changes"))
    assert "Б 2026-11-16, the whole day" in page


def test_the_register_forms_hint_is_tied_to_its_field(pages, world):
    with at(2026, 11, 20, 10, 0):
        url = reverse("journal_control:absences", kwargs={"class_id": world.class_5a.pk})
        page = pages.read("class_teacher", url)
        sheet = pages.read("class_teacher", sheet_url(world, date(2026, 11, 16)))
    assert 'aria-describedby="id_document_helptext"' in page
    assert 'id="id_document_helptext"' in page
    assert 'aria-describedby="id_change_reason_helptext"' in sheet
    assert 'id="id_change_reason_helptext"' in sheet


def test_the_progress_report_counts_the_sheets_reasons(world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        save_sheet(world, "У", False)
        (row,) = report.progress_data(world.class_5a, MONDAY, TUESDAY)
    (russian,) = row.subjects
    assert russian.absences == {"У": 1}


# --- the week ------------------------------------------------------------------------------------


def test_the_week_shows_each_days_reason_or_that_it_is_missing(pages, world):
    with at(2026, 11, 20, 10, 0):
        teacher_absent(world, world.third)
        services.record_absence(
            student=world.student,
            start=TUESDAY,
            end=TUESDAY,
            reason="Б",
            actor=Actor(world.users["class_teacher"]),
        )
        url = reverse("journal_control:absence_week", kwargs={"class_id": world.class_5a.pk})
        page = pages.read("class_teacher", url, date="2026-11-18")
        assert pages.get("teacher", url).status_code == 403
        assert pages.get("deputy", url).status_code == 200
    row = page[page.index(world.student.short_name) :]
    assert "reason not recorded yet</span> 1/2" in row  # Monday: 1 of 2 lessons, no reason
    assert '<span class="code">Б</span> 1/1' in row  # Tuesday: the period's reason
    assert "?date=2026-11-16" in page
