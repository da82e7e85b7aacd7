"""A crash of the whole server in the middle of a stream of mark saves loses nothing (issue 16,
"Keep it found": "a crash test: a stream of mark saves, the server killed with SIGKILL,
restarted — every acknowledged save present with its audit row, every notification delivered
once"; DESIGN §3: every change audited; docs/operations.md, "A worker that crashes loses
nothing").

The real production processes run on the test's PostgreSQL database: gunicorn as
``scripts/serve`` starts it (``zhurnal.wsgi``, threaded workers) on a free port of the
loopback, and the worker, ``zhurnal db_worker``. Writers save marks through the API as the
teacher, each save the first of its cell; in the middle of the stream the server (its master
and workers) and the worker are killed with SIGKILL, then started again, and the writers go on.
Then:

* every save the client saw acknowledged (HTTP 200) is in the journal with its value and has
  its ``mark.set`` audit row;
* every acknowledged mark's notification (its ``dispatch`` task) ran to the end once: the task
  SUCCESSFUL, one record that it told (``DispatchedTask``), and the family's digest holds one
  line per mark told — none lost, none twice. A task the kill cut off is recovered by the
  restarted worker after its lease, shortened here to a few seconds
  (``ZHURNAL_WORKER_LEASE_SECONDS``).

PostgreSQL only: the server and the worker are other processes, which must see the rows this
test commits. It takes 40–70 s.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date

import pytest
import time_machine
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from zhurnal.accounts.models import ApiToken, Role
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import Mark
from zhurnal.notifications.models import DigestItem, DispatchedTask
from zhurnal.notifications.tasks import dispatch
from zhurnal.school.models import StudentGuardian

from .api_support import NOW
from .factories import GuardianFactory, UserFactory, grant
from .personas import build_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real server needs PostgreSQL"),
]

CELLS = 120  # columns of the lesson, one mark each: every save is a first save
WRITERS = 4
LEASE_SECONDS = 4
START_TIMEOUT = 60.0
DELIVERY_TIMEOUT = 60.0
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _environment() -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "ZHURNAL_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "ZHURNAL_LOG_LEVEL": "WARNING",
    }


class Server:
    """gunicorn (``scripts/serve``'s options) and ``zhurnal db_worker``, each in a process
    group of its own so that SIGKILL reaches gunicorn's workers too."""

    def __init__(self, port: int):
        self.port = port
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        env = _environment()
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "zhurnal.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            "2",
            "--threads",
            "2",
        ]
        worker = [sys.executable, "-m", "zhurnal", "db_worker", "--no-startup-delay"]
        # Our own interpreter and arguments, no shell.
        self.processes = [
            subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for command in (gunicorn, worker)
        ]
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in self.processes), "a process stopped at start"
            try:
                connection_ = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection_.request("GET", "/healthz")
                if connection_.getresponse().status == 200:
                    connection_.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer /healthz within {START_TIMEOUT} s")

    def kill(self) -> None:
        """SIGKILL to every process of both groups: nothing is given a chance to clean up."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Writers:
    """Threads saving one mark per cell (version 0: the cell's first save); what the server
    acknowledged is kept. A save without an answer (the server killed) is sent again until
    it is answered, as a client would; if its first attempt was saved, the second is a double
    submit, answered 200 (docs/api.md)."""

    def __init__(self, port: int, token: str, school_id: int, student_id: int, columns: list):
        self.port = port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Host": HOST,
        }
        self.school_id = school_id
        self.student_id = student_id
        self.queue = list(columns)
        self.lock = threading.Lock()
        self.acknowledged: dict[int, str] = {}  # column id -> value
        self.refused: list[tuple[int, int]] = []  # (column id, status) other than 200
        self.unanswered = 0  # attempts without an answer (the server killed)
        self.threads = [threading.Thread(target=self._run) for _ in range(WRITERS)]

    def _next(self) -> int | None:
        with self.lock:
            return self.queue.pop(0) if self.queue else None

    def _run(self) -> None:
        while (column_id := self._next()) is not None:
            value = "345"[column_id % 3]
            path = f"/api/v1/schools/{self.school_id}/columns/{column_id}/marks/{self.student_id}"
            body = json.dumps({"value": value, "version": 0})
            try:
                link = http.client.HTTPConnection(HOST, self.port, timeout=10)
                link.request("PUT", path, body=body, headers=self.headers)
                status = link.getresponse().status
                link.close()
            except OSError:  # no answer: sent again until answered (a double submit is 200)
                with self.lock:
                    self.unanswered += 1
                    self.queue.insert(0, column_id)
                time.sleep(0.2)
                continue
            with self.lock:
                if status == 200:
                    self.acknowledged[column_id] = value
                else:
                    self.refused.append((column_id, status))
            time.sleep(0.01)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def remaining(self) -> int:
        with self.lock:
            return len(self.queue)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)


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
        work_type = ensure_work_types(world.school)[0]
        world.columns = [
            journal.add_column(lesson=world.lesson, work_type=work_type, actor=Actor.system()).pk
            for _ in range(CELLS)
        ]
    world.mother = mother
    return world


def _running_task(wait: float = 15.0) -> DBTaskResult | None:
    """A ``dispatch`` task the worker is running now, to kill it in the middle of it (None
    if none was met running within ``wait`` seconds: the kill then lands between tasks)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        task = DBTaskResult.objects.filter(
            task_path=dispatch.module_path, status=TaskResultStatus.RUNNING
        ).first()
        if task is not None:
            return task
        time.sleep(0.002)
    return None


def _mark_tasks() -> dict[int, list[DBTaskResult]]:
    """The ``dispatch`` tasks of ``mark_saved`` events, by mark id."""
    tasks: dict[int, list[DBTaskResult]] = {}
    for task in DBTaskResult.objects.filter(task_path=dispatch.module_path):
        event, pk = task.args_kwargs["args"]
        if event == "mark_saved":
            tasks.setdefault(pk, []).append(task)
    return tasks


def test_a_server_killed_with_sigkill_mid_stream_loses_no_acknowledged_save(world):
    assert world.lesson.date < date.today()  # the server runs at the real time: a past lesson
    token = ApiToken.issue(world.users["teacher"], "crash-test")[1]
    server = Server(_free_port())
    server.start()
    writers = Writers(server.port, token, world.school.pk, world.older_student.pk, world.columns)
    try:
        writers.start()
        while writers.remaining() > CELLS // 2:  # the middle of the stream
            time.sleep(0.05)
        cut_off = _running_task()
        server.kill()
        time.sleep(1)  # the writers meet a dead server
        server.start()
        writers.join()
        assert writers.remaining() == 0

        # Every acknowledged save, as it was acknowledged, with its audit row.
        assert writers.refused == []
        assert len(writers.acknowledged) == CELLS
        marks = {
            mark.column_id: mark for mark in Mark.objects.filter(column_id__in=writers.acknowledged)
        }
        assert {c: m.value for c, m in marks.items()} == writers.acknowledged
        audited = set(
            AuditEvent.objects.filter(action=AuditAction.MARK_SET).values_list(
                "object_id", flat=True
            )
        )
        assert {str(mark.pk) for mark in marks.values()} <= audited

        # Every acknowledged mark's notification told once, after the worker's recovery.
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while time.monotonic() < deadline:
            tasks = _mark_tasks()
            waiting = [
                t for ts in tasks.values() for t in ts if t.status != TaskResultStatus.SUCCESSFUL
            ]
            if not waiting and set(tasks) >= {m.pk for m in marks.values()}:
                break
            time.sleep(0.5)
    finally:
        server.stop()
    tasks = _mark_tasks()
    for mark in marks.values():
        assert len(tasks.get(mark.pk, [])) == 1, f"mark {mark.pk}: {tasks.get(mark.pk)}"
        (task,) = tasks[mark.pk]
        assert task.status == TaskResultStatus.SUCCESSFUL, (mark.pk, task.status)
    told = DispatchedTask.objects.filter(
        task_id__in=[t.pk for ts in tasks.values() for t in ts]
    ).count()
    assert told == sum(len(ts) for ts in tasks.values())
    # One line in the family's digest per mark told, never two.
    assert DigestItem.objects.filter(user=world.mother).count() == told
    if cut_off is not None:  # the task the kill cut off was run again by the new worker
        cut_off.refresh_from_db()
        assert cut_off.status == TaskResultStatus.SUCCESSFUL
        print(f"cut off: {cut_off.pk}, workers {cut_off.worker_ids}, {cut_off.return_value}")
    print(f"acknowledged {len(writers.acknowledged)}, unanswered attempts {writers.unanswered}")
