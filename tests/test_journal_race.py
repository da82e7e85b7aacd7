"""Races of the journal's versioned cells on a real database (PostgreSQL; SQLite runs one writer
at a time): two connections, two threads, the moment both have read a cell forced by a barrier."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client

from zhurnal.accounts.models import ApiToken
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import Homework, Mark

from .personas import build_world

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)  # Friday; the world's lesson was on Wednesday
WAIT = 10  # seconds: a thread stuck longer than this is a failure, not a hang


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_a_lessons_homework_at_once_give_one_save_and_one_changed_meanwhile(
    monkeypatch,
):
    """DESIGN §3: no lost update; two first saves of one empty cell: one save, one 'changed
    meanwhile'. Teacher and substitute (or two tabs) save the homework of a lesson that has none
    at the same moment: both read the cell empty, the unique constraint refuses the second
    insert, and that save gets ``StaleEntry`` with the winner's homework — never an
    IntegrityError (a server error)."""
    if connection.vendor != "postgresql":
        pytest.skip("two real connections: PostgreSQL only")
    with time_machine.travel(NOW, tick=False):
        world = build_world()  # committed: the threads' connections must see it
    lesson, teacher = world.lesson, world.users["teacher"]

    # Both saves read the cell (empty, nothing to lock) before either inserts.
    both_read = threading.Barrier(2, timeout=WAIT)
    real_read = services.cells.VersionedCell.read

    def read_then_wait(cls, same):
        cell = real_read(same)
        both_read.wait()
        return cell

    monkeypatch.setattr(services.cells.VersionedCell, "read", classmethod(read_then_wait))

    saved: dict[str, Homework] = {}
    stale: dict[str, services.StaleEntry] = {}
    other: dict[str, BaseException] = {}

    def save(text: str) -> None:
        try:
            saved[text] = services.set_homework(
                lesson=lesson, text=text, version=0, actor=Actor(teacher)
            )
        except services.StaleEntry as error:
            stale[text] = error
        except BaseException as error:
            other[text] = error
        finally:
            connection.close()  # this thread's own connection

    texts = ("§ 12, № 340", "§ 13, № 351")
    threads = [threading.Thread(target=save, args=(text,)) for text in texts]
    with time_machine.travel(NOW, tick=False):  # process-wide: the threads see it too
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(2 * WAIT)
    assert not any(thread.is_alive() for thread in threads)

    assert other == {}  # no IntegrityError, no broken barrier
    assert len(saved) == 1 and len(stale) == 1
    (winner_text, winner), (loser_text, refusal) = *saved.items(), *stale.items()
    assert {winner_text, loser_text} == set(texts)
    assert refusal.current is not None
    assert (refusal.current.pk, refusal.current.text) == (winner.pk, winner_text)
    homework = Homework.objects.get(lesson=lesson)  # exactly one row
    assert (homework.pk, homework.text, homework.version) == (winner.pk, winner_text, 1)
    assert AuditEvent.objects.filter(action=AuditAction.HOMEWORK_SET).count() == 1


@pytest.mark.django_db(transaction=True)
def test_identical_first_saves_of_a_mark_at_once_all_answer_200_with_one_mark_and_one_audit(
    monkeypatch,
):
    """docs/api.md "Versions": sending the value that is already saved is not a conflict (a
    double submit answers 200) — also when the identical saves race each other (issue 16,
    finding 5: of 100 identical first saves sent at once, 24 answered 409). Every save reads
    the cell empty before any inserts; the unique constraint lets one insert win and the
    others find the winner holding their value: all answer 200 with the winner's version, one
    mark and one audit row exist."""
    if connection.vendor != "postgresql":
        pytest.skip("real connections at once: PostgreSQL only")
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        kr = next(t for t in ensure_work_types(world.school) if t.code == "КР")
        column = services.add_column(lesson=world.lesson, work_type=kr, actor=Actor.system())
    student = world.older_student
    raw = ApiToken.issue(world.users["teacher"], "race")[1]
    url = f"/api/v1/schools/{world.school.pk}/columns/{column.pk}/marks/{student.pk}"

    saves = 8
    all_read = threading.Barrier(saves, timeout=WAIT)
    real_read = services.cells.VersionedCell.read

    def read_then_wait(cls, same):
        cell = real_read(same)
        all_read.wait()
        return cell

    monkeypatch.setattr(services.cells.VersionedCell, "read", classmethod(read_then_wait))

    answers: list = []
    errors: list[BaseException] = []

    def save() -> None:
        try:
            response = Client().put(
                url,
                json.dumps({"value": "5", "version": 0}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            answers.append((response.status_code, response.json()))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=save) for _ in range(saves)]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3 * WAIT)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []
    assert [status for status, _ in answers] == [200] * saves, answers
    mark = Mark.objects.get(column=column, student=student)  # exactly one row
    assert (mark.value, mark.version) == ("5", 1)
    assert {(body["value"], body["version"]) for _, body in answers} == {("5", 1)}
    assert AuditEvent.objects.filter(action=AuditAction.MARK_SET).count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_first_saves_of_a_mark_at_once_give_one_200_and_409_for_the_others(
    monkeypatch,
):
    """DESIGN §3: no lost update. First saves of one empty cell with different values at the
    same moment: one is saved, every other answers 409 ``stale`` with the winner's value."""
    if connection.vendor != "postgresql":
        pytest.skip("real connections at once: PostgreSQL only")
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        kr = next(t for t in ensure_work_types(world.school) if t.code == "КР")
        column = services.add_column(lesson=world.lesson, work_type=kr, actor=Actor.system())
    student = world.older_student
    raw = ApiToken.issue(world.users["teacher"], "race")[1]
    url = f"/api/v1/schools/{world.school.pk}/columns/{column.pk}/marks/{student.pk}"

    values = ("3", "4", "5")
    all_read = threading.Barrier(len(values), timeout=WAIT)
    real_read = services.cells.VersionedCell.read

    def read_then_wait(cls, same):
        cell = real_read(same)
        all_read.wait()
        return cell

    monkeypatch.setattr(services.cells.VersionedCell, "read", classmethod(read_then_wait))

    answers: dict[str, tuple[int, dict]] = {}

    def save(value: str) -> None:
        try:
            response = Client().put(
                url,
                json.dumps({"value": value, "version": 0}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            answers[value] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(value,)) for value in values]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3 * WAIT)
    assert not any(thread.is_alive() for thread in threads)

    winners = [value for value, (status, _) in answers.items() if status == 200]
    assert len(winners) == 1 and len(answers) == len(values), answers
    mark = Mark.objects.get(column=column, student=student)
    assert (mark.value, mark.version) == (winners[0], 1)
    for value, (status, body) in answers.items():
        if value != winners[0]:
            assert status == 409
            assert body["code"] == "stale"
            assert body["current"] == {"value": winners[0], "version": 1}
    assert AuditEvent.objects.filter(action=AuditAction.MARK_SET).count() == 1
