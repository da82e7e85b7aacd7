"""The family's home page on a phone (issue 15): a parent acknowledges a term's marks in at most
3 taps from the home page on a 360-px touch screen; the header takes one slim row and its menu
opens and closes without JavaScript; axe-core finds no WCAG 2.1 A/AA violation on every role's
home page at phone and desktop sizes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import WorkType
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson

from ..personas import build_world
from .axe import violations
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)  # Friday; the 1st quarter ended on 24.10
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
PASSWORD = "correct-horse-42"
MAX_TAPS = 3


def _context(browser, live_server, viewport, *, touch: bool, javascript: bool = True):
    context = browser.new_context(
        base_url=live_server.url,
        locale="ru-RU",
        viewport=viewport,
        has_touch=touch,
        is_mobile=touch,
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def _build(world) -> m.Term:
    """A mark this week and the 1st quarter's term mark of the parent's child."""
    ensure_work_types(world.school)
    teacher = Actor(world.users["class_teacher"])
    lesson = Lesson.objects.get(course=world.class_course, date=date(2026, 11, 17))
    column = journal.add_column(
        lesson=lesson,
        work_type=WorkType.objects.get(school=world.school, code="КР"),
        actor=teacher,
    )
    journal.set_mark(column=column, student=world.student, value="5", version=0, actor=teacher)
    journal.set_homework(lesson=lesson, text="Упражнение 125", version=0, actor=teacher)
    q1 = m.Term.objects.get(school=world.school, kind="quarter", number=1)
    journal.set_period_mark(
        course=world.class_course,
        student=world.student,
        kind="term",
        term=q1,
        value="5",
        version=0,
        actor=teacher,
    )
    return q1


def test_a_parent_acknowledges_a_term_in_at_most_three_taps_from_home(browser, live_server):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        q1 = _build(world)
    context, page = _context(browser, live_server, PHONE, touch=True)
    taps = 0

    def tap(locator) -> None:
        nonlocal taps
        taps += 1
        locator.tap()

    try:
        with time_machine.travel(NOW):
            _log_in(page, world.users["parent"].username)
            # The header is one slim row: the page's news starts in the first screen.
            header = page.locator("header.top").bounding_box()
            assert header["height"] <= 0.1 * PHONE["height"], header
            child = page.locator(f"#child-{world.student.pk}")
            expect(child.locator(".new-marks")).to_contain_text("Русский язык")
            expect(child).to_contain_text("Упражнение 125")
            prompt = child.locator("form.ack-prompt")
            expect(prompt).to_contain_text("1-я четверть")
            button = prompt.locator("button")
            expect(button).to_be_in_viewport()
            screenshot(page, "phone-home-parent-prompt")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

            tap(button)

            page.wait_for_url(f"**/#child-{world.student.pk}")
            expect(page.locator(".messages .success")).to_contain_text("ознакомление")
            expect(page.locator("form.ack-prompt")).to_have_count(0)
            screenshot(page, "phone-home-parent-acknowledged")
        assert taps <= MAX_TAPS
        ack = TermAcknowledgement.objects.get()
        assert (ack.student_id, ack.term_id) == (world.student.pk, q1.pk)
        assert ack.user_id == world.users["parent"].pk
        assert AuditEvent.objects.filter(object_type="diary.termacknowledgement").count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_menu_opens_and_closes_with_or_without_javascript(
    browser, live_server, javascript
):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
    context, page = _context(browser, live_server, PHONE, touch=True, javascript=javascript)
    try:
        with time_machine.travel(NOW):
            _log_in(page, world.users["class_teacher"].username)
            summary = page.locator("details.menu > summary")
            journals = page.locator("nav.main a", has_text="Классные журналы")
            expect(summary).to_be_visible()
            expect(journals).to_be_hidden()
            summary.tap()
            expect(journals).to_be_visible()
            expect(page.locator(".account")).to_contain_text("Выйти")
            screenshot(page, f"phone-menu-open-js-{javascript}")
            journals.tap()
            page.wait_for_url(f"**{reverse('journal:index')}")
            expect(page.locator("nav.main a").first).to_be_hidden()  # closed on the next page
    finally:
        context.close()


def test_on_a_wide_screen_the_menu_is_a_row_without_a_button(browser, live_server):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
    context, page = _context(browser, live_server, DESKTOP, touch=False)
    try:
        with time_machine.travel(NOW):
            _log_in(page, world.users["class_teacher"].username)
            expect(page.locator("details.menu > summary")).to_be_hidden()
            expect(page.locator("nav.main a", has_text="Классные журналы")).to_be_visible()
            expect(page.locator(".account")).to_contain_text("Выйти")
    finally:
        context.close()


def test_every_roles_home_page_passes_axe_on_a_phone_and_a_desktop(browser, live_server):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        _build(world)
    personas = ("admin", "director", "deputy", "teacher", "class_teacher", "secretary", "hr")
    found: dict[str, list[str]] = {}
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context, page = _context(browser, live_server, viewport, touch=size == "phone")
        try:
            with time_machine.travel(NOW):
                for persona in (*personas, "parent", "student"):
                    _log_in(page, world.users[persona].username)
                    page.wait_for_load_state("networkidle")
                    found[f"{persona} {size}"] = violations(page)
                    if size == "phone":
                        page.locator("details.menu > summary").tap()
                        found[f"{persona} {size} menu open"] = violations(page)
                    screenshot(page, f"home-{persona}-{size}")
        finally:
            context.close()
    assert {k: v for k, v in found.items() if v} == {}
