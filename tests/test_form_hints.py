"""Form hints and errors are tied to their fields (issue 15: "hints tied to fields" — WCAG 2.1
1.3.1, 3.3.2): every ``aria-describedby`` names an element of the page, every hint and every
field's error list is named by its field, and labels read as labels (capitalised, no colon),
on the lesson's pane and pages and on the journal's settings and control forms."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described: dict[str, str] = {}  # referenced id -> the element that names it
        self.hints: list[str] = []
        self.labels: list[str] = []
        self._label = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for ref in (attrs.get("aria-describedby") or "").split():
            self.described[ref] = attrs.get("id") or attrs.get("name") or tag
        if "helptext" in (attrs.get("class") or "").split() or (
            tag == "ul" and attrs.get("id", "").endswith("_error")
        ):
            self.hints.append(attrs.get("id", f"<{tag} without id>"))
        if tag in ("label", "legend"):
            self._label = ""

    def handle_data(self, data):
        if self._label is not None:
            self._label += data

    def handle_endtag(self, tag):
        if tag in ("label", "legend") and self._label is not None:
            self.labels.append(self._label.strip())
            self._label = None


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def _pages(world):
    lesson = world.lesson.pk
    return [
        ("teacher", reverse("journal:lesson_pane", args=[lesson]), {"HTTP_HX_REQUEST": "true"}),
        ("teacher", reverse("journal:lesson", args=[lesson]), {}),
        ("teacher", reverse("lessons:lesson", args=[lesson]), {}),
        ("admin", reverse("journal_control:settings"), {}),
        ("deputy", reverse("journal_control:unlocks"), {}),
        ("deputy", reverse("journal_control:changes"), {}),
        ("deputy", reverse("oversight:settings"), {}),
    ]


def _read(client, world, persona, url, headers) -> _Page:
    client.force_login(world.users[persona])
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    page = _Page()
    page.feed(response.content.decode())
    return page


def test_every_hint_is_tied_to_its_field(client, world):
    checked = 0
    for persona, url, headers in _pages(world):
        page = _read(client, world, persona, url, headers)
        dangling = sorted(ref for ref in page.described if ref not in page.ids)
        assert dangling == [], f"{url}: aria-describedby names no element: {dangling}"
        untied = [hint for hint in page.hints if hint not in page.described]
        assert untied == [], f"{url}: hints no field names: {untied}"
        checked += len(page.hints)
    assert checked >= 8  # the topic's, the homework's links and files, the policy's, …


def test_labels_are_capitalised_without_a_colon(client, world):
    for persona, url, headers in _pages(world):
        page = _read(client, world, persona, url, headers)
        wrong = [
            label for label in page.labels if label and (label.endswith(":") or label[0].islower())
        ]
        assert wrong == [], url


def test_a_fields_error_is_tied_to_it(client, world):
    """The policy saved with a wrong number: the error is read with its field."""
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("journal_control:settings"), {"form": "policy", "p-topic_days": "-5"}
    )
    page = _Page()
    page.feed(response.content.decode())
    assert "id_p-topic_days_error" in page.ids
    assert page.described.get("id_p-topic_days_error") == "id_p-topic_days"
