"""Printing the journal (issue 15: "the journal grid cannot be printed usefully"): the course's
grid prints whole on A4 landscape — out of its scrolling frame, every column on the sheet, its
header row repeated on every sheet, without the menu and the buttons; a lesson's sheet prints
on A4 portrait. The PDF is Chromium's own print (Playwright's page.pdf), as a teacher gets it."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import GradeColumn
from zhurnal.timetable.models import Lesson

from ..factories import StudentFactory, enroll
from ..personas import build_world
from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 24, 10, 0, tzinfo=MSK)
A4_LONG, A4_SHORT = 841.9, 595.3  # points
# What the sheet holds inside the margins of print.css, in CSS pixels (96 per inch).
GRID_WIDTH_PX = (297 - 16) / 25.4 * 96


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-42")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def _pages(pdf: bytes):
    return [
        (float(p.mediabox.width), float(p.mediabox.height), p.extract_text())
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


def test_the_whole_grid_prints_on_a4_landscape(page):
    with time_machine.travel(NOW):
        world = build_world()
        for n in range(40):  # a class of 40: more rows than one sheet holds
            enroll(StudentFactory(school=world.school, last_name=f"Ученик{n:02d}"), world.class_6b)
        # Three columns of marks on every lesson held: a wide term.
        types = ensure_work_types(world.school)[:3]
        held = Lesson.objects.filter(course=world.course, date__lte=NOW.date())
        GradeColumn.objects.bulk_create(
            GradeColumn(school=world.school, lesson=lesson, work_type=t, weight=Decimal(1))
            for lesson in held
            for t in types
        )
        _log_in(page, world.users["teacher"].username)
        page.goto(f"/journal/courses/{world.course.pk}/")
        page.wait_for_selector("table.journal[data-ready='1']")
        columns = int(
            page.evaluate(
                "getComputedStyle(document.querySelector('table.journal'))"
                ".getPropertyValue('--columns')"
            )
        )
        assert columns > 60

        # Laid out for print at the sheet's width: the grid fits it, nothing to press shows.
        page.emulate_media(media="print")
        page.set_viewport_size({"width": int(GRID_WIDTH_PX), "height": 700})
        width = page.evaluate(
            "document.querySelector('table.journal').getBoundingClientRect().right"
        )
        assert width <= GRID_WIDTH_PX
        for hidden in ("header.top", "nav.main", ".help-link", "#to-latest", ".keys-help"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.journal-wrap')).overflow")
            == "visible"
        )

        pdf = page.pdf(prefer_css_page_size=True)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "print-grid.pdf").write_bytes(pdf)
        sheets = _pages(pdf)
        assert len(sheets) >= 2
        for w, h, text in sheets:
            assert (round(w), round(h)) == (round(A4_LONG), round(A4_SHORT))
            # The header row on every sheet: the column of names and the term mark's column.
            assert "Учащийся" in text and "Ср." in text
        text = "".join(t for _w, _h, t in sheets)
        assert "Ученик39" in text and "Ученик00" in text
        assert "Выйти" not in text and "Справка" not in text


def test_a_lessons_sheet_prints_on_a4_portrait(page):
    with time_machine.travel(NOW):
        world = build_world()
        _log_in(page, world.users["teacher"].username)
        page.goto(f"/journal/lessons/{world.lesson.pk}/")
        page.wait_for_selector("table.journal[data-ready='1']")
        sheets = _pages(page.pdf(prefer_css_page_size=True))
        w, h, text = sheets[0]
        assert (round(w), round(h)) == (round(A4_SHORT), round(A4_LONG))
        assert "Посещаемость и отметки" in text and "Домашнее задание" in text
        assert "Добавить колонку" not in text and "Сохранить" not in text
