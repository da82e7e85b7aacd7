"""axe-core on every role's main pages at a desktop's and a phone's size (issue 15, "Done
when": "runs axe-core … on every role's main pages at desktop and phone sizes and fails on any
WCAG 2.1 A/AA violation").

One test per role, on the small demo school (real data: marks, charts, remarks, messages); the
role logs in once and every page is checked at 1366 × 768 and at 360 × 740 in the same browser
page. Pages reached by a link of the page before (a course, a class, a child) are found by
their address's shape, as a user would click them."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from .axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
PASSWORD = "zhurnal-demo"  # the demo logins' (zhurnal/ops/demo)

# A step: an address, or ("link", regex) for the first link of the page before whose address
# matches, or ("pane", …) for the grid's side pane of the latest lesson.
ROLES: dict[str, tuple[str, list]] = {
    "teacher": (
        "teacher",
        [
            "/",
            "/journal/",
            # A course the teacher keeps (the demo's teacher teaches mathematics).
            ("link", r"^/journal/courses/\d+/$", '.journal-list a:has-text("Математика")'),
            ("pane",),
            ("link", r"^/journal/lessons/\d+/$", "th.latest a"),
            "/messages/",
            "/messages/new/",
            "/notifications/",
            "/help/journal/",
        ],
    ),
    "class_teacher": (
        "teacher",
        [
            "/",
            ("link", r"^/journal/absences/\d+/$"),
            "/",
            ("link", r"^/classes/\d+/$"),
            "/",
            ("link", r"^/diary/classes/\d+/progress-report/$"),
            "/",
            ("link", r"^/diary/classes/\d+/acknowledgements/$"),
        ],
    ),
    "deputy": (
        "deputy",
        [
            "/",
            "/control/",
            "/control/remarks/",
            "/control/lagging/",
            "/control/check-report/",
            "/journal/control/changes/",
            "/journal/control/debts/",
            "/journal/control/unlocks/",
            "/journal/settings/",
            "/reports/",
            "/reports/results/",
            "/reports/attendance/",
            "/timetable/",
        ],
    ),
    "director": (
        "director",
        ["/", "/reports/", "/reports/lists/", "/archive/", "/audit/", "/exchange/oneroster/"],
    ),
    "admin": (
        "admin",
        [
            "/",
            "/staff/",
            "/backups/",
            "/audit/",
            "/school/settings/",
            "/school/structure/",
            "/exchange/uploads/",
        ],
    ),
    "secretary": ("secretary", ["/", "/students/", "/year-end/"]),
    "parent": (
        "parent",
        [
            "/",
            ("link", r"^/diary/students/\d+/$"),
            ("link", r"^/diary/students/\d+/marks/$"),
            ("link", r"^/diary/students/\d+/attendance/$"),
            ("link", r"^/diary/students/\d+/homework/$"),
            "/messages/",
            "/notifications/",
        ],
    ),
    "student": (
        "student",
        [
            "/",
            "/diary/",
            ("link", r"^/diary/students/\d+/marks/$"),
            ("link", r"^/diary/students/\d+/attendance/$"),
            "/messages/",
        ],
    ),
}


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/$"))


def _follow(page, pattern: str, selector: str = "a[href]") -> None:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    found = next((h for h in hrefs if re.match(pattern, h.split("#")[0])), None)
    assert found, f"no link {pattern} on {page.url}"
    page.goto(found)


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def _check(page, name: str, found: dict) -> None:
    """axe at both sizes, the phone's last (the page is left as a phone shows it)."""
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(50)  # layout settles (sticky headers, the grid's scroll)
        problems = violations(page)
        if problems:
            found[f"{size} {name}"] = problems
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_wcag_violation_on_the_roles_pages(page, role):
    call_command("demo", "--size", "small", stdout=StringIO())
    username, steps = ROLES[role]
    _log_in(page, username)
    found: dict[str, list[str]] = {}
    for step in steps:
        if isinstance(step, str):
            page.goto(step)
        elif step[0] == "link":
            _follow(page, *step[1:])
        elif step[0] == "pane":
            page.click("table.journal th.latest a")
            page.wait_for_selector("#lesson-pane form")
            _check(page, _path(page) + " with the lesson pane", found)
            continue
        page.wait_for_load_state()
        if page.locator("table.journal").count():
            page.wait_for_selector("table.journal[data-ready='1']")
        _check(page, _path(page), found)
    assert found == {}, "\n".join(
        f"{where}: {problem}" for where, p in found.items() for problem in p
    )
