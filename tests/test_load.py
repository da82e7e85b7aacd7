"""The load test runs (issue 18, docs/scaling.md "Load test"): ``scripts/load`` — the database
set up, the production server started as ``make run`` starts it, locust for a bounded time —
end to end for a few seconds with a handful of users on a scratch SQLite database of one small
demo school: no request fails and every request kind of the peak mix is made. ~30 s of CPU
(migrate and collectstatic of the scratch database are most of it); 50-68 s on a loaded machine."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KINDS = {
    "mark save",
    "attendance save",
    "login page",
    "login",
    "diary week",
    "diary marks",
    "indicators",
}

pytestmark = pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "locust").exists(), reason="locust (a dev dependency) missing"
)


def test_the_peak_mix_runs_without_errors(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment |= {"ZHURNAL_VAR_DIR": str(tmp_path / "var"), "ZHURNAL_WEB_WORKERS": "2"}
    summary = tmp_path / "summary.json"
    run = subprocess.run(
        [
            ROOT / "scripts" / "load",
            "--mix=peak",
            "--writes=2",
            "--time=6s",
            "--schools=1",
            "--size=small",
            "--from-start",
            f"--json={summary}",
            f"--out={tmp_path / 'out'}",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(summary.read_text())
    assert report["total"]["failures"] == 0
    made = {row["kind"] for row in report["kinds"] if row["requests"] > 0}
    assert made >= KINDS, f"not exercised: {KINDS - made}"
    assert report["server_cpu_ms"] > 0
