"""The progress report (seed 002, regulation 2.2.2; issues 5 and 12): the marks and absences
of the last two weeks — or of a term, with its term marks, or of days chosen — per student of a
class (data and a fixed number of queries), the PDF read back with pypdf, who may see and send
it, bad periods refused, what counts as informing the families, and the e-mail run through the
real worker."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from zhurnal.audit.actor import Actor
from zhurnal.diary import informing, report, services
from zhurnal.diary.models import IssueKind, ProgressReportIssue
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import GradeColumn, WorkType
from zhurnal.notifications.models import EmailDelivery, Kind, Notification
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson

from .factories import (
    GradeLevelFactory,
    GuardianFactory,
    SchoolClassFactory,
    StaffFactory,
    StudentFactory,
    UserFactory,
    enroll,
    grant,
)
from .personas import PERSONAS, build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
# Русский язык 5А: Mondays (lesson 1) and Tuesdays (lesson 2). The period ends on Tuesday
# 24.11.2026 and starts on Wednesday 11.11: the lessons of 9.11 and 10.11 are outside it.
END = date(2026, 11, 24)
START = date(2026, 11, 11)
MON, TUE = date(2026, 11, 16), date(2026, 11, 17)
BEFORE = date(2026, 11, 9)


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=StringIO(), verbosity=0)


def _lesson(world, day: date) -> Lesson:
    return Lesson.objects.get(course=world.class_course, date=day)


def _mark(world, student, day: date, value: str, code: str = "КР"):
    lesson = _lesson(world, day)
    column = GradeColumn.objects.filter(lesson=lesson, work_type__code=code).first()
    if column is None:
        work_type = WorkType.objects.get(school=world.school, code=code)
        column = journal.add_column(lesson=lesson, work_type=work_type, actor=Actor.system())
    return journal.set_mark(
        column=column,
        student=student,
        value=value,
        version=0,
        actor=Actor(world.users["class_teacher"]),
    )


def _setup(world):
    """world.student (the parent's child): 5 (КР) and 4 (У) on Monday 16.11, 2 (КР) on 9.11
    (outside); absent on Tuesday 17.11 with an illness in the register (shown Б), late on
    Monday 16.11. A second student: the register «У» for 16–17.11 (no teacher's entry), «Н»
    on 10.11 (outside). A third student: nothing."""
    ensure_work_types(world.school)
    actor = Actor(world.users["class_teacher"])
    second = StudentFactory(school=world.school, last_name="Бобров", first_name="Пётр")
    enroll(second, world.class_5a)
    third = StudentFactory(school=world.school, last_name="Яковлева", first_name="Анна")
    enroll(third, world.class_5a)
    _mark(world, world.student, MON, "5", "КР")
    _mark(world, world.student, MON, "4", "У")
    _mark(world, world.student, BEFORE, "2", "КР")
    journal.set_attendance(
        lesson=_lesson(world, TUE), student=world.student, code="Н", version=0, actor=actor
    )
    journal.record_absence(student=world.student, start=TUE, end=TUE, reason="Б", actor=actor)
    journal.set_attendance(
        lesson=_lesson(world, MON), student=world.student, code="ОП", version=0, actor=actor
    )
    journal.record_absence(student=second, start=MON, end=TUE, reason="У", actor=actor)
    journal.set_attendance(
        lesson=_lesson(world, BEFORE + timedelta(days=1)),
        student=second,
        code="Н",
        version=0,
        actor=actor,
    )
    return second, third


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        world.second, world.third = _setup(world)
        yield world


# --- the data ----------------------------------------------------------------------------------


def test_marks_in_the_period_and_absences_by_reason_with_the_register(world):
    rows = report.progress_data(world.class_5a, START, END)
    by_id = {r.student.pk: r for r in rows}
    assert set(by_id) == {world.student.pk, world.second.pk, world.third.pk}
    # Class list order (alphabetical).
    names = [r.student.last_name for r in rows]
    assert names == sorted(names)

    mine = by_id[world.student.pk]
    assert [s.subject for s in mine.subjects] == ["Русский язык"]
    russian = mine.subjects[0]
    assert [(x.day, x.value, x.work_type) for x in russian.marks] == [
        (MON, "5", "КР"),
        (MON, "4", "У"),
    ]
    assert russian.absences == {"Б": 1}  # the teacher's «Н» under the register's illness
    assert russian.late == 1
    assert mine.by_reason == [0, 1, 0] and mine.missed_total == 1 and mine.marks_count == 2

    second = by_id[world.second.pk]
    assert second.absences == {"У": 2}  # the register alone covers both lessons
    assert second.marks_count == 0  # «Н» on 10.11 is outside the period
    assert by_id[world.third.pk].subjects == []

    # The whole fortnight before: the 9.11 mark and the 10.11 «Н» are there.
    before = {
        r.student.pk: r for r in report.progress_data(world.class_5a, BEFORE, BEFORE + timedelta(1))
    }
    assert [x.value for x in before[world.student.pk].subjects[0].marks] == ["2"]
    assert before[world.second.pk].absences == {"Н": 1}


def test_the_data_costs_the_same_queries_whatever_the_class_size(world):
    with CaptureQueriesContext(connection) as small:
        report.progress_data(world.class_5a, START, END)
    for n in range(6):
        student = StudentFactory(school=world.school, last_name=f"Новиков{n}")
        enroll(student, world.class_5a)
        _mark(world, student, MON, "3", "КР")
        m.GroupMembership.objects.create(
            school=world.school, group=world.group, student=student, start=world.year.start
        )
    with CaptureQueriesContext(connection) as large:
        rows = report.progress_data(world.class_5a, START, END)
    assert len(rows) == 9
    assert len(small.captured_queries) == len(large.captured_queries) <= 5


def test_a_student_who_left_before_the_end_is_not_in_the_report(world):
    enrollment = m.Enrollment.objects.get(student=world.third)
    enrollment.end = MON
    enrollment.save()
    rows = report.progress_data(world.class_5a, START, END)
    assert world.third.pk not in {r.student.pk for r in rows}


# --- the PDF -----------------------------------------------------------------------------------


def _pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def test_the_pdf_has_a_page_per_student_with_their_marks(world):
    world.class_5a.school = world.school
    rows = report.progress_data(world.class_5a, START, END)
    pages = _pdf_pages(report.render_pdf(rows, world.class_5a, START, END))
    assert len(pages) == 3
    page = next(p for p in pages if world.student.last_name in p)
    assert world.school.name.split()[0] in page
    assert "5А" in page and "11.11.2026" in page and "24.11.2026" in page
    assert "Русский язык" in page
    assert "5 КР 16.11" in page and "4 У 16.11" in page
    assert "09.11" not in page  # the mark of 9.11 is outside the period
    assert "Acknowledged" in page and "signature" in page
    other = next(p for p in pages if "Бобров" in p)
    assert "КР 16.11" not in other


def test_the_pdf_is_tagged_for_screen_readers_and_says_its_language(world):
    """Issue 15: "the progress report PDF is untagged" — a structure tree (headings, tables,
    their headers) marked as such, and the language of the text (/Lang)."""
    from django.utils import translation

    world.class_5a.school = world.school
    rows = report.progress_data(world.class_5a, START, END)
    with translation.override("ru"):
        pdf = PdfReader(BytesIO(report.render_pdf(rows, world.class_5a, START, END)))
    catalog = pdf.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/Type"] == "/StructTreeRoot"
    roles = set()
    todo = [tree]
    while todo:
        node = todo.pop()
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                if "/S" in kid:
                    roles.add(str(kid["/S"]))
                todo.append(kid)
    assert {"/H1", "/Table", "/TH", "/TD"} <= roles
    assert catalog["/Lang"] == "ru"


# --- access ------------------------------------------------------------------------------------


def test_the_class_teacher_and_the_administration_only(client, world):
    pages = ("diary:progress_report", "diary:progress_report_pdf")
    allowed = {"class_teacher", "admin", "director", "deputy"}
    for name in pages:
        url = reverse(name, kwargs={"class_id": world.class_5a.pk}) + f"?end={END}"
        for persona in PERSONAS:
            if persona == "nobody":
                continue
            client.force_login(world.users[persona])
            response = client.get(url)
            if persona in allowed:
                assert response.status_code == 200, (name, persona)
            elif persona == "outsider":
                assert response.status_code == 404, (name, persona)
            else:
                assert response.status_code == 403, (name, persona)
    client.force_login(world.users["class_teacher"])
    response = client.get(
        reverse("diary:progress_report_pdf", kwargs={"class_id": world.class_5a.pk}) + f"?end={END}"
    )
    assert response["Content-Type"] == "application/pdf"
    assert len(_pdf_pages(response.content)) == 3


def test_a_class_of_another_school_is_not_found(client, world):
    other_class = SchoolClassFactory(
        school=world.other_school,
        year=m.AcademicYear.objects.get(school=world.other_school),
        grade_level=GradeLevelFactory(school=world.other_school, number=5),
        letter="А",
    )
    client.force_login(world.users["admin"])
    for name in ("diary:progress_report", "diary:progress_report_pdf"):
        assert client.get(reverse(name, args=[other_class.pk])).status_code == 404
        assert client.post(reverse(name, args=[other_class.pk])).status_code in (404, 405)


def test_another_teacher_a_parent_and_a_student_cannot_send(client, world):
    url = reverse("diary:progress_report", args=[world.class_5a.pk])
    for persona in ("teacher", "parent", "student"):
        client.force_login(world.users[persona])
        assert client.post(url).status_code == 403
    assert not Notification.objects.filter(kind=Kind.REPORT).exists()


def test_the_page_previews_the_class_and_counts_the_families_without_email(client, world):
    world.users["parent"].email = "parent@example.com"
    world.users["parent"].save()
    client.force_login(world.users["class_teacher"])
    response = client.get(reverse("diary:progress_report", args=[world.class_5a.pk]))
    assert response.status_code == 200
    # Default: the two weeks ending today (20.11).
    assert response.context["end"] == date(2026, 11, 20)
    assert response.context["start"] == date(2026, 11, 7)
    assert len(response.context["rows"]) == 3
    # Only world.student's guardian has a login with an e-mail address.
    assert {s.pk for s in response.context["no_email"]} == {world.second.pk, world.third.pk}
    html = response.content.decode()
    assert reverse("diary:progress_report_pdf", args=[world.class_5a.pk]) in html
    assert "2 families get no e-mail" in html


def test_the_class_teachers_home_page_links_to_the_report(client, world):
    client.force_login(world.users["class_teacher"])
    html = client.get(reverse("home")).content.decode()
    assert reverse("diary:progress_report", args=[world.class_5a.pk]) in html


# --- the e-mail run (the real worker) ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_send_by_email_once_per_guardian_with_the_pdf(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        world.second, world.third = _setup(world)
        world.users["parent"].email = "parent@example.com"
        world.users["parent"].save()
        mama = UserFactory(username="mama2", email="mama2@example.com")
        grant(mama, world.school, "parent")
        guardian = GuardianFactory(school=world.school, user=mama)
        m.StudentGuardian.objects.create(
            school=world.school, student=world.second, guardian=guardian, relation="mother"
        )
        # The third student's guardian has no login: the printed copy.
        m.StudentGuardian.objects.create(
            school=world.school,
            student=world.third,
            guardian=GuardianFactory(school=world.school),
            relation="father",
        )
        run_worker()  # whatever the entries above queued (digests wait for their delay)
        mail.outbox.clear()

        client.force_login(world.users["class_teacher"])
        url = reverse("diary:progress_report", args=[world.class_5a.pk]) + f"?end={END}"
        response = client.post(url)
        assert response.status_code == 302
        assert mail.outbox == []  # sent by the worker, not by the request
        [issue] = ProgressReportIssue.objects.all()
        assert (issue.kind, issue.emails) == (IssueKind.SENT, None)
        run_worker()
        issue.refresh_from_db()
        assert issue.emails == 2  # the run wrote how many e-mails it queued

        assert sorted(msg.to[0] for msg in mail.outbox) == [
            "mama2@example.com",
            "parent@example.com",
        ]
        for msg in mail.outbox:
            assert len(msg.attachments) == 1
            name, content, mimetype = msg.attachments[0]
            assert mimetype == "application/pdf" and name.endswith(".pdf")
            pages = _pdf_pages(content)
            assert len(pages) == 1
        to_parent = next(msg for msg in mail.outbox if msg.to == ["parent@example.com"])
        text = _pdf_pages(to_parent.attachments[0][1])[0]
        assert world.student.last_name in text and "5 КР 16.11" in text
        to_mama = next(msg for msg in mail.outbox if msg.to == ["mama2@example.com"])
        assert "Бобров" in _pdf_pages(to_mama.attachments[0][1])[0]
        assert Notification.objects.filter(kind=Kind.REPORT).count() == 2

        # A second run, and a second press of the button, send nothing more.
        run_worker()
        client.post(url)
        run_worker()
        assert len(mail.outbox) == 2
        assert EmailDelivery.objects.filter(attachment_name__endswith=".pdf").count() == 2
        # The second press is recorded too, honestly: no e-mail queued, so it informed nobody.
        first, second = ProgressReportIssue.objects.order_by("pk")
        assert (first.emails, second.emails) == (2, 0)
        assert not second.informed
        status = informing.informing_status(world.class_5a, END, MSK)
        assert status.last == first and status.last_sent == second


# --- whether and when the families were informed (seed 002, regulation 2.2.2) ------------------


def _issues(world):
    return list(
        ProgressReportIssue.objects.filter(school_class=world.class_5a).order_by("at", "pk")
    )


def _report_page(client, world, persona="class_teacher", when=(2026, 11, 20, 10, 0)) -> str:
    with at(*when):
        client.force_login(world.users[persona])
        response = client.get(reverse("diary:progress_report", args=[world.class_5a.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _issue(world, kind, when, emails=None, end=END, user="class_teacher"):
    with at(*when):
        issue = services.record_report_issue(
            school_class=world.class_5a,
            start=end - timedelta(days=13),
            end=end,
            kind=kind,
            actor=Actor(world.users[user]),
        )
    if emails is not None:
        services.set_report_emails(issue.pk, emails)
    return issue


def test_sending_records_an_issue_in_the_request_and_passes_it_to_the_run(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report", args=[world.class_5a.pk]) + f"?end={END}"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(url).status_code == 302
    [issue] = _issues(world)
    assert issue.kind == IssueKind.SENT
    assert (issue.start, issue.end) == (START, END)
    assert issue.issued_by == world.users["class_teacher"]
    assert issue.at == datetime(2026, 11, 20, 10, 0, tzinfo=MSK)
    assert issue.emails is None  # the run has not finished
    assert issue.informed  # queued: counts as informing until the run says otherwise
    assert len(callbacks) == 1  # the run is queued on the commit, carrying the issue


def test_the_pdf_download_records_a_printing_not_a_sending(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk]) + f"?end={END}"
    with at(2026, 11, 20, 11, 30):
        response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    [issue] = _issues(world)
    assert issue.kind == IssueKind.PRINTED
    assert (issue.start, issue.end, issue.emails) == (START, END, None)
    assert issue.issued_by == world.users["class_teacher"]
    # Nobody was e-mailed, nothing was queued.
    assert not Notification.objects.filter(kind=Kind.REPORT).exists()
    assert not ProgressReportIssue.objects.filter(kind=IssueKind.SENT).exists()


def test_the_administrations_pdf_download_informs_nobody(client, world):
    """A deputy checks the report; only the class teacher's printing informs the families."""
    client.force_login(world.users["deputy"])
    url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk]) + f"?end={END}"
    with at(2026, 11, 20, 11, 30):
        response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert not _issues(world)


