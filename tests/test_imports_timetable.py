"""Import of the weekly timetable: courses resolved, conflicts as row errors, all or nothing.

Messages are asserted as their English msgids (the Russian catalogue translates them).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.imports.models import BatchStatus, ImportBatch
from zhurnal.timetable.models import TimetableEntry

from .personas import build_world
from .test_imports import csv_bytes, xlsx_bytes

HEADER = [
    "Класс",
    "Предмет",
    "День недели",
    "Номер урока",
    "Учитель",
    "Кабинет",
    "Неделя",
    "Действует с",
    "Действует по",
]
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW):
        yield build_world()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def deputy(client, world):
    client.force_login(world.users["deputy"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def row(
    cls="6Б",
    subject="Математика",
    day="Чт",
    number="4",
    teacher="",
    room="22",
    week="",
    start="",
    end="",
):
    return [cls, subject, day, number, teacher, room, week, start, end]


def preview(client, data, name="timetable.csv"):
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("imports:upload"), {"kind": "timetable", "file": SimpleUploadedFile(name, data)}
        )
        assert response.status_code == 302, response.context["form"].errors
        batch = ImportBatch.objects.latest("id")
        page = client.get(reverse("imports:batch", kwargs={"batch_id": batch.pk}))
    assert page.status_code == 200
    return batch, page.context["plan"]


def commit(client, batch):
    with time_machine.travel(NOW, tick=False):
        return client.post(reverse("imports:commit", kwargs={"batch_id": batch.pk}))


def entries():
    return sorted(
        (e.course_id, e.weekday, e.number, e.teacher_id, e.room, e.parity, e.valid_from, e.valid_to)
        for e in TimetableEntry.objects.all()
    )


def errors(plan):
    return {(e.line, e.field, e.message) for e in plan.errors}


def good_rows(world):
    return [
        row(teacher=world.teacher_staff.full_name),  # Математика 6Б, Thursday 4
        row(
            cls="5 а",
            subject="русский язык",
            day="пятница",
            number="5",
            teacher=world.class_teacher_staff.staff_number,
            room="",
        ),
        row(day="Пн", number="2", room="21"),  # already in the timetable
    ]


def test_a_good_file_adds_entries_and_a_reimport_changes_nothing(deputy, world):
    before = len(entries())
    batch, plan = preview(deputy, csv_bytes(good_rows(world), header=HEADER))
    assert [r.status.value for r in plan.rows] == ["new", "new", "unchanged"]
    assert plan.rows[0].shown[:4] == ["6Б", "Математика", "Thursday", "4"]
    response = commit(deputy, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert batch.summary == {"new": 2, "updated": 0, "unchanged": 1}
    assert len(entries()) == before + 2
    thursday = TimetableEntry.objects.get(course=world.course, weekday=4, number=4)
    assert (thursday.teacher, thursday.room, thursday.parity) == (
        world.teacher_staff,
        "22",
        "every",
    )
    assert thursday.valid_from == world.year.start and thursday.valid_to is None
    friday = TimetableEntry.objects.get(course=world.class_course, weekday=5, number=5)
    assert friday.teacher == world.class_teacher_staff
    # Audited: each entry through the timetable's own service, and the batch.
    assert AuditEvent.objects.filter(
        object_type="timetable.timetableentry",
        object_id=str(thursday.pk),
        action=AuditAction.CREATED,
    ).exists()
    assert (
        AuditEvent.objects.filter(
            object_type="imports.importbatch", action=AuditAction.IMPORTED
        ).count()
        == 1
    )

    snapshot = entries()
    batch2, plan2 = preview(deputy, csv_bytes(good_rows(world), header=HEADER))
    assert {r.status.value for r in plan2.rows} == {"unchanged"}
    commit(deputy, batch2)
    batch2.refresh_from_db()
    assert batch2.summary == {"new": 0, "updated": 0, "unchanged": 3}
    assert entries() == snapshot


def test_a_changed_row_updates_that_entry(deputy, world):
    changed = [row(day="Ср", number="3", room="30", teacher=world.class_teacher_staff.short_name)]
    batch, plan = preview(deputy, csv_bytes(changed, header=HEADER))
    assert [r.status.value for r in plan.rows] == ["changed"]
    assert {(c.field, c.old, c.new) for c in plan.rows[0].changes} == {
        ("Учитель", world.teacher_staff.short_name, world.class_teacher_staff.short_name),
        ("Кабинет", "21", "30"),
    }
    commit(deputy, batch)
    world.entry.refresh_from_db()
    assert (world.entry.room, world.entry.teacher) == ("30", world.class_teacher_staff)
    assert TimetableEntry.objects.filter(course=world.course).count() == 3
    assert AuditEvent.objects.filter(
        object_type="timetable.timetableentry",
        object_id=str(world.entry.pk),
        action=AuditAction.UPDATED,
    ).exists()


def test_bad_rows_are_listed_with_line_field_and_reason_and_nothing_is_saved(deputy, world):
    before = entries()
    bad = [
        row(teacher=world.teacher_staff.full_name),  # good
        row(cls="9Я"),
        row(subject="Астрология"),
        row(day="Вс"),
        row(day="когда-нибудь"),
        row(number="13"),
        row(week="иногда"),
        row(teacher="Неизвестный Учитель"),
        row(start="01.09.2027"),
        row(start="10.01.2027", end="01.12.2026"),
        row(cls="", subject=""),
    ]
    batch, plan = preview(deputy, csv_bytes(bad, header=HEADER))
    found = errors(plan)
    assert (
        3,
        "Класс или группа",
        "unknown class or group «9Я» in the academic year 2026/2027",
    ) in found
    assert (4, "Предмет", "unknown subject «Астрология»") in found
    assert (5, "День недели", "Sunday is not a school day") in found
    assert (
        6,
        "День недели",
        "«когда-нибудь» is not a day of the week; write Пн, Вт, Ср, Чт, Пт, Сб or 1…6",
    ) in found
    assert (7, "Номер урока", "«13» is not a lesson number from 0 to 12") in found
    assert (8, "Неделя", "«иногда» is not a week: write все, чётная or нечётная") in found
    assert (
        9,
        "Учитель",
        "unknown teacher «Неизвестный Учитель»: write the full name or the staff number",
    ) in found
    assert (10, "Действует с", "the date 01.09.2027 is outside the academic year 2026/2027") in (
        found
    )
    assert (11, "Действует по", "the end 01.12.2026 is before the start 10.01.2027") in found
    assert (12, "Класс или группа", "the cell is empty; this column is required") in found
    assert (12, "Предмет", "the cell is empty; this column is required") in found
    assert plan.rows[0].status.value == "new"
    page = deputy.get(reverse("imports:batch", kwargs={"batch_id": batch.pk})).content.decode()
    assert "import-commit" not in page and "unknown subject «Астрология»" in page
    response = commit(deputy, batch)
    assert response.status_code == 302
    assert entries() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_a_class_split_into_groups_must_name_the_group(deputy, world):
    from zhurnal.school.models import Course, Subject

    english = Subject.objects.create(school=world.school, name="Английский язык")
    course = Course.objects.create(
        school=world.school, year=world.year, subject=english, group=world.group
    )
    course.teachers.add(world.class_teacher_staff)
    _batch, plan = preview(
        deputy,
        csv_bytes(
            [
                row(cls="5А", subject="Английский язык", day="Ср", number="6"),
                row(cls="Англ. 1", subject="Английский язык", day="Ср", number="7"),
            ],
            header=HEADER,
        ),
    )
    assert errors(plan) == {
        (
            2,
            "Класс или группа",
            "class 5А learns Английский язык in groups: write the group (Англ. 1)",
        )
    }
    assert plan.rows[1].status.value == "new"


def test_conflicts_with_the_timetable_and_within_the_file_are_row_errors(deputy, world):
    before = entries()
    petrova = world.teacher_staff.short_name
    clash = [
        # Monday 2: Математика 6Б with Петрова in room 21 is already there.
        row(
            cls="5А",
            subject="Русский язык",
            day="Пн",
            number="2",
            room="21",
            teacher=world.teacher_staff.staff_number,
        ),
        # Thursday 6: the same teacher in two classes, in the file itself.
        row(
            cls="6Б",
            subject="Математика",
            day="Чт",
            number="6",
            room="31",
            teacher=world.class_teacher_staff.staff_number,
        ),
        row(
            cls="5А",
            subject="Русский язык",
            day="Чт",
            number="6",
            room="32",
            teacher=world.class_teacher_staff.staff_number,
        ),
        # Odd and even weeks of the same slot do not meet.
        row(cls="6Б", subject="Математика", day="Сб", number="1", week="чётная", room="1"),
        row(cls="6Б", subject="Математика", day="Сб", number="1", week="нечётная", room="1"),
    ]
    world.school.week_days = 6
    world.school.save()
    batch, plan = preview(deputy, csv_bytes(clash, header=HEADER))
    course = str(world.course)
    assert errors(plan) == {
        (2, "Учитель", f"{petrova} already teaches {course} at this time (Monday, lesson 2)."),
        (2, "Кабинет", f"Room 21 is taken by {course} at this time (Monday, lesson 2)."),
        (
            3,
            "Учитель",
            f"{world.class_teacher_staff.short_name} also teaches "
            f"{world.class_course} at this time, in line 4",
        ),
        (
            4,
            "Учитель",
            f"{world.class_teacher_staff.short_name} also teaches {course} at this time, in line 3",
        ),
    }
    assert [r.status.value for r in plan.rows][3:] == ["new", "new"]
    commit(deputy, batch)
    assert entries() == before


def test_the_same_lesson_twice_in_a_file_is_a_row_error(deputy, world):
    _batch, plan = preview(deputy, csv_bytes([row(), row(room="23")], header=HEADER))
    assert (2, "Номер урока", "the same lesson is also in line 3") in errors(plan)
    assert (3, "Номер урока", "the same lesson is also in line 2") in errors(plan)


def test_saturday_on_a_five_day_week_is_a_row_error(deputy, world):
    _batch, plan = preview(deputy, csv_bytes([row(day="Сб")], header=HEADER))
    assert errors(plan) == {
        (2, "День недели", "the school has a 5-day week: there are no lessons on Saturday")
    }


def test_a_file_ending_an_entry_and_replacing_it_imports(deputy, world):
    """Mid-year change: Monday 2 of 6Б ends on 31.12; 5А takes that slot and room from 11.01."""
    change = [
        row(day="Пн", number="2", end="31.12.2026"),
        row(
            cls="5А",
            subject="Русский язык",
            day="Пн",
            number="2",
            room="21",
            teacher=world.teacher_staff.full_name,
            start="11.01.2027",
        ),
    ]
    batch, plan = preview(deputy, csv_bytes(change, header=HEADER))
    assert not plan.has_errors, plan.errors
    assert [r.status.value for r in plan.rows] == ["changed", "new"]
    commit(deputy, batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED, batch.summary
    monday = TimetableEntry.objects.get(course=world.course, weekday=1, number=2)
    assert monday.valid_to == date(2026, 12, 31)
    new = TimetableEntry.objects.get(course=world.class_course, weekday=1, number=2)
    assert new.valid_from == date(2027, 1, 11) and new.teacher == world.teacher_staff


def test_an_xlsx_file_with_number_and_date_cells_imports(deputy, world):
    cells = row(day=4, number=4, start=datetime(2026, 9, 1), teacher=world.teacher_staff.full_name)
    batch, plan = preview(deputy, xlsx_bytes([cells], header=HEADER), name="timetable.xlsx")
    assert [r.status.value for r in plan.rows] == ["new"], plan.errors
    commit(deputy, batch)
    assert TimetableEntry.objects.filter(course=world.course, weekday=4, number=4).exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_example_imports(deputy, world, fmt):
    response = deputy.get(reverse("imports:template", args=["timetable", fmt]))
    assert response.status_code == 200
    # The example row names 5А, Математика and Петрова Анна Сергеевна: make them exist.
    from zhurnal.school.models import Course

    world.teacher_staff.first_name, world.teacher_staff.middle_name = "Анна", "Сергеевна"
    world.teacher_staff.save()
    course = Course.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        school_class=world.class_5a,
    )
    course.teachers.add(world.teacher_staff)
    TimetableEntry.objects.filter(course=world.class_course).delete()  # 5А's Monday 1
    _batch, plan = preview(deputy, response.content, name=f"template.{fmt}")
    assert [r.status.value for r in plan.rows] == ["new"], plan.errors


@pytest.mark.parametrize("persona", ["teacher", "class_teacher", "secretary", "hr", "director"])
def test_only_the_admin_and_the_deputy_import_the_timetable(client, world, persona):
    client.force_login(world.users[persona])
    data = csv_bytes([row()], header=HEADER)
    response = client.post(
        reverse("imports:upload") + "?kind=timetable",
        {"kind": "timetable", "file": SimpleUploadedFile("t.csv", data)},
    )
    assert response.status_code in (200, 403)
    assert not ImportBatch.objects.filter(kind="timetable").exists()
    url = reverse("imports:template", args=["timetable", "csv"])
    assert client.get(url).status_code == 403


def test_a_deputy_who_lost_the_role_cannot_commit(deputy, world):
    from zhurnal.accounts.models import Membership

    batch, _plan = preview(deputy, csv_bytes([row()], header=HEADER))
    Membership.objects.filter(user=world.users["deputy"]).delete()
    assert commit(deputy, batch).status_code in (403, 302)
    assert not TimetableEntry.objects.filter(weekday=4, number=4).exists()


def test_a_formula_room_is_an_error_not_an_empty_room(deputy, world):
    """Issue 16, finding 6: the formula's result is not in a file saved by another program."""
    cells = row(day="Чт", number="4", room="=B1")
    batch, plan = preview(deputy, xlsx_bytes([cells], header=HEADER), name="timetable.xlsx")
    assert [(e.field, e.message) for e in plan.errors] == [
        (
            "Кабинет",
            "the cell holds a formula (=B1); formulas are not imported: type the value itself",
        )
    ]
    commit(deputy, batch)
    assert not TimetableEntry.objects.filter(course=world.course, weekday=4, number=4).exists()
