"""What the demo school holds (zhurnal.ops.demo): people, courses, logins, the timetable, the
lessons, the plans, the journal and the deputies' control of it. One demo school, built once for
the module (it takes seconds) in a transaction rolled back at the end; each test runs in its own
savepoint."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.accounts.models import Membership, Role, User
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.diary import services as diary_services
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.journal import models as j
from zhurnal.journal.policy import policy_of, scale_of, with_scale_rule
from zhurnal.journal.scales import parse
from zhurnal.messaging.models import Announcement, Message, Thread, ThreadParticipant
from zhurnal.notifications.models import Notification
from zhurnal.ops.demo import DEMO_LOGINS, DEMO_PASSWORD, generate
from zhurnal.ops.demo.syllabi import SYLLABI
from zhurnal.oversight import queries as oversight_queries
from zhurnal.oversight.lagging import FAILING, lagging
from zhurnal.oversight.models import (
    CheckReport,
    JournalRemark,
    RemarkKind,
    RemarkStatus,
    RemarkStep,
    StepAction,
    SupportAction,
    SupportKind,
)
from zhurnal.planning.models import CoursePlan, ThematicPlan
from zhurnal.planning.queries import school_weeks
from zhurnal.school import models as m
from zhurnal.school.rosters import class_roster
from zhurnal.timetable.conflicts import find_conflicts
from zhurnal.timetable.models import Lesson, LessonStatus, TimetableEntry

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def run_demo(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def shared_demo(django_db_setup, django_db_blocker):
    # The same fast hasher as every test (tests/conftest.py), set before the demo hashes.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        run_demo("--size", "small")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_school(shared_demo, db) -> m.School:
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


# --- timetable, plans and journal ---------------------------------------------------------


def test_every_class_has_a_conflict_free_timetable(demo_school):
    entries = TimetableEntry.objects.filter(school=demo_school)
    for cls in m.SchoolClass.objects.filter(school=demo_school):
        assert entries.filter(
            Q(course__school_class=cls) | Q(course__group__school_class=cls)
        ).exists(), cls
    for entry in entries:
        assert find_conflicts(entry) == [], entry


def test_lessons_cover_the_current_term_with_a_few_changes(demo_school):
    term = m.Term.objects.get(school=demo_school, kind="quarter", number=2)
    current = Lesson.objects.filter(school=demo_school, date__range=(term.start, term.end))
    for cls in m.SchoolClass.objects.filter(school=demo_school):
        assert current.filter(course__school_class=cls).exists(), cls
    cancelled = Lesson.objects.filter(school=demo_school, status=LessonStatus.CANCELLED)
    assert cancelled.count() >= 2
    assert all(lesson.cancel_reason and lesson.date < TODAY for lesson in cancelled)
    substituted = Lesson.objects.get(school=demo_school, substitute_for__isnull=False)
    assert substituted.teacher_id != substituted.substitute_for_id
    assert substituted.date < TODAY
    assert substituted.timetable_entry.teacher_id == substituted.substitute_for_id


def test_main_subjects_follow_plans_of_the_curriculum_hours(demo_school):
    year = m.AcademicYear.objects.get(school=demo_school)
    lines = {
        (line.subject.name, line.grade_level.number): line.hours_per_week
        for line in m.CurriculumLine.objects.filter(year=year).select_related(
            "subject", "grade_level"
        )
    }
    plans = ThematicPlan.objects.filter(school=demo_school).annotate(total=Sum("items__hours"))
    assert plans.count() == len([key for key in SYLLABI if lines.get(key)])
    for plan in plans.select_related("subject", "grade_level"):
        grade = plan.grade_level.number
        assert plan.total == lines[(plan.subject.name, grade)] * school_weeks(grade), plan
    regular = m.Course.objects.filter(school=demo_school, kind=m.CourseKind.REGULAR)
    for course in regular.select_related("subject", "school_class__grade_level", "group"):
        cls = course.school_class or course.group.school_class
        key = (course.subject.name, cls.grade_level.number)
        assert CoursePlan.objects.filter(course=course).exists() == (key in SYLLABI), key


def test_held_lessons_before_today_have_plan_topics_in_order(demo_school):
    followed = CoursePlan.objects.filter(school=demo_school).select_related("course")
    assert followed
    for choice in followed:
        lessons = list(
            Lesson.objects.filter(course=choice.course, date__lt=TODAY)
            .select_related("plan_item")
            .order_by("date", "number")
        )
        held = [lesson for lesson in lessons if lesson.status != LessonStatus.CANCELLED]
        assert held, choice.course
        positions = []
        for lesson in held:
            assert lesson.plan_item is not None and lesson.plan_item.plan_id == choice.plan_id
            assert lesson.topic == lesson.plan_item.topic
            assert lesson.topic_entered_at is not None
            positions.append(lesson.plan_item.position)
        assert positions == sorted(positions)
        assert not Lesson.objects.filter(course=choice.course, date__gt=TODAY, topic__gt="")
    assert not Lesson.objects.filter(status=LessonStatus.CANCELLED, plan_item__isnull=False)


def test_marks_are_on_their_scales_and_grade_one_has_none(demo_school):
    marks = j.Mark.objects.filter(school=demo_school)
    assert marks.count() > 100
    policy = policy_of(demo_school.pk)
    courses = with_scale_rule(m.Course.objects.filter(school=demo_school))
    scales = {course.pk: scale_of(course, policy) for course in courses}
    values = marks.values_list("value", "column__lesson__course_id").distinct()
    for value, course_id in values:
        parse(scales[course_id], value)  # raises MarkError when off the scale
    first = Q(column__lesson__course__school_class__grade_level__number=1) | Q(
        column__lesson__course__group__school_class__grade_level__number=1
    )
    assert not marks.filter(first).exists()
    assert not marks.filter(column__lesson__date__gte=TODAY).exists()
    counts = Counter(marks.values_list("value", flat=True))
    assert counts["4"] + counts["5"] > 2 * (counts["3"] + counts["2"])
    assert counts["3"] and counts["2"] < counts["3"]
    mark = marks.select_related("column__lesson__teacher").first()
    lesson = mark.column.lesson
    assert mark.entered_by_id == lesson.teacher.user_id
    assert mark.entered_at.date() == lesson.date
    assert (mark.version, mark.late) == (1, False)


def test_journal_has_attendance_homework_notes_and_first_term_marks(demo_school):
    assert j.Homework.objects.filter(school=demo_school, minutes__gt=0).exists()
    q1 = m.Term.objects.get(school=demo_school, kind="quarter", number=1)
    term_marks = j.PeriodMark.objects.filter(school=demo_school, term=q1, kind="term")
    assert term_marks.exists()
    assert set(term_marks.values_list("value", flat=True)) <= {"2", "3", "4", "5"}
    codes = set(j.Attendance.objects.filter(school=demo_school).values_list("code", flat=True))
    assert {"Н", "Б"} <= codes
    five_a = m.SchoolClass.objects.get(school=demo_school, grade_level__number=5, letter="А")
    assert j.Attendance.objects.filter(
        lesson__course__school_class=five_a, code__in=["Н", "Б", "У"]
    ).exists()


def test_almost_every_held_lesson_has_its_roll_call_and_a_few_have_none(demo_school):
    """The deputy's control has lessons whose attendance was never taken to show (~2 %); a
    lesson with an attendance entry always had it taken, as ``set_attendance`` records it."""
    held = Lesson.objects.filter(school=demo_school, date__lt=TODAY).exclude(
        status=LessonStatus.CANCELLED
    )
    without = held.filter(roll_call__isnull=True)
    assert 0 < without.count() < held.count() * 0.05
    assert not without.filter(attendance__isnull=False).exists()
    assert not j.RollCall.objects.filter(lesson__date__gte=TODAY).exists()
    roll_call = j.RollCall.objects.select_related("lesson__teacher").first()
    lesson = roll_call.lesson
    assert roll_call.school == demo_school
    assert roll_call.entered_by_id == lesson.teacher.user_id
    assert (roll_call.entered_at.date(), roll_call.late) == (lesson.date, False)


def test_demo_teacher_has_lessons_this_week(demo_school):
    teacher = m.Staff.objects.get(user__username="teacher")
    week = Lesson.objects.filter(
        teacher=teacher, date__range=(date(2026, 11, 23), date(2026, 11, 27))
    )
    assert week.count() >= 5
    assert week.filter(course__subject__name="Математика", course__school_class__letter="А")


# --- the demo family: messages, announcement, acknowledgements, notifications (issue 5) ----


def test_demo_parent_has_an_unread_message_from_the_class_teacher(demo_school):
    parent = User.objects.get(username="parent")
    teacher = User.objects.get(username="teacher")
    thread = Thread.objects.filter(participants__user=teacher).distinct().get()
    assert set(thread.participants.values_list("user__username", flat=True)) == {
        "parent",
        "teacher",
    }
    messages = list(thread.messages.order_by("created_at"))
    assert 2 <= len(messages) <= 3
    assert {msg.author_id for msg in messages} == {parent.pk, teacher.pk}
    last = messages[-1]
    assert last.author_id == teacher.pk
    assert thread.last_message_at == last.created_at
    mine = ThreadParticipant.objects.get(thread=thread, user=parent)
    assert mine.last_read_at is not None and mine.last_read_at < last.created_at
    theirs = ThreadParticipant.objects.get(thread=thread, user=teacher)
    assert theirs.last_read_at >= last.created_at
    assert all(msg.created_at.date() < TODAY for msg in messages)
    # The teacher is the class teacher of the parent's child in 5А.
    five_a = m.SchoolClass.objects.get(school=demo_school, grade_level__number=5, letter="А")
    assert five_a.class_teacher.user_id == teacher.pk
    assert m.StudentGuardian.objects.filter(
        guardian__user=parent, student__enrollments__school_class=five_a
    ).exists()


def test_demo_parent_has_a_message_from_another_teacher(demo_school):
    parent = User.objects.get(username="parent")
    threads = Thread.objects.filter(school=demo_school, participants__user=parent)
    assert threads.count() == 2
    other = threads.exclude(participants__user__username="teacher").get()
    (message,) = other.messages.all()
    assert message.author.staff_records.exists()
    assert ThreadParticipant.objects.get(thread=other, user=parent).last_read_at is None
    # Only the demo school has messages.
    assert Thread.objects.count() == 2 and Message.objects.count() == 4


def test_demo_class_has_an_announcement_for_parents(demo_school):
    (announcement,) = Announcement.objects.filter(school=demo_school)
    assert announcement.scope == "class" and announcement.audience == "parents"
    assert announcement.school_class.name == "5А"
    assert announcement.author.username == "teacher"


def test_demo_parent_has_not_acknowledged_the_first_term_but_a_few_others_have(demo_school):
    q1 = m.Term.objects.get(school=demo_school, kind="quarter", number=1)
    assert q1.end < TODAY
    parent = User.objects.get(username="parent")
    children = m.Student.objects.filter(guardians__user=parent)
    assert j.PeriodMark.objects.filter(student__in=children, term=q1, kind="term").exists()
    assert not TermAcknowledgement.objects.filter(user=parent).exists()
    acks = TermAcknowledgement.objects.filter(school=demo_school, term=q1)
    assert 2 <= acks.count() <= 5
    five_a = m.SchoolClass.objects.get(school=demo_school, grade_level__number=5, letter="А")
    rows = diary_services.class_acknowledgements(five_a, q1, TODAY)
    done = sum(1 for row in rows if row.acknowledged)
    assert done == acks.count() < len(rows)
    for ack in acks:
        # Each by a guardian of that student, with a parent login, after the term ended.
        assert m.StudentGuardian.objects.filter(
            student=ack.student, guardian__user=ack.user
        ).exists()
        assert Membership.objects.filter(user=ack.user, role=Role.PARENT).exists()
        assert q1.end < ack.acknowledged_at.date() <= TODAY


def test_demo_logins_have_example_addresses(demo_school):
    for demo in DEMO_LOGINS:
        assert User.objects.get(username=demo.username).email == f"{demo.username}@example.com"


def test_demo_parent_has_unread_notifications_with_links(demo_school, client):
    parent = User.objects.get(username="parent")
    notes = Notification.objects.filter(school=demo_school, user=parent, read_at__isnull=True)
    kinds = set(notes.values_list("kind", flat=True))
    assert {"marks", "note", "message", "period_marks"} <= kinds
    digest = notes.get(kind="marks")
    assert digest.body.count("\n") >= 1
    assert not Notification.objects.exclude(user=parent).exists()
    client.force_login(parent)
    with time_machine.travel(TODAY, tick=False):
        for note in notes:
            assert note.link.startswith("/")
            assert client.get(note.link).status_code == 200, note.link


# --- the deputies' control: remarks, lagging students and their support, the справка (issue 12)


def test_demo_deputy_has_remarks_in_each_status_and_one_overdue(demo_school):
    remarks = list(
        JournalRemark.objects.filter(school=demo_school).select_related(
            "author", "teacher__user", "lesson", "course"
        )
    )
    assert 4 <= len(remarks) <= 6
    assert {r.author.username for r in remarks} == {"deputy"}
    assert {r.status for r in remarks} == set(RemarkStatus.values)
    overdue = [r for r in remarks if r.status == RemarkStatus.OPEN and r.due < TODAY]
    assert len(overdue) == 1 and overdue[0].teacher.user.username != "teacher"
    mine = {r.status: r for r in remarks if r.teacher.user.username == "teacher"}
    assert set(mine) == set(RemarkStatus.values)
    assert TODAY < mine[RemarkStatus.OPEN].due <= TODAY + timedelta(days=7)  # in a few days
    assert mine[RemarkStatus.OPEN].course.subject.name == "Математика"
    counts = oversight_queries.remark_counts(demo_school, TODAY)
    open_ = sum(r.status == RemarkStatus.OPEN for r in remarks)
    assert counts == {"open": open_, "overdue": 1, "fixed": 1}
    for remark in remarks:
        remark.full_clean()
        assert remark.kind in RemarkKind.values
        teaches = remark.course.teachers.filter(pk=remark.teacher_id).exists()
        assert teaches or remark.lesson.teacher_id == remark.teacher_id, remark
        if remark.lesson is not None:
            assert remark.lesson.course_id == remark.course_id
            assert remark.lesson.date < remark.created_at.date()
            assert remark.lesson.status != LessonStatus.CANCELLED


def test_each_remark_has_its_steps_in_order_before_today(demo_school):
    for remark in JournalRemark.objects.filter(school=demo_school):
        steps = list(RemarkStep.objects.filter(remark=remark).select_related("by"))
        for step in steps:
            step.full_clean()
        assert steps[0].action == StepAction.WRITTEN and steps[0].at == remark.created_at
        assert steps[0].by_id == remark.author_id and steps[0].due is not None
        times = [step.at for step in steps]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1].date() < TODAY
        last = steps[-1]
        expected = {
            StepAction.WRITTEN: RemarkStatus.OPEN,
            StepAction.REOPENED: RemarkStatus.OPEN,
            StepAction.FIXED: RemarkStatus.FIXED,
            StepAction.ACCEPTED: RemarkStatus.ACCEPTED,
        }[last.action]
        assert remark.status == expected
        assert remark.due == [s.due for s in steps if s.due][-1]
        teacher_user = remark.teacher.user_id
        for step in steps:
            by_teacher = step.action == StepAction.FIXED
            assert step.by_id == (teacher_user if by_teacher else remark.author_id), step
        # As the services leave it: fixed_at of the last fixing since it was (re)opened.
        opened = max(i for i, s in enumerate(steps) if s.due is not None)
        fixes = [s.at for s in steps[opened:] if s.action == StepAction.FIXED]
        assert remark.fixed_at == (fixes[-1] if fixes else None)
        assert (remark.closed_at is not None) == (remark.status == RemarkStatus.ACCEPTED)
        if remark.status == RemarkStatus.ACCEPTED:
            assert remark.closed_at == last.at
    actions = set(RemarkStep.objects.filter(school=demo_school).values_list("action", flat=True))
    assert actions == set(StepAction.values)  # one remark was reopened


def test_open_remarks_are_about_what_the_journal_still_shows(demo_school):
    """The overdue one: a lesson whose attendance was never taken; the reopened one: a written
    work some students who were there have no mark for."""
    opened = JournalRemark.objects.filter(school=demo_school, status=RemarkStatus.OPEN)
    attendance = opened.get(kind=RemarkKind.ATTENDANCE)
    assert not j.RollCall.objects.filter(lesson=attendance.lesson).exists()
    assert not j.Attendance.objects.filter(lesson=attendance.lesson).exists()
    homework = opened.get(kind=RemarkKind.HOMEWORK)
    written = Lesson.objects.filter(
        course=homework.course, date__lt=homework.created_at.date(), homework__isnull=True
    ).exclude(status=LessonStatus.CANCELLED)
    assert written.exists()
    for lesson in written.order_by("-date")[:2]:
        assert f"{lesson.date:%d.%m}" in homework.text
    marks = opened.get(kind=RemarkKind.MARKS)
    assert marks.steps.filter(action=StepAction.REOPENED).exists()
    column = j.GradeColumn.objects.filter(lesson=marks.lesson, work_type__category="written")
    assert column.exists()


def test_a_student_of_5a_is_at_risk_and_lagging_students_have_support(demo_school):
    year = m.AcademicYear.objects.get(school=demo_school)
    five_a = m.SchoolClass.objects.get(school=demo_school, grade_level__number=5, letter="А")
    at_risk = lagging(demo_school, year, [five_a], TODAY, at_risk_only=True)
    failing = [e for e in at_risk if FAILING in e.kinds]
    assert failing
    listed = {e.student.pk: e for e in lagging(demo_school, year, [five_a], TODAY)}
    support = list(SupportAction.objects.filter(school=demo_school).select_related("author"))
    assert 3 <= len(support) <= 5
    assert {a.kind for a in support} >= {
        SupportKind.TALK_PARENTS,
        SupportKind.EXTRA_LESSON,
        SupportKind.PLAN,
    }
    authors = {a.author.username for a in support}
    assert "teacher" in authors and len(authors) >= 2  # the class teacher and a subject teacher
    parent_child = m.Student.objects.get(
        guardians__user__username="parent", enrollments__school_class=five_a
    )
    for action in support:
        action.full_clean()
        # Each for a lagging student of 5А — or the demo parent's child, whose consultation
        # the family asked for (the messages of the demo family).
        assert action.student_id in listed or action.student_id == parent_child.pk
        assert action.day < TODAY and action.created_at.date() >= action.day
        student = action.student
        assert action.course in oversight_queries.student_courses(student, TODAY)
    helped = [e for e in failing if e.support_count]
    assert helped and helped[0].last_support is not None


def test_demo_parent_sees_the_school_support_of_the_child_in_5a(demo_school, client):
    parent = User.objects.get(username="parent")
    five_a = m.SchoolClass.objects.get(school=demo_school, grade_level__number=5, letter="А")
    child = m.Student.objects.get(guardians__user=parent, enrollments__school_class=five_a)
    log = SupportAction.objects.filter(student=child)
    assert log.count() >= 1
    assert Notification.objects.filter(user=parent, kind="support").count() == log.count()
    client.force_login(parent)
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("oversight:support", kwargs={"student_id": child.pk}))
    assert page.status_code == 200
    for action in log:
        assert action.text in page.content.decode()


def test_demo_has_the_справка_of_the_last_month(demo_school):
    (report,) = CheckReport.objects.filter(school=demo_school)
    report.full_clean()
    assert (report.start, report.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert report.author.username == "deputy"
    assert report.end < report.created_at.date() < TODAY
    assert "октябрь 2026" in report.title and report.conclusions.strip()


def test_generated_schools_other_than_the_demo_one_get_no_control(shared_demo, db):
    with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as queries:
        result = generate(size="small", today=TODAY, demo_logins=False, first_number=2)
    (school,) = result.schools
    assert not any("oversight_" in q["sql"] for q in queries.captured_queries)
    assert not JournalRemark.objects.filter(school=school).exists()
    assert not SupportAction.objects.filter(school=school).exists()
    assert not CheckReport.objects.filter(school=school).exists()
    assert not Notification.objects.filter(school=school).exists()
