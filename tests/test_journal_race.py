"""Races of the journal's versioned cells on a real database (PostgreSQL; SQLite runs one writer
at a time): two connections, two threads, the moment both have read a cell forced by a barrier."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services
from zhurnal.journal.models import Homework

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
