"""The runner of the daily jobs (``core.daily``): every registered job for every school, on the
school's own day, at most once per school and day.

When: the worker's task (``ops.tasks.run_daily_jobs``) calls ``run_daily`` every hour, a
minute past the hour (UTC; every Russian zone is a whole number of hours from UTC, so that is
a minute past the hour in each school too). A school's jobs run at the first run once its
local clock has passed ``DAILY_HOUR`` (06:00): the night is over, so nobody's phone rings at
3 a.m. for a report, and the first lesson (08:00) has not begun, so what a job prepares
(overdue remarks flagged, the preliminary reports in the deputies' inboxes) is there when the
school day starts; a region spanning 11 zones gets its schools' runs spread over 11 hours
instead of all at once. The worker stopped at 06:00 catches up at its next run of that day.

Once: before a job runs, its ``DailyRun`` row (school, job, day) is inserted; the unique
constraint makes the insert the claim, so a second run that day — the next hourly run, a run
by hand, a second worker at the same instant — skips it. A job that raised is recorded as
failed, logged, and tried again at the next run of that day; a claim left by a process killed
during its job is taken over after ``CLAIM_EXPIRES``. The jobs stay idempotent themselves
(``core.daily``): the runner cannot make a job that half-ran undo its half.
"""

from __future__ import annotations

import logging
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhurnal.core import daily
from zhurnal.school.calendar import school_today
from zhurnal.school.models import School

from .models import DailyRun, RunStatus

log = logging.getLogger(__name__)

# The school's local hour from which its jobs of the day run (see the module's docstring).
DAILY_HOUR = 6
# A claim older than this whose job never finished (the process was killed) is taken over.
CLAIM_EXPIRES = timedelta(hours=2)
# How much of a failed job's traceback is kept on its row (the whole of it is in the log).
ERROR_KEPT = 4000

DONE = RunStatus.DONE.value
FAILED = RunStatus.FAILED.value
ALREADY = "already"  # done (or running) earlier that day: not run again
NOT_DUE = "not due"  # the school's morning has not come yet


@dataclass(frozen=True)
class Outcome:
    """What became of one job for one school in one run."""

    job: str
    school: School
    day: date | None
    status: str  # DONE, FAILED, ALREADY or NOT_DUE
    summary: str = ""


def run_daily(
    *, school_id: int | None = None, job: str | None = None, day: date | None = None
) -> list[Outcome]:
    """Run the registered jobs (or the one named ``job``) for every school (or the one with
    ``school_id``), each job at most once per school and day. Without ``day`` each school's
    day is its own today (``school_today``), and a school whose local time is before
    ``DAILY_HOUR`` is left for a later run; with ``day`` (an operator's run with ``--date``,
    the tests) every school runs that day now. Never raises for one job or school: the other
    schools must get theirs. Raises LookupError for a ``job`` not registered."""
    registered = daily.jobs()
    if job is not None:
        if job not in registered:
            raise LookupError(f"no daily job is registered as {job!r}")
        registered = {job: registered[job]}
    schools = School.objects.order_by("pk")
    if school_id is not None:
        schools = schools.filter(pk=school_id)
    outcomes: list[Outcome] = []
    for school in schools:
        outcomes.extend(_run_school(school, registered, day))
    return outcomes


def _run_school(school: School, registered: dict[str, daily.Job], day: date | None):
    try:
        today = day or school_today(school)
        local_hour = timezone.localtime(timezone=ZoneInfo(school.timezone)).hour
    except Exception as error:  # a school's broken time zone must not stop the others
        log.exception("daily jobs: no local day for school %s (%s)", school.pk, school.timezone)
        return [Outcome(name, school, None, FAILED, _short(error)) for name in registered]
    if day is None and local_hour < DAILY_HOUR:
        log.debug("daily jobs: school %s before %02d:00 local time", school.pk, DAILY_HOUR)
        return [Outcome(name, school, today, NOT_DUE) for name in registered]
    return [_run_one(name, job, school, today) for name, job in registered.items()]


def _run_one(name: str, job: daily.Job, school: School, today: date) -> Outcome:
    run = _claim(name, school, today)
    if run is None:
        log.debug("daily job %s for school %s on %s: already run", name, school.pk, today)
        return Outcome(name, school, today, ALREADY)
    try:
        # Inside a caller's transaction (a test, a shell) a savepoint keeps a failing job's
        # database error from breaking the caller's; otherwise the job keeps its own
        # transactions (a long job must not hold SQLite's write lock).
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            result = job(school, today)
    except Exception as error:  # the contract: log, record, and go on with the others
        log.exception("daily job %s failed for school %s on %s", name, school.pk, today)
        run.status, run.error = FAILED, traceback.format_exc()[-ERROR_KEPT:]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return Outcome(name, school, today, FAILED, _short(error))
    summary = "" if result is None else str(result)
    run.status, run.summary, run.error = DONE, summary, ""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "error", "finished_at"])
    log.info(
        "daily job %s for school %s on %s: %s", name, school.pk, today, summary or "nothing to do"
    )
    return Outcome(name, school, today, DONE, summary)


def _claim(name: str, school: School, today: date) -> DailyRun | None:
    """The run of ``name`` for the school's day, now ours to run; None if it was done that
    day or another runner is running it. The first claim is an insert (the unique
    constraint refuses the second); a failed run, or one whose runner died, is taken over by
    a conditional update (one of two runners updates the row, the other finds it changed)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return DailyRun.objects.create(
                school=school, job=name, day=today, status=RunStatus.RUNNING, started_at=now
            )
    except IntegrityError:
        pass
    this = DailyRun.objects.filter(school=school, job=name, day=today)
    again = Q(status=RunStatus.FAILED) | Q(
        status=RunStatus.RUNNING, started_at__lt=now - CLAIM_EXPIRES
    )
    taken = this.filter(again).update(
        status=RunStatus.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1
    )
    return this.first() if taken else None


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def last_runs(*, school_id: int | None = None, days: int = 7) -> list[DailyRun]:
    """The latest run of each job for each school over the last ``days`` days (what
    ``zhurnal daily --list`` shows), by school and job. A job missing for a school did not
    run in that time. One query, bounded by schools × jobs × days."""
    since = timezone.now().date() - timedelta(days=days + 1)  # +1: a school ahead of UTC
    runs = DailyRun.objects.filter(day__gte=since).select_related("school")
    if school_id is not None:
        runs = runs.filter(school_id=school_id)
    latest: dict[tuple[int, str], DailyRun] = {}
    for run in runs.order_by("school_id", "job", "-day"):
        latest.setdefault((run.school_id, run.job), run)
    return list(latest.values())
