"""The load test of issue 18 (docs/scaling.md, "Load test"): the peak of a district scaled to
one machine, run by ``scripts/load`` against the production server on the loopback.

Request kinds (the names in the report):

* ``mark save``, ``attendance save`` — a teacher's grid cell saved (``POST /journal/cell/``),
  each teacher rewriting the cells of their latest lesson, with the version of its last answer;
* ``login page``, ``login`` — a parent or a student signing in (the form, then the password:
  one Argon2 verification on the server);
* ``diary week``, ``diary marks`` — what they open then;
* ``indicators`` — a deputy's control indicators of the school (``/control/``).

The teachers and deputies are signed in before the run (sessions made by ``load/prepare.py``),
as are the families of ``closed``: the measured window holds the mix's own logins only.

The mix (``LOAD_MIX``):

* ``peak`` — open-ended rates: ``LOAD_WRITES`` saves a second in all (each teacher one every
  ``TEACHER_PACE`` s); the families' logins at the district's ratio to the writes (28,500 an
  hour to 146 a second), each followed by the diary's week and marks; the deputies' indicator
  pages at one per 146 writes. A user that falls behind its pace does not catch up (locust's
  ``constant_pacing``): a slow server is seen as latency, not hidden.
* ``burst`` — "the first lesson after the holidays": the teachers of ``peak``, and
  ``LOAD_FAMILIES`` families arriving at the spawn rate, each signing in and opening the diary
  once, then reading it again every minute.
* ``closed`` — the issue's baseline (80 % diary pages, 15 % mark saves, 5 % logins): users
  with no think time, 15 % of them teachers saving marks, the others reading the diary's week
  and marks and signing in again every 17th page.

The fixture (``LOAD_FIXTURE``, made by ``load/prepare.py``) names the logins and cells.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import string
from http.cookiejar import Cookie

from locust import FastHttpUser, between, constant, constant_pacing, task
from mix import DEPUTY_PACE, FAMILY_PACE, TEACHER_PACE, counts

FIXTURE = json.load(open(os.environ["LOAD_FIXTURE"], encoding="utf-8"))  # noqa: SIM115
PASSWORD = FIXTURE["password"]
MIX = os.environ.get("LOAD_MIX", "peak")


_teachers = itertools.count()
_families = itertools.count()
_deputies = itertools.count()


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0,
        name,
        value,
        None,
        False,
        "127.0.0.1",
        False,
        False,
        "/",
        True,
        False,
        None,
        False,
        None,
        None,
        {},
    )


def _pick(rows: list, counter: itertools.count):
    return rows[next(counter) % len(rows)]


class _Client(FastHttpUser):
    abstract = True
    # A request the server has not answered in 30 s is an error (the client gives up).
    network_timeout = 30.0
    connection_timeout = 30.0

    def resume(self, session: str) -> None:
        """Carry a session made by ``load/prepare.py`` (signed in before the run), with a CSRF
        cookie of our own choosing (Django accepts a token equal to its cookie)."""
        self.client.cookiejar.clear()
        token = "".join(random.choices(string.ascii_letters + string.digits, k=32))
        for name, value in (("sessionid", session), ("csrftoken", token)):
            self.client.cookiejar.set_cookie(_cookie(name, value))

    def csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def sign_in(self, username: str, name: str) -> bool:
        """The login form, then the password (one Argon2 verification on the server): 302 to
        the home page is a success, the form again (200) a refusal."""
        self.client.cookiejar.clear()
        self.client.get("/accounts/login/", name=f"{name} page")
        with self.client.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                return False
        return True

    def save(self, name: str, body: dict) -> dict | None:
        with self.client.post(
            "/journal/cell/",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf()},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()


class Teacher(_Client):
    """Saves marks and attendance in the cells of their latest lesson, alternately."""

    wait_time = constant(0) if MIX == "closed" else constant_pacing(TEACHER_PACE)
    weight = 15

    def on_start(self) -> None:
        self.me = _pick(FIXTURE["teachers"], _teachers)
        self.marks = [dict(cell) for cell in self.me["marks"]]
        self.attendance = [dict(cell) for cell in self.me["attendance"]]
        self.turn = 0
        self.resume(self.me["session"])

    @task
    def write(self) -> None:
        self.turn += 1
        if MIX != "closed" and self.turn % 3 == 0:
            cell = random.choice(self.attendance)
            value = "" if cell.get("value") == "Н" else "Н"
            answer = self.save(
                "attendance save",
                {
                    "kind": "attendance",
                    "lesson": cell["lesson"],
                    "student": cell["student"],
                    "value": value,
                    "version": cell["version"],
                },
            )
        else:
            cell = random.choice(self.marks)
            value = "4" if cell["value"] == "5" else "5"
            answer = self.save(
                "mark save",
                {
                    "kind": "mark",
                    "column": cell["column"],
                    "student": cell["student"],
                    "term": cell["term"],
                    "value": value,
                    "version": cell["version"],
                    # a mark changed on another day than it was given asks why (seed 002)
                    "reason": "исправление",
                },
            )
        if answer is not None:
            cell["value"], cell["version"] = answer["value"], answer["version"]


class Family(_Client):
    """A parent or a student: signs in, opens the diary's week and the term's marks."""

    weight = 85
    wait_time = {
        "closed": constant(0),
        "burst": constant_pacing(60.0),
        "peak": constant_pacing(FAMILY_PACE),
    }[MIX]

    def on_start(self) -> None:
        self.me = _pick(FIXTURE["families"], _families)
        self.pages = 0
        self.signed_in = False
        if MIX == "closed":
            self.resume(self.me["session"])
            self.signed_in = True
        elif MIX == "burst":
            self.signed_in = self.sign_in(self.me["username"], "login")

    @task
    def visit(self) -> None:
        student = self.me["student"]
        if MIX == "peak":
            # Every visit is a new sign-in, then the two pages.
            if self.sign_in(self.me["username"], "login"):
                self.client.get(f"/diary/students/{student}/", name="diary week")
                self.client.get(f"/diary/students/{student}/marks/", name="diary marks")
            return
        if MIX == "closed":
            self.pages += 1
            if self.pages % 17 == 0 or not self.signed_in:
                self.signed_in = self.sign_in(self.me["username"], "login")
                return
        page = "" if self.pages % 2 or MIX == "burst" else "marks/"
        self.client.get(
            f"/diary/students/{student}/{page}", name="diary marks" if page else "diary week"
        )
        if MIX == "burst":
            self.client.get(f"/diary/students/{student}/marks/", name="diary marks")


class Deputy(_Client):
    """A deputy director opening the school's control indicators."""

    weight = 0
    wait_time = between(DEPUTY_PACE * 0.5, DEPUTY_PACE * 1.5)

    def on_start(self) -> None:
        self.resume(_pick(FIXTURE["deputies"], _deputies)["session"])

    @task
    def indicators(self) -> None:
        self.client.get("/control/", name="indicators")


if MIX != "closed":
    _sizes = counts(
        float(os.environ.get("LOAD_WRITES", "10")), MIX, int(os.environ.get("LOAD_FAMILIES", "0"))
    )
    Teacher.fixed_count = _sizes["Teacher"]
    Family.fixed_count = _sizes["Family"]
    Deputy.fixed_count = _sizes["Deputy"]
