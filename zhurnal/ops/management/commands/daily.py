"""``zhurnal daily``: run the daily jobs of the schools' calendars (``core.daily``, run by
``ops.daily``) by hand or from cron, start their hourly schedule on the worker, or list them
with their last runs."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from zhurnal.core import daily
from zhurnal.ops.daily import DAILY_HOUR, FAILED, NOT_DUE, last_runs, run_daily
from zhurnal.ops.tasks import schedule
from zhurnal.school.models import School


class Command(BaseCommand):
    help = (
        "Run what is due of the daily jobs: each registered job once a day for each school, "
        f"from {DAILY_HOUR:02d}:00 of the school's local time (a job already run that day is "
        "skipped). --schedule starts the hourly run on the worker instead (once: a run already "
        "waiting is kept); --list shows the jobs and their last runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", type=int, metavar="ID", help="only this school")
        parser.add_argument("--job", metavar="NAME", help="only this job")
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="run for this day as every school's today, whatever the hour (a day missed, "
            "a test); still once per job, school and day",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--schedule",
            action="store_true",
            help="queue the hourly run on the worker unless one is waiting (scripts/serve)",
        )
        mode.add_argument(
            "--list", action="store_true", help="the registered jobs and their last runs"
        )

    def handle(self, *args, **options):
        if options["schedule"]:
            queued = schedule()
            self.stdout.write(
                "Daily jobs: run queued." if queued else "Daily jobs: a run is already waiting."
            )
            return
        school_id = options["school"]
        if school_id is not None and not School.objects.filter(pk=school_id).exists():
            raise CommandError(f"No school with id {school_id}.")
        if options["list"]:
            self._list(school_id)
            return
        day = _day(options["date"])
        try:
            outcomes = run_daily(school_id=school_id, job=options["job"], day=day)
        except LookupError as error:
            known = ", ".join(daily.jobs()) or "none"
            raise CommandError(f"{error.args[0]} (registered: {known}).") from error
        for outcome in outcomes:
            if outcome.status == NOT_DUE and options["verbosity"] < 2:
                continue
            school = outcome.school
            line = f"{school.short_name} (id {school.pk}) {outcome.day or '-'} {outcome.job}"
            what = f"{outcome.status}: {outcome.summary}" if outcome.summary else outcome.status
            self.stdout.write(f"{line}: {what}")
        failed = sum(outcome.status == FAILED for outcome in outcomes)
        if failed:
            # A non-zero exit, for cron to report; the other jobs and schools did run.
            raise CommandError(f"{failed} daily job run(s) failed; see the log above.")

    def _list(self, school_id: int | None) -> None:
        registered = daily.jobs()
        self.stdout.write(
            f"Daily jobs (once a day per school, from {DAILY_HOUR:02d}:00 local time):"
        )
        for name, job in registered.items():
            qualname = getattr(job, "__qualname__", type(job).__qualname__)
            where = f"{getattr(job, '__module__', '?')}.{qualname}"
            self.stdout.write(f"  {name}  {where}")
        if not registered:
            self.stdout.write("  none registered")
        self.stdout.write("Last runs (7 days):")
        for run in last_runs(school_id=school_id):
            # A failure's last line of traceback: the exception (the whole of it is kept).
            text = run.error.strip().splitlines()[-1] if run.status == FAILED else run.summary
            self.stdout.write(
                f"  {run.school.short_name} (id {run.school_id}) {run.day} {run.job}: "
                f"{run.status} (attempts {run.attempts}) {text}".rstrip()
            )


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD).") from error
