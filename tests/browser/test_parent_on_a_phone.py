"""The parent's end-to-end flow on a phone (issue 5), at a 360 × 740 viewport: a parent logs in,
sees this week's marks and homework in the diary, opened at today's day (nothing wider than
the screen), opens the class teacher's message and replies, and acknowledges the 1st
quarter's marks («Ознакомлен»); then the class teacher opens the class's list from their home
page and sees the acknowledgement."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from zhurnal.audit.actor import Actor
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import WorkType
from zhurnal.messaging import services as messaging
from zhurnal.messaging.models import Message
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson

from ..personas import build_world
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)  # Friday; the week of Monday 16.11
MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct-horse-42"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _wider_than_the_screen(page) -> list[str]:
    """The elements that stick out past the viewport's right edge (for the failure message)."""
    return page.evaluate(
        """w => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .slice(0, 10)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                 + ' ' + Math.round(e.getBoundingClientRect().right))""",
        PHONE["width"],
    )


def _build(world) -> dict:
    """This week's marks and homework in Русский язык (5А), a message from the class teacher,
    and a 1st-quarter term mark (the quarter ended on 24.10)."""
    ensure_work_types(world.school)
    teacher = world.users["class_teacher"]
    monday = Lesson.objects.get(course=world.class_course, date=MONDAY)
    tuesday = Lesson.objects.get(course=world.class_course, date=TUESDAY)
    for lesson, code, value in ((monday, "КР", "5"), (tuesday, "У", "4")):
        column = journal.add_column(
            lesson=lesson,
            work_type=WorkType.objects.get(school=world.school, code=code),
            actor=Actor(teacher),
        )
        journal.set_mark(
            column=column, student=world.student, value=value, version=0, actor=Actor(teacher)
        )
    journal.set_homework(
        lesson=tuesday,
        text="Упражнение 125, выучить правило на с. 48",
        version=0,
        minutes=20,
        actor=Actor(teacher),
    )
    thread = messaging.start_thread(
        author=teacher,
        school=world.school,
        recipients=[world.users["parent"].pk],
        subject="Контрольная работа",
        body="Здравствуйте! В понедельник контрольная по русскому языку, повторите правила.",
    )
    q1 = m.Term.objects.get(school=world.school, kind="quarter", number=1)
    journal.set_period_mark(
        course=world.class_course,
        student=world.student,
        kind="term",
        term=q1,
        value="5",
        version=0,
        actor=Actor(teacher),
    )
    return {"thread": thread, "q1": q1}


def test_the_parent_reads_the_diary_answers_and_acknowledges_on_a_phone(phone):
    page = phone
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        data = _build(world)
    with time_machine.travel(NOW):
        parent, teacher = world.users["parent"], world.users["class_teacher"]
        student = world.student

        # 1. This week in the diary, opened from the home page at today's day (Friday: the
        # days are stacked, today is scrolled into view): the marks and the homework, nothing
        # wider than 360 px.
        _log_in(page, parent.username)
        screenshot(page, "phone-parent-home")
        week_url = reverse("diary:week", args=[student.pk])
        page.click(f'a[href="{week_url}#today"]')
        page.wait_for_url(f"**{week_url}#today")
        expect(page.locator("#today")).to_be_in_viewport()
        week = page.locator(".diary-days")
        expect(week.locator(".diary-mark", has_text="5")).to_be_visible()
        expect(week.locator(".diary-mark", has_text="4")).to_be_visible()
        expect(week).to_contain_text("Упражнение 125")
        screenshot(page, "phone-diary-week")
        assert _page_width(page) <= PHONE["width"], _wider_than_the_screen(page)

        # 2. The class teacher's message: opened and answered.
        page.goto(reverse("messaging:inbox"))
        screenshot(page, "phone-inbox")
        assert _page_width(page) <= PHONE["width"], _wider_than_the_screen(page)
        page.click("text=Контрольная работа")
        page.wait_for_url(f"**{reverse('messaging:thread', args=[data['thread'].pk])}")
        expect(page.locator("article.card").first).to_contain_text("повторите правила")
        page.fill("textarea[name=body]", "Спасибо, повторим на выходных.")
        page.click("form.stacked button[type=submit]")
        expect(page.locator("article.card")).to_have_count(2)
        expect(page.locator("article.card").last).to_contain_text("повторим на выходных")
        screenshot(page, "phone-thread-replied")
        assert _page_width(page) <= PHONE["width"], _wider_than_the_screen(page)
        reply = Message.objects.filter(thread=data["thread"]).latest("pk")
        assert reply.author_id == parent.pk

        # 3. The 1st quarter's marks: «Ознакомлен».
        q1 = data["q1"]
        page.goto(f"{reverse('diary:marks', args=[student.pk])}?term={q1.pk}")
        button = page.locator("button[value=acknowledge]")
        expect(button).to_contain_text("Ознакомлен")
        screenshot(page, "phone-marks-before")
        assert _page_width(page) <= PHONE["width"], _wider_than_the_screen(page)
        button.click()
        expect(page.locator(".badge.ok", has_text="Ознакомлен")).to_be_visible()
        expect(page.locator("button[value=acknowledge]")).to_have_count(0)
        screenshot(page, "phone-marks-acknowledged")
        ack = TermAcknowledgement.objects.get(student=student, term=q1)
        assert ack.user_id == parent.pk

        # 4. The class teacher finds the class's list from their home page (a link per class
        # led), chooses the 1st quarter, and sees the acknowledgement.
        _log_in(page, teacher.username)
        url = reverse("diary:acknowledgements", kwargs={"class_id": world.class_5a.pk})
        page.click(f'a[href="{url}"]')
        page.wait_for_url(f"**{url}")
        page.select_option("select[name=term]", str(q1.pk))
        page.click("form.filters button[type=submit]")
        page.wait_for_url(f"**{url}?term={q1.pk}")
        expect(page.locator("main")).to_contain_text("1 из 1")
        row = page.locator("ul.diary-list > li", has_text=student.last_name)
        expect(row.locator(".badge.ok")).to_have_text("родители ознакомлены")
        expect(row).to_contain_text("20.11.2026")
        screenshot(page, "phone-class-teacher-acknowledgements")
        assert _page_width(page) <= PHONE["width"], _wider_than_the_screen(page)