def test_the_denied_record_nothing(client, world):
    other_teacher = StaffFactory(school=world.school, user=UserFactory(username="leader_6b"))
    grant(other_teacher.user, world.school, "teacher")
    world.class_6b.class_teacher = other_teacher
    world.class_6b.save()
    page = reverse("diary:progress_report", args=[world.class_5a.pk]) + f"?end={END}"
    pdf = reverse("diary:progress_report_pdf", args=[world.class_5a.pk]) + f"?end={END}"
    # Another class's class teacher, a subject teacher, a parent, a student: as before.
    for user in (other_teacher.user, *(world.users[p] for p in ("teacher", "parent", "student"))):
        client.force_login(user)
        assert client.post(page).status_code == 403
        assert client.get(pdf).status_code == 403
        assert client.get(page).status_code == 403
    client.force_login(world.users["outsider"])
    assert client.post(page).status_code == 404
    assert client.get(pdf).status_code == 404
    assert _issues(world) == []


def test_the_page_shows_never_and_due_then_the_last_informing_and_due_again(client, world):
    world.users["class_teacher"].last_name = "Смирнова"
    world.users["class_teacher"].first_name = "Анна"
    world.users["class_teacher"].save()
    html = _report_page(client, world)
    assert "Last informed:</strong> never" in html
    assert "Due: the families are to be informed at least every two weeks" in html

    # Printed on Friday 20.11 at 23:30 Moscow time (20:30 UTC): the day is the school's.
    _issue(world, IssueKind.PRINTED, (2026, 11, 20, 23, 30), end=date(2026, 11, 20))
    html = _report_page(client, world, when=(2026, 11, 21, 9, 0))
    assert "Last informed:</strong> 20.11.2026 (printed by Смирнова Анна" in html
    assert "period 07.11.2026 – 20.11.2026" in html
    assert "Due:" not in html
    # 13 days later: not yet; on the 14th day it is due (sent that day, within two weeks).
    assert "Due:" not in _report_page(client, world, when=(2026, 12, 3, 23, 0))
    assert "Due:" in _report_page(client, world, when=(2026, 12, 4, 8, 0))


