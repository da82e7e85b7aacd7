"""The `zhurnal demo` command and its generator (zhurnal.ops.demo)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory

from zhurnal.accounts.models import Membership, Role, User
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.ops.demo import DEMO_LOGINS, DEMO_PASSWORD, generate
from zhurnal.ops.demo.calendar import plan_calendar
from zhurnal.school import models as m
from zhurnal.school.queries import class_roster

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def run_demo(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_school() -> m.School:
    run_demo("--size", "small")
    return m.School.objects.get()


def login(username: str) -> User | None:
    request = RequestFactory().post("/accounts/login/")
    with time_machine.travel(TODAY, tick=False):
        return authenticate(request, username=username, password=DEMO_PASSWORD)


def test_demo_builds_one_school_with_its_year_terms_and_holidays(demo_school):
    assert demo_school.short_name == "СОШ № 1"
    assert "«Средняя общеобразовательная школа № 1»" in demo_school.name
    assert demo_school.timezone == "Europe/Moscow"
    assert demo_school.week_days == 5
    year = m.AcademicYear.objects.get(school=demo_school)
    assert (year.title, year.start, year.end) == (
        "2026/2027",
        date(2026, 9, 1),
        date(2027, 5, 31),
    )
    kinds = Counter(m.Term.objects.filter(year=year).values_list("kind", flat=True))
    assert kinds == {"quarter": 4, "half": 2}
    levels = dict(
        m.GradeLevel.objects.filter(school=demo_school).values_list("number", "term_kind")
    )
    assert sorted(levels) == list(range(1, 12))
    assert {levels[g] for g in range(1, 10)} == {"quarter"}
    assert {levels[10], levels[11]} == {"half"}
    titles = set(m.Holiday.objects.filter(year=year).values_list("title", flat=True))
    assert {"Осенние каникулы", "Зимние каникулы", "Весенние каникулы", "День Победы"} <= titles
    grade_one_only = m.Holiday.objects.get(year=year, grade_levels__number=1)
    assert grade_one_only.start.month == 2
    assert list(grade_one_only.grade_levels.values_list("number", flat=True)) == [1]


def test_every_class_has_a_class_teacher_and_enrolled_students_admitted_by_order(demo_school):
    classes = list(m.SchoolClass.objects.filter(school=demo_school).select_related("grade_level"))
    assert len(classes) == 11  # small: one class per grade level
    for cls in classes:
        assert cls.class_teacher_id is not None
        roster = list(class_roster(cls, date(2026, 11, 23)))
        assert len(roster) >= 5
        for student in roster:
            age = student.age_on(date(2026, 9, 1))
            assert cls.grade_level.number + 5 <= age <= cls.grade_level.number + 7
    students = m.Student.objects.filter(school=demo_school)
    admissions = m.Movement.objects.filter(school=demo_school, kind=m.MovementKind.ADMISSION)
    assert admissions.count() == students.count()
    assert not admissions.filter(order_number="").exists()
    assert not admissions.filter(order_date__gt=date(2026, 9, 1)).exists()
    events = AuditEvent.objects.filter(school=demo_school, action=AuditAction.MOVEMENT)
    assert events.count() == students.count()
    numbers = list(students.values_list("personal_file_number", flat=True))
    assert len(set(numbers)) == len(numbers)


def test_students_have_one_or_two_guardians_with_example_addresses(demo_school):
    per_student = Counter(
        m.StudentGuardian.objects.filter(school=demo_school).values_list("student_id", flat=True)
    )
    assert len(per_student) == m.Student.objects.filter(school=demo_school).count()
    assert set(per_student.values()) <= {1, 2}
    emails = m.Guardian.objects.filter(school=demo_school).values_list("email", flat=True)
    assert all(e.endswith("@example.com") for e in emails)
    relations = set(m.StudentGuardian.objects.values_list("relation", flat=True))
    assert relations == {"mother", "father"}


def test_courses_follow_the_curriculum_and_have_teachers(demo_school):
    year = m.AcademicYear.objects.get(school=demo_school)
    lines = m.CurriculumLine.objects.filter(year=year)
    assert lines.filter(grade_level__number=1).count() >= 7
    assert lines.get(grade_level__number=5, subject__name="Математика").hours_per_week == 5
    assert not lines.filter(grade_level__number=1, subject__name__contains="английский").exists()
    weekly = {
        g: sum(line.hours_per_week for line in lines if line.grade_level.number == g)
        for g in (1, 5, 9)
    }
    assert weekly[1] <= 21  # SanPiN limits for a 5-day week
    assert weekly[5] <= 29
    assert weekly[9] <= 33
    courses = m.Course.objects.filter(school=demo_school)
    assert not courses.filter(teachers__isnull=True).exists()
    five_a = m.SchoolClass.objects.get(school=demo_school, grade_level__number=5, letter="А")
    regular = set(
        courses.filter(school_class=five_a, kind=m.CourseKind.REGULAR).values_list(
            "subject__name", flat=True
        )
    )
    in_plan = set(lines.filter(grade_level__number=5).values_list("subject__name", flat=True))
    english = "Иностранный язык (английский)"
    assert regular == in_plan - {english}
    # English is taught in two subgroups of the class, each a course with its own teacher.
    groups = m.Group.objects.filter(school_class=five_a, subject__name=english)
    assert groups.count() == 2
    members = [set(g.memberships.values_list("student_id", flat=True)) for g in groups]
    assert not members[0] & members[1]
    assert members[0] | members[1] == {s.pk for s in class_roster(five_a, date(2026, 11, 23))}
    teachers = [c.teachers.get() for c in courses.filter(group__in=groups)]
    assert teachers[0] != teachers[1]
    assert courses.filter(kind=m.CourseKind.ELECTIVE, group__school_class__isnull=True).exists()
    assert courses.filter(kind=m.CourseKind.EXTRACURRICULAR).count() == 11


def test_staff_have_positions_and_logins_with_their_roles(demo_school):
    staff = m.Staff.objects.filter(school=demo_school)
    assert not staff.filter(positions__isnull=True).exists()
    assert not staff.filter(user__isnull=True).exists()
    roles = Counter(
        Membership.objects.filter(
            school=demo_school, user__staff_records__isnull=False
        ).values_list("role", flat=True)
    )
    assert roles[Role.DIRECTOR] == 1
    assert roles[Role.DEPUTY] == 2
    assert roles[Role.TEACHER] >= 15
    titles = set(staff.values_list("positions__title", flat=True))
    assert {"Учитель математики", "Учитель начальных классов", "Директор"} <= titles


def test_each_demo_login_authenticates_with_its_role(demo_school):
    output = run_demo("--if-empty")  # the table is printed by the first run, see below
    assert "demo data not loaded" in output
    for demo in DEMO_LOGINS:
        user = login(demo.username)
        assert user is not None, demo.username
        assert not user.must_change_password
        assert Membership.objects.filter(user=user, school=demo_school, role=demo.role).exists()
    assert login("teacher").username == "teacher"
    assert authenticate(RequestFactory().post("/"), username="admin", password="wrong") is None


def test_the_logins_table_is_printed_at_the_end():
    output = run_demo("--size", "small")
    for demo in DEMO_LOGINS:
        assert f"  {demo.username} " in output
    assert DEMO_PASSWORD in output
    assert "class teacher of 5А" in output
    assert "1 school(s), 11 classes" in output


def test_demo_teacher_teaches_maths_and_leads_5a(demo_school):
    staff = m.Staff.objects.get(user__username="teacher")
    led = [c.name for c in staff.led_classes.select_related("grade_level")]
    assert led == ["5А"]
    subjects = set(staff.courses.values_list("subject__name", flat=True))
    assert "Математика" in subjects


def test_demo_parent_has_two_children_in_different_classes(demo_school):
    guardian = m.Guardian.objects.get(user__username="parent")
    children = list(guardian.children.all())
    assert len(children) == 2
    day = date(2026, 11, 23)
    classes = {
        e.school_class_id
        for e in m.Enrollment.objects.filter(student__in=children)
        if e.covers(day)
    }
    assert len(classes) == 2


def test_demo_student_is_of_login_age_and_linked_to_the_card(demo_school):
    card = m.Student.objects.get(user__username="student")
    assert card.age_on(TODAY) >= demo_school.student_min_age
    assert Membership.objects.filter(user=card.user, role=Role.STUDENT).exists()


def test_if_empty_loads_an_empty_database_and_then_does_nothing():
    run_demo("--size", "small", "--if-empty")
    counts = (m.School.objects.count(), m.Student.objects.count(), User.objects.count())
    output = run_demo("--size", "small", "--if-empty")
    assert output.strip().count("\n") == 0
    assert (m.School.objects.count(), m.Student.objects.count(), User.objects.count()) == counts


def test_a_non_empty_database_is_refused_without_force(demo_school):
    with pytest.raises(CommandError, match="--force"):
        run_demo("--size", "small")
    assert m.School.objects.count() == 1
    output = run_demo("--size", "small", "--force")
    assert "Demo logins not created" in output
    assert set(m.School.objects.values_list("short_name", flat=True)) == {"СОШ № 1", "СОШ № 2"}


def test_bad_number_of_schools_is_refused():
    with pytest.raises(CommandError):
        run_demo("--schools", "0")
    assert not m.School.objects.exists()


def test_two_schools_do_not_clash_and_only_the_first_has_demo_logins():
    run_demo("--size", "small", "--schools", "2")
    first, second = m.School.objects.order_by("id")
    assert (first.short_name, second.short_name) == ("СОШ № 1", "СОШ № 2")
    demo_usernames = [d.username for d in DEMO_LOGINS]
    in_second = Membership.objects.filter(school=second, user__username__in=demo_usernames)
    assert not in_second.exists()
    assert Membership.objects.filter(school=first, user__username__in=demo_usernames).count() == 8
    assert m.Staff.objects.filter(school=second, user__isnull=False).exists()
    assert m.SchoolClass.objects.filter(school=second).count() == 11


def test_generated_rows_satisfy_the_model_constraints():
    run_demo("--size", "small", "--schools", "2")
    models = [
        m.School, m.AcademicYear, m.Term, m.Holiday, m.GradeLevel, m.SchoolClass, m.Group,
        m.GroupMembership, m.Subject, m.CurriculumLine, m.Course, m.Staff, m.StaffPosition,
        m.Student, m.Movement, m.Enrollment, m.Guardian, m.StudentGuardian, m.Consent, User,
        Membership,
    ]  # fmt: skip
    for model in models:
        sample = list(model.objects.order_by("-pk")[:6]) + list(model.objects.order_by("pk")[:6])
        assert sample, model
        for obj in sample:
            obj.full_clean()


def test_the_same_seed_gives_the_same_data():
    def names(seed: int) -> list[tuple]:
        with transaction.atomic():
            generate(size="small", seed=seed, today=TODAY)
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
    output = run_demo("--size", "small")
    assert "the usernames are taken: admin" in output
    assert login("admin") is None
    assert not Membership.objects.filter(user__username="admin").exists()
    for demo in DEMO_LOGINS[1:]:
        assert login(demo.username) is not None, demo.username
    admin_staff = m.Staff.objects.get(positions__title="Системный администратор")
    assert admin_staff.user.username != "admin"
