"""The grid by keyboard and screen reader (issue 15): on a day without a lesson the course's
grid opens focused on the first cell of the latest lesson held, so the teacher reaches it with
no key press (at most 5 is the promise); the keys of the grid's help move as they say; five
marks and an absence are entered by keyboard only and saved; an absence with a mark in the
same lesson is saved with a warning; the focused cell has a name (student, date, column,
value); the lesson dates are out of the tab order; axe-core finds no WCAG 2.1 A/AA violation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from zhurnal.journal.models import Attendance, Mark

from ..factories import StudentFactory, enroll
from ..personas import build_world
from .axe import violations
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=MSK)  # the course has no lesson on Thursdays
NAMES = ("Алексеев", "Борисова", "Васильев", "Григорьева", "Дмитриев", "Егорова")

FOCUSED = """() => {
  const c = document.activeElement;
  if (!c || !c.matches("td.c")) return null;
  const row = c.parentNode;
  return {lesson: c.dataset.l || null, kind: c.classList.contains("a") ? "a" :
    c.classList.contains("m") ? "m" : "p", row: [...row.parentNode.rows].indexOf(row),
    col: [...row.querySelectorAll("td.c")].indexOf(c), label: c.getAttribute("aria-label")};
}"""


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-42")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def test_the_latest_lesson_by_keyboard_and_marks_without_a_mouse(page):
    with time_machine.travel(THURSDAY):
        world = build_world()
        for name in NAMES:
            enroll(StudentFactory(school=world.school, last_name=name), world.class_6b)
        lesson = str(world.lesson.pk)  # Wednesday 18.11, the latest lesson held
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        _log_in(page, world.users["teacher"].username)
        page.goto(f"/journal/courses/{world.course.pk}/")
        page.wait_for_selector("table.journal[data-ready='1']")

        assert violations(page) == []

        presses = 0  # from the page's load to the latest lesson's first cell
        where = page.evaluate(FOCUSED)
        assert where and (where["lesson"], where["kind"], where["row"]) == (lesson, "a", 0)
        assert presses <= 5
        # Its name: the student, the date, the column and the value.
        first_name = page.locator("table.journal tbody tr").first.locator("th").inner_text()
        assert where["label"].startswith(first_name.split(". ", 1)[1].split()[0])
        assert "18.11.2026" in where["label"] and "посещаемость" in where["label"]
        assert where["label"].endswith(": пусто")
        # It is scrolled into the grid's view (not the term's first lesson).
        box = page.locator("table.journal td.c[tabindex='0']").bounding_box()
        frame = page.locator(".journal-wrap").bounding_box()
        names = page.locator("table.journal tbody th.student").first.bounding_box()
        assert names["x"] + names["width"] <= box["x"]
        assert box["x"] + box["width"] <= frame["x"] + frame["width"]
        assert page.get_attribute("table.journal", "role") == "grid"
        # One tab stop: the dates are not Tab stops, and there is one cell with tabindex 0.
        dates = page.locator("th.lesson-h a")
        assert dates.count() > 10
        assert dates.count() == page.locator("th.lesson-h a[tabindex='-1']").count()
        assert page.locator("table.journal [tabindex='0']").count() == 1

        # The keys of the help.
        page.keyboard.press("Control+Home")
        assert page.evaluate(FOCUSED)["col"] == 0 and page.evaluate(FOCUSED)["row"] == 0
        page.keyboard.press("End")
        assert page.evaluate(FOCUSED)["kind"] == "p"
        page.keyboard.press("Home")
        assert page.evaluate(FOCUSED)["col"] == 0
        page.keyboard.press("Control+ArrowRight")
        second = page.evaluate(FOCUSED)
        assert second["kind"] == "a" and second["col"] > 0
        page.keyboard.press("Control+ArrowDown")
        assert page.evaluate(FOCUSED)["row"] == len(NAMES)
        page.keyboard.press("Control+End")
        assert page.evaluate(FOCUSED)["kind"] == "p"
        # Ctrl+Left: the start of the block (the period marks' first), then the last lesson.
        page.keyboard.press("Control+ArrowLeft")
        assert page.evaluate(FOCUSED)["kind"] == "p"
        page.keyboard.press("Control+ArrowLeft")
        assert page.evaluate(FOCUSED)["kind"] == "a"
        page.keyboard.press("Control+.")
        where = page.evaluate(FOCUSED)
        assert (where["lesson"], where["kind"], where["row"]) == (lesson, "a", len(NAMES))
        page.keyboard.press("Control+ArrowUp")
        assert page.evaluate(FOCUSED)["row"] == 0

        # Five marks down the lesson's mark column, then an absence for the sixth student.
        page.keyboard.press("ArrowRight")
        for value in ("5", "4", "3", "5", "4"):
            page.keyboard.type(value)
            page.keyboard.press("Enter")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("Space")
        expect(page.locator("td.c.saving")).to_have_count(0)
        expect(page.locator("#journal-status")).to_have_text("Сохранено.")
        assert not page.locator("td.c.error").count()
        # A mark for the absent student: saved, with a warning.
        page.keyboard.press("ArrowRight")
        page.keyboard.type("3")
        page.keyboard.press("Enter")
        expect(page.locator("td.c.saving")).to_have_count(0)
        status = page.locator("#journal-status")
        expect(status).to_have_class("journal-status warn")
        expect(status).to_contain_text("отмечен отсутствующим")
        screenshot(page, "journal-grid-keyboard")

        # The button goes back to the latest lesson too.
        page.keyboard.press("Control+Home")
        page.click("#to-latest")
        where = page.evaluate(FOCUSED)
        assert (where["lesson"], where["kind"]) == (lesson, "a")
        # Ctrl+Enter: the lesson beside the grid; Esc: back to the cell.
        page.keyboard.press("Control+Enter")
        expect(page.locator("#lesson-pane #pane-title")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#lesson-pane #pane-title")).to_have_count(0)
        where = page.evaluate(FOCUSED)
        assert (where["lesson"], where["kind"]) == (lesson, "a")
        # The keys' help open, the warning shown: still no WCAG 2.1 A/AA violation.
        page.click("details.keys-help summary")
        assert violations(page) == []
        # The lesson's own sheet runs the same script: no violation there either.
        page.goto(f"/journal/lessons/{lesson}/")
        page.wait_for_selector("table.sheet[data-ready='1']")
        assert violations(page) == []
        assert problems == []

    marks = Mark.objects.filter(column__lesson=world.lesson).order_by("student__last_name")
    assert sorted(m.value for m in marks) == sorted(["5", "4", "3", "5", "4", "3"])
    absent = Attendance.objects.get(lesson=world.lesson)
    assert absent.code == "Н"
    assert Mark.objects.filter(column__lesson=world.lesson, student=absent.student).exists()


def test_the_grid_on_a_phone_has_no_wcag_violation(browser, live_server):
    with time_machine.travel(THURSDAY):
        world = build_world()
        context = browser.new_context(
            base_url=live_server.url,
            locale="ru-RU",
            viewport={"width": 360, "height": 740},
            has_touch=True,
            is_mobile=True,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            _log_in(page, world.users["teacher"].username)
            page.goto(f"/journal/courses/{world.course.pk}/")
            page.wait_for_selector("table.journal[data-ready='1']")
            where = page.evaluate(FOCUSED)
            assert (where["lesson"], where["kind"]) == (str(world.lesson.pk), "a")
            # In view: right of the sticky names, inside the grid's frame.
            cell = page.locator("table.journal td.c[tabindex='0']").bounding_box()
            names = page.locator("table.journal tbody th.student").first.bounding_box()
            frame = page.locator(".journal-wrap").bounding_box()
            assert names["x"] + names["width"] <= cell["x"]
            assert cell["x"] + cell["width"] <= frame["x"] + frame["width"]
            assert violations(page) == []
            screenshot(page, "journal-grid-phone")
        finally:
            context.close()