def test_the_page_tells_a_sending_from_a_printing_and_counts_the_emails(client, world):
    _issue(world, IssueKind.PRINTED, (2026, 11, 16, 9, 0), end=date(2026, 11, 15))
    _issue(world, IssueKind.SENT, (2026, 11, 18, 9, 0), emails=2)
    html = _report_page(client, world)
    assert "Last informed:</strong> 18.11.2026 (e-mailed by class_teacher" in html
    assert "2 e-mails" in html
    assert "Last printing: 16.11.2026 (printed by class_teacher" in html
    assert "Due:" not in html
    # A sending still running counts; one whose run never finished (after an hour), or that
    # queued no e-mail, informs nobody.
    _issue(world, IssueKind.SENT, (2026, 11, 20, 9, 30))
    html = _report_page(client, world)
    assert "Last informed:</strong> 20.11.2026 (e-mailed by class_teacher" in html
    assert "being sent" in html
    html = _report_page(client, world, when=(2026, 11, 20, 11, 0))
    assert "Last informed:</strong> 18.11.2026 (e-mailed" in html
    assert "Last e-mailing: 20.11.2026" in html and "did not finish" in html
    ProgressReportIssue.objects.filter(at__date=date(2026, 11, 20)).update(emails=0)
    html = _report_page(client, world)
    assert "Last informed:</strong> 18.11.2026 (e-mailed" in html
    assert "Last e-mailing: 20.11.2026" in html and "no e-mail queued" in html


