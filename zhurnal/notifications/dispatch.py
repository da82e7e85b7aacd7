"""What happens in the school that people are told about (issue 5, "Events").

A service that made a change calls ``emit(event, pk)``: one task row is queued in its
transaction (the only cost inside the request; it commits with the change or not at all) and,
once committed, the worker runs the event's handler,
which decides who is told and how — a new mark joins a digest, an absence today is told at
once, and so on.

Dependency direction (DESIGN §5): the apps whose changes are told — the journal, the diary,
messaging — sit above this one. Each registers its handlers in its ``AppConfig.ready``
(``register``), in its own ``notices`` module; this app never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Handler:
    """How an event is told: the event's objects (with what the handler reads joined in) and
    the function that tells whom about one of them."""

    objects: Callable[[], models.QuerySet]
    handle: Callable[[models.Model], None]


_HANDLERS: dict[str, Handler] = {}


def register(event: str, objects: Callable[[], models.QuerySet], handle) -> None:
    """The handler of ``event`` (one per event; registering it again replaces it)."""
    _HANDLERS[event] = Handler(objects, handle)


def handler_of(event: str) -> Handler:
    return _HANDLERS[event]


def emit(event: str, pk: int) -> None:
    """Queue ``event`` about the object ``pk`` for the worker **in the current transaction**:
    the task's row (the database task backend) commits with the change it tells of, or not at
    all, and the worker sees it only once committed. Queued after the commit instead, a server
    killed between the two kept the change and lost its notification — an acknowledged mark
    no family heard of (issue 16, tests/test_crash.py)."""
    if event not in _HANDLERS:
        raise LookupError(f"no handler registered for the event {event!r}")
    # tasks.py imports this module's registry for the worker: imported here, not at the top.
    from .tasks import dispatch

    dispatch.enqueue(event, pk)
