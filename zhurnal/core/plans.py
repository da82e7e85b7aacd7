"""Query plans for the school-wide read models (the control indicators, the term reports).

On PostgreSQL the connection prepares a statement it has run twice (``prepare_threshold``,
docs/performance.md "Notes"): a page's short statements are then planned once per connection
instead of once per request. After five executions PostgreSQL may switch a prepared statement
to its *generic* plan, made without the parameters' values; for the statements that read a
period of a school's journal (a range of dates, lists of courses) that plan cannot see how few
rows the dates select, and the control indicators went from ~290 to ~360 ms after a few
requests (the marks, roll calls and homework of the month read 2-4× slower). Inside
``custom_plans`` each statement is planned for its own parameters, as on its first runs; the
statements stay prepared (no parse or analysis again). Two statements more per use (``SET``
and ``RESET``; a block inside another adds none), nothing on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

# How deep the current connection is in ``custom_plans`` blocks (one per thread's connection).
DEPTH = "zhurnal_custom_plans"


@contextmanager
def custom_plans() -> Iterator[None]:
    """Plan every statement for its parameters until the block ends (PostgreSQL only)."""
    depth = getattr(connection, DEPTH, 0)
    if connection.vendor != "postgresql" or depth:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    setattr(connection, DEPTH, 1)
    try:
        yield
    finally:
        setattr(connection, DEPTH, 0)
        with connection.cursor() as cursor:
            cursor.execute("RESET plan_cache_mode")
