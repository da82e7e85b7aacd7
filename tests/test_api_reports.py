"""The reports and the control of the journals through the API (issue 12, item 5: "indicators,
remarks and reports as JSON behind the same rules"): the hand-worked figures of
tests/reports_world.py as JSON, the same rules as the pages (allowed and denied sides), bad
periods and dates, the remarks' workflow with its refusals, and a bounded number of queries.

Every endpoint's access by role is also in the matrix of tests/test_api.py."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhurnal.accounts.models import ApiToken, Role
from zhurnal.journal.models import Attendance, AttendanceCode
from zhurnal.oversight.models import JournalRemark, RemarkStatus, SupportAction
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, LessonOrigin

from .api_support import PREFIX, bearer
from .factories import (
    GuardianFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    UserFactory,
    YearFactory,
    grant,
)
from .reports_world import ENTERED, MSK, build_reports_world, plan_statements

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def at(*args):
    return time_machine.travel(datetime(*args, 10, 0, tzinfo=MSK), tick=False)


@pytest.fixture
def rw():
    """The hand-worked school on 10.12.2026 (the control's day; the reports travel to
    12.01.2027, after the 2nd quarter), with a person of each role and their tokens."""
    with at(2026, 12, 10):
        world = build_reports_world()
        school = world.school
        users = {}
        for name, role in (("deputy", Role.DEPUTY), ("director", Role.DIRECTOR)):
            users[name] = grant(UserFactory(username=f"a-{name}"), school, role)
            StaffFactory(school=school, user=users[name])
        users["teacher"] = grant(UserFactory(username="a-teacher"), school, Role.TEACHER)
        world.teacher.user = users["teacher"]
        world.teacher.save()
        users["class_teacher"] = grant(UserFactory(username="a-ct"), school, Role.TEACHER)
        world.leader = StaffFactory(school=school, user=users["class_teacher"])
        world.class_5a.class_teacher = world.leader
        world.class_5a.save()
        users["other_teacher"] = grant(UserFactory(username="a-other"), school, Role.TEACHER)
        world.other_staff = StaffFactory(school=school, user=users["other_teacher"])
        users["parent"] = grant(UserFactory(username="a-parent"), school, Role.PARENT)
        guardian = GuardianFactory(school=school, user=users["parent"])
        m.StudentGuardian.objects.create(
            school=school, student=world.students["Дмитриева"], guardian=guardian, relation="mother"
        )
        world.other_school = SchoolFactory(short_name="СОШ № 77")
        users["outsider"] = grant(
            UserFactory(username="a-outsider"), world.other_school, Role.ADMIN
        )
        world.users = users
        world.tokens = {name: ApiToken.issue(user, "test")[1] for name, user in users.items()}
        yield world


def call(api, rw, persona, path, body=None, *, method="POST", school=None, **params):
    """A call of ``persona`` under /schools/{the world's school}; a GET without ``body``."""
    url = f"{PREFIX}/schools/{(school or rw.school).pk}{path}"
    headers = bearer(rw.tokens[persona])
    if body is None:
        return api.get(url, params, **headers)
    return api.generic(method, url, json.dumps(body), content_type="application/json", **headers)


def by_label(rows):
    return {row["label"]: row for row in rows}


# --- the school's results --------------------------------------------------------------------


def test_the_results_by_class_are_the_hand_worked_figures(api, rw):
    with at(2027, 1, 12):
        response = call(api, rw, "deputy", "/reports/results", period=rw.q2.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["period"]["key"] == str(rw.q2.pk) and body["by"] == "class"
    assert body["previous"]["term"]["id"] == rw.q1.pk
    assert body["running"] is False
    five_a = by_label(body["rows"])["5А"]
    assert five_a["class_id"] == rw.class_5a.pk
    figures = five_a["figures"]
    # 5А: 4 students; excellent 2, one «3» 1, failing 1; 75,0 %; 50,0 %; СОУ 67,4; 4,25.
    assert (figures["unit"], figures["counted"], figures["failing"]) == ("students", 4, 1)
    assert figures["standings"]["excellent"] == 2 and figures["standings"]["one_three"] == 1
    assert (figures["success_rate"], figures["quality"]) == ("75.0", "50.0")
    assert (figures["sou"], figures["average"]) == ("67.4", "4.25")
    assert figures["by_grade"]["н/а"] == 1 and figures["by_grade"]["осв"] == 1
    # The 1st quarter: only Аксенов has a mark, a «2» in Russian — his forecast.
    previous = five_a["previous"]
    assert (previous["counted"], previous["failing"], previous["success_rate"]) == (1, 1, "0.0")
    # 10А is reported with its 1st half-year, which closes with the 2nd quarter.
    ten_a = next(c for c in body["classes"] if c["name"] == "10А")
    assert ten_a["term"]["id"] == rw.h1.pk and ten_a["day"] == "2026-12-28"
    school = body["school"]
    assert (school["counted"], school["success_rate"], school["quality"]) == (5, "80.0", "60.0")
    assert body["other_classes"] == [] and body["unmarked"] == []


@pytest.mark.parametrize(
    ("by", "labels", "unit"),
    [
        ("parallel", ["5", "10"], "students"),
        (
            "subject",
            ["Алгебра", "Английский язык", "Математика", "Русский язык", "Физическая культура"],
            "results",
        ),
        ("teacher", None, "results"),
    ],
)
def test_the_results_by_parallel_subject_and_teacher(api, rw, by, labels, unit):
    with at(2027, 1, 12):
        body = call(api, rw, "director", "/reports/results", period=rw.q2.pk, by=by).json()
    assert [r["label"] for r in body["rows"]] == (labels or [rw.teacher.full_name])
    assert {r["figures"]["unit"] for r in body["rows"]} == {unit}
    if by == "parallel":
        assert [r["grade"] for r in body["rows"]] == [5, 10]
    if by == "teacher":
        assert body["rows"][0]["teacher_id"] == rw.teacher.pk
    if by == "subject":
        maths = by_label(body["rows"])["Математика"]["figures"]
        # 5, 4, н/а entered; Воронин's forecast 5 (Григорьева left before the end).
        assert maths["by_grade"]["5"] == 2 and maths["by_grade"]["н/а"] == 1
        assert maths["standings"] is None


def test_the_first_quarter_leaves_out_the_class_of_halves(api, rw):
    # A class without any result (no marks at all) is named apart, not a row of zeros.
    SchoolClassFactory(
        school=rw.school, year=rw.year, grade_level=rw.class_5a.grade_level, letter="Б"
    )
    with at(2027, 1, 12):
        body = call(api, rw, "deputy", "/reports/results", period=rw.q1.pk).json()
    assert body["previous"] is None
    (other,) = body["other_classes"]
    assert other["school_class"]["name"] == "10А"
    assert {t["kind"] for t in other["terms"]} == {"half"}
    assert [r["label"] for r in body["rows"]] == ["5А"] and body["unmarked"] == ["5Б"]


def test_the_year_and_the_default_period(api, rw):
    with at(2027, 1, 12):
        year = call(api, rw, "deputy", "/reports/results", period="year").json()
        default = call(api, rw, "deputy", "/reports/results").json()
    assert year["period"]["key"] == "year" and year["period"]["term"] is None
    assert year["previous"] is None and year["running"] is True
    # 12.01.2027: the 3rd quarter started yesterday; the 2nd is the one to look at.
    assert default["period"]["term"]["id"] == rw.q2.pk


def test_a_bad_period_or_level_is_refused(api, rw):
    other_year = YearFactory(
        school=rw.school, title="2025/2026", start=date(2025, 9, 1), end=date(2026, 5, 31)
    )
    old_term = m.Term.objects.create(
        school=rw.school,
        year=other_year,
        kind="quarter",
        number=1,
        start=date(2025, 9, 1),
        end=date(2025, 10, 24),
    )
    foreign_year = YearFactory(school=rw.other_school)
    foreign = m.Term.objects.create(
        school=rw.other_school,
        year=foreign_year,
        kind="quarter",
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 10, 24),
    )
    with at(2027, 1, 12):
        for period, status in (
            ("12.2026", 422),
            (str(old_term.pk), 422),
            (str(foreign.pk), 404),
            ("999999", 404),
        ):
            response = call(api, rw, "deputy", "/reports/results", period=period)
            assert response.status_code == status, period
        assert response.json()["code"] == "not_found"
        response = call(api, rw, "deputy", "/reports/results", period=old_term.pk)
        assert response.json()["code"] == "validation_error"
        assert "Select a valid choice." in response.json()["message"]
        response = call(api, rw, "deputy", "/reports/results", by="week")
        assert response.status_code == 422 and response.json()["details"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("deputy", 200),
        ("director", 200),
        ("class_teacher", 403),
        ("teacher", 403),
        ("parent", 403),
        ("outsider", 404),
    ],
)
def test_the_schools_figures_are_the_administrations(api, rw, persona, status):
    with at(2027, 1, 12):
        response = call(api, rw, persona, "/reports/results")
    assert response.status_code == status
    assert status == 200 or response.json()["code"] in {"permission_denied", "not_found"}


