"""The journal's end-to-end flow (issue 4): a teacher opens today's lesson from the home page,
marks two absences and enters five marks by keyboard only, reloads and sees them; a day later
a correction asks for the reason, which lands in the audit trail."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.models import Attendance, Homework, Mark, PeriodMark

from ..factories import StudentFactory, enroll
from ..personas import build_world
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
LESSON_DAY = datetime(2026, 11, 18, 10, 0, tzinfo=MSK)  # the world's lesson: Wednesday, lesson 3
NEXT_DAY = datetime(2026, 11, 19, 9, 0, tzinfo=MSK)
NAMES = ("Алексеев", "Борисова", "Васильев", "Григорьева", "Дмитриев", "Егорова")


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-42")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def _wait_saved(page):
    expect(page.locator("td.c.saving")).to_have_count(0)


def _column(page, kind):
    """The visible values of the sheet's attendance (``a``) or first mark (``m``) column, in
    list order."""
    return page.eval_on_selector_all(
        f"table.sheet tbody tr td.c.{kind}:nth-of-type({1 if kind == 'a' else 2})",
        "cells => cells.map(c => c.textContent)",
    )


def test_the_teacher_keeps_the_lesson_by_keyboard(page):
    with time_machine.travel(LESSON_DAY) as traveller:
        world = build_world()
        for name in NAMES:  # 7 students in 6Б with the student persona (Иванов…)
            enroll(StudentFactory(school=world.school, last_name=name), world.class_6b)
        teacher = world.users["teacher"].username

        # The pages run without script errors: no refused inline style, no failed script.
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        _log_in(page, teacher)
        page.click("#h-teacher-today ~ * a:has-text('Математика')")
        page.wait_for_selector("table.sheet[data-ready='1']")
        rows = page.locator("table.sheet tbody tr").count()
        assert rows == 7

        # The cursor starts on the first student's attendance. Marks for the first five,
        # absences for the last two — keyboard only.
        page.focus("table.sheet td.c[tabindex='0']")
        page.keyboard.press("ArrowRight")
        for value in ("5", "4", "3", "5", "4"):
            page.keyboard.type(value)
            page.keyboard.press("Enter")
        # Space puts «Н» (a Cyrillic letter typed by Playwright arrives as text input without
        # a key event, unlike a real keyboard's «н»).
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        _wait_saved(page)
        assert not page.locator("td.c.error").count(), page.inner_text("#journal-status")
        screenshot(page, "journal-lesson-entered")
        assert problems == []
        # The grid's own texts are Russian (Django's JavaScript catalogue).
        assert page.inner_text("#journal-status") == "Сохранено."

        page.reload()
        page.wait_for_selector("table.sheet[data-ready='1']")
        assert _column(page, "m") == ["5", "4", "3", "5", "4", "", ""]
        assert _column(page, "a") == ["", "", "", "", "", "Н", "Н"]
        assert Mark.objects.count() == 5 and Attendance.objects.count() == 2

        # The course's grid shows them too, with the average and the forecast.
        page.goto(f"/journal/courses/{world.course.pk}/")
        page.wait_for_selector("table.journal[data-ready='1']")
        assert page.locator("td.c.m", has_text="5").count() == 2
        screenshot(page, "journal-course-grid")

        # The term mark: Enter opens it with the forecast; leaving the cell saves nothing,
        # Enter confirms it (issue 4: never saved without the teacher's action).
        term_cell = page.locator('tr:has-text("Алексеев") td.c.p[data-k="term"]')
        expect(term_cell).to_have_attribute("data-f", "5")
        term_cell.click()
        page.keyboard.press("Enter")
        expect(page.locator("input.cell-editor")).to_have_value("5")
        page.click("h1")  # a click elsewhere
        expect(page.locator("input.cell-editor")).to_have_count(0)
        assert not PeriodMark.objects.exists()
        term_cell.click()  # the chosen cell: a click edits it, again from the forecast
        expect(page.locator("input.cell-editor")).to_have_value("5")
        page.keyboard.press("Enter")
        _wait_saved(page)
        expect(term_cell).to_have_text("5")
        assert PeriodMark.objects.get().value == "5"

        # The lesson's date opens its side pane: the homework is set without leaving the grid.
        page.click(f'th.lesson-h a[href$="/lessons/{world.lesson.pk}/"]')
        pane = page.locator("#lesson-pane")
        expect(pane.locator("#pane-title")).to_be_focused()
        pane.locator("#homework_text").fill("Учебник, № 215")
        pane.locator("form:has(input[value=homework]) button[type=submit]").click()
        expect(pane.locator(".pane-outcome.ok")).to_be_visible()
        expect(page.locator("table.journal")).to_be_visible()
        screenshot(page, "journal-lesson-pane")
        assert Homework.objects.get(lesson=world.lesson).text == "Учебник, № 215"
        pane.locator("#pane-title").press("Escape")
        expect(pane.locator("#pane-title")).to_have_count(0)

        # The next day, correcting the first mark asks for the reason.
        traveller.move_to(NEXT_DAY)
        _log_in(page, teacher)
        page.goto(f"/journal/lessons/{world.lesson.pk}/")
        page.wait_for_selector("table.sheet[data-ready='1']")
        page.focus("table.sheet td.c[tabindex='0']")
        page.keyboard.press("ArrowRight")
        page.keyboard.type("4")
        page.keyboard.press("Enter")
        page.wait_for_selector("#reason-dialog[open]")
        screenshot(page, "journal-reason-asked")
        page.keyboard.type("Пересдача работы")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        _wait_saved(page)
        expect(page.locator("table.sheet tbody tr td.c.m").first).to_have_text("4")
        expect(page.locator("table.sheet tbody tr td.c.m").first).not_to_have_class("saving")
        first = Mark.objects.get(student__last_name="Алексеев")
        assert (first.value, first.version) == ("4", 2)
        event = AuditEvent.objects.filter(action=AuditAction.MARK_SET).latest("pk")
        assert event.reason == "Пересдача работы"
        assert (event.before["value"], event.after["value"]) == ("5", "4")


def test_a_teacher_enters_marks_on_a_tablet_by_touch(browser, live_server):
    """Tap a cell to choose it, tap it again to edit (the on-screen keyboard opens on the
    editor), type and confirm; the touch screen's width keeps the grid scrollable."""
    with time_machine.travel(LESSON_DAY):
        world = build_world()
        for name in NAMES[:2]:
            enroll(StudentFactory(school=world.school, last_name=name), world.class_6b)
        context = browser.new_context(
            base_url=live_server.url,
            locale="ru-RU",
            viewport={"width": 820, "height": 1180},  # a 10-inch tablet, portrait
            has_touch=True,
            is_mobile=True,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            _log_in(page, world.users["teacher"].username)
            page.goto(f"/journal/lessons/{world.lesson.pk}/")
            page.wait_for_selector("table.sheet[data-ready='1']")
            mark_cell = page.locator("table.sheet tbody tr td.c.m").first
            mark_cell.tap()
            mark_cell.tap()
            expect(page.locator("input.cell-editor")).to_have_count(1)
            page.keyboard.type("4")
            page.keyboard.press("Enter")
            _wait_saved(page)
            absent = page.locator("table.sheet tbody tr").nth(1).locator("td.c.a")
            absent.tap()
            absent.tap()
            page.keyboard.type("Н")
            page.keyboard.press("Enter")
            _wait_saved(page)
            screenshot(page, "journal-tablet")
            assert not page.locator("td.c.error").count(), page.inner_text("#journal-status")
            # The page fits the tablet's width; the sheet scrolls inside its own frame.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 820
            # So does the course's grid, with a lesson's pane open under it.
            page.goto(f"/journal/courses/{world.course.pk}/")
            page.wait_for_selector("table.journal[data-ready='1']")
            assert page.evaluate("document.documentElement.scrollWidth") <= 820
            page.locator(f'th.lesson-h a[href$="/lessons/{world.lesson.pk}/"]').tap()
            expect(page.locator("#lesson-pane #pane-title")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 820
            screenshot(page, "journal-tablet-pane")
        finally:
            context.close()
    assert Mark.objects.get().value == "4"
    assert Attendance.objects.get().code == "Н"
