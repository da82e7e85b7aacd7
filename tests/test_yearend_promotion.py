"""The next year and the promotion (issue 13; seed 002 §6.2.3): the next year made from this
one, each class promoted by an order — up a grade with its courses, teachers, КТП and a draft
timetable, conditionally with an academic debt, kept down, or graduated with final marks — after
a preview, all or nothing, and unchanged when run again."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.models import PeriodKind, PeriodMark
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school import models as m
from zhurnal.school.services import Order
from zhurnal.timetable.models import Lesson, TimetableEntry
from zhurnal.yearend import services
from zhurnal.yearend.queries import Decision, promotion_plan, regraded

from .factories import GradeLevelFactory, SchoolClassFactory, StudentFactory, enroll
from .personas import build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
ORDER = Order("45-у", date(2027, 6, 20))


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
    GradeLevelFactory(school=world.school, number=7)
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        hours_per_week=5,
    )
    # Mathematics in 5А too, so that the promoted 6А takes the 6th grade's КТП.
    math_5a = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        school_class=world.class_5a,
    )
    math_5a.teachers.add(world.teacher_staff)
    world.math_5a = math_5a
    return world


@pytest.fixture
def secretary(world):
    return Actor(world.users["secretary"])


@pytest.fixture
def closed(world, secretary):
    with at(2027, 6, 15, 10, 0):
        services.close_year(
            year=world.year, today=date(2027, 6, 15), accept_gaps=True, actor=secretary
        )
    return world


@pytest.fixture
def new_year(closed, secretary):
    with at(2027, 6, 16, 10, 0):
        return services.create_next_year(year=closed.year, actor=secretary)


def promote(world, school_class, new_year, decisions=None, actor=None):
    return services.promote_class(
        school_class=school_class,
        new_year=new_year,
        decisions=decisions or {},
        order=ORDER,
        actor=actor or Actor(world.users["secretary"]),
    )


def test_the_next_year_is_made_a_year_later_with_terms_holidays_curriculum_and_plans(
    world, new_year
):
    assert (new_year.title, new_year.start, new_year.end) == (
        f"{world.year.start.year + 1}/{world.year.end.year + 1}",
        date(2027, 9, 1),
        date(2028, 5, 31),
    )
    terms = list(m.Term.objects.filter(year=new_year).order_by("number"))
    assert [(t.number, t.start, t.end) for t in terms] == [
        (1, date(2027, 9, 1), date(2027, 10, 24)),
        (2, date(2027, 11, 5), date(2027, 12, 28)),
    ]
    holiday = m.Holiday.objects.get(year=new_year)
    assert (holiday.start, holiday.end) == (date(2027, 10, 25), date(2027, 11, 4))
    assert m.CurriculumLine.objects.filter(year=new_year).count() == 1
    plan = ThematicPlan.objects.get(year=new_year)
    assert plan.title == world.plan.title
    assert (
        PlanItem.objects.filter(plan=plan).count()
        == PlanItem.objects.filter(plan=world.plan).count()
    )
    assert AuditEvent.objects.filter(action=AuditAction.YEAR_CREATED).count() == 1
    with pytest.raises(ValidationError, match="exists already"):
        services.create_next_year(year=world.year, actor=Actor(world.users["secretary"]))


def test_a_promoted_class_gets_its_courses_teachers_plans_and_a_draft_timetable(world, new_year):
    promote(world, world.class_5a, new_year)
    class_6a = m.SchoolClass.objects.get(year=new_year, grade_level__number=6, letter="А")
    assert class_6a.class_teacher == world.class_teacher_staff
    enrollment = m.Enrollment.objects.get(student=world.student, end__isnull=True)
    assert (enrollment.school_class, enrollment.start) == (class_6a, new_year.start)
    old = m.Enrollment.objects.get(student=world.student, school_class=world.class_5a)
    assert old.end == date(2027, 8, 31)
    movement = m.Movement.objects.get(student=world.student)
    assert (movement.order_number, movement.order_date, movement.to_class) == (
        "45-у",
        date(2027, 6, 20),
        class_6a,
    )
    assert movement.note == "Promoted to grade 6."
    courses = {c.subject.name: c for c in m.Course.objects.filter(school_class=class_6a)}
    assert set(courses) == {"Математика", "Русский язык"}
    assert list(courses["Русский язык"].teachers.all()) == [world.class_teacher_staff]
    assert list(courses["Математика"].teachers.all()) == [world.teacher_staff]
    assert courses["Математика"].hours_per_week == 5  # the new year's curriculum of grade 6
    new_plan = ThematicPlan.objects.get(year=new_year, subject=world.course.subject)
    assert CoursePlan.objects.get(course=courses["Математика"]).plan == new_plan
    entries = TimetableEntry.objects.filter(course=courses["Русский язык"])
    assert sorted((e.weekday, e.number) for e in entries) == [(1, 1), (2, 2)]
    assert all(e.valid_from == new_year.start and e.year == new_year for e in entries)
    # A draft: no lessons until the deputy generates them.
    assert not Lesson.objects.filter(course__year=new_year).exists()
    event = AuditEvent.objects.get(action=AuditAction.CLASS_PROMOTED)
    assert event.after["to"] == "6А" and event.after["promote"] == 1


def test_running_the_promotion_twice_changes_nothing_the_second_time(world, new_year):
    promote(world, world.class_5a, new_year)
    counts = (
        m.Movement.objects.count(),
        m.Enrollment.objects.count(),
        m.Course.objects.count(),
        m.SchoolClass.objects.count(),
        TimetableEntry.objects.count(),
        CoursePlan.objects.count(),
    )
    plan = promote(world, world.class_5a, new_year)
    assert not plan.steps
    assert plan.done == [(world.student.short_name, "6А")]
    assert (
        m.Movement.objects.count(),
        m.Enrollment.objects.count(),
        m.Course.objects.count(),
        m.SchoolClass.objects.count(),
        TimetableEntry.objects.count(),
        CoursePlan.objects.count(),
    ) == counts


def test_kept_down_and_conditionally_promoted_students_each_by_the_order(world, new_year):
    kept = StudentFactory(school=world.school)
    enroll(kept, world.class_5a, date(2026, 9, 1))
    promote(
        world,
        world.class_5a,
        new_year,
        {
            world.student.pk: (Decision.CONDITIONAL, "математика"),
            kept.pk: (Decision.KEEP, ""),
        },
    )
    conditional = m.Movement.objects.get(student=world.student)
    assert conditional.note == "Promoted to grade 6 conditionally, academic debt: математика."
    assert conditional.to_class.name == "6А"
    stay = m.Movement.objects.get(student=kept)
    assert (stay.to_class.name, stay.to_class.year, stay.note) == (
        "5А",
        new_year,
        "Kept down in grade 5.",
    )


def test_a_conditional_promotion_without_its_debt_refuses_the_whole_class(world, new_year):
    other = StudentFactory(school=world.school)
    enroll(other, world.class_5a, date(2026, 9, 1))
    with pytest.raises(ValidationError, match="name the academic debt"):
        promote(world, world.class_5a, new_year, {world.student.pk: (Decision.CONDITIONAL, " ")})
    assert not m.Movement.objects.exists()
    assert not m.SchoolClass.objects.filter(year=new_year).exists()


def test_the_promotion_follows_the_closing(world, secretary):
    with at(2027, 6, 16, 10, 0):
        new_year = services.create_next_year(year=world.year, actor=secretary)
    with pytest.raises(ValidationError, match="Close the year first"):
        promote(world, world.class_5a, new_year)


def test_a_student_already_in_a_class_of_the_next_year_is_not_put_in_two(world, new_year):
    other_class = SchoolClassFactory(
        school=world.school, year=new_year, grade_level=world.class_5a.grade_level, letter="Б"
    )
    # Entered into 5Б of the next year for its first days by hand, still on 5А's list.
    m.Enrollment.objects.create(
        school=world.school,
        student=world.student,
        school_class=other_class,
        start=new_year.start,
        end=date(2027, 9, 3),
    )
    with pytest.raises(ValidationError, match="would put them in two classes"):
        promote(world, world.class_5a, new_year)
    assert not m.Movement.objects.exists()


@pytest.fixture
def grade_11(world, new_year):
    level = GradeLevelFactory(school=world.school, number=11)
    class_11 = SchoolClassFactory(
        school=world.school, year=world.year, grade_level=level, letter="А"
    )
    graduates = [StudentFactory(school=world.school) for _n in range(2)]
    for student in graduates:
        enroll(student, class_11, date(2026, 9, 1))
    course = m.Course.objects.create(
        school=world.school, year=world.year, subject=world.course.subject, school_class=class_11
    )
    return class_11, graduates, course


def _final(world, course, student):
    moment = datetime(2027, 5, 25, tzinfo=MSK)
    PeriodMark.objects.create(
        school=world.school,
        course=course,
        student=student,
        kind=PeriodKind.FINAL,
        value="4",
        entered_at=moment,
        changed_at=moment,
    )


def test_a_graduate_without_a_final_mark_refuses_the_whole_class(world, new_year, grade_11):
    class_11, graduates, course = grade_11
    _final(world, course, graduates[0])
    with pytest.raises(ValidationError) as refused:
        promote(world, class_11, new_year)
    assert refused.value.messages == [
        f"{graduates[1].short_name} graduates without a final mark in: Математика. "
        "Enter the final marks first."
    ]
    assert not m.Movement.objects.exists()
    _final(world, course, graduates[1])
    promote(world, class_11, new_year)
    for student in graduates:
        movement = m.Movement.objects.get(student=student)
        assert (movement.kind, movement.date, movement.note) == (
            m.MovementKind.DEPARTURE,
            world.year.end,
            "Graduated from grade 11.",
        )
        assert not m.Enrollment.objects.filter(student=student, end__isnull=True).exists()
    assert not m.SchoolClass.objects.filter(year=new_year, grade_level__number=12).exists()


def test_grade_11_cannot_be_promoted_and_grade_5_cannot_graduate(world, new_year, grade_11):
    class_11, graduates, _course = grade_11
    plan = promotion_plan(
        school_class=class_11,
        new_year=new_year,
        decisions={graduates[0].pk: (Decision.PROMOTE, "")},
    )
    assert any("grade 11 is the last" in e for e in plan.errors)
    plan = promotion_plan(
        school_class=world.class_5a,
        new_year=new_year,
        decisions={world.student.pk: (Decision.GRADUATE, "")},
    )
    assert plan.errors == [f"{world.student.short_name}: only grades 9 and 11 graduate."]


# --- the pages --------------------------------------------------------------------------------


def test_the_secretary_previews_then_promotes_a_class_on_its_page(client, world, new_year):
    client.force_login(world.users["secretary"])
    url = reverse("yearend:promote", args=[world.class_5a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Promoted to grade 6." in page.content.decode()  # the preview of the defaults
    data = {
        "order_number": "45-у",
        "order_date": "2027-06-20",
        f"decision_{world.student.pk}": Decision.CONDITIONAL,
        f"debt_{world.student.pk}": "",
    }
    preview = client.post(url, {**data, "preview": "1"})
    assert "name the academic debt" in preview.content.decode()
    refused = client.post(url, {**data, "confirm": "1"})
    assert refused.status_code == 200
    assert not m.Movement.objects.exists()
    data[f"debt_{world.student.pk}"] = "математика"
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302
    assert m.Movement.objects.get(student=world.student).to_class.name == "6А"


def test_the_director_creates_the_next_year_and_the_deputy_may_not(client, closed):
    url = f"{reverse('yearend:next_year')}?year={closed.year.pk}"
    client.force_login(closed.users["deputy"])
    assert client.post(url).status_code == 403
    client.force_login(closed.users["director"])
    assert "Create the year" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert m.AcademicYear.objects.filter(school=closed.school).count() == 2


def test_a_promotion_page_of_another_school_is_not_found(client, world, new_year):
    foreign = SchoolClassFactory(
        school=world.other_school,
        year=m.AcademicYear.objects.get(school=world.other_school),
        grade_level=GradeLevelFactory(school=world.other_school, number=5),
    )
    client.force_login(world.users["secretary"])
    assert client.get(reverse("yearend:promote", args=[foreign.pk])).status_code == 404


# --- what the next year carries: groups, the class's own curriculum, the kept down ------------


def _member(world, group, student):
    return m.GroupMembership.objects.create(
        school=world.school, group=group, student=student, start=date(2026, 9, 1)
    )


@pytest.fixture
def elective(world):
    """An elective of the 5th grade for a cross-class group (no class) of 5А and 5Б, with its
    teacher and a lesson on Thursdays, and a student of 5А kept down."""
    class_5b = SchoolClassFactory(
        school=world.school, year=world.year, grade_level=world.class_5a.grade_level, letter="Б"
    )
    other = StudentFactory(school=world.school, last_name="Борисов")
    enroll(other, class_5b, date(2026, 9, 1))
    kept = StudentFactory(school=world.school, last_name="Кузнецов")
    enroll(kept, world.class_5a, date(2026, 9, 1))
    group = m.Group.objects.create(school=world.school, year=world.year, name="Информатика, 5 кл.")
    for student in (world.student, other, kept):
        _member(world, group, student)
    subject = m.Subject.objects.create(school=world.school, name="Информатика")
    course = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=subject,
        group=group,
        kind=m.CourseKind.ELECTIVE,
        hours_per_week=1,
    )
    course.teachers.add(world.teacher_staff)
    TimetableEntry.objects.create(
        school=world.school,
        year=world.year,
        course=course,
        teacher=world.teacher_staff,
        weekday=4,
        number=6,
        room="31",
        valid_from=world.year.start,
    )
    return class_5b, other, kept


def test_a_cross_class_group_goes_up_with_its_promoted_students_teacher_and_course(
    world, new_year, elective
):
    class_5b, other, kept = elective
    promote(world, world.class_5a, new_year, {kept.pk: (Decision.KEEP, "")})
    group = m.Group.objects.get(year=new_year, name="Информатика, 6 кл.")
    assert group.school_class is None
    course = m.Course.objects.get(group=group)
    assert (course.kind, course.subject.name, course.year) == (
        m.CourseKind.ELECTIVE,
        "Информатика",
        new_year,
    )
    assert list(course.teachers.all()) == [world.teacher_staff]
    entry = TimetableEntry.objects.get(course=course)
    assert (entry.weekday, entry.number, entry.room, entry.valid_from) == (
        4,
        6,
        "31",
        new_year.start,
    )
    members = m.GroupMembership.objects.filter(group=group)
    assert [(g.student, g.start) for g in members] == [(world.student, new_year.start)]

    # 5Б's promotion joins the group made by 5А's: no second group or course.
    promote(world, class_5b, new_year)
    assert m.Group.objects.filter(year=new_year, name__startswith="Информатика").count() == 1
    assert m.Course.objects.filter(group=group).count() == 1
    assert set(members.values_list("student", flat=True)) == {world.student.pk, other.pk}
    assert not m.GroupMembership.objects.filter(student=kept, group__year=new_year).exists()


def test_a_class_keeps_its_own_curriculum_lines_and_their_hours(world, new_year):
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_5a.grade_level,
        school_class=world.class_5a,
        hours_per_week=6,
    )
    promote(world, world.class_5a, new_year)
    class_6a = m.SchoolClass.objects.get(year=new_year, grade_level__number=6, letter="А")
    line = m.CurriculumLine.objects.get(year=new_year, school_class=class_6a)
    assert (line.subject, line.grade_level, line.hours_per_week) == (
        world.course.subject,
        class_6a.grade_level,
        6,
    )
    # Its own line wins over the grade level's 5 hours.
    assert (
        m.Course.objects.get(school_class=class_6a, subject=world.course.subject).hours_per_week
        == 6
    )


def test_a_student_kept_down_joins_the_subgroup_of_the_class_of_their_grade(world, new_year):
    kept = StudentFactory(school=world.school, last_name="Кузнецов")
    enroll(kept, world.class_5a, date(2026, 9, 1))
    for student in (world.student, kept):
        _member(world, world.group, student)  # «Англ. 1» of 5А
    promote(world, world.class_5a, new_year, {kept.pk: (Decision.KEEP, "")})
    new_5a = m.SchoolClass.objects.get(year=new_year, grade_level__number=5, letter="А")
    # The class teacher goes up with 6А; the new 5А waits for the class promoted into it.
    assert new_5a.class_teacher is None
    assert m.SchoolClass.objects.get(year=new_year, letter="А", grade_level__number=6).class_teacher
    kept_in = m.GroupMembership.objects.get(student=kept, group__year=new_year)
    assert (kept_in.group.name, kept_in.group.school_class, kept_in.start) == (
        "5А: Англ. 1",
        new_5a,
        new_year.start,
    )
    promoted_in = m.GroupMembership.objects.get(student=world.student, group__year=new_year)
    assert promoted_in.group.name == "6А: Англ. 1"

    # 4А promoted into 5А later: its subgroup's course finds the kept student's subgroup, its
    # class teacher takes the class.
    level_4 = GradeLevelFactory(school=world.school, number=4)
    teacher_4a = world.teacher_staff
    class_4a = SchoolClassFactory(
        school=world.school,
        year=world.year,
        grade_level=level_4,
        letter="А",
        class_teacher=teacher_4a,
    )
    pupil = StudentFactory(school=world.school)
    enroll(pupil, class_4a, date(2026, 9, 1))
    group_4a = m.Group.objects.create(
        school=world.school, year=world.year, name="4А: Англ. 1", school_class=class_4a
    )
    _member(world, group_4a, pupil)
    english = m.Subject.objects.create(school=world.school, name="Английский язык")
    m.Course.objects.create(
        school=world.school, year=world.year, subject=english, group=group_4a
    ).teachers.add(world.class_teacher_staff)
    promote(world, class_4a, new_year)
    new_5a.refresh_from_db()
    assert new_5a.class_teacher == teacher_4a
    group = m.Group.objects.get(year=new_year, name="5А: Англ. 1")
    assert m.Course.objects.get(group=group).subject == english
    assert set(group.memberships.values_list("student", flat=True)) == {kept.pk, pupil.pk}


def test_a_second_run_with_groups_and_own_curriculum_changes_nothing(world, new_year, elective):
    class_5b, _other, kept = elective
    _member(world, world.group, world.student)
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_5a.grade_level,
        school_class=world.class_5a,
        hours_per_week=6,
    )
    decisions = {kept.pk: (Decision.KEEP, "")}
    promote(world, world.class_5a, new_year, decisions)
    promote(world, class_5b, new_year)

    def counts():
        return tuple(
            model.objects.count()
            for model in (
                m.Movement,
                m.Enrollment,
                m.SchoolClass,
                m.Group,
                m.GroupMembership,
                m.Course,
                m.CurriculumLine,
                TimetableEntry,
                CoursePlan,
            )
        )

    before = counts()
    assert not promote(world, world.class_5a, new_year, decisions).steps
    assert not promote(world, class_5b, new_year).steps
    assert counts() == before


def test_the_promotion_is_previewed_before_the_next_year_exists_but_not_made(client, closed):
    client.force_login(closed.users["secretary"])
    url = reverse("yearend:promote", args=[closed.class_5a.pk])
    html = client.get(url).content.decode()
    assert "The year 2027/2028 is not created yet" in html
    assert "Promoted to grade 6." in html  # the preview of the defaults
    assert 'name="confirm"' not in html
    data = {"order_number": "45-у", "order_date": "2027-06-20", "confirm": "1"}
    assert client.post(url, data).status_code == 200
    assert not m.Movement.objects.exists()


@pytest.mark.parametrize(
    ("name", "grade", "expected"),
    [
        ("Информатика, 9 кл.", 9, "Информатика, 10 кл."),
        ("Элективный курс 9кл", 9, "Элективный курс 10кл"),
        ("9А/9Б: физика", 9, "10А/10Б: физика"),
        ("Проектная деятельность, гр. 1", 1, "Проектная деятельность, гр. 1"),
        ("Хор 19 кл.", 9, "Хор 19 кл."),
        ("Робототехника", 5, "Робототехника"),
        ("5-е классы: шахматы", 5, "5-е классы: шахматы"),
    ],
)
def test_a_cross_class_groups_name_goes_up_a_grade_only_where_it_names_the_grade(
    name, grade, expected
):
    assert regraded(name, grade, grade + 1) == expected


def test_the_preview_names_the_groups_the_students_take_along(world, new_year, elective):
    _class_5b, _other, kept = elective
    _member(world, world.group, world.student)
    _member(world, world.group, kept)
    plan = promotion_plan(
        school_class=world.class_5a, new_year=new_year, decisions={kept.pk: (Decision.KEEP, "")}
    )
    assert [(g.name, g.next_name, g.students) for g in plan.groups] == [
        ("Англ. 1", "5А: Англ. 1", 1),  # the student kept down, in the class of their grade
        ("Англ. 1", "6А: Англ. 1", 1),
        ("Информатика, 5 кл.", "Информатика, 6 кл.", 1),  # not the student kept down
    ]
    promote(world, world.class_5a, new_year, {kept.pk: (Decision.KEEP, "")})
    made = set(
        m.GroupMembership.objects.filter(group__year=new_year).values_list("group__name", flat=True)
    )
    assert made == {g.next_name for g in plan.groups}