def test_the_results_cost_the_same_queries_whatever_the_school(
    api, rw, django_assert_max_num_queries
):
    with at(2027, 1, 12):
        call(api, rw, "deputy", "/reports/results", period=rw.q2.pk)  # the token's last use
        with CaptureQueriesContext(connection) as small:
            call(api, rw, "deputy", "/reports/results", period=rw.q2.pk)
        more = SchoolClassFactory(
            school=rw.school, year=rw.year, grade_level=rw.class_5a.grade_level, letter="Б"
        )
        for _ in range(30):
            m.Enrollment.objects.create(
                school=rw.school,
                student=StudentFactory(school=rw.school),
                school_class=more,
                start=rw.year.start,
            )
        for course in (rw.maths, rw.russian):
            extra = m.Course.objects.create(
                school=rw.school, year=rw.year, subject=course.subject, school_class=more
            )
            extra.teachers.add(rw.teacher)
        # The token, the year and its terms, the classes, two periods' results.
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = call(api, rw, "deputy", "/reports/results", period=rw.q2.pk)
        # 5Б's forecasts are empty (no marks yet): named apart.
        assert response.json()["unmarked"] == ["5Б"]
    assert len(small.captured_queries) <= 18


# --- a class's summary and attendance --------------------------------------------------------


def test_the_class_summary_is_students_by_subjects(api, rw, django_assert_max_num_queries):
    with at(2027, 1, 12):
        call(api, rw, "class_teacher", "/reports/results")  # the token's last use
        # The token, the user's schools and context, the class, the year and its terms, the
        # period's results (7, with the school's policy).
        with django_assert_max_num_queries(12):
            response = call(
                api,
                rw,
                "class_teacher",
                f"/classes/{rw.class_5a.pk}/reports/summary",
                period=rw.q2.pk,
            )
    assert response.status_code == 200
    body = response.json()
    assert body["in_period"] is True and body["term"]["id"] == rw.q2.pk
    subjects = [s["name"] for s in body["subjects"]]
    assert subjects == ["Английский язык", "Математика", "Русский язык", "Физическая культура"]
    voronin = next(r for r in body["rows"] if r["student"]["id"] == rw.students["Воронин"].pk)
    cells = voronin["cells"]
    # On the lists of English (group 2) and Russian, without a mark yet: nothing to forecast.
    for empty in (cells[0], cells[2]):
        assert (empty["value"], empty["grade"], empty["marks"]) == ("", "", 0)
    assert (cells[1]["value"], cells[1]["forecast"], cells[1]["average"]) == ("5", True, "4.67")
    assert (cells[3]["value"], cells[3]["grade"], cells[3]["forecast"]) == ("осв", "осв", False)
    assert voronin["standing"] == "excellent"
    russian = body["subjects"][2]["figures"]
    # Forecasts 5, 3, 3 (Аксенов, Борисова, Дмитриева): average 3,67.
    assert (russian["counted"], russian["average"]) == (3, "3.67")
    assert body["figures"]["success_rate"] == "75.0"


