"""The user guides served by the application and the help link of every page (issue 15: "a help
link on every page to its guide section (the guides served by the application, no external
site)")."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from zhurnal.core import guides

from .personas import build_world
from .test_access_matrix import _all_url_names

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def test_every_page_has_a_guide_section_or_is_no_page():
    names = _all_url_names()
    unknown = sorted(names - set(guides.SECTIONS) - guides.NOT_PAGES)
    assert unknown == [], f"give these pages a guide section (core/guides.py): {unknown}"
    assert set(guides.SECTIONS) & guides.NOT_PAGES == set()
    assert sorted((set(guides.SECTIONS) | guides.NOT_PAGES) - names) == []


@pytest.mark.parametrize("url_name", sorted(guides.SECTIONS))
def test_each_pages_section_exists(url_name):
    name, anchor = guides.SECTIONS[url_name]
    guide = guides.guide(name)
    assert guide is not None, name
    assert anchor == "" or anchor in guide.anchors, f"{name}.md has no section #{anchor}"


def test_links_between_the_guides_lead_to_a_section_that_exists():
    broken = []
    for name in guides.guide_names():
        guide = guides.guide(name)
        for href in re.findall(r'href="((?:/help/|#)[^"]*)"', guide.html):
            path, _, anchor = unquote(href).partition("#")
            if not path:
                target = name
            elif path == reverse("help"):
                target = guides.INDEX
            else:
                target = path.strip("/").split("/")[1]
            if not anchor:
                continue
            if anchor not in guides.guide(target).anchors:
                broken.append(f"{name}: {href}")
    assert broken == []


def test_a_link_to_a_document_outside_the_guides_keeps_its_text_only():
    html = guides.guide("admin").html
    assert "operations.md" in html  # the link's text
    assert 'href="../operations.md' not in html


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def test_the_guides_are_for_signed_in_users(client, world):
    url = reverse("help_guide", kwargs={"name": "journal"})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    # Any signed-in user, a user with no role in a school too.
    client.force_login(world.users["nobody"])
    html = client.get(url).content.decode()
    assert '<h2 id="where-to-find-it">' in html
    assert client.get(reverse("help")).status_code == 200


@pytest.mark.parametrize("name", ["no-such-guide", "..", "README.md", "Admin"])
def test_an_unknown_guide_is_not_found(client, world, name):
    client.force_login(world.users["teacher"])
    assert client.get(f"/help/{name}/").status_code == 404


def test_a_page_links_to_its_guide_section(client, world):
    client.force_login(world.users["teacher"])
    html = client.get(reverse("journal:course", args=[world.course.pk])).content.decode()
    assert 'href="/help/journal/#the-journal-of-a-course"' in html
    client.force_login(world.users["parent"])
    html = client.get(reverse("diary:marks", args=[world.student.pk])).content.decode()
    assert 'href="/help/parent-and-student/#the-diary-дневник"' in html


def test_the_login_page_has_no_help_link(client, db):
    assert "/help/" not in client.get(reverse("accounts:login")).content.decode()


def test_markup_in_a_guide_is_shown_as_text(tmp_path, settings):
    folder = tmp_path / "docs" / "user-guide"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(
        "# Guide\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">\n\n| a | b |\n|--:|---|\n| 1 | 2 |\n',
        encoding="utf-8",
    )
    with override_settings(PROJECT_DIR=tmp_path):
        html = guides.guide(guides.INDEX).html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert 'href="javascript' not in html
    assert "style=" not in html  # the table's alignment: the CSP allows no inline styles
    assert '<div class="table-wrap" tabindex="0"><table>' in html
