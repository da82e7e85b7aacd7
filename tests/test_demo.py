"""The `zhurnal demo` command and its generator (zhurnal.ops.demo): options, refusals, logins,
determinism, constraints. What the demo school holds is read in tests/test_demo_content.py."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from zhurnal.accounts.models import Membership, User
from zhurnal.journal import models as j
from zhurnal.ops.demo import DEMO_LOGINS, DEMO_PASSWORD, generate
from zhurnal.ops.demo import journal as demo_journal
from zhurnal.ops.demo.calendar import plan_calendar
from zhurnal.oversight.lagging import FAILING, lagging
from zhurnal.oversight.models import SupportAction
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, TimetableEntry

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def run_demo(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


def login(username: str) -> User | None:
    request = RequestFactory().post("/accounts/login/")
    with time_machine.travel(TODAY, tick=False):
        return authenticate(request, username=username, password=DEMO_PASSWORD)


def test_the_logins_table_is_printed_at_the_end():
    output = run_demo("--size", "small", "--without-journal")
    for demo in DEMO_LOGINS:
        assert f"  {demo.username} " in output
    assert DEMO_PASSWORD in output
    assert "class teacher of 5А" in output
    assert "1 school(s), 11 classes" in output


def test_if_empty_loads_an_empty_database_and_then_does_nothing():
    run_demo("--size", "small", "--without-journal", "--if-empty")
    counts = (m.School.objects.count(), m.Student.objects.count(), User.objects.count())
    output = run_demo("--size", "small", "--without-journal", "--if-empty")
    assert output.strip().count("\n") == 0
    assert (m.School.objects.count(), m.Student.objects.count(), User.objects.count()) == counts


def test_a_non_empty_database_is_refused_without_force():
    run_demo("--size", "small", "--without-journal")
    with pytest.raises(CommandError, match="--force"):
        run_demo("--size", "small", "--without-journal")
    assert m.School.objects.count() == 1
    output = run_demo("--size", "small", "--without-journal", "--force")
    assert "Demo logins not created" in output
    assert set(m.School.objects.values_list("short_name", flat=True)) == {"СОШ № 1", "СОШ № 2"}


def test_bad_number_of_schools_is_refused():
    with pytest.raises(CommandError):
        run_demo("--schools", "0")
    assert not m.School.objects.exists()


def test_two_schools_do_not_clash_and_only_the_first_has_demo_logins():
    run_demo("--size", "small", "--without-journal", "--schools", "2")
    first, second = m.School.objects.order_by("id")
    assert (first.short_name, second.short_name) == ("СОШ № 1", "СОШ № 2")
    demo_usernames = [d.username for d in DEMO_LOGINS]
    in_second = Membership.objects.filter(school=second, user__username__in=demo_usernames)
    assert not in_second.exists()
    assert Membership.objects.filter(school=first, user__username__in=demo_usernames).count() == 8
    assert m.Staff.objects.filter(school=second, user__isnull=False).exists()
    assert m.SchoolClass.objects.filter(school=second).count() == 11


def test_generated_rows_satisfy_the_model_constraints():
    run_demo("--size", "small")
    models = [
        m.School, m.AcademicYear, m.Term, m.Holiday, m.GradeLevel, m.SchoolClass, m.Group,
        m.GroupMembership, m.Subject, m.CurriculumLine, m.Course, m.Staff, m.StaffPosition,
        m.Student, m.Movement, m.Enrollment, m.Guardian, m.StudentGuardian, m.Consent, User,
        Membership, TimetableEntry, Lesson, ThematicPlan, PlanItem, CoursePlan, j.WorkType,
        j.ScaleRule, j.GradeColumn, j.Mark, j.Attendance, j.Absence, j.Homework, j.StudentNote,
        j.PeriodMark,
    ]  # fmt: skip
    for model in models:
        sample = list(model.objects.order_by("-pk")[:6]) + list(model.objects.order_by("pk")[:6])
        assert sample, model
        for obj in sample:
            obj.full_clean()


def test_the_same_seed_gives_the_same_data():
    def names(seed: int) -> list[tuple]:
        with transaction.atomic():
            generate(size="small", seed=seed, today=TODAY, life=False)
            rows = list(
                m.Student.objects.order_by("personal_file_number").values_list(
                    "last_name", "first_name", "middle_name", "birth_date"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert names(7) == names(7)
    assert names(7) != names(8)


@pytest.mark.parametrize(
    ("today", "title"),
    [
        (date(2026, 11, 22), "2026/2027"),
        (date(2027, 3, 1), "2026/2027"),
        (date(2027, 7, 15), "2026/2027"),
        (date(2027, 9, 1), "2027/2028"),
    ],
)
def test_the_academic_year_is_the_one_containing_today(today, title):
    plan = plan_calendar(today)
    assert plan.title == title
    terms = [*plan.quarters, *plan.halves]
    assert all(plan.start <= start < end <= plan.end for start, end in terms)
    for (_, end), (start, _) in zip(plan.quarters, plan.quarters[1:], strict=False):
        assert 7 <= (start - end).days <= 18  # a vacation between quarters
    assert plan.halves[0][1] == plan.quarters[1][1]
    assert all(start.weekday() < 5 for start, _ in terms)


def test_a_taken_demo_username_is_left_out_and_the_others_are_created():
    User.objects.create_user(username="admin", password="someone-elses-42")
    output = run_demo("--size", "small", "--without-journal")
    assert "the usernames are taken: admin" in output
    assert login("admin") is None
    assert not Membership.objects.filter(user__username="admin").exists()
    for demo in DEMO_LOGINS[1:]:
        assert login(demo.username) is not None, demo.username
    admin_staff = m.Staff.objects.get(positions__title="Системный администратор")
    assert admin_staff.user.username != "admin"


def test_without_a_failing_student_in_5a_one_is_made_weak_in_one_subject(monkeypatch):
    """The demo's 5А always has a student at risk of a «2» for the preliminary report and the
    work with lagging students: when the generated marks give none (here every student is
    strong), one student's marks of the term in one subject are made weak — and the control
    costs a query per table whatever the school's size."""
    for level in ("average", "weak"):
        monkeypatch.setitem(demo_journal.LEVELS, level, demo_journal.LEVELS["strong"])
    with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as queries:
        (school,) = generate(size="small", today=TODAY).schools
    control = [q["sql"] for q in queries.captured_queries if "oversight_" in q["sql"]]
    assert len(control) == 4 and all(sql.startswith("INSERT") for sql in control)
    year = m.AcademicYear.objects.get(school=school)
    five_a = m.SchoolClass.objects.get(school=school, grade_level__number=5, letter="А")
    at_risk = lagging(school, year, [five_a], TODAY, at_risk_only=True)
    (weak,) = [e for e in at_risk if FAILING in e.kinds]
    (reason,) = [r for r in weak.reasons if r.kind == FAILING]
    assert weak.support_count == 2
    support = SupportAction.objects.filter(student=weak.student)
    assert {a.course.subject.name for a in support} == {reason.subject}
    assert not m.Student.objects.filter(pk=weak.student.pk, guardians__user__username="parent")
    # Only that student's marks of the term changed: no other «2» in the class this term.
    twos = j.Mark.objects.filter(
        student__enrollments__school_class=five_a,
        column__lesson__date__gte=weak.term.start,
        value="2",
    )
    assert set(twos.values_list("student_id", "column__lesson__course__subject__name")) == {
        (weak.student.pk, reason.subject)
    }