def test_a_report_of_an_older_period_is_not_the_fortnightly_informing(client, world):
    """Printing (or sending) the report of September in November does not clear «due»."""
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk]) + "?end=2026-09-15"
    with at(2026, 11, 20, 11, 30):
        assert client.get(url)["Content-Type"] == "application/pdf"
    assert not _issues(world)


def test_a_run_that_fails_writes_what_it_had_queued(world, monkeypatch):
    from zhurnal.diary import report as report_module
    from zhurnal.diary.tasks import send_progress_reports

    issue = _issue(world, IssueKind.SENT, (2026, 11, 20, 10, 0))

    def crash(*args, **kwargs):
        raise RuntimeError("the PDF engine crashed")

    monkeypatch.setattr(report_module, "render_pdf", crash)
    with at(2026, 11, 20, 10, 0), pytest.raises(RuntimeError):
        send_progress_reports.call(
            world.class_5a.pk, START.isoformat(), END.isoformat(), None, issue.pk
        )
    issue.refresh_from_db()
    assert issue.emails == 0  # written, not left «being sent» for ever
    assert not issue.informed


def test_the_report_page_costs_the_same_queries_whatever_the_issues(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report", args=[world.class_5a.pk]) + f"?end={END}"
    with CaptureQueriesContext(connection) as none:
        client.get(url)
    for day in range(10, 20):
        _issue(world, IssueKind.SENT, (2026, 11, day, 9, 0), emails=day % 3)
        _issue(world, IssueKind.PRINTED, (2026, 11, day, 10, 0))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(none.captured_queries) == len(many.captured_queries)


def _home(client, world, when, persona="class_teacher") -> str:
    with at(*when):
        client.force_login(world.users[persona])
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _led_class(world, letter: str) -> m.SchoolClass:
    return SchoolClassFactory(
        school=world.school,
        year=world.year,
        grade_level=world.class_5a.grade_level,
        letter=letter,
        class_teacher=world.class_teacher_staff,
    )


def _badges(html: str) -> dict[int, bool]:
    """Per led class's progress report link: whether it carries the due badge."""
    found = {}
    for match in re.finditer(r'href="/diary/classes/(\d+)/progress-report/">(.*?)</a>', html):
        found[int(match.group(1))] = "report-due" in match.group(2)
    return found


def test_the_home_page_badges_each_led_class_whose_report_is_due(client, world):
    class_5b = _led_class(world, "Б")
    assert _badges(_home(client, world, (2026, 11, 20, 10, 0))) == {
        world.class_5a.pk: True,
        class_5b.pk: True,
    }
    _issue(world, IssueKind.SENT, (2026, 11, 20, 10, 5), emails=3)
    html = _home(client, world, (2026, 11, 20, 10, 10))
    assert _badges(html) == {world.class_5a.pk: False, class_5b.pk: True}
    assert "The families have not been informed yet" in html
    # A sending that queued no e-mail does not count; the printing of 5Б does.
    _issue(world, IssueKind.SENT, (2026, 11, 25, 9, 0), emails=0)
    with at(2026, 11, 25, 9, 30):
        services.record_report_issue(
            school_class=class_5b,
            start=date(2026, 11, 12),
            end=date(2026, 11, 25),
            kind=IssueKind.PRINTED,
            actor=Actor(world.users["class_teacher"]),
        )
    assert _badges(_home(client, world, (2026, 12, 3, 10, 0))) == {
        world.class_5a.pk: False,
        class_5b.pk: False,
    }
    html = _home(client, world, (2026, 12, 4, 10, 0))  # 14 days after 20.11
    assert _badges(html) == {world.class_5a.pk: True, class_5b.pk: False}
    assert "Last informed: 20.11.2026" in html


def test_the_home_page_costs_one_query_more_for_any_number_of_led_classes(client, world):
    when = (2026, 11, 20, 10, 0)
    # The subject teacher leads no class: no query for the badges.
    client.force_login(world.users["teacher"])
    with at(*when), CaptureQueriesContext(connection) as none:
        client.get(reverse("home"))
    assert not any("diary_progressreportissue" in q["sql"] for q in none.captured_queries)

    client.force_login(world.users["class_teacher"])
    with at(*when), CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    issue_queries = [q for q in one.captured_queries if "diary_progressreportissue" in q["sql"]]
    assert len(issue_queries) == 1
    for letter in "БВГ":
        led = _led_class(world, letter)
        for day in (2, 9, 16):
            with at(2026, 11, day, 9, 0):
                services.record_report_issue(
                    school_class=led,
                    start=date(2026, 11, day) - timedelta(days=13),
                    end=date(2026, 11, day),
                    kind=IssueKind.SENT,
                    actor=Actor(world.users["class_teacher"]),
                )
    _issue(world, IssueKind.PRINTED, (2026, 11, 19, 9, 0))
    with at(*when), CaptureQueriesContext(connection) as several:
        html = client.get(reverse("home")).content.decode()
    assert len(_badges(html)) == 4
    assert len(several.captured_queries) == len(one.captured_queries)


def test_the_class_page_shows_the_line_to_those_who_may_see_the_report(client, world):
    _issue(world, IssueKind.PRINTED, (2026, 11, 2, 9, 0), end=date(2026, 11, 1))
    url = reverse("school:class_detail", args=[world.class_5a.pk])
    for persona in ("deputy", "director", "admin", "class_teacher"):
        client.force_login(world.users[persona])
        with at(2026, 11, 20, 10, 0):
            html = client.get(url).content.decode()
        assert "Last informed:</strong> 02.11.2026 (printed by class_teacher" in html, persona
        assert "Due: the families" in html, persona  # 18 days ago
        assert reverse("diary:progress_report", args=[world.class_5a.pk]) in html, persona
    # The secretary sees the class, not the report.
    client.force_login(world.users["secretary"])
    with at(2026, 11, 20, 10, 0), CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "Last informed" not in html
    assert reverse("diary:progress_report", args=[world.class_5a.pk]) not in html
    assert not any("diary_progressreportissue" in q["sql"] for q in queries.captured_queries)


def test_the_class_page_costs_one_query_for_the_line_whatever_the_issues(client, world):
    client.force_login(world.users["deputy"])
    url = reverse("school:class_detail", args=[world.class_5a.pk])
    with at(2026, 11, 20, 10, 0), CaptureQueriesContext(connection) as none:
        client.get(url)
    for day in range(2, 12):
        _issue(world, IssueKind.SENT, (2026, 11, day, 9, 0), emails=day % 2)
        _issue(world, IssueKind.PRINTED, (2026, 11, day, 9, 30), user="deputy")
    with at(2026, 11, 20, 10, 0), CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(none.captured_queries) == len(many.captured_queries)
    assert "Last informed:</strong> 11.11.2026 (printed by deputy" in html


@pytest.mark.parametrize(
    ("last", "today", "due"),
    [
        (None, date(2026, 11, 20), True),
        # 23:30 in Vladivostok on 6.11 is 13:30 UTC: the school's day is 6.11.
        (datetime(2026, 11, 6, 13, 30, tzinfo=ZoneInfo("UTC")), date(2026, 11, 19), False),
        (datetime(2026, 11, 6, 13, 30, tzinfo=ZoneInfo("UTC")), date(2026, 11, 20), True),
        # 00:30 on 7.11 in Vladivostok (14:30 UTC on 6.11): due only on 21.11.
        (datetime(2026, 11, 6, 14, 30, tzinfo=ZoneInfo("UTC")), date(2026, 11, 20), False),
        (datetime(2026, 11, 6, 14, 30, tzinfo=ZoneInfo("UTC")), date(2026, 11, 21), True),
    ],
)
def test_due_counts_the_days_of_the_schools_time_zone(last, today, due):
    assert informing.is_due(last, today, ZoneInfo("Asia/Vladivostok")) is due


@pytest.mark.parametrize(
    ("last", "today", "due"),
    [
        # Never informed: the first reminder comes two weeks after the year began (1.09).
        (None, date(2026, 9, 14), False),
        (None, date(2026, 9, 15), True),
        # Informed in the last year's May: counted from this year's start too.
        (datetime(2026, 5, 20, 9, 0, tzinfo=ZoneInfo("UTC")), date(2026, 9, 10), False),
        (datetime(2026, 9, 10, 9, 0, tzinfo=ZoneInfo("UTC")), date(2026, 9, 24), True),
    ],
)
def test_due_counts_from_the_start_of_the_year(last, today, due):
    assert informing.is_due(last, today, ZoneInfo("UTC"), since=date(2026, 9, 1)) is due


# --- any chosen period: a term, days chosen (issue 12) -----------------------------------------

# Quarter 2 of the world: 05.11–28.12.2026 (today, in the fixture, is 20.11: in progress).
TERM_START, TERM_END = date(2026, 11, 5), date(2026, 12, 28)


def _quarter_1(world) -> m.Term:
    return m.Term.objects.get(school=world.school, year=world.year, kind="quarter", number=1)


def _term_mark(world, student, value: str, term=None, kind: str = "term"):
    return journal.set_period_mark(
        course=world.class_course,
        student=student,
        kind=kind,
        term=world.term if term is None and kind == "term" else term,
        value=value,
        version=0,
        actor=Actor(world.users["class_teacher"]),
    )


def _page(client, world, query: str, persona: str = "class_teacher"):
    client.force_login(world.users[persona])
    response = client.get(reverse("diary:progress_report", args=[world.class_5a.pk]) + query)
    assert response.status_code == 200
    return response


def _foreign_term(world) -> m.Term:
    """A term of the other school, with days of its own (31.01–15.03.2027)."""
    return m.Term.objects.create(
        school=world.other_school,
        year=m.AcademicYear.objects.get(school=world.other_school),
        kind="quarter",
        number=3,
        start=date(2027, 1, 31),
        end=date(2027, 3, 15),
    )


def test_a_terms_report_has_the_whole_terms_marks_absences_and_its_term_marks(world):
    _term_mark(world, world.student, "4")
    _term_mark(world, world.second, "3", term=_quarter_1(world))  # another term's: not shown
    _term_mark(world, world.second, "5", kind="year")  # a year mark: not a term mark
    rows = report.progress_data(world.class_5a, TERM_START, TERM_END, term=world.term)
    by_id = {r.student.pk: r for r in rows}

    russian = by_id[world.student.pk].subjects[0]
    assert [(x.day, x.value) for x in russian.marks] == [(BEFORE, "2"), (MON, "5"), (MON, "4")]
    assert russian.term_mark == "4"
    assert [s.subject for s in by_id[world.student.pk].term_marks] == ["Русский язык"]
    second = by_id[world.second.pk]
    assert second.absences == {"Н": 1, "У": 2}  # 10.11 and 16–17.11: all in the term
    assert second.term_marks == [] and all(not s.term_mark for s in second.subjects)
    # Without the term, the same days carry no term marks.
    plain = report.progress_data(world.class_5a, TERM_START, TERM_END)
    assert all(not s.term_mark for r in plain for s in r.subjects)


def test_the_data_of_a_term_costs_six_queries_whatever_the_class_size(world):
    _term_mark(world, world.student, "4")
    with CaptureQueriesContext(connection) as small:
        report.progress_data(world.class_5a, TERM_START, TERM_END, term=world.term)
    for n in range(6):
        student = StudentFactory(school=world.school, last_name=f"Соколов{n}")
        enroll(student, world.class_5a)
        _mark(world, student, MON, "3", "КР")
        _term_mark(world, student, "3")
    with CaptureQueriesContext(connection) as large:
        rows = report.progress_data(world.class_5a, TERM_START, TERM_END, term=world.term)
    assert sum(1 for r in rows if r.term_marks) == 7
    # The roster, the lists (one UNION ALL), the lessons, the marks, the attendance, the term
    # marks; a period of any length without a term: five.
    assert len(small.captured_queries) == len(large.captured_queries) == 6
    with CaptureQueriesContext(connection) as year:
        report.progress_data(world.class_5a, world.year.start, world.year.end)
    assert len(year.captured_queries) == 5


def test_the_terms_pdf_is_titled_by_the_term_and_shows_the_term_marks(world):
    from django.utils import translation

    _term_mark(world, world.student, "4")
    world.class_5a.school = world.school
    rows = report.progress_data(world.class_5a, TERM_START, TERM_END, term=world.term)
    pdf = report.render_pdf(rows, world.class_5a, TERM_START, TERM_END, term=world.term)
    page = next(p for p in _pdf_pages(pdf) if world.student.last_name in p)
    assert "Progress report: quarter 2" in page
    assert "05.11.2026" in page and "28.12.2026" in page
    assert re.search(r"ОП Term\smark\n", page)  # the last column
    # The subject's row: its marks, one illness, one late arrival, then the term mark.
    assert "Русский язык 2 КР 09.11 5 КР 16.11 4 У 16.11 1 1 4\n" in page
    assert PdfReader(BytesIO(pdf)).metadata.title.startswith("Progress report: quarter 2")
    with translation.override("ru"):
        pdf = report.render_pdf(rows, world.class_5a, TERM_START, TERM_END, term=world.term)
    assert "2-я четверть" in _pdf_pages(pdf)[0]
    assert "2-я четверть" in PdfReader(BytesIO(pdf)).metadata.title


def test_a_pdf_of_days_chosen_is_titled_by_its_days(world):
    world.class_5a.school = world.school
    start, end = date(2026, 11, 9), date(2026, 11, 16)
    rows = report.progress_data(world.class_5a, start, end)
    pdf = report.render_pdf(rows, world.class_5a, start, end)
    assert "Progress report: 09.11.2026 – 16.11.2026" in PdfReader(BytesIO(pdf)).metadata.title
    page = next(p for p in _pdf_pages(pdf) if world.student.last_name in p)
    assert "Progress report: 09.11.2026 – 16.11.2026" in page
    assert "2 КР 09.11" in page and "5 КР 16.11" in page
    assert not re.search(r"Term\smark", page)


def test_the_page_shows_a_term_of_the_class_with_its_term_marks(client, world):
    _term_mark(world, world.student, "4")
    response = _page(client, world, f"?term={world.term.pk}")
    period = response.context["period"]
    assert (period.start, period.end, period.term) == (TERM_START, TERM_END, world.term)
    assert response.context["period_errors"] == []
    html = response.content.decode()
    assert "Term marks" in html and "Русский язык: <b>4</b>" in html
    # The PDF and the sending ask for the same term.
    pdf_url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk])
    assert f'href="{pdf_url}?term={world.term.pk}"' in html
    assert f'action="?term={world.term.pk}"' in html
    # The class's terms are offered, the chosen one selected.
    assert f'<option value="{world.term.pk}" selected>quarter 2' in html
    assert f'<option value="{_quarter_1(world).pk}">quarter 1' in html


