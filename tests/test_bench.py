"""The page benchmark (zhurnal.ops.bench, `zhurnal bench`) on the small demo school."""

from __future__ import annotations

import gc
import json
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from zhurnal.ops import bench

pytestmark = pytest.mark.django_db

# A Monday of term time; tick=True so that the measured times are real.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture(autouse=True)
def collect_everything_afterwards():
    """`zhurnal bench` freezes the objects loaded so far, as a serving process does; the
    test process goes on collecting them."""
    yield
    gc.unfreeze()


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def demo(travel):
    call_command("demo", "--size", "small", stdout=StringIO())


def test_every_scenario_answers_200_with_the_same_query_count_on_every_run(demo):
    report = bench.run(runs=2)

    rows = report["results"]
    assert [row["name"] for row in rows] == [s.name for s in bench.SCENARIOS]
    for row in rows:
        assert row["statuses"] == [200], row
        assert row["runs"] == 2
        assert row["queries_min"] == row["queries_max"] > 0, row
        assert row["queries_max"] <= row["budget"], row
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
    assert bench.problems(report) == []
    assert report["meta"]["schools"] == 1
    assert report["meta"]["runs"] == 2
    # The machine's speed before and after, to compare runs of different days.
    assert len(report["meta"]["reference_ms"]) == 2
    assert all(ms > 0 for ms in report["meta"]["reference_ms"])


def test_command_prints_the_table_and_writes_json(demo, tmp_path):
    out = StringIO()
    target = tmp_path / "bench.json"
    call_command("bench", "--runs", "2", "--only", "API: me", "--json", str(target), stdout=out)

    text = out.getvalue()
    assert "| scenario | p50 ms | p95 ms |" in text
    assert "| API: me |" in text
    assert "Machine speed: the reference workload took" in text
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert [row["name"] for row in saved["results"]] == ["API: me"]
    assert saved["results"][0]["statuses"] == [200]


def test_command_refuses_a_database_without_the_demo_school(travel):
    with pytest.raises(CommandError, match="run `zhurnal demo` first"):
        call_command("bench", "--runs", "1", stdout=StringIO())


def test_command_refuses_an_unknown_scenario_filter(demo):
    with pytest.raises(CommandError, match="No scenario"):
        call_command("bench", "--only", "no such page", stdout=StringIO())


def _report(schools: int, queries: int, p95: float, status: int = 200) -> dict:
    row = {
        "name": "page",
        "path": "/page/",
        "budget": 20,
        "statuses": [status],
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "max_ms": p95,
        "sql_p50_ms": 1.0,
        "queries_min": queries,
        "queries_max": queries,
    }
    return {"meta": {"schools": schools}, "results": [row]}


def test_comparison_names_the_machine_speed_of_both_runs():
    small, large = _report(1, 12, 10.0), _report(20, 12, 12.0)
    small["meta"]["reference_ms"] = [30.0, 31.5]
    large["meta"]["reference_ms"] = [45.0, 44.0]
    table = bench.comparison_table(small, large)
    assert table.startswith(
        "Reference workload (before, after): 1 school(s): 30.0, 31.5 ms; "
        "20 school(s): 45.0, 44.0 ms."
    )


def test_comparison_reports_the_p95_ratio_and_flags_a_growing_query_count():
    same = bench.comparison_table(_report(1, 12, 10.0), _report(20, 12, 12.0))
    assert "1.20×" in same
    assert "grows" not in same
    assert bench.grown(_report(1, 12, 10.0), _report(20, 12, 12.0)) == []

    growing = _report(20, 14, 12.0)
    assert "grows" in bench.comparison_table(_report(1, 12, 10.0), growing)
    assert bench.grown(_report(1, 12, 10.0), growing) == ["page: 12 -> 14 queries"]


def test_compare_command_fails_when_queries_grow_with_the_data(tmp_path):
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    bench.save(_report(1, 12, 10.0), small)
    bench.save(_report(20, 30, 12.0), large)
    out = StringIO()
    with pytest.raises(CommandError, match="page: 12 -> 30 queries"):
        call_command("bench", "--compare", str(small), str(large), stdout=out)
    assert "p95 ratio" in out.getvalue()


def test_problems_name_a_failing_status_a_varying_count_and_an_exceeded_budget():
    report = _report(1, 12, 10.0, status=403)
    report["results"][0]["queries_min"] = 11
    report["results"][0]["queries_max"] = 25
    found = bench.problems(report)
    assert any("HTTP [403]" in line for line in found)
    assert any("varies (11–25)" in line for line in found)
    assert any("over its budget of 20" in line for line in found)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 51)]
    assert bench.percentile(values, 50) == 25.0
    assert bench.percentile(values, 95) == 48.0
    assert bench.percentile([7.0], 95) == 7.0
    assert bench.percentile([], 95) == 0.0
