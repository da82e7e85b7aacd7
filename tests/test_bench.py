"""The page benchmark (zhurnal.ops.bench, `zhurnal bench`) on the small demo school."""

from __future__ import annotations

import gc
import http.client
import json
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from zhurnal.ops import bench, bench_http

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


def test_the_full_grid_has_a_mark_in_every_cell_and_is_generated_once(demo):
    from zhurnal.journal.models import GradeColumn, Mark
    from zhurnal.school.models import Term
    from zhurnal.school.rosters import course_roster, enrolled_on

    fixture = bench.find_fixture()
    term = Term.objects.get(pk=fixture.grid_term)
    assert term.end < NOW.date()  # the last term over: every lesson of it held
    columns = GradeColumn.objects.filter(
        lesson__course_id=fixture.grid_course, lesson__date__range=(term.start, term.end)
    ).select_related("lesson")
    assert columns.count() >= 30
    for column in columns:
        listed = course_roster(column.lesson.course).filter(enrolled_on(column.lesson.date))
        assert Mark.objects.filter(column=column).count() == listed.count() > 0
    marks = Mark.objects.count()
    assert bench.find_fixture().grid_size == fixture.grid_size  # nothing added the second time
    assert Mark.objects.count() == marks


@pytest.mark.django_db(transaction=True)
def test_the_http_mode_times_the_marked_pages_over_a_socket(live_server, travel):
    call_command("demo", "--size", "small", stdout=StringIO())
    fixture = bench.find_fixture()
    rows = bench_http.run(bench.SCENARIOS, fixture, runs=2, base_url=live_server.url)

    assert [row["name"] for row in rows] == [f"HTTP: {s.name}" for s in bench.SCENARIOS if s.http]
    for row in rows:
        assert row["statuses"] == [200], row
        assert row["wire_kb"] > 0
        assert row["cpu_ms"] is None  # a server of its own: its CPU is not read
    assert bench_http.problems(rows) == []
    table = bench_http.markdown_table(rows)
    assert "| HTTP: journal page, full grid |" in table


def test_the_production_server_starts_answers_and_its_worker_cpu_is_read(tmp_path, monkeypatch):
    # The server on an embedded database of its own: the PostgreSQL run's DATABASE_URL names
    # a database that only the test process's connection knows.
    monkeypatch.setenv("ZHURNAL_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with bench_http.production_server() as server:
        before = bench_http.cpu_seconds(server.worker_pid)
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        for _ in range(20):
            connection.request("GET", "/healthz", headers={"Host": bench.HOST})
            assert connection.getresponse().read()
        after = bench_http.cpu_seconds(server.worker_pid)
    assert server.worker_pid is not None
    assert after > before >= 0


def test_http_problems_name_a_page_that_did_not_answer_200():
    row = {"name": "HTTP: page", "statuses": [200, 500]}
    assert bench_http.problems([row]) == ["HTTP: page: answered [200, 500], expected [200]"]
