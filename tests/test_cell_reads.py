"""The reads of one mark's save (``journal.cell_reads``), two hand-written statements: they give
what the querysets they replace gave — the column, its lesson and work type, the lesson's course
with its year, class or group, grade levels and scale rule, the student by name with whether
they are on the list, the grid's term — and nothing of another school or year."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from zhurnal.journal.access import mark_cell_for
from zhurnal.journal.cell_reads import read_mark_cell
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import GradeColumn, ScaleRule
from zhurnal.journal.policy import policy_of, scale_of, with_scale_rule
from zhurnal.journal.scales import ScaleKind
from zhurnal.school import models as m
from zhurnal.school.courses import grade_of
from zhurnal.school.rosters import on_roster, student_on_roster
from zhurnal.timetable.models import Lesson

from .factories import StudentFactory, SubjectFactory
from .personas import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


def _column(course: m.Course, teacher: m.Staff | None = None) -> GradeColumn:
    lesson = Lesson.objects.filter(course=course).order_by("date", "number").first()
    if lesson is None:
        lesson = Lesson.objects.create(
            school=course.school,
            course=course,
            date=date(2026, 11, 18),
            number=5,
            teacher=teacher,
            origin="extra",
        )
    work_type = ensure_work_types(course.school)[0]
    return GradeColumn.objects.create(
        school=course.school, lesson=lesson, work_type=work_type, weight=work_type.weight
    )


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _courses(world) -> list[m.Course]:
    """A class's course, a subgroup's course and a cross-class group's course."""
    cross = m.Group.objects.create(school=world.school, year=world.year, name="Элективный курс")
    return [
        world.course,
        m.Course.objects.create(
            school=world.school,
            year=world.year,
            subject=SubjectFactory(school=world.school, name="Английский язык"),
            group=world.group,
        ),
        m.Course.objects.create(
            school=world.school,
            year=world.year,
            subject=SubjectFactory(school=world.school, name="Финансовая грамотность"),
            group=cross,
        ),
    ]


def test_the_statements_give_what_the_querysets_gave(world, django_assert_num_queries):
    # A subject-wide rule, so that the scale comes from the statement's rule, not the default.
    ScaleRule.objects.create(school=world.school, subject=world.course.subject, scale="ten")
    policy_of(world.school)  # the request's school comes with its policy (accounts.memberships)
    for course in _courses(world):
        column = _column(course, world.teacher_staff)
        with django_assert_num_queries(2):
            cell = read_mark_cell(world.school, column.pk, world.student.pk, world.term.pk)
        assert _fields(cell.column) == _fields(column)
        assert _fields(cell.column.work_type) == _fields(column.work_type)
        lesson = Lesson.objects.get(pk=column.lesson_id)
        assert _fields(cell.column.lesson) == _fields(lesson)
        read = cell.column.lesson.course
        orm = with_scale_rule(m.Course.objects.all()).get(pk=course.pk)
        assert _fields(read) == _fields(orm)
        assert read.scale_rule == orm.scale_rule
        assert _fields(read.year) == _fields(orm.year)
        expected = (grade_of(orm), scale_of(orm), orm.school_class, orm.group)
        group_class = orm.group.school_class if orm.group is not None else None
        with django_assert_num_queries(0):  # all of it came with the statements
            assert (grade_of(read), scale_of(read), read.school_class, read.group) == expected
            if read.group is not None:
                assert read.group.school_class == group_class
            listed = student_on_roster(cell.student, read, lesson.date)
        assert listed == on_roster(orm, world.student.pk, lesson.date)
        assert _fields(cell.term) == _fields(world.term)
        assert cell.student.short_name == world.student.short_name
    course = read_mark_cell(world.school, _column(world.course).pk).column.lesson.course
    assert scale_of(course) == ScaleKind.TEN


def test_on_the_list_as_on_roster_says(world):
    column = _column(world.class_course)  # Русский язык 5А: world.student is in 5А
    lesson = column.lesson
    newcomer = StudentFactory(school=world.school)
    for student, expected in (
        (world.student, True),
        (world.older_student, False),
        (newcomer, False),
    ):
        cell = read_mark_cell(world.school, column.pk, student.pk)
        assert cell.student.roster_check.on_roster is expected
        assert on_roster(world.class_course, student.pk, lesson.date) is expected


def test_nothing_of_another_school_or_year(world):
    column = _column(world.course)
    stranger = StudentFactory(school=world.other_school)
    assert read_mark_cell(world.other_school, column.pk) is None
    assert read_mark_cell(world.school, column.pk, stranger.pk).student is None
    next_year = m.AcademicYear.objects.create(
        school=world.school, title="2027/2028", start=date(2027, 9, 1), end=date(2028, 5, 31)
    )
    other_term = m.Term.objects.create(
        school=world.school,
        year=next_year,
        kind=world.term.kind,
        number=1,
        start=date(2027, 9, 1),
        end=date(2027, 10, 31),
    )
    assert read_mark_cell(world.school, column.pk, term_id=other_term.pk).term is None
    other_school_term = m.Term.objects.create(
        school=world.other_school,
        year=m.AcademicYear.objects.get(school=world.other_school),
        kind=world.term.kind,
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 10, 31),
    )
    assert read_mark_cell(world.school, column.pk, term_id=other_school_term.pk).term is None
    assert read_mark_cell(world.school, None) is None


def test_the_entry_point_answers_404_and_403(world):
    column = _column(world.course)  # Математика 6Б: the teacher persona's
    stranger = StudentFactory(school=world.other_school)
    with pytest.raises(Http404):
        mark_cell_for(world.users["teacher"], world.other_school, column.pk)
    with pytest.raises(Http404):
        mark_cell_for(world.users["teacher"], world.school, column.pk, stranger.pk)
    with pytest.raises(PermissionDenied):
        mark_cell_for(world.users["class_teacher"], world.school, column.pk, world.student.pk)
    cell = mark_cell_for(world.users["teacher"], world.school, column.pk, world.older_student.pk)
    assert cell.student == world.older_student
