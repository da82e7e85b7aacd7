"""The load test's fixture (docs/scaling.md, "Load test"): which logins the simulated users
take and which journal cells the teachers write, read from the demo schools of the database
the server serves, written as JSON for the locustfile.

Run with the server's environment (``DATABASE_URL``, ``ZHURNAL_VAR_DIR``) right before a run:
the cells' versions are read now, and each simulated teacher owns its cells, so that no save
is refused as stale by another simulated teacher. Every demo login has the demo password
(``zhurnal.ops.demo.logins``), the generated ones too.

    .venv/bin/python load/prepare.py fixture.json
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from importlib import import_module

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhurnal.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402 -- after django.setup()
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks import TaskResultStatus  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from zhurnal.accounts.models import Membership, Role  # noqa: E402
from zhurnal.core import daily  # noqa: E402
from zhurnal.journal.models import Attendance, GradeColumn, Mark  # noqa: E402
from zhurnal.ops.demo.logins import DEMO_PASSWORD  # noqa: E402
from zhurnal.ops.models import DailyRun, RunStatus  # noqa: E402
from zhurnal.school.calendar import school_today  # noqa: E402
from zhurnal.school.models import Guardian, School, Staff, Student, StudentGuardian, Term  # noqa: E402
from zhurnal.timetable.models import Lesson  # noqa: E402

TEACHERS = 60  # at most this many teachers, each with the cells of their latest lesson
FAMILIES = 400  # parents and students logging in
DEPUTIES = 10
CELLS_PER_TEACHER = 12
RECENT_DAYS = 7  # the teachers write into lessons of the last week (not late for attendance)


def _teachers() -> list[dict]:
    """Teachers with a lesson of the last week that has marks: its marks are the cells they
    rewrite (mark saves), its students the attendance cells."""
    today = timezone.localdate()
    recent = today - timedelta(days=RECENT_DAYS)
    latest = (
        GradeColumn.objects.filter(lesson__date__gte=recent, lesson__date__lt=today)
        .values("lesson__teacher_id")
        .annotate(column=Max("id"))
        .order_by("lesson__teacher_id")[:TEACHERS]
    )
    columns = {row["lesson__teacher_id"]: row["column"] for row in latest}
    users = dict(
        Staff.objects.filter(pk__in=columns, user__isnull=False).values_list("pk", "user__username")
    )
    result = []
    for staff_id, column_id in columns.items():
        if staff_id not in users:
            continue
        column = GradeColumn.objects.select_related("lesson").get(pk=column_id)
        lesson = column.lesson
        term = Term.objects.filter(
            year_id=lesson.course.year_id, start__lte=lesson.date, end__gte=lesson.date
        ).first()
        marks = list(Mark.objects.filter(column=column).order_by("student_id")[:CELLS_PER_TEACHER])
        if not marks:
            continue
        absent = dict(Attendance.objects.filter(lesson=lesson).values_list("student_id", "version"))
        result.append(
            {
                "username": users[staff_id],
                "marks": [
                    {
                        "column": column.pk,
                        "student": mark.student_id,
                        "term": term.pk if term else None,
                        "value": mark.value,
                        "version": mark.version,
                    }
                    for mark in marks
                ],
                "attendance": [
                    {
                        "lesson": lesson.pk,
                        "student": mark.student_id,
                        "version": absent.get(mark.student_id, 0),
                    }
                    for mark in marks
                ],
            }
        )
    return result


def _families() -> list[dict]:
    """Parents (each with a child) and students, half and half. The demo gives logins to a
    few families only, so the guardians and students without one get a login ``load-g<id>``
    or ``load-s<id>`` with the demo password (its hash copied: no hashing here), once; this
    is for a load test's scratch database only."""
    password = get_user_model().objects.get(username="parent").password
    half = FAMILIES // 2
    guardians = list(
        Guardian.objects.filter(child_links__isnull=False).distinct().order_by("pk")[:half]
    )
    # students old enough to sign in (seed 002, 3.3.2: 14 by default; 15 leaves a margin)
    born = timezone.localdate().replace(year=timezone.localdate().year - 15)
    students = list(Student.objects.filter(birth_date__lt=born).order_by("-pk")[:half])
    with transaction.atomic():
        for prefix, people, role in (
            ("load-g", guardians, Role.PARENT),
            ("load-s", students, Role.STUDENT),
        ):
            for person in people:
                if person.user_id is None:
                    user = get_user_model().objects.create(
                        username=f"{prefix}{person.pk}", password=password
                    )
                    Membership.objects.create(user=user, school_id=person.school_id, role=role)
                    type(person).objects.filter(pk=person.pk).update(user=user)
                    person.user = user
    child = dict(
        StudentGuardian.objects.filter(guardian__in=guardians)
        .order_by("guardian_id", "-student_id")
        .values_list("guardian_id", "student_id")
    )
    rows = []
    for guardian, student in zip(guardians, students, strict=False):
        rows.append({"username": guardian.user.username, "student": child[guardian.pk]})
        rows.append({"username": student.user.username, "student": student.pk})
    return rows


def _deputies() -> list[dict]:
    return [
        {"username": username}
        for username in Membership.objects.filter(role=Role.DEPUTY, user__is_active=True)
        .order_by("user_id")
        .values_list("user__username", flat=True)[:DEPUTIES]
    ]


def _session(user) -> str:
    """A signed-in session of ``user``, as the login makes it: the simulated users who are
    already signed in when the measured window starts (teachers at their grids, deputies,
    families reading on) carry it instead of signing in again."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "zhurnal.accounts.backends.ZhurnalBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def add_sessions(fixture: dict) -> None:
    users = {}
    for kind in ("teachers", "families", "deputies"):
        users.update(
            (user.username, user)
            for user in get_user_model().objects.filter(
                username__in=[row["username"] for row in fixture[kind]]
            )
        )
    for kind in ("teachers", "families", "deputies"):
        for row in fixture[kind]:
            row["session"] = _session(users[row["username"]])


def quiet_background() -> tuple[int, int]:
    """What the worker would otherwise do during the run, not part of the peak: today's daily
    jobs are recorded as done without running them (the archive's term copies lay out every
    class's journal as PDF: minutes of CPU that a school spends at 06:00), and the tasks a
    previous run left queued (its notifications) are dropped. A scratch database only."""
    now = timezone.now()
    marked = 0
    for school in School.objects.all():
        for job in daily.jobs():
            _, created = DailyRun.objects.update_or_create(
                school=school,
                job=job,
                day=school_today(school),
                defaults={
                    "status": RunStatus.DONE,
                    "started_at": now,
                    "finished_at": now,
                    "summary": "left out by the load test",
                },
            )
            marked += created
    dropped, _ = (
        DBTaskResult.objects.exclude(task_path="zhurnal.ops.tasks.run_daily_jobs")
        .filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .delete()
    )
    return marked, dropped


def main(path: str) -> None:
    marked, dropped = quiet_background()
    if marked or dropped:
        print(f"background: {marked} daily jobs marked done, {dropped} queued tasks dropped")
    lessons = Lesson.objects.count()
    fixture = {
        "password": DEMO_PASSWORD,
        "teachers": _teachers(),
        "families": _families(),
        "deputies": _deputies(),
    }
    add_sessions(fixture)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(fixture, out, ensure_ascii=False)
    print(
        f"fixture: {len(fixture['teachers'])} teachers, {len(fixture['families'])} family "
        f"logins, {len(fixture['deputies'])} deputies ({lessons} lessons in the database)"
    )


if __name__ == "__main__":
    main(sys.argv[1])
