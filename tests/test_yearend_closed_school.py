"""A closed year's structure and lists are read-only (issue 13: closing makes the year
read-only; seed 002 §6.2.3): no admission, transfer or departure changes who was in a class on
one of its days, its groups' members are not changed, and its classes, groups, courses (and
their teachers), curriculum lines, terms and holidays are not created, changed or deleted —
refused by ``school.services`` with a clear message and nothing changed, so the pages and the
imports refuse them too. The same writes pass in an open year, and so do the movements the
promotion makes: a departure on the closed year's last day, a transfer after it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zhurnal.audit.actor import Actor
from zhurnal.school import models as m
from zhurnal.school import services

from .factories import SchoolClassFactory, StudentFactory
from .personas import build_world
from .test_imports import commit, csv_bytes, student_row, upload_and_preview

pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
CLOSED = "The academic year 2026/2027 is closed"
RECORDS = "its classes, groups, courses and curriculum are read-only"
LISTS = "its class lists are read-only"
ORDER = services.Order("15-у", date(2026, 11, 20))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        # The next year, open, with a class to move into.
        world.next_year = m.AcademicYear.objects.create(
            school=world.school, title="2027/2028", start=date(2027, 9, 1), end=date(2028, 5, 31)
        )
        world.next_class = SchoolClassFactory(
            school=world.school,
            year=world.next_year,
            grade_level=world.class_6b.grade_level,
            letter="А",
        )
        world.newcomer = StudentFactory(school=world.school, birth_date=date(2015, 6, 1))
        world.music = m.Course.objects.create(
            school=world.school,
            year=world.year,
            subject=m.Subject.objects.create(school=world.school, name="Музыка"),
            school_class=world.class_5a,
        )
        world.spare = m.SchoolClass.objects.create(
            school=world.school, year=world.year, grade_level=world.class_5a.grade_level, letter="Д"
        )
        world.line = m.CurriculumLine.objects.create(
            school=world.school,
            year=world.year,
            subject=world.course.subject,
            grade_level=world.class_6b.grade_level,
            hours_per_week=Decimal(5),
        )
        yield world


def close(world) -> None:
    """The year closed (as ``yearend.services.close_year`` leaves it)."""
    m.AcademicYear.objects.filter(pk=world.year.pk).update(closed_at=timezone.now())


def actor() -> Actor:
    return Actor.system()


def _student(pk: int) -> m.Student:
    return m.Student.objects.get(pk=pk)


def _class(pk: int) -> m.SchoolClass:
    return m.SchoolClass.objects.select_related("year").get(pk=pk)


# --- movements and group members ---------------------------------------------------------------

MOVEMENTS = {
    "admission into its class after its end": lambda w: services.admit_student(
        student=_student(w.newcomer.pk),
        school_class=_class(w.class_5a.pk),
        day=date(2027, 6, 15),
        order=ORDER,
        actor=actor(),
    ),
    "admission dated in it": lambda w: services.admit_student(
        student=_student(w.newcomer.pk),
        school_class=_class(w.next_class.pk),
        day=date(2027, 5, 20),
        order=ORDER,
        actor=actor(),
    ),
    "transfer dated in it": lambda w: services.transfer_student(
        student=_student(w.student.pk),
        school_class=_class(w.class_6b.pk),
        day=date(2026, 11, 23),
        order=ORDER,
        actor=actor(),
    ),
    "departure dated in it": lambda w: services.depart_student(
        student=_student(w.student.pk), day=date(2026, 11, 23), order=ORDER, actor=actor()
    ),
    "departure the day before its end": lambda w: services.depart_student(
        student=_student(w.student.pk), day=date(2027, 5, 30), order=ORDER, actor=actor()
    ),
    "group members": lambda w: services.set_group_members(
        group=m.Group.objects.select_related("year").get(pk=w.group.pk),
        student_ids={w.student.pk},
        since=date(2026, 11, 23),
        members_on=date(2026, 11, 20),
        actor=actor(),
    ),
}
# Refused with the message of the year's records, not of its lists' dates.
BY_RECORD = {"admission into its class after its end", "group members"}


def _lists(world) -> tuple:
    """What a movement or a group's members could change."""
    return (
        tuple(
            m.Enrollment.objects.filter(school=world.school)
            .order_by("pk")
            .values_list("pk", "student_id", "school_class_id", "start", "end")
        ),
        tuple(m.Movement.objects.filter(school=world.school).values_list("pk", flat=True)),
        tuple(
            m.GroupMembership.objects.filter(school=world.school)
            .order_by("pk")
            .values_list("pk", "group_id", "student_id", "start", "end")
        ),
    )