def test_a_class_not_in_the_period_says_which_terms_it_follows(api, rw):
    with at(2027, 1, 12):
        body = call(
            api, rw, "deputy", f"/classes/{rw.class_10a.pk}/reports/summary", period=rw.q1.pk
        ).json()
    assert body["in_period"] is False and body["rows"] == [] and body["figures"] is None
    assert [t["number"] for t in body["terms"]] == [1, 2]


@pytest.mark.parametrize("tail", ["summary", "attendance"])
def test_a_classs_reports_follow_the_class_rule(api, rw, tail):
    foreign = SchoolClassFactory(school=rw.other_school, year=YearFactory(school=rw.other_school))
    with at(2027, 1, 12):
        for persona, class_id, status in (
            ("deputy", rw.class_5a.pk, 200),
            ("class_teacher", rw.class_5a.pk, 200),
            ("class_teacher", rw.class_10a.pk, 403),
            ("teacher", rw.class_5a.pk, 403),
            ("parent", rw.class_5a.pk, 403),
            ("deputy", foreign.pk, 404),
        ):
            response = call(api, rw, persona, f"/classes/{class_id}/reports/{tail}")
            assert response.status_code == status, (persona, class_id)


def test_the_attendance_of_a_class_by_reason_and_whole_days(api, rw):
    day = date(2026, 12, 2)
    lessons = [
        Lesson.objects.create(
            school=rw.school,
            course=course,
            date=day,
            number=number,
            teacher=rw.teacher,
            origin=LessonOrigin.EXTRA,
        )
        for number, course in enumerate((rw.maths, rw.russian), start=1)
    ]

    def mark(name, lesson, code):
        Attendance.objects.create(
            school=rw.school,
            lesson=lesson,
            student=rw.students[name],
            code=code,
            entered_at=ENTERED,
            changed_at=ENTERED,
        )

    for lesson in lessons:
        mark("Аксенов", lesson, AttendanceCode.ABSENT)
    mark("Борисова", lessons[1], AttendanceCode.LATE)
    url = f"/classes/{rw.class_5a.pk}/reports/attendance"
    response = call(api, rw, "class_teacher", url, start="2026-12-02", end="2026-12-02")
    assert response.status_code == 200
    body = response.json()
    rows = {r["student"]["name"]: r for r in body["students"]}
    aksenov = rows[rw.students["Аксенов"].full_name]
    assert (aksenov["lessons"], aksenov["missed"], aksenov["missed_share"]) == (2, 2, "100.0")
    assert aksenov["missed_by_reason"] == {"Н": 2, "Б": 0, "У": 0}
    assert (aksenov["days"], aksenov["days_by_reason"]["Н"]) == (1, 1)
    assert rows[rw.students["Борисова"].full_name]["late"] == 1
    assert (body["total"]["missed"], body["total"]["late"]) == (2, 1)
    # The range defaults to the running term up to today.
    default = call(api, rw, "class_teacher", url).json()
    assert (default["start"], default["end"]) == ("2026-11-05", "2026-12-10")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-12-09", "end": "2026-12-01"}, "The first day is after the last day."),
        ({"start": "2025-01-01", "end": "2026-12-01"}, "Choose at most 400 days."),
        ({"start": "09.12.2026"}, None),
    ],
)
def test_a_bad_range_of_dates_is_refused(api, rw, params, message):
    url = f"/classes/{rw.class_5a.pk}/reports/attendance"
    response = call(api, rw, "deputy", url, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    if message:
        assert body["message"] == message
    else:
        assert body["details"][0]["loc"] == ["query", "start"]


# --- the control indicators ------------------------------------------------------------------

RANGE = {"start": "2026-11-01", "end": "2026-12-09"}


def test_the_indicators_of_the_school_by_class(api, rw, django_assert_max_num_queries):
    call(api, rw, "deputy", "/remarks")  # the token's last use
    # The token, the user's schools and context, the year; the indicators' 20.
    with django_assert_max_num_queries(24 + plan_statements()):
        response = call(api, rw, "deputy", "/control/indicators", **RANGE)
    assert response.status_code == 200
    body = response.json()
    assert body["by"] == "class" and body["scope"]["teacher_id"] is None
    assert (body["start"], body["end"], body["day"]) == ("2026-11-01", "2026-12-09", "2026-12-09")
    assert [i["key"] for i in body["indicators"]][:2] == ["no_topic", "late_topic"]
    five_a = by_label(body["rows"])["5А"]
    assert five_a["scope"]["class_id"] == rw.class_5a.pk
    # 5 lessons of 5А held in the range, none with a topic (24.11, 1.12; 10.11, 17.11, 24.11).
    assert five_a["lessons"] == 5
    assert five_a["figures"]["no_topic"] == {"count": 5, "share": None}
    assert body["total"]["figures"]["no_topic"]["count"] == 5
    students = five_a["figures"]["no_marks"]
    assert students["count"] > 0 and students["share"] is not None


def test_a_teacher_gets_their_own_journals_and_cannot_widen_them(api, rw):
    body = call(api, rw, "teacher", "/control/indicators", **RANGE).json()
    assert body["by"] == "course" and body["scope"]["teacher_id"] == rw.teacher.pk
    assert {r["scope"]["course_id"] for r in body["rows"]} >= {rw.maths.pk, rw.russian.pk}
    for params in (
        {"teacher": rw.other_staff.pk},
        {"class": rw.class_5a.pk},
        {"grade": 5},
    ):
        response = call(api, rw, "teacher", "/control/indicators", **params)
        assert response.status_code == 403, params
    response = call(api, rw, "class_teacher", "/control/indicators", **{"class": rw.class_5a.pk})
    assert response.status_code == 200
    assert call(api, rw, "parent", "/control/indicators").status_code == 403


def test_a_forged_or_malformed_scope(api, rw):
    other_year = YearFactory(school=rw.other_school)
    foreign = SchoolClassFactory(school=rw.other_school, year=other_year)
    for params, status in (
        ({"class": foreign.pk}, 404),
        ({"course": 999999}, 404),
        ({"class": "x"}, 422),
        ({"start": "2026-12-09", "end": "2026-11-01"}, 422),
    ):
        response = call(api, rw, "deputy", "/control/indicators", **params)
        assert response.status_code == status, params
    assert call(api, rw, "outsider", "/control/indicators").status_code == 404


def test_the_cases_of_an_indicator(api, rw):
    response = call(
        api, rw, "deputy", "/control/indicators/no_topic/cases", course=rw.russian.pk, **RANGE
    )
    assert response.status_code == 200
    body = response.json()
    assert body["indicator"]["key"] == "no_topic" and body["scope"]["course_id"] == rw.russian.pk
    table = body["table"]
    assert table["headers"] == ["Lesson", "Journal", "Teacher"]
    assert [row[0]["text"][:10] for row in table["rows"]] == [
        "10.11.2026",
        "17.11.2026",
        "24.11.2026",
    ]
    assert all(row[0]["url"].startswith("/") for row in table["rows"])
    assert table["rows"][0][2]["value"] == rw.teacher.short_name
    response = call(api, rw, "deputy", "/control/indicators/no_such_figure/cases")
    assert response.status_code == 404
    assert call(api, rw, "parent", "/control/indicators/no_topic/cases").status_code == 403


# --- remarks ---------------------------------------------------------------------------------


def write(api, rw, persona="deputy", **overrides):
    body = {
        "course_id": rw.maths.pk,
        "teacher_id": rw.teacher.pk,
        "kind": "topics",
        "text": "Не записаны темы уроков 24.11 и 1.12.",
        "due": "2026-12-15",
        **overrides,
    }
    return call(api, rw, persona, "/remarks", body)


def test_a_remark_goes_open_fixed_reopened_accepted(api, rw):
    response = write(api, rw)
    assert response.status_code == 201
    remark = response.json()
    assert (remark["status"], remark["due"], remark["can_check"]) == ("open", "2026-12-15", True)
    assert remark["course"]["audience"] == "5А" and remark["teacher"]["id"] == rw.teacher.pk
    assert [s["action"] for s in remark["steps"]] == ["written"]
    path = f"/remarks/{remark['id']}"
    # The teacher reads it among theirs and may fix it; not check it.
    listed = call(api, rw, "teacher", "/remarks").json()
    assert [r["id"] for r in listed["items"]] == [remark["id"]] and listed["total"] == 1
    detail = call(api, rw, "teacher", path).json()
    assert (detail["can_fix"], detail["can_check"]) == (True, False)
    assert call(api, rw, "teacher", path + "/accept", {}).status_code == 403
    refused = call(api, rw, "teacher", path + "/fix", {"comment": " "})
    assert refused.status_code == 422 and refused.json()["code"] == "required"
    assert refused.json()["message"] == "Say what was done."
    fixed = call(api, rw, "teacher", path + "/fix", {"comment": "Темы записаны."})
    assert fixed.status_code == 200 and fixed.json()["status"] == "fixed"
    again = call(api, rw, "teacher", path + "/fix", {"comment": "Ещё раз."})
    assert again.status_code == 422 and again.json()["code"] == "status"
    # The deputy reopens it — not with a date in the past — and accepts it.
    past = call(
        api, rw, "deputy", path + "/reopen", {"comment": "Нет темы 1.12.", "due": "2026-12-01"}
    )
    assert past.status_code == 422 and past.json()["code"] == "due_past"
    no_date = call(api, rw, "deputy", path + "/reopen", {"comment": "Нет темы 1.12."})
    assert no_date.status_code == 422 and no_date.json()["code"] == "validation_error"
    reopened = call(
        api, rw, "deputy", path + "/reopen", {"comment": "Нет темы 1.12.", "due": "2026-12-17"}
    )
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["due"]) == ("open", "2026-12-17")
    accepted = call(api, rw, "deputy", path + "/accept", {"comment": "Принято."})
    assert accepted.json()["status"] == "accepted" and accepted.json()["can_check"] is False
    assert [s["action"] for s in accepted.json()["steps"]] == [
        "written",
        "fixed",
        "reopened",
        "accepted",
    ]
    closed = call(api, rw, "deputy", path + "/reopen", {"comment": "x", "due": "2026-12-20"})
    assert closed.status_code == 422 and closed.json()["code"] == "status"
    assert JournalRemark.objects.get().status == RemarkStatus.ACCEPTED


