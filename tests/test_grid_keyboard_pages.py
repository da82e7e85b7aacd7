"""The grid by keyboard and screen reader (issue 15), the server-rendered part: the latest
lesson held is marked for the grid to open at (today's or the last before today, never a
planned one), a «To the latest lesson» link that works without the grid's script, the keys in
the grid's help, and no accessible name per cell in the served HTML (the names are built in
the browser from the headers: the full grid's size is a budget, docs/performance.md)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from zhurnal.journal.defaults import ensure_work_types
from zhurnal.timetable.models import Lesson

from .factories import StudentFactory, enroll
from .personas import build_world

MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        ensure_work_types(world.school)
        yield world


def _page(client, world, *args) -> str:
    client.force_login(world.users["teacher"])
    with at(*args):
        response = client.get(reverse("journal:course", args=[world.course.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _latest(html: str) -> int:
    heads = re.findall(
        r'<th [^>]*class="lesson-h[^"]*\blatest\b[^"]*"[^>]*><a href="[^"]*/(\d+)/"', html
    )
    assert len(heads) == 1, heads
    return int(heads[0])


def test_on_a_day_without_a_lesson_the_grid_opens_at_the_last_one_before(client, world):
    # Thursday 19.11: the course's lessons are on Monday, Wednesday and Friday.
    html = _page(client, world, 2026, 11, 19, 10, 0)
    assert _latest(html) == world.lesson.pk  # Wednesday 18.11
    link = reverse("journal:lesson", args=[world.lesson.pk])
    assert f'id="to-latest" href="{link}"' in html
    assert 'aria-keyshortcuts="Control+."' in html
    assert "К последнему уроку (18.11)" in html


def test_on_a_day_with_a_lesson_the_grid_opens_at_todays(client, world):
    html = _page(client, world, 2026, 11, 20, 8, 0)  # Friday, lesson 1 not yet begun
    today = Lesson.objects.get(course=world.course, date=date(2026, 11, 20))
    assert _latest(html) == today.pk


def test_before_the_first_lesson_there_is_no_latest(client, world):
    html = _page(client, world, 2026, 8, 20, 10, 0)
    assert not re.search(r"lesson-h[^\"]* latest", html) and 'id="to-latest"' not in html


def test_the_keys_are_in_the_grids_help(client, world):
    html = _page(client, world, 2026, 11, 19, 10, 0)
    start = html.index('id="keys-help"')
    help_ = html[start : html.index("</details>", start)]
    for key in (
        "<kbd>Home</kbd>",
        "<kbd>End</kbd>",
        "<kbd>Ctrl</kbd>+<kbd>.</kbd>",
        "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>",
    ):
        assert key in help_
    assert "последнем проведённом уроке" in help_ and "последний проведённый урок" in help_


def test_the_served_grid_carries_no_name_per_cell(client, world):
    for n in range(25):
        enroll(StudentFactory(school=world.school, last_name=f"Ученик{n:02}"), world.class_6b)
    html = _page(client, world, 2026, 11, 19, 10, 0)
    cells = re.findall(r"<td [^>]*>", html)
    assert len(cells) > 1000
    assert not [c for c in cells if "aria-label" in c or " id=" in c]
    grid = html[html.index('<table class="journal"') : html.index("</table>")]
    print(
        f"grid bytes: {len(grid.encode())}, page bytes: {len(html.encode())}, cells: {len(cells)}"
    )