@pytest.mark.parametrize("write", MOVEMENTS)
def test_a_closed_years_lists_refuse_every_movement_and_change_nothing(world, write):
    close(world)
    before = _lists(world)
    with pytest.raises(ValidationError) as refused:
        MOVEMENTS[write](world)
    assert refused.value.code == "year_closed"
    message = refused.value.messages[0]
    assert CLOSED in message
    assert (RECORDS if write in BY_RECORD else LISTS) in message
    assert "The secretary or the director can open the year again" in message
    assert _lists(world) == before


@pytest.mark.parametrize("write", MOVEMENTS)
def test_the_same_movements_pass_while_the_year_is_open(world, write):
    before = _lists(world)
    MOVEMENTS[write](world)
    assert _lists(world) != before


def test_a_movement_dated_in_the_closed_year_names_its_date(world):
    close(world)
    with pytest.raises(ValidationError) as refused:
        MOVEMENTS["transfer dated in it"](world)
    assert "a movement dated 23.11.2026 would change them" in refused.value.messages[0]


def test_the_promotions_movements_pass_in_a_closed_year(world):
    """A graduation on the closed year's last day and a transfer from the next year's first
    day (what ``yearend.services.promote_class`` writes), a departure in the summer after it,
    an admission into the next year: nothing of the closed year's days changes."""
    close(world)
    services.depart_student(
        student=_student(world.older_student.pk), day=date(2027, 5, 31), order=ORDER, actor=actor()
    )
    services.transfer_student(
        student=_student(world.student.pk),
        school_class=_class(world.next_class.pk),
        day=date(2027, 9, 1),
        order=ORDER,
        actor=actor(),
    )
    services.depart_student(
        student=_student(world.student.pk), day=date(2027, 9, 10), order=ORDER, actor=actor()
    )
    services.admit_student(
        student=_student(world.newcomer.pk),
        school_class=_class(world.next_class.pk),
        day=date(2027, 6, 15),
        order=ORDER,
        actor=actor(),
    )
    assert list(
        m.Enrollment.objects.filter(school_class__year=world.year)
        .order_by("student_id")
        .values_list("student_id", "end")
    ) == sorted(
        [(world.student.pk, date(2027, 8, 31)), (world.older_student.pk, date(2027, 5, 31))]
    )
    assert m.Enrollment.objects.get(student=world.newcomer).start == date(2027, 6, 15)


def test_nobody_is_put_into_a_closed_years_class_after_its_end(world):
    """After the closed year's end a student is not put into one of its classes either."""
    close(world)
    services.transfer_student(
        student=_student(world.student.pk),
        school_class=_class(world.next_class.pk),
        day=date(2027, 9, 1),
        order=ORDER,
        actor=actor(),
    )
    with pytest.raises(ValidationError) as refused:
        services.transfer_student(
            student=_student(world.student.pk),
            school_class=_class(world.class_6b.pk),
            day=date(2027, 9, 10),
            order=ORDER,
            actor=actor(),
        )
    assert RECORDS in refused.value.messages[0]
    assert m.Enrollment.objects.get(student=world.student, end__isnull=True).school_class_id == (
        world.next_class.pk
    )


# --- the year's records: classes, groups, courses, curriculum, terms, holidays -----------------


def _data(obj, **changes) -> dict:
    """A reference record's fields as its page's form hands them to ``save_record``."""
    data = {
        name: getattr(obj, name)
        for name in {
            m.SchoolClass: ("year", "grade_level", "letter", "class_teacher", "room"),
            m.Group: ("year", "name", "school_class", "subject"),
            m.Course: ("year", "subject", "school_class", "group", "kind", "hours_per_week"),
            m.CurriculumLine: ("year", "grade_level", "school_class", "subject", "hours_per_week"),
            m.Term: ("year", "kind", "number", "start", "end"),
            m.Holiday: ("year", "title", "start", "end"),
            m.AcademicYear: ("title", "start", "end"),
        }[type(obj)]
    }
    if isinstance(obj, m.Course):
        data["teachers"] = list(obj.teachers.all()) if obj.pk else []
    if isinstance(obj, m.Holiday):
        data["grade_levels"] = list(obj.grade_levels.all()) if obj.pk else []
    return data | changes