def test_writing_a_remark_is_refused_with_the_services_reason(api, rw):
    teacher_refused = write(api, rw, teacher_id=rw.other_staff.pk)
    assert teacher_refused.status_code == 422 and teacher_refused.json()["code"] == "teacher"
    assert write(api, rw, due="2026-12-01").json()["code"] == "due_past"
    assert write(api, rw, text="  ").json()["code"] == "required"
    assert write(api, rw, kind="weather").status_code == 422
    # A lesson of another journal, a course of another school: not found.
    lesson = Lesson.objects.filter(course=rw.russian).first()
    assert write(api, rw, lesson_id=lesson.pk).status_code == 404
    foreign_year = YearFactory(school=rw.other_school)
    foreign = m.Course.objects.create(
        school=rw.other_school,
        year=foreign_year,
        subject=m.Subject.objects.create(school=rw.other_school, name="Физика"),
        school_class=SchoolClassFactory(school=rw.other_school, year=foreign_year),
    )
    assert write(api, rw, course_id=foreign.pk).status_code == 404
    # Only the deputies and the director write remarks.
    assert write(api, rw, persona="teacher").status_code == 403
    assert write(api, rw, persona="parent").status_code == 403
    assert not JournalRemark.objects.exists()
    # About a lesson of the journal, with the default due date (7 days).
    lesson = Lesson.objects.filter(course=rw.maths).first()
    response = write(api, rw, lesson_id=lesson.pk, due=None)
    assert response.status_code == 201
    assert response.json()["lesson"]["id"] == lesson.pk
    assert response.json()["due"] == "2026-12-17"