def test_the_page_shows_days_chosen(client, world):
    response = _page(client, world, "?start=2026-11-09&end=2026-11-16")
    period = response.context["period"]
    assert (period.start, period.end, period.term, period.fortnight) == (
        date(2026, 11, 9),
        date(2026, 11, 16),
        None,
        False,
    )
    mine = next(r for r in response.context["rows"] if r.student.pk == world.student.pk)
    assert [x.value for x in mine.subjects[0].marks] == ["2", "5", "4"]
    html = response.content.decode()
    assert "Marks and absences of the chosen period" in html
    assert 'action="?start=2026-11-09&amp;end=2026-11-16"' in html
    # Eight days do not make the fortnightly informing: the page says so.
    assert 'id="period-not-informing"' in html


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?start=2026-11-20&end=2026-11-10", "The first day of the period is after its last day."),
        ("?start=2025-09-01&end=2026-11-20", "at most one academic year long (366 days)"),
        ("?start=2026-11-10", "Choose the last day of the period as well."),
        ("?end=24.13.2026", "The last day of the period is not a valid date."),
        ("?start=yesterday&end=2026-11-20", "The first day of the period is not a valid date."),
        ("?end=0001-01-01", "Choose days from 01.01.2000 to 31.12.2100."),
        ("?start=2026-11-01&end=9999-12-31", "Choose days from 01.01.2000 to 31.12.2100."),
        ("?term=abc", "The chosen term is not one of the class's terms."),
        ("?term=999999", "The chosen term is not one of the class's terms."),
    ],
)
def test_a_bad_period_is_refused_with_a_message_and_the_last_two_weeks_are_shown(
    client, world, query, error
):
    response = _page(client, world, query)
    assert any(error in e for e in response.context["period_errors"])
    period = response.context["period"]
    assert period.fortnight and period.end == date(2026, 11, 20)  # today's fortnight
    html = response.content.decode()
    assert "The two weeks ending today are shown instead." in html


