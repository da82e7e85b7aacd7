"""The control's pages (issue 12): who sees which indicators, the cases, the справка saved
and printed, the lagging students and the preliminary report, a student's support log for the
staff and the family, the thresholds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from zhurnal.accounts.models import Role
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.models import JournalPolicy
from zhurnal.oversight import services
from zhurnal.oversight.models import CheckReport, OversightPolicy, SupportAction
from zhurnal.school import models as m

from .factories import GuardianFactory, StaffFactory, StudentFactory, UserFactory, grant
from .reports_world import MSK, build_reports_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def told_at_once(monkeypatch):
    monkeypatch.setattr(services, "emit", lambda event, pk: None)


@pytest.fixture
def rw():
    with time_machine.travel(datetime(2026, 12, 10, 10, 0, tzinfo=MSK), tick=False):
        world = build_reports_world()
        school = world.school
        users = {}
        for name, role in (("deputy", Role.DEPUTY), ("admin", Role.ADMIN)):
            users[name] = grant(UserFactory(username=f"p-{name}"), school, role)
            StaffFactory(school=school, user=users[name])
        users["teacher"] = grant(UserFactory(username="p-teacher"), school, Role.TEACHER)
        world.teacher.user = users["teacher"]
        world.teacher.save()
        users["class_teacher"] = grant(UserFactory(username="p-ct"), school, Role.TEACHER)
        leader = StaffFactory(school=school, user=users["class_teacher"])
        world.class_5a.class_teacher = leader
        world.class_5a.save()
        users["other_teacher"] = grant(UserFactory(username="p-other"), school, Role.TEACHER)
        other_staff = StaffFactory(school=school, user=users["other_teacher"])
        world.other_staff = other_staff
        users["parent"] = grant(UserFactory(username="p-parent"), school, Role.PARENT)
        guardian = GuardianFactory(school=school, user=users["parent"])
        m.StudentGuardian.objects.create(
            school=school, student=world.students["Дмитриева"], guardian=guardian, relation="mother"
        )
        world.users = users
        yield world


def get(client, rw, persona, name, *args, **query):
    client.force_login(rw.users[persona])
    return client.get(reverse(f"oversight:{name}", args=args), query)


def test_the_indicators_are_the_schools_for_the_administration_own_for_a_teacher(client, rw):
    page = get(client, rw, "deputy", "indicators")
    assert page.status_code == 200 and page.context["by"] == "class"
    page = get(client, rw, "teacher", "indicators")
    assert page.status_code == 200
    assert rw.teacher.full_name in page.context["subtitle"]
    # A teacher cannot widen the scope: another teacher, a class not theirs, a parallel.
    assert get(client, rw, "teacher", "indicators", teacher=rw.other_staff.pk).status_code == 403
    assert get(client, rw, "teacher", "indicators", **{"class": rw.class_5a.pk}).status_code == 403
    assert get(client, rw, "teacher", "indicators", grade=5).status_code == 403
    assert (
        get(client, rw, "class_teacher", "indicators", **{"class": rw.class_5a.pk}).status_code
        == 200
    )
    assert get(client, rw, "parent", "indicators").status_code == 403


def test_a_figure_links_to_its_cases(client, rw):
    page = get(client, rw, "deputy", "indicators", start="2026-11-01", end="2026-12-09")
    links = [c.url for row in page.context["tables"][0].rows for c in row if c.url]
    assert links and all("/control/cases/" in url for url in links)
    response = client.get(links[0])
    assert response.status_code == 200 and response.context["tables"]
    assert get(client, rw, "deputy", "cases", "no_such_figure").status_code == 404


def test_the_indicators_download_as_files(client, rw):
    response = get(client, rw, "deputy", "indicators", format="xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    response = get(client, rw, "deputy", "indicators", format="pdf")
    assert response.content.startswith(b"%PDF")


def test_a_forged_id_in_the_scope_is_not_found(client, rw):
    assert get(client, rw, "deputy", "indicators", **{"class": "x"}).status_code == 404
    assert get(client, rw, "deputy", "indicators", course=999999).status_code == 404


def test_the_check_report_is_saved_with_its_conclusions_and_printed(client, rw):
    url = reverse("oversight:check_report") + "?start=2026-11-01&end=2026-11-30"
    client.force_login(rw.users["deputy"])
    with time_machine.travel(datetime(2026, 12, 10, 10, 0, tzinfo=MSK), tick=False):
        page = client.get(url)
        assert page.status_code == 200
        response = client.post(
            url, {"title": "Справка за ноябрь", "conclusions": "Учителям 5А заполнить темы."}
        )
    report = CheckReport.objects.get()
    assert (report.start, report.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert response.status_code == 302 and f"report={report.pk}" in response["Location"]
    assert AuditEvent.objects.filter(action=AuditAction.CHECK_REPORT_SAVED).exists()
    saved = client.get(reverse("oversight:check_report"), {"report": report.pk, "format": "pdf"})
    assert saved.status_code == 200 and saved.content.startswith(b"%PDF")
    response = client.post(url, {"title": "x", "conclusions": " "})
    assert response.status_code == 200 and CheckReport.objects.count() == 1
    assert get(client, rw, "teacher", "check_report").status_code == 403


def test_lagging_students_and_the_preliminary_report(client, rw):
    # 10.12, the 2nd quarter: Дмитриева has «н/а» in maths and «незач» in PE.
    page = get(client, rw, "deputy", "lagging", at_risk="1")
    assert page.status_code == 200
    rows = {r[0].text: r[3].text for r in page.context["tables"][0].rows}
    names = {key: rw.students[key].full_name for key in ("Воронин", "Григорьева", "Дмитриева")}
    assert rows == {
        names["Дмитриева"]: (
            "Математика: a «н/а»; Русский язык: average 2,50; Физическая культура: a «незач»"
        )
    }
    # Воронин and Григорьева have no mark in Russian after its three lessons: the default norm
    # expects one, which is the journal's delay; a norm of six marks a quarter expects two —
    # at risk of not being attested, not lagging.
    JournalPolicy.objects.update_or_create(
        school=rw.school, defaults={"accumulation_norms": {"1": 6, "2": 8, "3": 10, "4": 12}}
    )
    rw.school.refresh_from_db()
    page = get(client, rw, "deputy", "lagging", at_risk="1")
    rows = {r[0].text: r[3].text for r in page.context["tables"][0].rows}
    assert set(rows) == set(names.values())
    assert rows[names["Воронин"]] == "Русский язык: 0 marks of 2 by now"
    page = get(client, rw, "deputy", "lagging")
    assert [r[0].text for r in page.context["tables"][0].rows] == [names["Дмитриева"]]
    page = get(client, rw, "class_teacher", "lagging", **{"class": rw.class_5a.pk})
    assert page.status_code == 200
    assert get(client, rw, "class_teacher", "lagging").status_code == 403
    assert get(client, rw, "teacher", "lagging", **{"class": rw.class_5a.pk}).status_code == 403


def test_the_support_log_for_the_staff_and_the_family(client, rw):
    student = rw.students["Дмитриева"]
    url = reverse("oversight:support", args=[student.pk])
    client.force_login(rw.users["class_teacher"])
    with time_machine.travel(datetime(2026, 12, 10, 10, 0, tzinfo=MSK), tick=False):
        response = client.post(
            url,
            {
                "kind": "parents",
                "course": rw.maths.pk,
                "day": "2026-12-09",
                "text": "Беседа с мамой: план пересдачи.",
            },
        )
    assert response.status_code == 302
    action = SupportAction.objects.get()
    assert (action.student, action.course, action.kind) == (student, rw.maths, "parents")
    # The family reads it, not another family's; the subject teacher records too.
    client.force_login(rw.users["parent"])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert [a.text for a in page.context["log"]] == ["Беседа с мамой: план пересдачи."]
    assert client.post(url, {"kind": "other", "day": "2026-12-09", "text": "x"}).status_code == 403
    other = StudentFactory(school=rw.school)
    assert client.get(reverse("oversight:support", args=[other.pk])).status_code == 404
    client.force_login(rw.users["teacher"])  # Иванова teaches 5А
    assert client.get(url).context["form"] is not None
    client.force_login(rw.users["other_teacher"])
    assert client.get(url).status_code == 403


def test_a_support_record_in_the_future_is_refused(client, rw):
    student = rw.students["Дмитриева"]
    client.force_login(rw.users["class_teacher"])
    with time_machine.travel(datetime(2026, 12, 10, 10, 0, tzinfo=MSK), tick=False):
        response = client.post(
            reverse("oversight:support", args=[student.pk]),
            {"kind": "other", "day": "2026-12-11", "text": "Позже."},
        )
    assert response.status_code == 200 and not SupportAction.objects.exists()


def test_the_thresholds_are_the_deputys_and_the_administrators(client, rw):
    url = reverse("oversight:settings")
    client.force_login(rw.users["deputy"])
    response = client.post(
        url,
        {
            "lagging_average": "3.2",
            "lagging_absence_percent": "25",
            "lagging_owed": "3",
            "remark_days": "5",
        },
    )
    assert response.status_code == 302
    policy = OversightPolicy.objects.get(school=rw.school)
    assert (policy.lagging_average, policy.remark_days) == (Decimal("3.20"), 5)
    assert get(client, rw, "teacher", "settings").status_code == 403
