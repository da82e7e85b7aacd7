"""The benchmark over HTTP (issue 14): the pages timed as a browser meets them.

The in-process benchmark (``zhurnal.ops.bench``) times a page inside the test client: the
middleware and the view, not the server. Here the production server — gunicorn with the
options of ``scripts/serve``, one worker so that its CPU can be read — is started on a free
port of the loopback, and each scenario marked ``http`` is requested over one keep-alive
connection as its demo login, with the browser's ``Accept-Encoding``. Reported per scenario:
p50/p95/max of the time from sending the request to the last byte of the answer, the server's
CPU per request (the worker's user + system time over the measured runs, from
``/proc/<pid>/stat``; Linux only), and the bytes on the wire (the status line, the headers and
the body as sent, compressed when the server compresses).

The server reads the same database as this process (``DATABASE_URL``); the logins' sessions
and tokens are made here, in that database. ``base_url`` points the run at a server started
elsewhere (the tests' live server); the CPU is then not measured.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import secrets
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.test import Client

from zhurnal.accounts.models import ApiToken, User

from .bench import HOST, WARMUP, BenchError, Fixture, Scenario, percentile

# How long the server may take to answer its first health check.
START_TIMEOUT = 60.0
# The browser's header (the server compresses with gzip where the answer is worth it).
ACCEPT_ENCODING = "gzip, deflate, br"
CSRF_CHARS = string.ascii_letters + string.digits


@dataclass
class HttpResult:
    name: str
    path: str
    login: str
    statuses: list[int] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    wire_bytes: list[int] = field(default_factory=list)
    cpu_ms: float | None = None  # the server's CPU per request (mean over the runs)

    def summary(self) -> dict:
        times = sorted(self.times_ms)
        wire = sorted(self.wire_bytes)
        return {
            "name": self.name,
            "path": self.path,
            "login": self.login,
            "runs": len(times),
            "statuses": sorted(set(self.statuses)),
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "max_ms": round(times[-1], 2),
            "cpu_ms": None if self.cpu_ms is None else round(self.cpu_ms, 2),
            "wire_kb": round(percentile(wire, 50) / 1024, 1),
        }


@dataclass
class Server:
    host: str
    port: int
    worker_pid: int | None  # None: not ours (its CPU is not read)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _worker_of(master_pid: int) -> int | None:
    """The gunicorn worker (the master's only child), from ``/proc``; None elsewhere."""
    path = f"/proc/{master_pid}/task/{master_pid}/children"
    try:
        with open(path, encoding="ascii") as children:
            pids = children.read().split()
    except OSError:
        return None
    return int(pids[0]) if pids else None


def cpu_seconds(pid: int | None) -> float | None:
    """The user + system CPU time of a process so far (``/proc/<pid>/stat``), or None."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The command may hold spaces: the fields after its closing parenthesis.
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@contextmanager
def production_server() -> Iterator[Server]:
    """gunicorn as ``scripts/serve`` starts it (the threaded worker), with one worker, on a
    free port; stopped afterwards."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "zhurnal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "2",
    ]
    # Our own interpreter and arguments, no shell.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    try:
        _wait_until_up("127.0.0.1", port, process)
        yield Server("127.0.0.1", port, _worker_of(process.pid))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(host: str, port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise BenchError(f"The server stopped at start-up:\n{error[-2000:]}")
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": HOST})
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"The server did not answer /healthz within {START_TIMEOUT:.0f} s.")


@contextmanager
def external_server(base_url: str) -> Iterator[Server]:
    parts = urlsplit(base_url)
    yield Server(parts.hostname or "127.0.0.1", parts.port or 80, None)


class _Login:
    """The headers a demo login sends: its session and CSRF cookies (a page), or a bearer
    token (an API call)."""

    def __init__(self) -> None:
        self.headers: dict[tuple[str, bool], dict[str, str]] = {}

    def for_scenario(self, scenario: Scenario) -> dict[str, str]:
        key = (scenario.login, scenario.api)
        if key not in self.headers:
            user = User.objects.filter(username=scenario.login).first()
            if user is None:
                raise BenchError(f"No demo login {scenario.login!r}: run `zhurnal demo` first.")
            if scenario.api:
                _token, raw = ApiToken.issue(user, name="bench-http")
                self.headers[key] = {"Authorization": f"Bearer {raw}"}
            else:
                client = Client(HTTP_HOST=HOST)
                client.force_login(user)
                session = client.cookies["sessionid"].value
                csrf = "".join(secrets.choice(CSRF_CHARS) for _ in range(32))
                self.headers[key] = {
                    "Cookie": f"sessionid={session}; csrftoken={csrf}",
                    "X-CSRFToken": csrf,
                }
        return self.headers[key]


def _request(connection: http.client.HTTPConnection, method: str, path: str, headers, body):
    """One request on the kept-alive connection: (status, bytes on the wire, the body
    decoded for a JSON answer's use, seconds)."""
    started = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
        len(name) + len(value) + 4 for name, value in response.getheaders()
    )
    return response.status, head + 2 + len(data), response, data, elapsed


def run_scenario(
    scenario: Scenario, fixture: Fixture, server: Server, logins: _Login, *, runs: int
) -> HttpResult:
    path = scenario.path.format(**fixture.ids())
    result = HttpResult(name=f"HTTP: {scenario.name}", path=path, login=scenario.login)
    headers = {"Host": HOST, "Accept-Encoding": ACCEPT_ENCODING, **logins.for_scenario(scenario)}
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    last: dict = {}

    def request():
        nonlocal last
        if scenario.post is None:
            status, wire, response, data, elapsed = _request(connection, "GET", path, headers, None)
        else:
            body = json.dumps(scenario.post(fixture, last)).encode()
            status, wire, response, data, elapsed = _request(
                connection, "POST", path, {**headers, "Content-Type": "application/json"}, body
            )
            if status == 200:
                if response.getheader("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                last = json.loads(data)
        return status, wire, elapsed

    try:
        for _ in range(WARMUP):
            request()
        cpu_before = cpu_seconds(server.worker_pid)
        for _ in range(runs):
            status, wire, elapsed = request()
            result.statuses.append(status)
            result.wire_bytes.append(wire)
            result.times_ms.append(elapsed * 1000)
        cpu_after = cpu_seconds(server.worker_pid)
    finally:
        connection.close()
    if cpu_before is not None and cpu_after is not None:
        result.cpu_ms = (cpu_after - cpu_before) * 1000 / runs
    return result


def run(
    scenarios: Iterable[Scenario],
    fixture: Fixture,
    *,
    runs: int,
    base_url: str | None = None,
) -> list[dict]:
    """The scenarios marked ``http``, over HTTP: their summaries (see the module)."""
    wanted = [s for s in scenarios if s.http]
    if not wanted:
        return []
    logins = _Login()
    start = external_server(base_url) if base_url else production_server()
    with start as server:
        return [
            run_scenario(scenario, fixture, server, logins, runs=runs).summary()
            for scenario in wanted
        ]


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| scenario | p50 ms | p95 ms | max ms | server CPU ms | KB on the wire |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        cpu = "—" if row["cpu_ms"] is None else f"{row['cpu_ms']:.1f}"
        lines.append(
            f"| {row['name']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['max_ms']:.1f} "
            f"| {cpu} | {row['wire_kb']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def problems(rows: list[dict]) -> list[str]:
    """Scenarios over HTTP that did not answer 200 every time."""
    return [
        f"{row['name']}: answered {row['statuses']}, expected [200]"
        for row in rows
        if row["statuses"] != [200]
    ]
