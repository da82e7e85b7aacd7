"""The page benchmark: server time and SQL queries per page on generated data (DESIGN §6).

DESIGN §5 promises read models "with a bounded number of SQL queries whatever the data size";
this module proves it with numbers. Every scenario is one page or API call, requested in-process
with ``django.test.Client`` (the whole middleware stack runs, so the time measured is the
server's time without the network), as one of the demo logins of ``zhurnal demo``. Each
scenario is warmed up, then requested N times; the report gives p50, p95 and max of the time
and the number of SQL queries (which must be the same on every run).

To add a page: append one ``Scenario`` to ``SCENARIOS``. Its path is a ``str.format`` template
over the ids of ``Fixture`` (``{school}``, ``{class_5a}``, ``{student}``, ``{staff}``…).
"""

from __future__ import annotations

import json
import math
import platform
import random
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import django
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhurnal.accounts.models import ApiToken, Membership, Role, User
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import Attendance, AttendanceCode, GradeColumn, Mark
from zhurnal.school.calendar import course_terms, pick_term
from zhurnal.school.courses import bump_journal_versions
from zhurnal.school.models import (
    Course,
    School,
    SchoolClass,
    Staff,
    Student,
    Term,
    TermKind,
)
from zhurnal.school.rosters import class_roster, course_roster, enrolled_on
from zhurnal.timetable.models import Lesson, LessonStatus

WARMUP = 3
DEFAULT_RUNS = 50
# The host every request is sent to (must be in ALLOWED_HOSTS; the defaults allow it).
HOST = "localhost"
# SQL queries a page may make. A few of them are the same on every page: the session (read
# from Redis instead where the deployment has one, ``accounts.sessions``), the user, and their
# schools, roles and permission context in one statement (``accounts.memberships``).
DEFAULT_BUDGET = 20
# The control indicators over the default month (see SCENARIOS).
CONTROL = 26


