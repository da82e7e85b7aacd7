"""The daily jobs of the schools' calendars: the registry (``core.daily``), the runner
(``ops.daily``: each job once per school and local day, on the school's own day), the command
``zhurnal daily`` and the hourly chain on the worker (``ops.tasks``)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from zhurnal.core import daily as registry
from zhurnal.ops import daily as runner
from zhurnal.ops import tasks
from zhurnal.ops.models import DailyRun, RunStatus

from .factories import SchoolFactory

pytestmark = pytest.mark.django_db

# 23:00 of 20 November in Moscow (UTC+3), already 06:00 of 21 November in Vladivostok (UTC+10).
MOSCOW_EVENING = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
NOV_20, NOV_21 = date(2026, 11, 20), date(2026, 11, 21)


class Recorder:
    """A job that records whom it was called for and on which day."""

    def __init__(self, fail_for=()):
        self.calls: list[tuple[int, date]] = []
        self.fail_for = set(fail_for)

    def __call__(self, school, today):
        if school.pk in self.fail_for:
            raise ValueError(f"bad data in school {school.pk}")
        self.calls.append((school.pk, today))
        return f"done for {school.short_name}"


@pytest.fixture(autouse=True)
def no_other_jobs(monkeypatch):
    """Only the jobs a test registers run (the apps' own jobs are tested with their apps)."""
    monkeypatch.setattr(registry, "_JOBS", {})


@pytest.fixture
def moscow():
    return SchoolFactory(timezone="Europe/Moscow")


@pytest.fixture
def vladivostok():
    return SchoolFactory(timezone="Asia/Vladivostok")


def _statuses(outcomes):
    return {(o.job, o.school.pk, o.day, o.status) for o in outcomes}


def test_an_app_registers_its_job_by_name_and_the_jobs_are_listed_in_that_order():
    first, second = Recorder(), Recorder()
    assert registry.register("oversight.overdue_remarks", first) is first
    registry.register("diary.preliminary_reports", second)
    # AppConfig.ready may run again: the same job under its name changes nothing.
    registry.register("oversight.overdue_remarks", first)
    assert registry.jobs() == {
        "oversight.overdue_remarks": first,
        "diary.preliminary_reports": second,
    }


def test_another_job_under_a_taken_name_or_a_name_without_its_app_is_refused():
    registry.register("oversight.overdue_remarks", Recorder())
    with pytest.raises(ValueError, match="another daily job"):
        registry.register("oversight.overdue_remarks", Recorder())
    for bad in ["overdue", "Oversight.Overdue", "oversight.", "oversight." + "x" * 100]:
        with pytest.raises(ValueError, match=r"<app>\.<what>"):
            registry.register(bad, Recorder())


def test_each_job_runs_once_per_school_and_local_day_with_the_schools_own_today(
    moscow, vladivostok
):
    job = Recorder()
    registry.register("tests.record", job)
    with time_machine.travel(MOSCOW_EVENING, tick=False):
        first = runner.run_daily()
        again = runner.run_daily()
    # Still the 20th in Moscow, already the 21st in Vladivostok.
    assert sorted(job.calls) == sorted([(moscow.pk, NOV_20), (vladivostok.pk, NOV_21)])
    assert _statuses(first) == {
        ("tests.record", moscow.pk, NOV_20, runner.DONE),
        ("tests.record", vladivostok.pk, NOV_21, runner.DONE),
    }
    assert {o.status for o in again} == {runner.ALREADY}
    run = DailyRun.objects.get(school=moscow)
    assert (run.job, run.day, run.status, run.attempts) == ("tests.record", NOV_20, "done", 1)
    assert run.summary == f"done for {moscow.short_name}" and run.finished_at is not None

    # 06:01 of the 21st in Moscow (13:01 in Vladivostok): Moscow's new day, Vladivostok's
    # day already done.
    with time_machine.travel(datetime(2026, 11, 21, 3, 1, tzinfo=UTC), tick=False):
        runner.run_daily()
    assert job.calls.count((moscow.pk, NOV_21)) == 1
    assert job.calls.count((vladivostok.pk, NOV_21)) == 1
    assert len(job.calls) == 3


def test_a_school_whose_morning_has_not_come_is_left_for_a_later_run(moscow, vladivostok):
    job = Recorder()
    registry.register("tests.record", job)
    # 05:30 of the 21st in Vladivostok, 22:30 of the 20th in Moscow.
    with time_machine.travel(datetime(2026, 11, 20, 19, 30, tzinfo=UTC), tick=False):
        outcomes = runner.run_daily()
    assert job.calls == [(moscow.pk, NOV_20)]
    assert ("tests.record", vladivostok.pk, NOV_21, runner.NOT_DUE) in _statuses(outcomes)
    assert not DailyRun.objects.filter(school=vladivostok).exists()
    with time_machine.travel(MOSCOW_EVENING + timedelta(minutes=1), tick=False):
        runner.run_daily()
    assert job.calls == [(moscow.pk, NOV_20), (vladivostok.pk, NOV_21)]


def test_a_failing_job_for_one_school_does_not_stop_the_others_and_is_retried_that_day(
    moscow, vladivostok, caplog
):
    fragile, steady = Recorder(fail_for={moscow.pk}), Recorder()
    registry.register("tests.fragile", fragile)
    registry.register("tests.steady", steady)
    with time_machine.travel(MOSCOW_EVENING, tick=False), caplog.at_level(logging.INFO):
        outcomes = runner.run_daily()
    assert fragile.calls == [(vladivostok.pk, NOV_21)]
    assert sorted(steady.calls) == sorted([(moscow.pk, NOV_20), (vladivostok.pk, NOV_21)])
    [failure] = [o for o in outcomes if o.status == runner.FAILED]
    assert (failure.job, failure.school, failure.summary) == (
        "tests.fragile",
        moscow,
        f"ValueError: bad data in school {moscow.pk}",
    )
    run = DailyRun.objects.get(job="tests.fragile", school=moscow)
    assert run.status == RunStatus.FAILED and "bad data in school" in run.error
    assert any(
        r.levelno == logging.ERROR and "tests.fragile failed" in r.getMessage()
        for r in caplog.records
    )

    # The data mended, the next run of the same day (23:30 in Moscow) runs the failed job only.
    fragile.fail_for.clear()
    with time_machine.travel(MOSCOW_EVENING + timedelta(minutes=30), tick=False):
        runner.run_daily()
    assert fragile.calls == [(vladivostok.pk, NOV_21), (moscow.pk, NOV_20)]
    assert len(steady.calls) == 2
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (RunStatus.DONE, 2, "")


def test_a_run_held_by_another_runner_is_skipped_and_a_dead_runners_is_taken_over(moscow):
    job = Recorder()
    registry.register("tests.record", job)
    with time_machine.travel(MOSCOW_EVENING, tick=False):
        held = DailyRun.objects.create(
            school=moscow,
            job="tests.record",
            day=NOV_20,
            status=RunStatus.RUNNING,
            started_at=timezone.now() - timedelta(minutes=30),
        )
        assert _statuses(runner.run_daily()) == {
            ("tests.record", moscow.pk, NOV_20, runner.ALREADY)
        }
        held.started_at = timezone.now() - runner.CLAIM_EXPIRES - timedelta(minutes=1)
        held.save()
        runner.run_daily()
    assert job.calls == [(moscow.pk, NOV_20)]
    held.refresh_from_db()
    assert (held.status, held.attempts) == (RunStatus.DONE, 2)


def test_one_school_or_one_job_can_be_run_alone(moscow, vladivostok):
    record, other = Recorder(), Recorder()
    registry.register("tests.record", record)
    registry.register("tests.other", other)
    with time_machine.travel(MOSCOW_EVENING, tick=False):
        runner.run_daily(school_id=vladivostok.pk, job="tests.record")
        with pytest.raises(LookupError):
            runner.run_daily(job="tests.unknown")
    assert record.calls == [(vladivostok.pk, NOV_21)] and other.calls == []


def test_the_command_runs_every_school_on_the_given_date_whatever_the_hour(moscow, vladivostok):
    job = Recorder()
    registry.register("tests.record", job)
    out = StringIO()
    # 03:00 in Moscow: before the morning, but a date given by hand runs now.
    with time_machine.travel(datetime(2026, 11, 20, 0, 0, tzinfo=UTC), tick=False):
        call_command("daily", date="2026-09-01", stdout=out)
        call_command("daily", date="2026-09-01", stdout=out)
    sept_1 = date(2026, 9, 1)
    assert sorted(job.calls) == sorted([(moscow.pk, sept_1), (vladivostok.pk, sept_1)])
    lines = out.getvalue().splitlines()
    moscow_line = f"{moscow.short_name} (id {moscow.pk}) 2026-09-01 tests.record"
    assert f"{moscow_line}: done: done for {moscow.short_name}" in lines
    assert f"{moscow_line}: already" in lines


def test_the_command_without_a_date_runs_what_is_due_and_says_nothing_of_the_rest(
    moscow, vladivostok
):
    job = Recorder()
    registry.register("tests.record", job)
    out = StringIO()
    with time_machine.travel(datetime(2026, 11, 20, 19, 30, tzinfo=UTC), tick=False):
        call_command("daily", school=vladivostok.pk, stdout=out)
        assert out.getvalue() == "" and job.calls == []
        call_command("daily", stdout=out, verbosity=2)
    assert job.calls == [(moscow.pk, NOV_20)]
    assert f"(id {vladivostok.pk}) 2026-11-21 tests.record: not due" in out.getvalue()


def test_the_command_fails_when_a_job_failed_after_running_the_others(moscow, vladivostok):
    job = Recorder(fail_for={moscow.pk})
    registry.register("tests.fragile", job)
    out = StringIO()
    with pytest.raises(CommandError, match="1 daily job run"):
        call_command("daily", date="2026-11-20", stdout=out)
    assert job.calls == [(vladivostok.pk, NOV_20)]
    assert "tests.fragile: failed: ValueError: bad data" in out.getvalue()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"job": "tests.unknown"}, "no daily job is registered as 'tests.unknown'"),
        ({"school": 999_999}, "No school with id 999999"),
        ({"date": "20.11.2026"}, "is not a date"),
    ],
)
def test_the_command_refuses_an_unknown_job_or_school_and_a_bad_date(moscow, options, message):
    registry.register("tests.record", Recorder())
    with pytest.raises(CommandError, match=message):
        call_command("daily", stdout=StringIO(), **options)


