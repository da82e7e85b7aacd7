"""Issue 3's end-to-end flow: a deputy creates a substitution on the day page; the substitute
teacher sees the lesson on the home page, marked «instead of», and enters its topic."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhurnal.accounts.models import Role
from zhurnal.timetable.models import Lesson

from ..factories import StaffFactory, UserFactory, grant
from ..personas import build_world
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
LESSON_DAY = datetime(2026, 11, 18, 8, 0, tzinfo=MSK)  # the world's lesson: Wednesday, lesson 3


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-42")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def test_the_deputy_substitutes_and_the_substitute_records_the_lesson(page):
    with time_machine.travel(LESSON_DAY):
        world = build_world()
        user = UserFactory(username="kuznetsova")
        substitute = StaffFactory(
            school=world.school, user=user, last_name="Кузнецова", first_name="Ольга"
        )
        grant(user, world.school, Role.TEACHER)

        _log_in(page, world.users["deputy"].username)
        page.goto(f"/timetable/day/?day=2026-11-18&class_id={world.class_6b.pk}")
        row = page.locator("tr", has_text="Математика").first
        row.locator("details summary", has_text="Заменить").click()
        row.locator("form:has(input[value=substitute]) select[name=teacher]").select_option(
            label=substitute.short_name
        )
        row.locator("form:has(input[value=substitute]) input[name=reason]").fill("Болезнь")
        row.locator("form:has(input[value=substitute]) button[type=submit]").click()
        page.wait_for_load_state()
        assert "Кузнецова" in page.inner_text("main")
        screenshot(page, "timetable-day-substituted")
        lesson = Lesson.objects.get(pk=world.lesson.pk)
        assert lesson.teacher == substitute and lesson.substitute_for == world.teacher_staff

        page.context.clear_cookies()
        _log_in(page, "kuznetsova")
        today = page.locator("#h-teacher-today ~ *").first
        assert "Математика" in today.inner_text()
        assert "Петрова" in today.inner_text()  # «instead of Петрова А.П.»
        screenshot(page, "teacher-home-substitution")
        today.locator("a", has_text="Математика").click()
        page.click("text=Ввести тему")
        page.fill("input[name=topic], textarea[name=topic]", "Сложение дробей")
        page.click("button[name=action][value=save]")
        page.wait_for_load_state()
        assert "Сложение дробей" in page.inner_text("main")
        assert Lesson.objects.get(pk=world.lesson.pk).topic == "Сложение дробей"
