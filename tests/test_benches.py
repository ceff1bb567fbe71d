"""Every benchmark in bench/ runs to the end at a tiny size, so that none can rot unnoticed
(issue 15: bench_status crashed after its main figure and nobody saw it).

Each script runs as `make bench` runs it — a subprocess of the venv's Python — with
GIS_CARBON_BENCH_TINY=1, which shrinks its sizes and stops it judging budgets (timings at
that size mean nothing). The test asserts exit status 0 and the script's figure lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHES = sorted((REPO / "bench").glob("bench_*.py"))
# Per script: text its figure lines always contain (a script missing here fails the test:
# a new bench must say what it prints).
FIGURE_LINES: dict[str, tuple[str, ...]] = {
    "bench_api_frames.py": ("read back", "frame ≤ read back"),
    "bench_canvas.py": ("full redraw, zoomed to a district", "pan repaint", "budget 100 ms"),
    "bench_html_export.py": ("html export", "projects:"),
    "bench_ledger_import.py": ("ledger import", "ledger re-import", "changed"),
    "bench_locate.py": ("RegionIndex.locate_points", "STRtree(points)"),
    "bench_open.py": ("usable window", "longest GUI stall", "full read-back"),
    "bench_plan_import.py": ("all plans: target recall", "within goals"),
    "bench_siting.py": ("check-site:", "zonal:"),
    "bench_status.py": ("evaluate every target of every plan", "budget"),
    "bench_store.py": ("read back", "executemany"),
    "bench_team.py": ("tiny run:",),
}
# Scripts that start a PostgreSQL server (marked like tests/team/).
SERVER_BENCHES = {"bench_team.py"}


def _params() -> list:
    return [
        pytest.param(
            path,
            id=path.stem,
            marks=[pytest.mark.slow] + ([pytest.mark.team] if path.name in SERVER_BENCHES else []),
        )
        for path in BENCHES
    ]


@pytest.mark.parametrize("script", _params())
def test_bench_runs_to_the_end_at_a_tiny_size(script: Path, tmp_path: Path) -> None:
    assert script.name in FIGURE_LINES, f"{script.name}: add its figure lines to FIGURE_LINES"
    env = dict(os.environ, GIS_CARBON_BENCH_TINY="1", QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(REPO)
    env.setdefault("GIS_CARBON_OPEN_BENCH_DIR", str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{script.name} exited {done.returncode}:\n{output[-3000:]}"
    if done.stdout.startswith("skipped:") and script.name in SERVER_BENCHES:
        pytest.skip(done.stdout.strip())
    for text in FIGURE_LINES[script.name]:
        assert text in done.stdout, f"{script.name} printed no {text!r}:\n{done.stdout[-2000:]}"
    assert "Traceback" not in output