def test_the_command_lists_the_jobs_and_their_last_runs(moscow):
    registry.register("tests.fragile", Recorder(fail_for={moscow.pk}))
    registry.register("tests.record", Recorder())
    out = StringIO()
    with time_machine.travel(MOSCOW_EVENING, tick=False):
        runner.run_daily()
        call_command("daily", list=True, stdout=out)
    text = out.getvalue()
    assert "tests.record  tests.test_daily.Recorder" in text
    assert f"(id {moscow.pk}) 2026-11-20 tests.record: done (attempts 1) done for" in text
    assert "2026-11-20 tests.fragile: failed (attempts 1) ValueError: bad data in school" in text


def test_scheduling_twice_queues_one_chain():
    out = StringIO()
    call_command("daily", schedule=True, stdout=out)
    call_command("daily", schedule=True, stdout=out)
    assert out.getvalue().splitlines() == [
        "Daily jobs: run queued.",
        "Daily jobs: a run is already waiting.",
    ]
    [waiting] = tasks.waiting_runs()
    assert waiting.task_path == "zhurnal.ops.tasks.run_daily_jobs"


def test_the_task_runs_the_jobs_and_queues_its_next_run_a_minute_past_the_next_hour(moscow):
    job = Recorder()
    registry.register("tests.record", job)
    with time_machine.travel(MOSCOW_EVENING + timedelta(minutes=1), tick=False):
        assert tasks.run_daily_jobs.call() == {runner.DONE: 1}
    assert job.calls == [(moscow.pk, NOV_20)]
    [waiting] = tasks.waiting_runs()
    assert waiting.run_after == datetime(2026, 11, 20, 21, 1, tzinfo=UTC)


