"""Import of a thematic plan (КТП) into a chosen plan: replace, keep linked items, all or nothing.

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
from zhurnal.planning.models import ThematicPlan

from .personas import build_world
from .test_imports import csv_bytes, xlsx_bytes

HEADER = ["№", "Раздел", "Тема", "Часы", "Вид", "Дата"]
KIND_WORD = {"lesson": "урок", "test": "контрольная"}
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
def teacher(client, world):
    """The teacher of 6Б's mathematics: edits the 6th-grade mathematics plan."""
    client.force_login(world.users["teacher"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload_url(plan_id):
    return reverse("imports:upload") + f"?kind=plan&plan={plan_id}"


def current_rows(plan):
    """The plan as a file, exactly as it is."""
    return [
        [
            str(i.position),
            i.section,
            i.topic,
            str(i.hours),
            KIND_WORD[i.kind],
            f"{i.planned_date:%d.%m.%Y}" if i.planned_date else "",
        ]
        for i in plan.items.order_by("position")
    ]


def preview(client, plan_id, data, name="ktp.csv"):
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            upload_url(plan_id), {"kind": "plan", "file": SimpleUploadedFile(name, data)}
        )
        assert response.status_code == 302, response.context["form"].errors
        batch = ImportBatch.objects.latest("id")
        page = client.get(reverse("imports:batch", kwargs={"batch_id": batch.pk}))
    assert page.status_code == 200
    return batch, page.context["plan"]


def commit(client, batch):
    with time_machine.travel(NOW, tick=False):
        return client.post(reverse("imports:commit", kwargs={"batch_id": batch.pk}))


def items(plan):
    return list(
        plan.items.order_by("position").values_list(
            "position", "section", "topic", "hours", "kind", "planned_date"
        )
    )


def errors(plan):
    return {(e.line, e.field, e.message) for e in plan.errors}


def test_the_upload_page_carries_the_plan(teacher, world):
    page = teacher.get(upload_url(world.plan.pk))
    assert page.status_code == 200
    assert page.context["target_plan"] == world.plan
    assert [c[0] for c in page.context["form"].fields["kind"].choices] == ["plan"]
    assert 'id="import-template-xlsx"' in page.content.decode()


def test_reimporting_the_plan_as_it_is_changes_nothing(teacher, world):
    before = items(world.plan)
    batch, plan = preview(
        teacher, world.plan.pk, csv_bytes(current_rows(world.plan), header=HEADER)
    )
    assert batch.plan == world.plan
    assert {r.status.value for r in plan.rows} == {"unchanged"}
    assert plan.removed == [] and plan.kept == []
    response = commit(teacher, batch)
    assert response["Location"] == reverse("planning:detail", kwargs={"plan_id": world.plan.pk})
    batch.refresh_from_db()
    assert batch.summary == {"new": 0, "updated": 0, "unchanged": 30, "removed": 0, "kept": 0}
    assert items(world.plan) == before


def test_the_file_replaces_the_plan_and_keeps_items_linked_to_lessons(teacher, world):
    world.lesson.plan_item = world.plan.items.get(position=29)
    world.lesson.save()
    rows = current_rows(world.plan)[:27]  # items 28, 29, 30 are not in the file
    rows[0] = ["1", "Дроби", "Обыкновенные дроби", "3", "практическая", "07.09.2026"]
    rows.append(["31", "Повторение", "Итоговая контрольная работа", "", "к/р", ""])
    batch, plan = preview(teacher, world.plan.pk, csv_bytes(rows, header=HEADER))
    statuses = [r.status.value for r in plan.rows]
    assert statuses[0] == "changed" and statuses[-1] == "new"
    assert set(statuses[1:-1]) == {"unchanged"}
    assert {(c.field, c.old, c.new) for c in plan.rows[0].changes} == {
        ("Тема", "Тема 1", "Обыкновенные дроби"),
        ("Часы", "1", "3"),
        ("Вид", "lesson", "practical work"),
        ("Дата", "—", "07.09.2026"),
    }
    assert plan.removed == ["№ 28 «Тема 28»", "№ 30 «Тема 30»"]
    assert plan.kept == ["№ 29 «Тема 29»: lessons are linked to it (18.11.2026); it is kept"]
    page = teacher.get(reverse("imports:batch", kwargs={"batch_id": batch.pk})).content.decode()
    assert 'id="import-kept"' in page and "№ 29 «Тема 29»" in page

    commit(teacher, batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert batch.summary == {"new": 1, "updated": 1, "unchanged": 26, "removed": 2, "kept": 1}
    positions = [i[0] for i in items(world.plan)]
    assert positions == [*range(1, 28), 29, 31]
    first = world.plan.items.get(position=1)
    assert (first.topic, first.hours, first.kind, first.planned_date) == (
        "Обыкновенные дроби",
        3,
        "practical",
        date(2026, 9, 7),
    )
    last = world.plan.items.get(position=31)
    assert (last.section, last.hours, last.kind) == ("Повторение", 1, "test")
    world.lesson.refresh_from_db()
    assert world.lesson.plan_item.position == 29
    event = AuditEvent.objects.get(
        object_type="planning.thematicplan",
        object_id=str(world.plan.pk),
        action=AuditAction.IMPORTED,
    )
    assert event.after["removed"] == ["№ 28 «Тема 28»", "№ 30 «Тема 30»"]

    # The same file again: nothing changes, the linked item is still kept and reported.
    snapshot = items(world.plan)
    batch2, plan2 = preview(teacher, world.plan.pk, csv_bytes(rows, header=HEADER))
    assert {r.status.value for r in plan2.rows} == {"unchanged"}
    assert plan2.removed == [] and len(plan2.kept) == 1
    commit(teacher, batch2)
    assert items(world.plan) == snapshot


def test_bad_rows_are_listed_and_nothing_is_saved(teacher, world):
    before = items(world.plan)
    rows = [
        *current_rows(world.plan)[:3],
        ["4", "Дроби", "", "1", "", ""],
        ["5", "Дроби", "Тема 5", "0", "", ""],
        ["6", "Дроби", "Тема 6", "два", "", ""],
        ["7", "Дроби", "Тема 7", "1", "лекция", ""],
        ["3", "Дроби", "Ещё раз", "1", "", ""],
        ["восемь", "Дроби", "Тема 8", "1", "", ""],
        ["9", "Дроби", "Тема 9", "1", "", "31.02.2027"],
        ["10", "Дроби", "Тема 10", "1", "", "01.09.2027"],
    ]
    batch, plan = preview(teacher, world.plan.pk, csv_bytes(rows, header=HEADER))
    assert errors(plan) == {
        (5, "Тема", "the cell is empty; this column is required"),
        (6, "Часы", "«0» is not a whole number of hours from 1 to 40"),
        (7, "Часы", "«два» is not a whole number of hours from 1 to 40"),
        (
            8,
            "Вид",
            "«лекция» is not a kind of lesson: write урок, лабораторная, практическая, "
            "контрольная or экскурсия",
        ),
        (4, "№", "duplicate number: the same number is in line 9"),
        (9, "№", "duplicate number: the same number is in line 4"),
        (10, "№", "«восемь» is not a positive whole number"),
        (11, "Дата", "«31.02.2027» is not a date (expected ДД.ММ.ГГГГ)"),
        (12, "Дата", "the date 01.09.2027 is outside the academic year 2026/2027"),
    }
    commit(teacher, batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert items(world.plan) == before


def test_an_xlsx_with_merged_sections_imports_into_an_empty_plan(client, world):
    client.force_login(world.users["deputy"])
    empty = ThematicPlan.objects.create(
        school=world.school,
        year=world.year,
        subject=world.plan.subject,
        grade_level=world.plan.grade_level,
        title="Углублённый",
    )
    rows = [
        [1, "Натуральные числа", "Ряд натуральных чисел", 1, "урок", datetime(2026, 9, 2)],
        [2, None, "Сравнение чисел", 2, None, None],  # a merged section cell reads empty
        [3, "Дроби", "Что такое дробь", 1.0, "Лабораторная работа", None],
    ]
    batch, plan = preview(client, empty.pk, xlsx_bytes(rows, header=HEADER), name="ktp.xlsx")
    assert [r.status.value for r in plan.rows] == ["new", "new", "new"], plan.errors
    commit(client, batch)
    assert items(empty) == [
        (1, "Натуральные числа", "Ряд натуральных чисел", 1, "lesson", date(2026, 9, 2)),
        (2, "Натуральные числа", "Сравнение чисел", 2, "lesson", None),
        (3, "Дроби", "Что такое дробь", 1, "lab", None),
    ]


def test_the_csv_template_example_imports(teacher, world):
    response = teacher.get(reverse("imports:template", args=["plan", "csv"]))
    assert response.status_code == 200
    _batch, plan = preview(teacher, world.plan.pk, response.content)
    assert [r.status.value for r in plan.rows] == ["changed"]
    assert len(plan.removed) == 29


def test_another_subjects_teacher_may_not_import_into_the_plan(client, world):
    client.force_login(world.users["class_teacher"])  # teaches Русский язык in 5А
    assert client.get(upload_url(world.plan.pk)).status_code == 403
    response = client.post(
        upload_url(world.plan.pk),
        {
            "kind": "plan",
            "file": SimpleUploadedFile("k.csv", csv_bytes(current_rows(world.plan), header=HEADER)),
        },
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("persona", ["secretary", "hr", "parent", "student"])
def test_roles_without_plans_may_not_import_a_plan(client, world, persona):
    client.force_login(world.users[persona])
    assert client.get(upload_url(world.plan.pk)).status_code == 403


def test_a_plan_of_another_school_is_not_found(client, world):
    client.force_login(world.users["outsider"])  # admin of the other school
    assert client.get(upload_url(world.plan.pk)).status_code == 404
    assert client.get(reverse("imports:upload") + "?kind=plan").status_code == 404
    assert client.get(reverse("imports:upload") + "?kind=plan&plan=x").status_code == 404


def test_a_plan_batch_is_checked_against_its_plan_at_commit(teacher, world):
    batch, _plan = preview(
        teacher, world.plan.pk, csv_bytes(current_rows(world.plan)[:2], header=HEADER)
    )
    world.course.teachers.clear()  # no longer teaches 6th-grade mathematics
    assert teacher.get(reverse("imports:batch", kwargs={"batch_id": batch.pk})).status_code == 403
    assert commit(teacher, batch).status_code == 403
    assert world.plan.items.count() == 30
