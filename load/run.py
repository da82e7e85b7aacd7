"""Run the load test (docs/scaling.md, "Load test"): ``scripts/load`` calls this.

1. The database: ``DATABASE_URL`` (PostgreSQL) or, without it, SQLite in ``ZHURNAL_VAR_DIR``;
   migrated, and given the demo schools (``--schools``) when it has no school yet.
2. The fixture of logins and cells (``load/prepare.py``).
3. The production server as ``make run`` starts it: ``scripts/serve`` (gunicorn and the task
   worker) on a free port of the loopback, in a process group of its own.
4. locust, headless, for ``--time`` with the mix and size asked (``load/locustfile.py``).
5. The summary: per request kind the count, rate, p50/p95/p99 and failures; the server's CPU
   per request (its processes' user + system time from ``/proc/<pid>/stat``), PostgreSQL's
   (the backends of the database), the client's, the machine's load, and the reference
   workload's time (``zhurnal.ops.bench.reference_ms``) before and after.

Exit status 1 when a request failed (or none was made), so that a test can assert on it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from mix import counts  # load/ is the script's directory

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (
    "mark save",
    "attendance save",
    "login page",
    "login",
    "diary week",
    "diary marks",
    "indicators",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system time of a process (``/proc/<pid>/stat``, fields 14 and 15); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _cpu_seconds_waited(before: resource.struct_rusage) -> float:
    """The CPU seconds of the children waited for since ``before`` (locust, once it ended)."""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        with contextlib.suppress(FileNotFoundError):
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(child) for child in children)
    return found


def _workers(pid: int) -> set[int]:
    """The task worker (``zhurnal db_worker``) among the server's processes."""
    found = set()
    for child in _descendants(pid):
        with contextlib.suppress(FileNotFoundError):
            if b"db_worker" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
    return found


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


class CpuWatch:
    """The CPU seconds of a set of processes found again every half second (gunicorn's workers
    and PostgreSQL's backends come and go): per pid the first and the last reading."""

    def __init__(self, find) -> None:
        self.find = find
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, initial: bool = False) -> None:
        for pid in self.find():
            seconds = _cpu_seconds(pid)
            if pid not in self.first:
                # a process born during the run started from (about) zero
                self.first[pid] = seconds if initial else 0.0
            if seconds:
                self.last[pid] = seconds

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            self._sample()

    def start(self) -> CpuWatch:
        self._sample(initial=True)
        self.thread.start()
        return self

    def stop(self) -> float:
        self._sample()
        self.stopped.set()
        self.thread.join()
        return sum(self.last.get(pid, 0.0) - first for pid, first in self.first.items())


