"""Progress bars on a terminal, silence when piped: the long commands run with their stderr
on a real pseudo-terminal show a tqdm bar (percent, rate); the same commands with stderr
piped, or with --json, write nothing there."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ledger(folder: Path) -> Path:
    path = folder / "台账.csv"
    rows = ["项目名称,类型,装机容量(MW),经度,纬度"]
    rows += [f"测试光伏{i},地面光伏,10,116°5{i % 6}′00″E,38°5{i % 6}′00″N" for i in range(40)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _points(folder: Path) -> Path:
    path = folder / "points.csv"
    path.write_text(
        "lon,lat\n" + "".join(f"116.{80 + i % 20},38.{80 + i % 15}\n" for i in range(300)),
        encoding="utf-8",
    )
    return path


# command (after --workspace W), the unit its bar counts in
COMMANDS = {
    "import": (lambda d: ["import", str(_ledger(d)), "--dry-run"], "%"),
    "export": (
        lambda d: ["export", "geojson", str(d / "out.geojson"), "--plan", "静海区"],
        "steps",
    ),
    "report": (lambda d: ["report", "--plan", "静海区", "--out", str(d / "report.png")], "steps"),
    "status": (lambda d: ["status"], "targets"),
    "check-site --plan": (lambda d: ["check-site", "--plan", "静海区"], "sites"),
    "locate --points": (
        lambda d: ["locate", "--points", str(_points(d)), "--out", str(d / "o.csv")],
        "points",
    ),
}


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    env.pop("TERM", None)
    return env


def _run_on_a_terminal(argv: list[str], size: tuple[int, int] = (30, 100)) -> tuple[int, bytes]:
    """Run the CLI with stderr on the slave side of a pseudo-terminal of ``size`` (rows,
    columns; (0, 0) as a fresh one, or `docker run -t`, reports); what it wrote there."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "gis_carbon.cli", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=_env(),
        cwd=ROOT,
    )
    os.close(slave)
    seen = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                process.kill()
                pytest.fail(f"no output and no end from {argv}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    return process.wait(timeout=60), bytes(seen)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_terminal_shows_a_bar_with_rate_and_a_pipe_shows_nothing(
    seeded_path: Path, tmp_path: Path, name: str
) -> None:
    make, unit = COMMANDS[name]
    argv = ["--workspace", str(seeded_path), *make(tmp_path)]
    code, terminal = _run_on_a_terminal(argv)
    text = terminal.decode("utf-8", "replace")
    assert code == 0, text
    assert "%|" in text  # tqdm's bar: "45%|████▌     | 45/100 [00:01<00:01, 30.0%/s]"
    assert f"{unit}/s]" in text  # the rate, after the time left

    piped = subprocess.run(
        [sys.executable, "-m", "gis_carbon.cli", *argv],
        capture_output=True,
        env=_env(),
        cwd=ROOT,
    )
    assert piped.returncode == 0
    if name == "locate --points":  # its one summary line goes to stderr, as it always did
        assert piped.stderr.decode().startswith("wrote 300 rows")
        assert "%|" not in piped.stderr.decode()
    else:
        assert piped.stderr == b""


def test_a_terminal_that_reports_no_size_still_shows_the_bar(
    seeded_path: Path, tmp_path: Path
) -> None:
    argv = ["--workspace", str(seeded_path), *COMMANDS["export"][0](tmp_path)]
    code, terminal = _run_on_a_terminal(argv, size=(0, 0))
    assert code == 0 and "%|" in terminal.decode("utf-8", "replace")


def test_json_output_shows_no_bar_even_on_a_terminal(seeded_path: Path) -> None:
    code, terminal = _run_on_a_terminal(["--workspace", str(seeded_path), "status", "--json"])
    assert code == 0 and terminal == b""
