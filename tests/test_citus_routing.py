"""On Citus, every statement of the hot pages runs on one shard (docs/scaling.md, "What is
routed to one shard and what is not"): the benchmark's journal and diary pages are requested
as in ``zhurnal bench``, and each statement captured is EXPLAINed on the coordinator, where a
statement that names its school shows "Task Count: 1" and one that does not, one task per
shard. Runs on a Citus coordinator only (``make test-citus``); skipped elsewhere."""

from __future__ import annotations

import gc
import re
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from zhurnal.ops import bench

pytestmark = pytest.mark.django_db

# A Monday of term time (as tests/test_bench.py).
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))

# The pages of the table "Measured: the hot pages" (docs/scaling.md).
HOT_PAGES = (
    "journal page of a course for a term",
    "journal: one mark saved",
    "journal page, full grid",
    "journal page, full grid, after a write",
    "API: journal of a course for a term",
    "diary: marks page of a term (parent)",
    "diary: attendance page of a term (parent)",
    "diary: week of a child (parent)",
    "API: diary week of a child",
)

_TASKS = re.compile(r"Task Count: (\d+)")
_STATEMENT = re.compile(r"^[\s(]*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def _on_citus() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        return "citus" in cursor.fetchone()[0]


def task_counts(sql: str) -> list[int]:
    """The task counts of a statement's distributed plan and its subplans (none for a
    statement on the coordinator's local tables only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return [int(n) for n in _TASKS.findall(plan)]


@pytest.fixture(autouse=True)
def collect_everything_afterwards():
    """The bench's requests freeze the objects loaded so far (as ``zhurnal bench`` does)."""
    yield
    gc.unfreeze()


@pytest.fixture
def fixture():
    if not _on_citus():
        pytest.skip("Citus only (make test-citus)")
    with time_machine.travel(NOW, tick=True):
        call_command("demo", "--size", "small", stdout=StringIO())
        yield bench.find_fixture()


# Committed as it goes: in one transaction the demo's writes and the login's update of a
# reference table make Citus refuse to switch between its local and remote execution.
@pytest.mark.django_db(transaction=True)
def test_every_statement_of_the_hot_pages_runs_on_one_shard(fixture):
    # One test for all the pages: the demo school is made once (a minute on the cluster).
    spread = {}
    # and the diary's entry page: a parent's children, by id within the school
    entry = bench.Scenario("diary: the parent's children", "parent", "/diary/")
    for scenario in [*(s for s in bench.SCENARIOS if s.name in HOT_PAGES), entry]:
        statements = [sql for sql in bench.capture_sql(scenario, fixture) if _STATEMENT.match(sql)]
        assert statements, scenario.name
        for sql in statements:
            counts = task_counts(sql)
            if any(n != 1 for n in counts):
                spread.setdefault(scenario.name, []).append((counts, sql))
    assert not spread, "\n\n".join(
        f"{page}: tasks {counts}: {sql}" for page, found in spread.items() for counts, sql in found
    )
