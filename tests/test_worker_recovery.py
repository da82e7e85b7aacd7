"""The worker recovers the tasks a crash cut off, and tells each event once (issue 16,
finding 4: after ``kill -9`` a mark's notification stayed RUNNING for ever). The crash is
played on the task's row as django-tasks-db leaves it — claimed, RUNNING, its worker gone —
and the real worker (``zhurnal db_worker --batch``) runs after it, so these tests commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from zhurnal.accounts.models import Role
from zhurnal.audit.actor import Actor
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.notifications.models import DigestItem, DispatchedTask
from zhurnal.notifications.tasks import dispatch
from zhurnal.ops.models import WorkerBeat
from zhurnal.ops.worker import LEASE, beat, recover_orphans
from zhurnal.school.models import StudentGuardian

from .factories import GuardianFactory, UserFactory, grant
from .personas import build_world

pytestmark = pytest.mark.django_db(transaction=True)

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=StringIO(), verbosity=0)


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        world = build_world()
    mother = UserFactory(username="mother6b", email="mother6b@example.com")
    grant(mother, world.school, Role.PARENT)
    guardian = GuardianFactory(school=world.school, user=mother)
    StudentGuardian.objects.create(
        school=world.school, student=world.older_student, guardian=guardian, relation="mother"
    )
    world.mother = mother
    return world


def save_mark(world, value: str = "5") -> DBTaskResult:
    """A mark saved by the teacher: its ``dispatch`` task, queued."""
    column = journal.add_column(
        lesson=world.lesson, work_type=ensure_work_types(world.school)[0], actor=Actor.system()
    )
    journal.set_mark(
        column=column,
        student=world.older_student,
        value=value,
        version=0,
        actor=Actor(world.users["teacher"]),
    )
    return DBTaskResult.objects.get(task_path=dispatch.module_path)


def crash_while_running(task: DBTaskResult, worker_id: str = "killed-9") -> None:
    """The worker ``worker_id`` claimed the task and was killed: RUNNING, no end."""
    task.refresh_from_db()
    task.claim(worker_id)


def told(world) -> int:
    return DigestItem.objects.filter(user=world.mother, student=world.older_student).count()


def test_a_notification_cut_off_by_a_crash_is_delivered_once_after_the_lease(world):
    with time_machine.travel(NOW, tick=False):
        task = save_mark(world)
        beat("killed-9", NOW)
        crash_while_running(task)
    # A new worker at once: the dead one's beat is still fresh, its task is left alone.
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        run_worker()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert told(world) == 0
    # Once the lease has run out the task is queued again and run: the family is told.
    with time_machine.travel(NOW + LEASE + timedelta(seconds=30), tick=False):
        run_worker()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids[0] == "killed-9" and len(task.worker_ids) == 2
    assert told(world) == 1
    assert DispatchedTask.objects.filter(task_id=task.pk).exists()


def test_a_task_told_just_before_the_crash_is_not_told_again(world):
    """The handler committed, the worker died before it marked the task done: run again, the
    task finds its record and tells no one twice."""
    with time_machine.travel(NOW, tick=False):
        task = save_mark(world)
        run_worker()
        assert told(world) == 1
        # The crash between the handler's commit and the task's end: the row still RUNNING.
        DBTaskResult.objects.filter(pk=task.pk).update(
            status=TaskResultStatus.RUNNING, finished_at=None, worker_ids=["killed-9"]
        )
    with time_machine.travel(NOW + LEASE + timedelta(minutes=1), tick=False):
        run_worker()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.return_value == "already"
    assert told(world) == 1


def test_a_long_task_of_a_live_worker_is_not_taken_from_it(world):
    with time_machine.travel(NOW, tick=False):
        task = save_mark(world)
        crash_while_running(task, worker_id="alive")
    later = NOW + timedelta(hours=1)
    beat("alive", later - timedelta(seconds=20))  # it keeps beating while its task runs
    assert recover_orphans(later) == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_worker_that_stops_says_so_and_forgotten_beats_are_removed(world):
    beat("gone-long-ago", NOW - timedelta(days=2))
    with time_machine.travel(NOW, tick=False):
        run_worker()
    # The batch worker beat while it ran and removed its beat when it stopped.
    assert not WorkerBeat.objects.exists()