def _postgres_backends(environment: dict) -> set[int]:
    """The PostgreSQL server processes serving the load's database (empty on SQLite)."""
    url = environment.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return set()
    out = subprocess.run(
        [
            "psql",
            url,
            "-Atc",
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {int(line) for line in out.split() if line.isdigit()}


def _citus_nodes(directory: Path | None) -> dict[str, int]:
    """The postmaster of each node of a ``scripts/citus`` cluster (``--citus var/citus``)."""
    if directory is None:
        return {}
    return {
        pidfile.parent.parent.name: int(pidfile.read_text().split()[0])
        for pidfile in sorted(directory.glob("*/data/postmaster.pid"))
    }


def _django_print(environment: dict, code: str) -> str:
    """The last word ``code`` prints, run in a Python with Zhurnal's Django set up."""
    out = subprocess.run(
        [BIN / "python", "-c", f"import django; django.setup(); {code}"],
        env={**environment, "DJANGO_SETTINGS_MODULE": "zhurnal.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()[-1]


def _reference_ms(environment: dict) -> float:
    """The bench's fixed pure-Python workload (lower is faster): the machine's speed now."""
    return float(
        _django_print(
            environment, "from zhurnal.ops.bench import reference_ms; print(reference_ms())"
        )
    )


def _queued_tasks(environment: dict) -> int:
    """The tasks waiting for the worker (the mark saves' notifications): its backlog."""
    return int(
        _django_print(
            environment,
            "from django_tasks_db.models import DBTaskResult; "
            "print(DBTaskResult.objects.filter(status='READY').count())",
        )
    )


def _zhurnal(environment: dict, *args: str) -> None:
    subprocess.run([BIN / "zhurnal", *args], env=environment, check=True, cwd=ROOT)


def prepare_database(environment: dict, schools: int, size: str) -> None:
    _zhurnal(environment, "migrate", "--noinput", "-v0")
    _zhurnal(environment, "collectstatic", "--noinput", "-v0")
    _zhurnal(environment, "demo", "--if-empty", "--schools", str(schools), "--size", size)


def start_server(environment: dict, port: int, log: Path, root: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [root / "scripts" / "serve"],
        env={**environment, "PORT": str(port)},
        cwd=root,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode}): see {log}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                pass
            # one request per worker thread or so, to load what the first requests load
            for _ in range(12):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/"):
                    pass
            return server
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"the server did not answer in 90 s: see {log}")


def stop_server(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _row(stats: dict) -> dict:
    def number(key: str) -> float:
        value = stats.get(key, "")
        return float(value) if value not in ("", "N/A") else 0.0

    return {
        "kind": stats["Name"],
        "requests": int(number("Request Count")),
        "failures": int(number("Failure Count")),
        "rate": number("Requests/s"),
        "p50": number("50%"),
        "p95": number("95%"),
        "p99": number("99%"),
        "max": number("Max Response Time"),
    }


def summarize(prefix: Path) -> tuple[list[dict], dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as table:
        rows = [_row(stats) for stats in csv.DictReader(table)]
    total = next(row for row in rows if row["kind"] == "Aggregated")
    kinds = sorted(
        (row for row in rows if row["kind"] != "Aggregated"),
        key=lambda row: KINDS.index(row["kind"]) if row["kind"] in KINDS else len(KINDS),
    )
    return kinds, total


def print_summary(report: dict) -> None:
    print()
    print(
        f"mix {report['mix']}, {report['users']} users, {report['seconds']:.0f} s, "
        f"{report['database']}; reference workload {report['reference_before']} / "
        f"{report['reference_after']} ms; machine busy {report['machine_busy']:.0%} of 2 cores "
        f"(load average {report['load_average']})"
    )
    print()
    print("| kind | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for row in [*report["kinds"], {**report["total"], "kind": "all"}]:
        print(
            f"| {row['kind']} | {row['requests']} | {row['rate']:.1f} | {row['p50']:.0f} | "
            f"{row['p95']:.0f} | {row['p99']:.0f} | {row['max']:.0f} | {row['failures']} |"
        )
    print()
    print(
        f"CPU per request: web server {report['server_cpu_ms']:.1f} ms (gunicorn), task "
        f"worker {report['worker_cpu_ms']:.1f} ms, PostgreSQL "
        f"{report['postgres_cpu_ms']:.1f} ms, client (locust) {report['client_cpu_ms']:.1f} ms"
    )
    print(
        f"tasks left queued for the worker at the end: {report['worker_backlog']}; "
        f"requests a second over the window: {report['total']['rate']:.1f}"
    )
    if report["citus_node_cpu_ms"]:
        nodes = ", ".join(f"{n} {ms:.1f} ms" for n, ms in report["citus_node_cpu_ms"].items())
        print(f"CPU per request of each Citus node (all its processes): {nodes}")
    for failure in report["failures"][:10]:
        print(f"  failed: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/load", description=__doc__.split("\n")[0])
    parser.add_argument("--mix", choices=("peak", "burst", "closed"), default="peak")
    parser.add_argument("--writes", type=float, default=20, help="peak/burst: saves a second")
    parser.add_argument("--families", type=int, default=200, help="burst: families arriving")
    parser.add_argument("--users", type=int, default=10, help="closed: users with no wait")
    parser.add_argument("--spawn-rate", type=float, default=0, help="users started a second")
    parser.add_argument("--time", default="60s", help="how long locust runs (e.g. 30s, 2m)")
    parser.add_argument("--schools", type=int, default=3, help="demo schools of a new database")
    parser.add_argument(
        "--from-start",
        action="store_true",
        help="measure from the first user on (the burst), not once all are running",
    )
    parser.add_argument(
        "--size", default="school", help="size of the demo schools (small for a quick check)"
    )
    parser.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="serve from another checkout (its scripts/serve and .venv): a before/after pair",
    )
    parser.add_argument(
        "--citus",
        type=Path,
        help="a scripts/citus cluster's directory (var/citus): the CPU of each node too",
    )
    parser.add_argument("--json", type=Path, help="also write the summary as JSON here")
    parser.add_argument("--out", type=Path, help="keep locust's CSV files and logs here")
    args = parser.parse_args(argv)
    args.from_start = args.from_start or args.mix == "burst"

    environment = dict(os.environ)
    database = "PostgreSQL" if environment.get("DATABASE_URL") else "SQLite"
    if environment.get("ZHURNAL_CITUS", "").lower() in ("1", "true", "yes", "on"):
        database = "Citus"
    out = args.out or Path(tempfile.mkdtemp(prefix="zhurnal-load-"))
    out.mkdir(parents=True, exist_ok=True)
    prepare_database(environment, args.schools, args.size)
    fixture = out / "fixture.json"
    subprocess.run(
        [BIN / "python", ROOT / "load" / "prepare.py", fixture], env=environment, check=True
    )

    locust_env = {**environment, "LOAD_FIXTURE": str(fixture), "LOAD_MIX": args.mix}
    classes = ["Teacher", "Family"]
    if args.mix == "closed":
        users = args.users
    else:
        locust_env["LOAD_WRITES"] = str(args.writes)
        locust_env["LOAD_FAMILIES"] = str(args.families)
        users = sum(counts(args.writes, args.mix, args.families).values())
        classes.append("Deputy")
    spawn_rate = args.spawn_rate or max(1.0, users / 5)

    port = _free_port()
    reference_before = _reference_ms(environment)
    server = start_server(environment, port, out / "server.log", args.server_root)
    try:
        command = [
            BIN / "locust",
            "-f",
            ROOT / "load" / "locustfile.py",
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "-t",
            args.time,
            "--stop-timeout",
            "10",
            "--csv",
            out / "locust",
            "--only-summary",
            "--loglevel",
            "INFO",
            *classes,
        ]
        if not args.from_start:
            command.append("--reset-stats")
        client = subprocess.Popen(
            command,
            env=locust_env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        log = (out / "locust.log").open("wb")
        # The measured window starts when every user is running (locust then resets its
        # statistics: the users' first sign-ins are not in the mix), or at once (--from-start).
        if not args.from_start:
            for line in client.stdout:
                log.write(line)
                if b"All users spawned" in line:
                    break
        load_before = os.getloadavg()[0]
        app = CpuWatch(lambda: _descendants(server.pid) - _workers(server.pid)).start()
        worker = CpuWatch(lambda: _workers(server.pid)).start()
        postgres = CpuWatch(lambda: _postgres_backends(environment)).start()
        nodes = {
            name: CpuWatch(lambda pid=pid: _descendants(pid)).start()
            for name, pid in _citus_nodes(args.citus).items()
        }
        busy_before, total_before = _machine_busy()
        started = time.monotonic()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_before = _cpu_seconds(client.pid)
        for line in client.stdout:
            log.write(line)
        client.wait()
        client_cpu = _cpu_seconds_waited(children_before) - client_before
        seconds = time.monotonic() - started
        busy_after, total_after = _machine_busy()
        server_cpu = app.stop()
        worker_cpu = worker.stop()
        postgres_cpu = postgres.stop()
        node_cpu = {name: watch.stop() for name, watch in nodes.items()}
        load_after = os.getloadavg()[0]
        backlog = _queued_tasks(environment)
    finally:
        stop_server(server)
    reference_after = _reference_ms(environment)

    kinds, total = summarize(out / "locust")
    requests = max(total["requests"], 1)
    failures = []
    with contextlib.suppress(FileNotFoundError), open(f"{out / 'locust'}_failures.csv") as rows:
        failures = [f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(rows)]
    report = {
        "mix": args.mix,
        "users": users,
        "writes": args.writes if args.mix != "closed" else None,
        "seconds": seconds,
        "database": database,
        "reference_before": reference_before,
        "reference_after": reference_after,
        "load_average": f"{load_before:.1f} → {load_after:.1f}",
        "machine_busy": (busy_after - busy_before) / max((total_after - total_before), 1e-9),
        "kinds": kinds,
        "total": total,
        "server_cpu_ms": server_cpu * 1000 / requests,
        "worker_cpu_ms": worker_cpu * 1000 / requests,
        "postgres_cpu_ms": postgres_cpu * 1000 / requests,
        "client_cpu_ms": client_cpu * 1000 / requests,
        "failures": failures,
        "worker_backlog": backlog,
        "citus_node_cpu_ms": {name: cpu * 1000 / requests for name, cpu in node_cpu.items()},
        "locust_exit": client.returncode,
        "out": str(out),
    }
    print_summary(report)
    print(f"\nlocust's files and the server's log: {out}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if total["requests"] and not total["failures"] and not client.returncode else 1


if __name__ == "__main__":
    sys.exit(main())
