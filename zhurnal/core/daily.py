"""The daily jobs of a school's calendar: what must happen once a day in each school, on the
school's own day (DESIGN §5: Russia spans 11 time zones; every "today" is the school's).

Examples: two weeks before a term ends the preliminary reports go to the deputies and the class
teachers (seed 002, regulation 2.2.3); remarks that became overdue are flagged; the copies of
the database are made.

Dependency direction (DESIGN §5): the apps that own a job sit above this one; each registers
its job in its ``AppConfig.ready`` (``register("diary.preliminary_reports", job)``), and
nothing here imports them. The runner is ``zhurnal.ops.daily`` (the top layer): the worker's
hourly task and ``zhurnal daily`` call it.

The contract of a job ``job(school, today) -> str | None``:

* ``today`` is the school's day (``school.calendar.school_today``, or the day an operator
  chose with ``zhurnal daily --date``): the job uses it and never asks the clock for "today".
* The runner calls a job at most once per school and local day, from the morning on
  (``ops.daily.DAILY_HOUR``); a job that raised is called again at the next run of that day.
  The job must still be **idempotent per school and day**: a process killed half-way, an
  operator's run with ``--date``, two workers — it may run twice. Record what was done (in the
  job's own table: "the preliminary report of this term was sent to this class") and skip it
  the second time.
* A job acts on a state, not on one exact date: "the term ends within two weeks and its
  preliminary report was not sent", not "the term ends in exactly 14 days" — a day missed (the
  server was down) is then caught up the next day.
* A job works for one school and raises only for what stops it for that school: the runner
  catches, logs and records the error and goes on with the other jobs and schools. It keeps
  its own transactions (the runner opens none: a long job must not hold SQLite's write lock)
  and queues its e-mails and notifications as any service does (``emit``, tasks on commit).
* It returns a short summary of what it did ("3 reports sent"), or None for nothing to do;
  the runner logs it and keeps it in ``ops.DailyRun``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

# (the school, its day) -> a short summary, or None. The school is ``school.models.School``
# (not imported: core sits below the school's app).
Job = Callable[[Any, date], str | None]

# A name is the job's key in the runner's record (``ops.DailyRun.job``, 100 characters):
# "<app>.<what>", lower case.
NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
NAME_MAX_LENGTH = 100

_JOBS: dict[str, Job] = {}


def register(name: str, job: Job) -> Job:
    """Run ``job`` once a day for every school, under ``name`` ("<app>.<what>", e.g.
    ``"oversight.overdue_remarks"``). Registering the same job again changes nothing
    (``ready`` may run more than once); another job under a name taken raises ValueError,
    since the name is what the runner records as done (two apps sharing one would skip each
    other)."""
    if not NAME.match(name) or len(name) > NAME_MAX_LENGTH:
        raise ValueError(f"a daily job's name is '<app>.<what>' in lower case: {name!r}")
    known = _JOBS.get(name)
    if known is not None and known is not job:
        raise ValueError(f"another daily job is registered as {name!r}: {known!r}")
    _JOBS[name] = job
    return job


def jobs() -> dict[str, Job]:
    """The registered jobs by name, in the order they were registered (the order they run)."""
    return dict(_JOBS)