def test_the_remarks_list_filters_and_a_teacher_sees_only_theirs(
    api, rw, django_assert_max_num_queries
):
    first = write(api, rw).json()
    write(api, rw, course_id=rw.russian.pk, kind="marks")
    call(api, rw, "deputy", f"/remarks/{first['id']}/accept", {})
    call(api, rw, "deputy", "/remarks")  # the token's last use
    # The token, the user's schools and context, the page and the count.
    with django_assert_max_num_queries(5):
        response = call(api, rw, "deputy", "/remarks")
    assert [r["course"]["id"] for r in response.json()["items"]] == [rw.russian.pk]
    assert call(api, rw, "deputy", "/remarks", status="all").json()["total"] == 2
    assert call(api, rw, "deputy", "/remarks", status="accepted").json()["total"] == 1
    by_other = call(api, rw, "deputy", "/remarks", teacher_id=rw.other_staff.pk).json()
    assert by_other["total"] == 0
    with at(2026, 12, 20):
        overdue = call(api, rw, "deputy", "/remarks", overdue="true").json()
    assert [r["overdue"] for r in overdue["items"]] == [True]
    assert call(api, rw, "other_teacher", "/remarks").json()["total"] == 0
    assert call(api, rw, "other_teacher", f"/remarks/{first['id']}").status_code == 403
    response = call(api, rw, "other_teacher", "/remarks", teacher_id=rw.teacher.pk)
    assert response.status_code == 403
    assert call(api, rw, "parent", "/remarks").status_code == 403
    assert call(api, rw, "deputy", "/remarks", status="lost").status_code == 422
    foreign = StaffFactory(school=rw.other_school)
    assert call(api, rw, "deputy", "/remarks", teacher_id=foreign.pk).status_code == 404
    assert call(api, rw, "deputy", "/remarks/999999").status_code == 404


