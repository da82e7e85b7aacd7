"""The reports' pages (issue 12): who sees which figures, the figures on the page and in the
XLSX and PDF files, bad filters, and a bounded number of queries."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from zhurnal.accounts.models import Role
from zhurnal.school import models as m

from .factories import (
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    UserFactory,
    YearFactory,
    grant,
)
from .reports_world import MSK, build_reports_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def rw():
    with time_machine.travel(datetime(2027, 1, 12, 10, 0, tzinfo=MSK), tick=False):
        world = build_reports_world()
        school = world.school
        users = {}
        for name, role in (("deputy", Role.DEPUTY), ("director", Role.DIRECTOR)):
            users[name] = grant(UserFactory(username=f"r-{name}"), school, role)
            StaffFactory(school=school, user=users[name])
        users["teacher"] = grant(UserFactory(username="r-teacher"), school, Role.TEACHER)
        world.teacher.user = users["teacher"]
        world.teacher.save()
        users["class_teacher"] = grant(UserFactory(username="r-ct"), school, Role.TEACHER)
        leader = StaffFactory(school=school, user=users["class_teacher"], last_name="Классная")
        world.class_5a.class_teacher = leader
        world.class_5a.save()
        users["other_teacher"] = grant(UserFactory(username="r-other"), school, Role.TEACHER)
        StaffFactory(school=school, user=users["other_teacher"])
        users["parent"] = grant(UserFactory(username="r-parent"), school, Role.PARENT)
        world.users = users
        world.leader = leader
        yield world


def get(client, rw, persona, name, *args, **query):
    client.force_login(rw.users[persona])
    url = reverse(f"reports:{name}", args=args)
    return client.get(url, query)


SCHOOL_PAGES = ("results", "lists", "attendance")


@pytest.mark.parametrize("name", SCHOOL_PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("deputy", 200), ("director", 200), ("class_teacher", 403), ("teacher", 403), ("parent", 403)],
)
def test_the_schools_figures_are_the_administrations(client, rw, name, persona, status):
    assert get(client, rw, persona, name).status_code == status


@pytest.mark.parametrize("name", ("class_report", "class_summary", "class_attendance"))
@pytest.mark.parametrize(
    ("persona", "status"),
    [("deputy", 200), ("class_teacher", 200), ("teacher", 403), ("parent", 403)],
)
def test_a_classs_reports_are_its_class_teachers_and_the_administrations(
    client, rw, name, persona, status
):
    assert get(client, rw, persona, name, rw.class_5a.pk).status_code == status


def test_a_class_teacher_does_not_see_another_class(client, rw):
    assert get(client, rw, "class_teacher", "class_report", rw.class_10a.pk).status_code == 403


def test_a_class_of_another_school_is_not_found(client, rw):
    other = SchoolFactory()
    foreign = SchoolClassFactory(school=other, year=YearFactory(school=other))
    assert get(client, rw, "deputy", "class_report", foreign.pk).status_code == 404


def test_a_teacher_sees_their_own_report_not_a_colleagues(client, rw):
    assert get(client, rw, "teacher", "teacher_report", rw.teacher.pk).status_code == 200
    assert get(client, rw, "other_teacher", "teacher_report", rw.teacher.pk).status_code == 403
    assert get(client, rw, "deputy", "teacher_report", rw.teacher.pk).status_code == 200
    assert get(client, rw, "parent", "teacher_report", rw.teacher.pk).status_code == 403


def test_the_index_shows_each_role_what_it_may_open(client, rw):
    page = get(client, rw, "deputy", "index")
    assert page.status_code == 200 and page.context["whole_school"]
    assert [c.name for c in page.context["classes"]] == ["5А", "10А"]
    page = get(client, rw, "class_teacher", "index")
    assert not page.context["whole_school"]
    assert [c.name for c in page.context["classes"]] == ["5А"]
    page = get(client, rw, "teacher", "index")
    assert page.context["own_staff_id"] == rw.teacher.pk and not page.context["classes"]
    assert get(client, rw, "parent", "index").status_code == 403


def cells(table):
    return [[c.text for c in row] for row in table.rows]


def test_the_results_by_class_show_the_hand_worked_figures(client, rw):
    page = get(client, rw, "deputy", "results", period=rw.q2.pk)
    table = page.context["tables"][0]
    rows = {row[0]: row for row in cells(table)}
    # 5А: 4 students; excellent 2, good 0, one «3» 1, failing 1; 75,0 %; 50,0 %; 67,4; 4,25.
    headers = table.headers
    five_a = dict(zip(headers, rows["5А"], strict=True))
    assert five_a["Students"] == "4"
    assert (five_a["Excellent"], five_a["With one «3»"], five_a["Failing"]) == ("2", "1", "1")
    assert (five_a["Success, %"], five_a["Quality, %"]) == ("75,0", "50,0")
    assert (five_a["СОУ, %"], five_a["Average mark"]) == ("67,4", "4,25")
    # 10А is reported with its 1st half-year, which closes with the 2nd quarter.
    assert "10А" in rows
    assert "half-year 1" in page.context["subtitle"]
    school = dict(zip(headers, [c.text for c in table.footer], strict=True))
    assert (school["Students"], school["Success, %"], school["Quality, %"]) == ("5", "80,0", "60,0")
    assert page.context["chart"] is not None
    assert b"<svg" in page.content and b'role="img"' in page.content


@pytest.mark.parametrize("by", ("parallel", "subject", "teacher"))
def test_the_results_by_parallel_subject_and_teacher(client, rw, by):
    page = get(client, rw, "deputy", "results", period=rw.q2.pk, by=by)
    assert page.status_code == 200
    labels = [row[0] for row in cells(page.context["tables"][0])]
    expected = {
        "parallel": ["5", "10"],
        "subject": [
            "Алгебра",
            "Английский язык",
            "Математика",
            "Русский язык",
            "Физическая культура",
        ],
        "teacher": [rw.teacher.full_name],
    }[by]
    assert labels == expected


def test_the_results_compare_with_the_previous_term(client, rw):
    page = get(client, rw, "deputy", "results", period=rw.q2.pk)
    assert page.context["previous"].term == rw.q1
    assert "Change" in page.context["tables"][0].headers


def test_the_lists_name_the_students_and_their_subjects(client, rw):
    page = get(client, rw, "deputy", "lists", period=rw.q2.pk)
    tables = {t.title.split(":")[0]: cells(t) for t in page.context["tables"]}
    assert [r[0] for r in tables["Excellent students (only «5»)"]] == [
        rw.students["Аксенов"].full_name,
        rw.students["Воронин"].full_name,
    ]
    failing = tables["Failing («2», «н/а», «незачёт»)"]
    assert failing == [
        [
            rw.students["Дмитриева"].full_name,
            "5А",
            "Математика н/а, Физическая культура незач",
        ]
    ]
    one_three = tables["With one «3»"]
    assert one_three[0][2] == "Русский язык 3 (forecast)"


def test_the_class_summary_is_students_by_subjects(client, rw):
    page = get(client, rw, "class_teacher", "class_summary", rw.class_5a.pk, period=rw.q2.pk)
    table = page.context["tables"][0]
    assert table.headers[1:-1] == [
        "Английский язык",
        "Математика",
        "Русский язык",
        "Физическая культура",
    ]
    voronin = next(r for r in table.rows if "Воронин" in r[0].text)
    assert [c.text for c in voronin[1:]] == ["—", "5", "—", "осв", "excellent"]
    assert voronin[2].css == "forecast"


def test_the_class_report_has_figures_subjects_lists_and_attendance(client, rw):
    page = get(client, rw, "class_teacher", "class_report", rw.class_5a.pk, period=rw.q2.pk)
    assert page.context["figures"].success_rate is not None
    titles = [t.title for t in page.context["tables"]]
    assert titles[0] == "Subjects" and titles[-1] == "Attendance"


def test_the_tables_download_as_xlsx_and_pdf(client, rw):
    response = get(client, rw, "deputy", "results", period=rw.q2.pk, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(BytesIO(response.content))
    values = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    five_a = next(row for row in values if row and row[0] == "5А")
    assert five_a[1] == 4 and 75.0 in five_a
    response = get(client, rw, "class_teacher", "class_summary", rw.class_5a.pk, format="pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_bad_period_shows_the_default_with_the_reason(client, rw):
    page = get(client, rw, "deputy", "results", period="12345")
    assert page.status_code == 200
    assert page.context["form"].errors
    # 12.01.2027: the 3rd quarter started yesterday, the 2nd is the one to look at.
    assert page.context["period"].term == rw.q2


def test_a_bad_range_of_dates_shows_the_default_with_the_reason(client, rw):
    page = get(client, rw, "deputy", "attendance", start="2027-01-10", end="2026-12-01")
    assert page.status_code == 200 and page.context["form"].errors


def test_the_results_page_costs_the_same_queries_whatever_the_school(
    client, rw, django_assert_max_num_queries
):
    client.force_login(rw.users["deputy"])
    url = reverse("reports:results")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url, {"period": rw.q2.pk})
    # A second class of 5th grade with thirty students and their courses.
    more = SchoolClassFactory(
        school=rw.school, year=rw.year, grade_level=rw.class_5a.grade_level, letter="Б"
    )
    for _ in range(30):
        student = StudentFactory(school=rw.school)
        m.Enrollment.objects.create(
            school=rw.school, student=student, school_class=more, start=rw.year.start
        )
    for course in (rw.maths, rw.russian):
        extra = m.Course.objects.create(
            school=rw.school, year=rw.year, subject=course.subject, school_class=more
        )
        extra.teachers.add(rw.teacher)
    with django_assert_max_num_queries(len(small)):
        client.get(url, {"period": rw.q2.pk})