def _year(w) -> m.AcademicYear:
    return m.AcademicYear.objects.get(pk=w.year.pk)


def _save(obj, **changes):
    return services.save_record(obj=obj, data=_data(obj, **changes), actor=actor())


def _delete(obj):
    services.delete_record(obj=obj, fields=list(_data(obj)), actor=actor())


def _get(model, pk):
    return model.objects.get(pk=pk)


RECORD_WRITES = {
    "new class": lambda w: _save(
        m.SchoolClass(school=w.school, year=_year(w), grade_level=w.class_5a.grade_level),
        letter="В",
    ),
    "changed class": lambda w: _save(_get(m.SchoolClass, w.class_5a.pk), room="14"),
    "class teacher": lambda w: _save(
        _get(m.SchoolClass, w.class_6b.pk), class_teacher=w.teacher_staff
    ),
    "deleted class": lambda w: _delete(_get(m.SchoolClass, w.spare.pk)),
    "class moved out of it": lambda w: _save(_get(m.SchoolClass, w.class_5a.pk), year=w.next_year),
    "class moved into it": lambda w: _save(_get(m.SchoolClass, w.next_class.pk), year=_year(w)),
    "new group": lambda w: _save(m.Group(school=w.school, year=_year(w)), name="Англ. 2"),
    "changed group": lambda w: _save(_get(m.Group, w.group.pk), name="Английский, 1 гр."),
    "deleted group": lambda w: _delete(_get(m.Group, w.group.pk)),
    "new course": lambda w: _save(
        m.Course(school=w.school, year=_year(w), subject=w.course.subject),
        school_class=w.class_5a,
        teachers=[w.teacher_staff],
    ),
    "changed course": lambda w: _save(_get(m.Course, w.music.pk), hours_per_week=Decimal(2)),
    "course teachers": lambda w: _save(
        _get(m.Course, w.music.pk), teachers=[w.teacher_staff, w.class_teacher_staff]
    ),
    "deleted course": lambda w: _delete(_get(m.Course, w.music.pk)),
    "new curriculum line": lambda w: _save(
        m.CurriculumLine(
            school=w.school,
            year=_year(w),
            grade_level=w.class_5a.grade_level,
            subject=w.course.subject,
        ),
        hours_per_week=Decimal(5),
    ),
    "changed curriculum line": lambda w: _save(
        _get(m.CurriculumLine, w.line.pk), hours_per_week=Decimal(6)
    ),
    "deleted curriculum line": lambda w: _delete(_get(m.CurriculumLine, w.line.pk)),
    "changed term": lambda w: _save(_get(m.Term, w.term.pk), end=date(2026, 12, 27)),
    "new holiday": lambda w: _save(
        m.Holiday(school=w.school, year=_year(w)),
        title="Зимние каникулы",
        start=date(2026, 12, 29),
        end=date(2027, 1, 11),
        grade_levels=[],
    ),
    "changed year": lambda w: _save(_year(w), title="2026–2027"),
}


REFERENCE_ROWS = (
    (m.SchoolClass, ("pk", "year_id", "letter", "class_teacher_id", "room")),
    (m.Group, ("pk", "name")),
    (m.Course, ("pk", "year_id", "hours_per_week")),
    (m.CurriculumLine, ("pk", "hours_per_week")),
    (m.Term, ("pk", "end")),
    (m.Holiday, ("pk", "title")),
    (m.AcademicYear, ("pk", "title")),
)


def _records(world) -> tuple:
    """What the reference writes could change."""
    teachers = (
        m.Course.teachers.through.objects.filter(course__school=world.school)
        .order_by("pk")
        .values_list("course_id", "staff_id")
    )
    return (
        *(
            tuple(model.objects.filter(school=world.school).order_by("pk").values_list(*fields))
            for model, fields in REFERENCE_ROWS
        ),
        tuple(teachers),
    )