@dataclass(frozen=True)
class Scenario:
    """One page: a name for the table, the demo login that opens it, its path template, and
    its query budget (a run fails above it; the count must not depend on the data size)."""

    name: str
    login: str
    path: str
    api: bool = False  # sent with a bearer token of ``login`` instead of a session
    budget: int = DEFAULT_BUDGET
    # A write: the JSON body POSTed on each run, built from the fixture and the previous
    # answer (e.g. the version a cell is at); None for a GET.
    post: Callable[[Fixture, dict], dict] | None = None
    # Measured over HTTP too, through the production server (``zhurnal bench --http``).
    http: bool = False
    # Done before each request, untimed and uncounted (e.g. a write that the page's cache
    # must see: the page then costs what it costs right after a write).
    before: Callable[[Fixture], None] | None = None


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("home: administrator (all classes with counts)", "admin", "/"),
    Scenario("home: class teacher", "teacher", "/"),
    Scenario("home: parent", "parent", "/"),
    Scenario("student register, page 1", "admin", "/students/"),
    Scenario("student register, one class", "admin", "/students/?class={class_5a}"),
    Scenario("class page 5А (class teacher)", "teacher", "/classes/{class_5a}/"),
    # The class teacher's daily absence sheet (issue 15): the day and the term's counts.
    Scenario(
        "absence sheet 5А, today (class teacher)", "teacher", "/journal/absences/{class_5a}/sheet/"
    ),
    Scenario("personal card (writes an audit row)", "admin", "/students/{student}/"),
    Scenario("staff list", "admin", "/staff/"),
    Scenario("course list (50 per page, teachers)", "admin", "/school/courses/"),
    Scenario("course create form", "admin", "/school/courses/new/"),
    Scenario("credentials of 5А (GET)", "teacher", "/accounts/classes/{class_5a}/credentials/"),
    Scenario("API: me", "admin", "/api/v1/me", api=True),
    Scenario("API: class 5А", "admin", "/api/v1/schools/{school}/classes/{class_5a}", api=True),
    Scenario("API: staff", "admin", "/api/v1/schools/{school}/staff", api=True),
    Scenario("API: structure", "admin", "/api/v1/schools/{school}/structure", api=True),
    # Issue 4's targets: the journal page ≤ 12 queries and p95 ≤ 60 ms, one mark saved p95 ≤
    # 25 ms, the journal API call (the course is the demo teacher's biggest journal). The
    # journal's pages are measured with their grid in the cache (``journal.freshness``: 5
    # statements, the API 4); the first request after a write builds it (11, the API 10).
    # A mark saved reads its cell in two statements (``journal.cell_reads``) and bumps its
    # journal's version: 13. The budgets are the counts with sessions from the database (one
    # fewer through Redis).
    Scenario(
        "journal page of a course for a term",
        "teacher",
        "/journal/courses/{journal_course}/?term={journal_term}",
        budget=5,
    ),
    Scenario(
        "journal: one mark saved",
        "teacher",
        "/journal/cell/",
        post=lambda fixture, last: {
            "kind": "mark",
            "column": fixture.journal_column,
            "student": fixture.journal_student,
            "term": fixture.journal_term,
            # Alternate 4 and 5 so that every run changes the cell (no "already so" shortcut).
            "value": "4" if last.get("value") == "5" else "5",
            "version": last.get("version", fixture.journal_version),
        },
        budget=13,
        http=True,
    ),
    # Issue 14: the journal as a teacher keeps it — 30 students × 40 lessons, a mark in every
    # cell (generated: ``_full_grid_fixture``) — and the parent's pages of a term.
    Scenario(
        "journal page, full grid",
        "teacher",
        "/journal/courses/{grid_course}/?term={grid_term}",
        budget=5,
        http=True,
    ),
    # The same grid right after a write to its journal (its version bumped before each
    # request, as a mark saved bumps it): built, not taken from the cache.
    Scenario(
        "journal page, full grid, after a write",
        "teacher",
        "/journal/courses/{grid_course}/?term={grid_term}",
        budget=11,
        before=lambda fixture: bump_journal_versions([fixture.grid_course]),
    ),
    Scenario(
        "diary: marks page of a term (parent)",
        "parent",
        "/diary/students/{child}/marks/",
        budget=9,
        http=True,
    ),
    Scenario(
        "diary: attendance page of a term (parent)",
        "parent",
        "/diary/students/{child}/attendance/",
        budget=9,
        http=True,
    ),
    # The floor: the cheapest page behind the login, through the same middleware stack (the
    # menu's badge of unread messages); every page's time reads as the floor plus its own work.
    Scenario(
        "floor: the unread messages badge", "parent", "/messages/unread/", budget=4, http=True
    ),
    # Issue 5's targets: the diary week view and its API call ≤ 10 queries, p95 ≤ 30 ms at
    # 20-school size (the demo parent's first child). The week's lessons and entries come from
    # the cache by their journals' versions (``diary.queries.week``); a parent's children come
    # with the one asked for (``diary.access``: the switcher); the budgets are the counts.
    Scenario(
        "diary: week of a child (parent)",
        "parent",
        "/diary/students/{child}/",
        budget=6,
        http=True,
    ),
    Scenario(
        "API: diary week of a child",
        "parent",
        "/api/v1/schools/{school}/students/{child}/diary",
        api=True,
        budget=5,
    ),
    Scenario(
        "API: journal of a course for a term",
        "teacher",
        "/api/v1/schools/{school}/courses/{journal_course}/journal?term_id={journal_term}",
        api=True,
        budget=4,
    ),
    # Issue 12's targets: the school-wide control indicators and the term report (the school's
    # results of the 2nd quarter) in a bounded number of queries, p95 ≤ 300 ms; the class
    # summary (30 students × 15 subjects) p95 ≤ 60 ms; 20 schools within 1.3× of one. The
    # budgets are the counts measured on PostgreSQL (with the SET and RESET of
    # ``core.plans.custom_plans``; fewer on SQLite), the same on 1 and 20 schools. The control
    # pages' default range is the month so far (the last month in a month's first week): 26
    # statements, whether it lies in one quarter or spans two (the year's assessments are read
    # once for both).
    Scenario("control: indicators by class (default month)", "deputy", "/control/", budget=CONTROL),
    Scenario(
        "control: indicators by teacher (default month)",
        "deputy",
        "/control/?by=teacher",
        budget=CONTROL,
    ),
    Scenario(
        "reports: results of quarter 2 by class",
        "deputy",
        "/reports/results/?period={quarter_2}&by=class",
        budget=18,
    ),
    Scenario(
        "reports: results of quarter 2 by subject",
        "deputy",
        "/reports/results/?period={quarter_2}&by=subject",
        budget=18,
    ),
    Scenario("reports: summary of 5А", "deputy", "/reports/classes/{class_5a}/summary/", budget=12),
    Scenario("reports: report of 5А", "deputy", "/reports/classes/{class_5a}/", budget=24),
    # The students at risk: 8 statements per kind of term running (the demo's grades follow
    # quarters, its 10th and 11th grades halves), the support records once.
    Scenario(
        "control: students at risk (preliminary report)",
        "deputy",
        "/control/lagging/?at_risk=1",
        budget=34,
    ),
    Scenario(
        "reports: report of a teacher (own)", "teacher", "/reports/teachers/{staff}/", budget=20
    ),
    # Issue 13: the year end as the secretary works through it — the school's checklist (its
    # 13 statements whatever the school's size, the year's state and the page), a class's
    # promotion preview (before the next year exists: the demo's year runs) — and the
    # checklist through the API as a deputy reads it. The budgets are the counts measured.
    Scenario("year end: the school's checklist", "secretary", "/year-end/", budget=22),
    Scenario(
        "year end: promotion preview of 5А",
        "secretary",
        "/year-end/classes/{class_5a}/promote/",
        budget=8,
    ),
    Scenario(
        "API: the school's year-end checklist",
        "deputy",
        "/api/v1/schools/{school}/year-end",
        api=True,
        budget=15,
    ),
)