def test_a_second_link_of_the_chain_finds_the_first_waiting_and_adds_none(moscow):
    registry.register("tests.record", Recorder())
    assert tasks.schedule() is True
    with time_machine.travel(MOSCOW_EVENING, tick=False):
        tasks.run_daily_jobs.call()
    assert tasks.waiting_runs().count() == 1


def test_the_chain_goes_on_after_a_run_that_failed(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "run_daily", broken)
    at_20_30 = MOSCOW_EVENING + timedelta(minutes=30)
    with time_machine.travel(at_20_30, tick=False), pytest.raises(RuntimeError):
        tasks.run_daily_jobs.call()
    [waiting] = tasks.waiting_runs()
    assert waiting.run_after == datetime(2026, 11, 20, 21, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 20, 20, 0, tzinfo=UTC), datetime(2026, 11, 20, 20, 1, tzinfo=UTC)),
        (datetime(2026, 11, 20, 20, 0, 59, tzinfo=UTC), datetime(2026, 11, 20, 20, 1, tzinfo=UTC)),
        (datetime(2026, 11, 20, 20, 1, tzinfo=UTC), datetime(2026, 11, 20, 21, 1, tzinfo=UTC)),
        (datetime(2026, 11, 20, 23, 59, tzinfo=UTC), datetime(2026, 11, 21, 0, 1, tzinfo=UTC)),
        # The same instant told in Vladivostok's time.
        (
            datetime(2026, 11, 21, 6, 30, tzinfo=ZoneInfo("Asia/Vladivostok")),
            datetime(2026, 11, 20, 21, 1, tzinfo=UTC),
        ),
    ],
)
def test_runs_are_a_minute_past_each_hour(now, expected):
    assert tasks.next_run_at(now) == expected


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_chain_and_the_next_link_waits_for_the_next_hour(moscow):
    job = Recorder()
    registry.register("tests.record", job)
    call_command("daily", schedule=True, stdout=StringIO())
    with time_machine.travel(MOSCOW_EVENING + timedelta(minutes=5), tick=False):
        call_command(
            "db_worker",
            batch=True,
            interval=0,
            startup_delay=False,
            stdout=StringIO(),
        )
    assert job.calls == [(moscow.pk, NOV_20)]
    [ran] = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL)
    assert ran.return_value == {runner.DONE: 1}
    [waiting] = tasks.waiting_runs()
    assert waiting.run_after == datetime(2026, 11, 20, 21, 1, tzinfo=UTC)