# --- lagging students and the support log ----------------------------------------------------


def test_lagging_students_and_the_preliminary_report(api, rw, django_assert_max_num_queries):
    # 10.12, the 2nd quarter: as on the page (tests/test_oversight_pages.py).
    call(api, rw, "deputy", "/remarks")  # the token's last use
    # Bounded by the terms the classes follow today (quarters for 5А, halves for 10А): per
    # term its results, lessons held, attendance and works owed.
    with django_assert_max_num_queries(31 + plan_statements()):
        response = call(api, rw, "deputy", "/control/lagging", at_risk="1")
    assert response.status_code == 200
    body = response.json()
    rows = {r["student"]["name"]: r for r in body["students"]}
    names = {k: rw.students[k].full_name for k in ("Воронин", "Григорьева", "Дмитриева")}
    # With the default norm of marks only Дмитриева is at risk (tests/test_oversight_pages.py).
    assert set(rows) == {names["Дмитриева"]}
    dmitrieva = rows[names["Дмитриева"]]
    assert "; ".join(r["text"] for r in dmitrieva["reasons"]) == (
        "Математика: a «н/а»; Русский язык: average 2,50; Физическая культура: a «незач»"
    )
    assert dmitrieva["at_risk"] is True and dmitrieva["term"]["id"] == rw.q2.pk
    assert dmitrieva["school_class"]["name"] == "5А" and dmitrieva["support_count"] == 0
    everyone = call(api, rw, "deputy", "/control/lagging").json()
    assert [r["student"]["name"] for r in everyone["students"]] == [names["Дмитриева"]]
    own_class = call(api, rw, "class_teacher", "/control/lagging", **{"class": rw.class_5a.pk})
    assert own_class.status_code == 200 and own_class.json()["class_id"] == rw.class_5a.pk
    assert call(api, rw, "class_teacher", "/control/lagging").status_code == 403
    response = call(api, rw, "teacher", "/control/lagging", **{"class": rw.class_5a.pk})
    assert response.status_code == 403
    assert call(api, rw, "parent", "/control/lagging").status_code == 403