@dataclass(frozen=True)
class Fixture:
    """The ids the scenario paths refer to, found in the demo school of the database."""

    school: int
    class_5a: int
    student: int
    staff: int
    # The journal scenarios: the demo teacher's course with the most students × lessons in
    # the current term, a held lesson's mark column and a student on its list.
    child: int = 0  # the demo parent's first child (the diary scenarios)
    quarter_2: int = 0  # the 2nd quarter of 5А's year (the term report)
    journal_course: int = 0
    journal_term: int = 0
    journal_column: int = 0
    journal_student: int = 0
    journal_version: int = 0
    journal_size: str = ""
    # The full grid (issue 14): a journal with a mark in every cell, generated.
    grid_course: int = 0
    grid_term: int = 0
    grid_size: str = ""

    def ids(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int)}


@dataclass
class Result:
    name: str
    path: str
    login: str
    budget: int = DEFAULT_BUDGET
    statuses: list[int] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.statuses) and all(s == 200 for s in self.statuses)

    @property
    def stable_queries(self) -> bool:
        return len(set(self.queries)) == 1

    def summary(self) -> dict:
        times = sorted(self.times_ms)
        return {
            "name": self.name,
            "path": self.path,
            "budget": self.budget,
            "login": self.login,
            "runs": len(times),
            "statuses": sorted(set(self.statuses)),
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "max_ms": round(times[-1], 2) if times else 0.0,
            "mean_ms": round(statistics.fmean(times), 2) if times else 0.0,
            "sql_p50_ms": round(percentile(sorted(self.sql_ms), 50), 2),
            "queries_min": min(self.queries) if self.queries else 0,
            "queries_max": max(self.queries) if self.queries else 0,
        }


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (p95 of 50 runs is the 48th value)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class BenchError(Exception):
    """The database does not hold what the benchmark needs (run `zhurnal demo` first)."""


