"""Formula injection in the spreadsheets Zhurnal writes (issue 16, finding 1; OWASP "CSV
Injection"): text beginning with = + - @, a tab or a carriage return is written as text in every
XLSX and CSV, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from zhurnal.accounts.models import ApiToken
from zhurnal.core.spreadsheets import append_row, csv_row, csv_text
from zhurnal.imports import parsing
from zhurnal.imports.services import template_csv, template_xlsx
from zhurnal.planning.models import LessonKind, PlanItem
from zhurnal.reports import tables
from zhurnal.timetable.models import Lesson, LessonStatus

from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ATTACK = '=HYPERLINK("http://evil.example/","Контрольная работа")'
HOSTILE = [ATTACK, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _book(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def _is_text(cell) -> bool:
    return cell.data_type == "s" and cell.quotePrefix


def test_text_that_starts_a_formula_is_a_quoted_string_cell_and_numbers_stay_numbers():
    book = openpyxl.Workbook()
    append_row(book.active, [*HOSTILE, -5, Decimal("-1.5"), "Тема 1"])
    out = io.BytesIO()
    book.save(out)
    row = next(_book(out.getvalue()).active.iter_rows(min_row=1, max_row=1))
    # (XML reads a carriage return back as a line feed.)
    assert [(c.value, _is_text(c)) for c in row[: len(HOSTILE)]] == [
        (v.replace("\r", "\n"), True) for v in HOSTILE
    ]
    assert [(c.value, c.data_type) for c in row[len(HOSTILE) :]] == [
        (-5, "n"),
        (-1.5, "n"),
        ("Тема 1", "s"),
    ]
    assert not row[len(HOSTILE) + 2].quotePrefix


def test_a_csv_field_that_starts_a_formula_gets_an_apostrophe_which_reads_back_away():
    assert csv_row([ATTACK, -5, "Тема", "'quoted"]) == [f"'{ATTACK}", -5, "Тема", "'quoted"]
    assert [csv_text(v) for v in csv_row(HOSTILE)] == HOSTILE
    assert csv_text("'quoted") == "'quoted"


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def test_a_topic_set_through_the_api_is_text_in_the_published_assessment_schedule(client, world):
    """The attack of the campaign: a topic «=HYPERLINK(…)» must not be a live formula."""
    lesson = Lesson.objects.get(
        course=world.course, date=date(2026, 11, 18), status=LessonStatus.PLANNED
    )
    item = PlanItem.objects.get(plan=world.plan, position=5)
    assert item.kind == LessonKind.TEST
    token = ApiToken.issue(world.users["teacher"], "test")[1]
    response = client.put(
        f"/api/v1/schools/{world.school.pk}/lessons/{lesson.pk}/topic",
        {"topic": ATTACK, "plan_item_id": item.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    client.force_login(world.users["deputy"])
    response = client.get(reverse("assessments:xlsx"), {"term": world.term.pk})
    assert response.status_code == 200
    book = _book(response.content)
    for sheet in (book.worksheets[0], book["6Б"]):
        topics = [row[3] for row in sheet.iter_rows(min_row=2)]
        assert [(c.value, _is_text(c)) for c in topics] == [(ATTACK, True)]
        # The date stays a date.
        assert next(sheet.iter_rows(min_row=2, max_row=2))[1].is_date


def test_report_tables_write_hostile_text_as_text_and_signed_numbers_as_numbers():
    table = tables.Table(title="Итоги", headers=["=Ученик", "Изменение"])
    table.add(ATTACK, tables.Cell(Decimal("-1.5"), signed=True))
    table.total("-итого", -3)
    sheet = _book(tables.xlsx("=Отчёт", [table])).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [(c.value, _is_text(c)) for c in cells] == [
        ("=Отчёт", True),
        ("=Ученик", True),
        ("Изменение", False),
        (ATTACK, True),
        (-1.5, False),
        ("-итого", True),
        (-3, False),
    ]


def test_the_import_templates_keep_a_phone_starting_with_plus_as_text():
    phone = "+7 900 000-00-01"
    row = list(csv.reader(io.StringIO(template_csv("students").decode("utf-8-sig")), delimiter=";"))
    assert f"'{phone}" in row[1]
    example = next(_book(template_xlsx("students")).active.iter_rows(min_row=2, max_row=2))
    [cell] = [c for c in example if c.value == phone]
    assert _is_text(cell)
    # The CSV template read back gives the phone as typed.
    table = parsing.read_table(template_csv("students"), "students")
    assert table.rows[0]["cells"]["phone"] == phone
