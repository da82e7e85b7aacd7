"""Issue 13's year end in the browser: the secretary reads the school's checklist, opens a
class's gaps (each linked to the page where it is fixed), closes the year with the gaps left,
and sees when and by whom it was closed; the promotion's preview opens before the next year
exists; the deputy's day of the closed year says it is read-only and offers no change. Screenshots
at a desktop width and on a 360-px phone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, LessonStatus

from ..personas import build_world
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-42")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def test_the_secretary_closes_the_year_from_its_checklist(page):
    with time_machine.travel(NOW):
        world = build_world()
        secretary = world.users["secretary"]
        secretary.last_name, secretary.first_name = "Толстая", "Ольга"
        secretary.save(update_fields=["last_name", "first_name"])

        _log_in(page, "secretary")
        page.goto("/year-end/")
        main = page.locator("main")
        assert "2026/2027" in main.inner_text()
        screenshot(page, "year-end-checklist")
        page.click("main table a:text-is('6Б')")
        page.wait_for_url(f"**/year-end/classes/{world.class_6b.pk}/")
        assert "Математика" in main.inner_text()
        # Every gap links to the page where it is fixed: the journal of the course.
        assert page.locator(f"main a[href^='/journal/courses/{world.course.pk}/']").count() >= 1
        screenshot(page, "year-end-class-6b")

        page.goto("/year-end/")
        page.check("input[name=accept_gaps]")
        page.click("form[action='/year-end/close/'] button[type=submit]")
        page.wait_for_load_state()
        year = m.AcademicYear.objects.get(pk=world.year.pk)
        assert year.is_closed
        assert "Толстая Ольга" in main.inner_text()  # closed by
        screenshot(page, "year-end-closed")

        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"/year-end/classes/{world.class_5a.pk}/promote/")
        assert world.student.short_name in main.inner_text()  # the preview, before next year
        assert page.locator("button[name=confirm]").count() == 0
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow == 0
        screenshot(page, "year-end-promotion-preview-phone")

        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 900})
        _log_in(page, "deputy")
        page.goto(f"/timetable/day/?day=2026-11-18&class_id={world.class_6b.pk}")
        # The closed year's lessons are read-only: the page says so and offers no change.
        assert "2026/2027" in page.locator(".messages").inner_text()
        assert "Математика" in main.inner_text()
        assert page.locator("input[name=action][value=cancel]").count() == 0
        assert Lesson.objects.get(pk=world.lesson.pk).status == LessonStatus.PLANNED
        screenshot(page, "timetable-closed-year")