def test_the_support_log_for_the_staff_and_the_family(api, rw):
    student = rw.students["Дмитриева"]
    path = f"/students/{student.pk}/support"
    body = {
        "kind": "parents",
        "course_id": rw.maths.pk,
        "day": "2026-12-09",
        "text": "Беседа с мамой: план пересдачи.",
    }
    response = call(api, rw, "class_teacher", path, body)
    assert response.status_code == 201
    record = response.json()
    assert (record["kind"], record["course"]["subject"], record["day"]) == (
        "parents",
        "Математика",
        "2026-12-09",
    )
    assert SupportAction.objects.get().student == student
    # The family reads it, records nothing, and does not see another family's child.
    log = call(api, rw, "parent", path).json()
    assert log["can_record"] is False
    assert [a["text"] for a in log["log"]] == ["Беседа с мамой: план пересдачи."]
    assert call(api, rw, "parent", path, {"kind": "other", "text": "x"}).status_code == 403
    other = rw.students["Аксенов"]
    assert call(api, rw, "parent", f"/students/{other.pk}/support").status_code == 404
    # The subject teacher records too; a teacher of none of the student's courses does not.
    assert call(api, rw, "teacher", path).json()["can_record"] is True
    assert call(api, rw, "other_teacher", path).status_code == 403
    assert call(api, rw, "outsider", path).status_code == 404


def test_a_support_record_is_refused_with_the_services_reason(api, rw):
    path = f"/students/{rw.students['Дмитриева'].pk}/support"
    future = call(
        api, rw, "class_teacher", path, {"kind": "other", "day": "2026-12-11", "text": "Позже."}
    )
    assert future.status_code == 422 and future.json()["code"] == "future"
    empty = call(api, rw, "class_teacher", path, {"kind": "other", "text": " "})
    assert empty.status_code == 422 and empty.json()["code"] == "required"
    # A course the student is not on (10А's algebra), a course of another school.
    not_hers = call(
        api, rw, "class_teacher", path, {"kind": "other", "course_id": rw.algebra.pk, "text": "x"}
    )
    assert not_hers.status_code == 422 and not_hers.json()["code"] == "invalid"
    foreign_year = YearFactory(school=rw.other_school)
    foreign = m.Course.objects.create(
        school=rw.other_school,
        year=foreign_year,
        subject=m.Subject.objects.create(school=rw.other_school, name="Физика"),
        school_class=SchoolClassFactory(school=rw.other_school, year=foreign_year),
    )
    response = call(
        api, rw, "class_teacher", path, {"kind": "other", "course_id": foreign.pk, "text": "x"}
    )
    assert response.status_code == 404
    assert not SupportAction.objects.exists()
