"""The main menu shows each role the pages it may open, and nothing else (the pages enforce
the same rules: tests/test_access_matrix.py)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def menu(client, world, persona: str) -> set[str]:
    """The url paths of the main menu as the persona sees it."""
    client.force_login(world.users[persona])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = html[
        html.index('<nav class="main"') : html.index("</nav>", html.index('<nav class="main"'))
    ]
    return set(re.findall(r'href="([^"]+)"', nav))


PLANS = reverse("planning:list")
FULFILMENT = reverse("lessons:overview")
IMPORT = reverse("imports:index")


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("deputy", {PLANS, FULFILMENT, IMPORT}, set()),
        ("director", {PLANS, FULFILMENT}, {IMPORT}),
        ("teacher", {PLANS}, {FULFILMENT, IMPORT}),
        ("parent", set(), {PLANS, FULFILMENT, IMPORT}),
        ("student", set(), {PLANS, FULFILMENT, IMPORT}),
    ],
)
def test_the_menu_follows_the_rules(client, world, persona, shown, hidden):
    links = menu(client, world, persona)
    assert shown <= links
    assert not hidden & links