def test_a_term_of_another_school_or_grade_level_tells_nothing_and_is_not_used(client, world):
    foreign = _foreign_term(world)
    halves = m.Term.objects.create(  # this school's, followed by no grade level of 5А
        school=world.school,
        year=world.year,
        kind="half",
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 12, 27),
    )
    missing = foreign.pk + halves.pk + 1000
    pages = {}
    for term_id in (foreign.pk, halves.pk, missing):
        response = _page(client, world, f"?term={term_id}")
        assert response.context["period"].term is None
        assert response.context["period"].end == date(2026, 11, 20)
        pages[term_id] = response.context["period_errors"]
        html = response.content.decode()
        assert "31.01" not in html and "15.03.2027" not in html
    # The same answer whether the term exists elsewhere or not at all.
    assert pages[foreign.pk] == pages[halves.pk] == pages[missing]
    # Neither the PDF nor the sending is made of it; nothing is recorded.
    client.force_login(world.users["class_teacher"])
    pdf_url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk])
    page_url = reverse("diary:progress_report", args=[world.class_5a.pk])
    response = client.get(f"{pdf_url}?term={foreign.pk}")
    assert response.status_code == 302 and response["Location"] == page_url
    response = client.post(f"{page_url}?term={foreign.pk}")
    assert response.status_code == 302 and response["Location"] == page_url
    assert _issues(world) == []
    assert not Notification.objects.filter(kind=Kind.REPORT).exists()
    messages = [str(m) for m in client.get(page_url).context["messages"]]
    assert messages == ["The chosen term is not one of the class's terms."] * 2