@pytest.mark.parametrize("write", RECORD_WRITES)
def test_a_closed_years_records_refuse_every_write_and_change_nothing(world, write):
    close(world)
    before = _records(world)
    with pytest.raises(ValidationError) as refused:
        RECORD_WRITES[write](world)
    assert refused.value.code == "year_closed"
    assert CLOSED in refused.value.messages[0]
    assert RECORDS in refused.value.messages[0]
    assert _records(world) == before


@pytest.mark.parametrize("write", RECORD_WRITES)
def test_the_same_record_writes_pass_while_the_year_is_open(world, write):
    before = _records(world)
    RECORD_WRITES[write](world)
    assert _records(world) != before


def test_an_open_years_records_are_written_while_another_year_is_closed(world):
    close(world)
    _save(_get(m.SchoolClass, world.next_class.pk), room="7")
    _save(m.Group(school=world.school, year=world.next_year), name="Англ. 1", school_class=None)
    services.save_record(
        obj=m.Subject(school=world.school),
        data={"name": "Химия", "short_name": "Хим."},
        actor=actor(),
    )
    assert _get(m.SchoolClass, world.next_class.pk).room == "7"


# --- the pages and the imports say it --------------------------------------------------------


@pytest.fixture
def closed_client(client, world):
    close(world)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_class_page_shows_the_refusal_as_a_form_error(closed_client, world):
    closed_client.force_login(world.users["admin"])
    response = closed_client.post(
        reverse("school:classes_edit", args=[world.class_5a.pk]),
        {
            "year": world.year.pk,
            "grade_level": world.class_5a.grade_level_id,
            "letter": "А",
            "class_teacher": world.class_teacher_staff.pk,
            "room": "14",
        },
    )
    assert response.status_code == 200
    assert CLOSED in " ".join(response.context["form"].non_field_errors())
    assert _get(m.SchoolClass, world.class_5a.pk).room != "14"


def test_the_delete_page_says_why_a_closed_years_course_stays(closed_client, world):
    closed_client.force_login(world.users["admin"])
    response = closed_client.post(
        reverse("school:courses_delete", args=[world.music.pk]), follow=True
    )
    assert any(CLOSED in str(message) for message in response.context["messages"])
    assert m.Course.objects.filter(pk=world.music.pk).exists()


def test_the_group_members_page_shows_the_refusal(closed_client, world):
    closed_client.force_login(world.users["admin"])
    with time_machine.travel(NOW, tick=False):
        response = closed_client.post(
            reverse("school:group_members", args=[world.group.pk]),
            {"students": [world.student.pk], "day": "2026-11-23"},
        )
    assert response.status_code == 200
    assert CLOSED in " ".join(response.context["form"].non_field_errors())
    assert not m.GroupMembership.objects.filter(group=world.group).exists()


def test_the_transfer_page_shows_the_refusal(closed_client, world):
    closed_client.force_login(world.users["secretary"])
    response = closed_client.post(
        reverse("school:student_transfer", args=[world.student.pk]),
        {
            "school_class": world.class_6b.pk,
            "day": "2026-11-23",
            "order_number": "15-у",
            "order_date": "2026-11-20",
        },
    )
    assert response.status_code == 200
    assert CLOSED in " ".join(response.context["form"].non_field_errors())
    assert not m.Movement.objects.filter(student=world.student).exists()


def test_a_class_list_file_into_a_closed_years_class_is_refused_on_its_preview(
    closed_client, world
):
    closed_client.force_login(world.users["admin"])
    with time_machine.travel(NOW, tick=False):
        batch, plan = upload_and_preview(closed_client, csv_bytes([student_row("И-101", "Ершов")]))
        commit(closed_client, batch)
    assert [e.message for e in plan.errors] == [
        "the academic year 2026/2027 is closed: its class lists are read-only"
    ]
    assert not m.Student.objects.filter(personal_file_number="И-101").exists()
    assert (
        not m.Enrollment.objects.filter(school_class__year=world.year)
        .exclude(student__in=[world.student, world.older_student])
        .exists()
    )