def find_fixture(school_id: int | None = None, day: date | None = None) -> Fixture:
    """The demo school (where the demo ``admin`` works, unless ``school_id`` says), its 5А of
    the current year, the first student of 5А's list, the demo teacher's staff card and the
    2nd quarter of 5А's year."""
    day = day or timezone.localdate()
    if school_id is None:
        membership = (
            Membership.objects.filter(user__username="admin", role=Role.ADMIN)
            .order_by("school_id")
            .first()
        )
        if membership is None:
            raise BenchError("No demo login 'admin' in the database: run `zhurnal demo` first.")
        school_id = membership.school_id
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise BenchError(f"No school with id {school_id}.")
    class_5a = (
        SchoolClass.objects.filter(
            school=school,
            grade_level__number=5,
            letter="А",
            year__start__lte=day,
            year__end__gte=day,
        )
        .select_related("grade_level")
        .first()
    )
    if class_5a is None:
        raise BenchError(f"School {school_id} has no class 5А in the current academic year.")
    student = class_roster(class_5a, day).first()
    if student is None:
        raise BenchError("Class 5А has no students.")
    staff = Staff.objects.filter(school=school, user__username="teacher").first() or (
        Staff.objects.filter(school=school).order_by("pk").first()
    )
    if staff is None:
        raise BenchError(f"School {school_id} has no staff.")
    child = (
        Student.objects.filter(school=school, guardians__user__username="parent")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    quarter_2 = (
        Term.objects.filter(year_id=class_5a.year_id, kind=TermKind.QUARTER, number=2)
        .values_list("pk", flat=True)
        .first()
    )
    return Fixture(
        school=school.pk,
        class_5a=class_5a.pk,
        student=student.pk,
        staff=staff.pk,
        child=child or 0,
        quarter_2=quarter_2 or 0,
        **_journal_fixture(staff, day),
        **_full_grid_fixture(staff, day),
    )


def _journal_fixture(staff: Staff, day: date) -> dict:
    """The demo teacher's biggest journal of the current term (students × held lessons), a
    mark column of a held lesson in it (made if the lesson has none) and a student on the
    list, for the journal scenarios. Empty when the demo has no lessons (then those scenarios
    answer 404 and the run says so)."""
    best = None
    for course in Course.objects.filter(teachers=staff, year__start__lte=day, year__end__gte=day):
        term = pick_term(course_terms(course), None, day)
        if term is None:
            continue
        lessons = (
            Lesson.objects.filter(course=course, date__range=(term.start, term.end))
            .exclude(status=LessonStatus.CANCELLED)
            .count()
        )
        students = course_roster(course).filter(enrolled_on(day)).count()
        if best is None or lessons * students > best[0]:
            best = (lessons * students, course, term, lessons, students)
    if best is None:
        return {}
    _size, course, term, lessons, students = best
    held = (
        Lesson.objects.filter(course=course, date__range=(term.start, day))
        .exclude(status=LessonStatus.CANCELLED)
        .order_by("-date", "-number")
        .first()
    )
    if held is None:
        return {}
    column = GradeColumn.objects.filter(lesson=held).order_by("position", "pk").first()
    if column is None:
        work_type = ensure_work_types(course.school)[0]
        column = GradeColumn.objects.create(
            school=course.school, lesson=held, work_type=work_type, weight=work_type.weight
        )
    student_id = (
        course_roster(course)
        .filter(enrolled_on(held.date))
        .values_list("student_id", flat=True)
        .first()
    )
    mark = Mark.objects.filter(column=column, student_id=student_id).first()
    return {
        "journal_course": course.pk,
        "journal_term": term.pk,
        "journal_column": column.pk,
        "journal_student": student_id,
        "journal_version": mark.version if mark else 0,
        "journal_size": f"{course}: {students} students × {lessons} lessons in {term}",
    }


# The full grid's marks, as a class's marks go (weights of «5», «4», «3», «2»), and its
# attendance: about one cell in 25 absent, ill or late.
GRID_MARKS = (("5", 30), ("4", 40), ("3", 25), ("2", 5))
GRID_ABSENCE = 0.04
GRID_CODES = (AttendanceCode.ABSENT, AttendanceCode.ILL, AttendanceCode.LATE)


def _full_grid_fixture(staff: Staff, day: date) -> dict:
    """The full grid (issue 14: the journal as a teacher keeps it, not the sparse demo): the
    demo teacher's course with the most students, in its last term that is over by ``day``
    (the current one at the year's start), every held lesson given a mark column and every
    student on the list that day a mark in it, one cell in 25 an attendance entry. Generated
    into the benchmark's database, reproducibly (seeded by the course); a second run adds
    nothing. Empty when the teacher has no lessons."""
    courses = (
        Course.objects.filter(teachers=staff, year__start__lte=day, year__end__gte=day)
        .select_related("school")
        .order_by("pk")
    )
    best = None
    for course in courses:
        students = course_roster(course).filter(enrolled_on(day)).count()
        terms = [t for t in course_terms(course) if t.start <= day]
        over = [t for t in terms if t.end < day] or terms
        if over and (best is None or students > best[0]):
            best = (students, course, over[-1])
    if best is None:
        return {}
    _students, course, term = best
    lessons = list(
        Lesson.objects.filter(course=course, date__range=(term.start, min(term.end, day)))
        .exclude(status=LessonStatus.CANCELLED)
        .order_by("date", "number")
    )
    if not lessons:
        return {}
    roster = list(course_roster(course).values_list("student_id", "start", "end"))
    work_type = ensure_work_types(course.school)[0]
    user_id = staff.user_id
    now = timezone.now()
    rng = random.Random(course.pk)
    with_column = set(
        GradeColumn.objects.filter(lesson__in=lessons).values_list("lesson_id", flat=True)
    )
    GradeColumn.objects.bulk_create(
        GradeColumn(
            school=course.school, lesson=lesson, work_type=work_type, weight=work_type.weight
        )
        for lesson in lessons
        if lesson.pk not in with_column
    )
    columns = list(GradeColumn.objects.filter(lesson__in=lessons).select_related("lesson"))
    marked = set(Mark.objects.filter(column__in=columns).values_list("column_id", "student_id"))
    entered = set(
        Attendance.objects.filter(lesson__in=lessons).values_list("lesson_id", "student_id")
    )
    values, weights = zip(*GRID_MARKS, strict=True)
    marks, attendance = [], []
    for column in columns:
        on_list = [
            student_id
            for student_id, start, end in roster
            if start <= column.lesson.date and (end is None or column.lesson.date <= end)
        ]
        for student_id in on_list:
            if (column.pk, student_id) not in marked:
                value = rng.choices(values, weights)[0]
                marks.append(
                    Mark(
                        school=course.school,
                        column=column,
                        student_id=student_id,
                        value=value,
                        number=Decimal(value),
                        entered_by_id=user_id,
                        entered_at=now,
                        changed_at=now,
                    )
                )
            if (column.lesson_id, student_id) not in entered and rng.random() < GRID_ABSENCE:
                entered.add((column.lesson_id, student_id))
                attendance.append(
                    Attendance(
                        school=course.school,
                        lesson=column.lesson,
                        student_id=student_id,
                        code=rng.choice(GRID_CODES),
                        entered_by_id=user_id,
                        entered_at=now,
                        changed_at=now,
                    )
                )
    Mark.objects.bulk_create(marks, batch_size=1000)
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    bump_journal_versions([course.pk])  # no model signals for bulk_create
    cells = Mark.objects.filter(column__in=columns).count()
    students = len({student_id for student_id, _start, _end in roster})
    return {
        "grid_course": course.pk,
        "grid_term": term.pk,
        "grid_size": f"{course}: {students} students × {len(lessons)} lessons in {term}, "
        f"{cells} marks",
    }


def _client_for(scenario: Scenario, clients: dict[str, Client]) -> tuple[Client, dict]:
    """A logged-in client per demo login (the session is reused across its scenarios); API
    scenarios get a fresh bearer token so its once-a-minute ``last_used_at`` write happens in
    the warm-up, not in the measured runs."""
    user = User.objects.filter(username=scenario.login).first()
    if user is None:
        raise BenchError(f"No demo login {scenario.login!r}: run `zhurnal demo` first.")
    if scenario.api:
        _token, raw = ApiToken.issue(user, name="bench")
        return Client(HTTP_HOST=HOST), {"Authorization": f"Bearer {raw}"}
    if scenario.login not in clients:
        client = Client(HTTP_HOST=HOST)
        client.force_login(user)
        clients[scenario.login] = client
    return clients[scenario.login], {}


class _SqlTimer:
    """Statements sent through a cursor and the time spent in the driver's execute (Django
    logs it rounded to 1 ms); light enough to leave on in the measured runs, unlike Django's
    query log, which formats every statement."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.executed = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        self.executed += 1
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _send(scenario: Scenario, fixture: Fixture, client: Client, path: str, headers, last: dict):
    if scenario.post is None:
        return client.get(path, headers=headers)
    return client.post(
        path,
        data=json.dumps(scenario.post(fixture, last)),
        content_type="application/json",
        headers=headers,
    )


def budget_of(scenario: Scenario) -> int:
    """The scenario's budget on this database: on Citus one statement more for every page
    behind the login, the memberships read in two (``accounts.memberships``: the user's schools
    first, then the standing in each, so that each runs on one shard; docs/scaling.md)."""
    return scenario.budget + (1 if settings.ZHURNAL_CITUS else 0)


def run_scenario(
    scenario: Scenario, fixture: Fixture, *, runs: int, clients: dict[str, Client]
) -> Result:
    path = scenario.path.format(**fixture.ids())
    client, headers = _client_for(scenario, clients)
    result = Result(name=scenario.name, path=path, login=scenario.login, budget=budget_of(scenario))
    last: dict = {}

    def prepare():
        if scenario.before is not None:
            scenario.before(fixture)

    def request():
        nonlocal last
        response = _send(scenario, fixture, client, path, headers, last)
        if scenario.post is not None and response.status_code == 200:
            last = response.json()
        return response

    for _ in range(WARMUP):
        prepare()
        request()
    # One counted request: Django's query log sees every statement, the transaction's BEGIN
    # and COMMIT included (they are not cursor executes), and is what the budget counts.
    counter = _SqlTimer()
    prepare()
    with connection.execute_wrapper(counter), CaptureQueriesContext(connection) as captured:
        request()
    transaction_statements = len(captured.captured_queries) - counter.executed
    for _ in range(runs):
        prepare()
        sql_timer = _SqlTimer()
        with connection.execute_wrapper(sql_timer):
            started = time.perf_counter()
            response = request()
            elapsed = time.perf_counter() - started
        result.statuses.append(response.status_code)
        result.times_ms.append(elapsed * 1000)
        result.queries.append(sql_timer.executed + transaction_statements)
        result.sql_ms.append(sql_timer.seconds * 1000)
    return result


def capture_sql(scenario: Scenario, fixture: Fixture) -> list[str]:
    """The SQL of one request of a scenario (for looking into a page's query count)."""
    clients: dict[str, Client] = {}
    path = scenario.path.format(**fixture.ids())
    client, headers = _client_for(scenario, clients)
    _send(scenario, fixture, client, path, headers, {})
    if scenario.before is not None:
        scenario.before(fixture)
    with CaptureQueriesContext(connection) as captured:
        _send(scenario, fixture, client, path, headers, {})
    return [q["sql"] for q in captured.captured_queries]


def run(
    scenarios: Iterable[Scenario] = SCENARIOS,
    *,
    runs: int = DEFAULT_RUNS,
    school_id: int | None = None,
    progress=None,
) -> dict:
    """Run the scenarios; the report as a JSON-ready dict (``meta`` and ``results``)."""
    fixture = find_fixture(school_id)
    clients: dict[str, Client] = {}
    results = []
    reference_before = reference_ms()
    for scenario in scenarios:
        result = run_scenario(scenario, fixture, runs=runs, clients=clients)
        results.append(result.summary())
        if progress:
            progress(result)
    meta = describe_data(fixture, runs)
    meta["reference_ms"] = [reference_before, reference_ms()]
    return {"meta": meta, "results": results}


def _reference_workload() -> int:
    """Plain Python of the kind a request runs (objects, dicts, strings), no I/O."""
    rows = []
    for i in range(20_000):
        row = {"id": i, "name": f"Иванова {i}", "value": str(i % 5 + 1)}
        rows.append((row["name"].upper(), int(row["value"]) * 2))
    return len({name for name, _value in rows})


def reference_ms(repeats: int = 5) -> float:
    """The machine's speed at the moment: the best of ``repeats`` timings of a fixed
    workload. A shared virtual machine's speed drifts by tens of per cent between hours;
    dividing a page's time by this (measured before and after the scenarios) makes runs of
    different days comparable."""
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        _reference_workload()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 2)


def describe_data(fixture: Fixture, runs: int) -> dict:
    return {
        "date": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "database_version": _database_version(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "runs": runs,
        "warmup": WARMUP,
        "schools": School.objects.count(),
        "students": Student.objects.count(),
        "staff": Staff.objects.count(),
        "classes": SchoolClass.objects.count(),
        "school_id": fixture.school,
        "journal": fixture.journal_size,
        "full_grid": fixture.grid_size,
        "school_students": Student.objects.filter(school_id=fixture.school).count(),
    }


def _database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    return ""


# --- reports ---------------------------------------------------------------------------------


def _queries(row: dict) -> str:
    low, high = row["queries_min"], row["queries_max"]
    return str(low) if low == high else f"{low}–{high} (varies!)"


def markdown_table(report: dict) -> str:
    lines = [
        "| scenario | p50 ms | p95 ms | max ms | SQL ms (p50) | queries | budget |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for row in report["results"]:
        status = "" if row["statuses"] == [200] else f" **HTTP {row['statuses']}**"
        lines.append(
            f"| {row['name']}{status} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row['max_ms']:.1f} | {row['sql_p50_ms']:.1f} | {_queries(row)} "
            f"| {row['budget']} |"
        )
    return "\n".join(lines)


def comparison_table(small: dict, large: dict) -> str:
    """Per scenario: both sizes' p50/p95 and queries, and the ratios of p95 and p50 (large /
    small)."""
    n_small, n_large = small["meta"]["schools"], large["meta"]["schools"]
    lines = [
        f"| scenario | p50 ms ({n_small}) | p95 ms ({n_small}) | queries ({n_small}) "
        f"| p50 ms ({n_large}) | p95 ms ({n_large}) | queries ({n_large}) | p95 ratio "
        "| p50 ratio |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    by_name = {row["name"]: row for row in large["results"]}
    references = [
        f"{n} school(s): {', '.join(f'{ms:.1f}' for ms in report['meta']['reference_ms'])} ms"
        for n, report in ((n_small, small), (n_large, large))
        if report["meta"].get("reference_ms")
    ]
    if references:
        lines.insert(0, f"Reference workload (before, after): {'; '.join(references)}.\n")
    for row in small["results"]:
        other = by_name.get(row["name"])
        if other is None:
            continue
        ratio = other["p95_ms"] / row["p95_ms"] if row["p95_ms"] else float("nan")
        ratio50 = other["p50_ms"] / row["p50_ms"] if row["p50_ms"] else float("nan")
        grows = " **grows**" if other["queries_max"] != row["queries_max"] else ""
        lines.append(
            f"| {row['name']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {_queries(row)} "
            f"| {other['p50_ms']:.1f} | {other['p95_ms']:.1f} | {_queries(other)}{grows} "
            f"| {ratio:.2f}× | {ratio50:.2f}× |"
        )
    return "\n".join(lines)


def problems(report: dict) -> list[str]:
    """What makes a run fail: a status other than 200, a query count that varies between runs
    or passes the scenario's budget."""
    found = []
    for row in report["results"]:
        if row["statuses"] != [200]:
            found.append(f"{row['name']}: HTTP {row['statuses']} for {row['path']}")
        if row["queries_min"] != row["queries_max"]:
            found.append(
                f"{row['name']}: query count varies ({row['queries_min']}–{row['queries_max']})"
            )
        if row["queries_max"] > row["budget"]:
            found.append(
                f"{row['name']}: {row['queries_max']} queries, over its budget of {row['budget']}"
            )
    return found


def grown(small: dict, large: dict) -> list[str]:
    """Scenarios whose query count differs between the two runs (it must not grow with data)."""
    by_name = {row["name"]: row for row in large["results"]}
    return [
        f"{row['name']}: {row['queries_max']} -> {by_name[row['name']]['queries_max']} queries"
        for row in small["results"]
        if row["name"] in by_name and by_name[row["name"]]["queries_max"] != row["queries_max"]
    ]


def load(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save(report: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
