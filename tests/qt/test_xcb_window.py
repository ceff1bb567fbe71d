"""The window on a real X server: Xvfb and Qt's xcb platform plugin, the one a Debian desktop
uses (offscreen tests cannot see a missing xcb library). And without any display, one line
saying what to do instead of Qt's abort."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb (Debian package xvfb; `make test` installs it as root)")
    for number in range(91, 120):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not socket.exists() and server.poll() is None:
            time.sleep(0.05)
        if socket.exists():
            try:
                yield f":{number}"
            finally:
                server.terminate()
                server.wait(10)
            return
        server.kill()
    pytest.fail("no free X display for Xvfb")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.setdefault("GIS_CARBON_CACHE_DIR", str(REPO / ".cache"))
    env.update(extra)
    return env


def test_the_window_renders_on_xcb_under_xvfb(xvfb: str, tmp_path: Path) -> None:
    shot = tmp_path / "xcb.png"
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--workspace", str(tmp_path / "ws.gcarbon.gpkg"),
         "--plan", "静海区", "--screenshot", str(shot), "--size", "1200x800"],
        env=_env(QT_QPA_PLATFORM="xcb", DISPLAY=xvfb, HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Could not load the Qt platform plugin" not in result.stderr
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1200, 800)


def test_without_a_display_one_line_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--workspace", str(tmp_path / "ws.gcarbon.gpkg")],
        env=_env(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "--screenshot" in lines[0]
    assert not (tmp_path / "ws.gcarbon.gpkg").exists()  # nothing opened or created