def test_a_bad_period_makes_no_pdf_and_sends_nothing(client, world):
    client.force_login(world.users["class_teacher"])
    pdf_url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk])
    page_url = reverse("diary:progress_report", args=[world.class_5a.pk])
    query = "?start=2026-11-20&end=2026-11-01"
    response = client.get(pdf_url + query, follow=True)
    assert response.redirect_chain == [(page_url, 302)]
    assert "The first day of the period is after its last day." in response.content.decode()
    with at(2026, 11, 20, 10, 0):
        assert client.post(page_url + query).status_code == 302
    assert _issues(world) == []


def test_the_pdf_of_a_term_in_progress_is_the_class_teachers_informing(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk])
    with at(2026, 11, 20, 11, 30):
        response = client.get(f"{url}?term={world.term.pk}")
    assert response["Content-Type"] == "application/pdf"
    assert (
        f"progress-{world.class_5a.pk}-2026-11-05_2026-12-28.pdf"
        in (response["Content-Disposition"])
    )
    assert "Progress report: quarter 2" in _pdf_pages(response.content)[0]
    [issue] = _issues(world)
    assert (issue.kind, issue.start, issue.end) == (IssueKind.PRINTED, TERM_START, TERM_END)


def test_a_term_that_ended_in_the_last_two_weeks_informs_an_old_one_does_not(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report_pdf", args=[world.class_5a.pk])
    quarter_1 = _quarter_1(world)  # ended on Saturday 24.10
    # In the autumn holiday: its last two weeks of school are in it.
    with at(2026, 11, 4, 10, 0):
        client.get(f"{url}?term={quarter_1.pk}")
    [issue] = _issues(world)
    assert (issue.start, issue.end) == (date(2026, 9, 1), date(2026, 10, 24))
    # On 20.11 the first quarter is an old period: downloaded, not recorded.
    with at(2026, 11, 20, 10, 0):
        assert client.get(f"{url}?term={quarter_1.pk}")["Content-Type"] == "application/pdf"
        # Nor are a few days chosen by hand, though they end today.
        client.get(f"{url}?start=2026-11-16&end=2026-11-20")
    assert _issues(world) == [issue]
    html = _page(client, world, f"?term={quarter_1.pk}").content.decode()
    assert 'id="period-not-informing"' in html


@pytest.mark.parametrize(
    ("start", "end", "today", "informs"),
    [
        # The fortnight: as before issue 12.
        (date(2026, 11, 7), date(2026, 11, 20), date(2026, 11, 20), True),
        (date(2026, 10, 24), date(2026, 11, 6), date(2026, 11, 20), True),  # 14 days ago
        (date(2026, 10, 23), date(2026, 11, 5), date(2026, 11, 20), False),
        # A term in progress, and one that ended within the last two weeks.
        (TERM_START, TERM_END, date(2026, 11, 20), True),
        (date(2026, 9, 1), date(2026, 10, 24), date(2026, 11, 4), True),
        (date(2026, 9, 1), date(2026, 10, 24), date(2026, 11, 20), False),
        # Days chosen: a month ending today counts, thirteen days do not.
        (date(2026, 10, 21), date(2026, 11, 20), date(2026, 11, 20), True),
        (date(2026, 11, 8), date(2026, 11, 20), date(2026, 11, 20), False),
        # A period wholly to come holds nothing yet.
        (date(2026, 11, 21), date(2026, 12, 20), date(2026, 11, 20), False),
    ],
)
def test_only_a_report_covering_the_last_two_weeks_is_the_informing(start, end, today, informs):
    assert informing.is_current_period(start, end, today) is informs


def test_sending_a_terms_report_mails_the_term_with_its_term_marks(
    client, world, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from zhurnal.diary.tasks import send_progress_reports

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.users["parent"].email = "parent@example.com"
    world.users["parent"].save()
    _term_mark(world, world.student, "4")
    DBTaskResult.objects.all().delete()
    client.force_login(world.users["class_teacher"])
    url = reverse("diary:progress_report", args=[world.class_5a.pk]) + f"?term={world.term.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    [issue] = _issues(world)
    assert (issue.kind, issue.start, issue.end) == (IssueKind.SENT, TERM_START, TERM_END)
    [queued] = DBTaskResult.objects.filter(task_path__endswith="send_progress_reports")
    args = queued.args_kwargs["args"]
    assert args[1:3] == ["2026-11-05", "2026-12-28"] and args[-1] == world.term.pk

    assert send_progress_reports.call(*args) == 1
    [delivery] = EmailDelivery.objects.filter(attachment_name__endswith=".pdf")
    assert "quarter 2 (05.11.2026 – 28.12.2026)" in delivery.subject
    assert "the term marks" in delivery.body and "in quarter 2 (05.11.2026" in delivery.body
    text = _pdf_pages(bytes(delivery.attachment))[0]
    assert "Progress report: quarter 2" in text and re.search(r"Term\smark", text)
    assert "2 КР 09.11" in text  # the whole term, not two weeks
    # The same days chosen by hand, without the term's marks, are another report: sent apart.
    assert send_progress_reports.call(world.class_5a.pk, "2026-11-05", "2026-12-28", None) == 1
