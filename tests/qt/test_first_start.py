"""A first start on a fresh machine (no boundary cache): the window is up within 2 s and shows
the cache being built, with a Cancel that quits; the tests stop it rather than wait the
half minute the build takes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_xcb_window import xvfb  # noqa: F401  (the module's Xvfb fixture)

REPO = Path(__file__).resolve().parents[2]
SHOWN = re.compile(r"window shown ([0-9.]+) s after launch")


def _seconds_until_shown(env: dict[str, str], tmp_path: Path) -> float:
    """Launch main.py on a new workspace and an empty cache; the seconds it reports."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "main.py"),
            "--timings",
            "--lang",
            "zh",
            "--workspace",
            str(tmp_path / "new.gcarbon.gpkg"),
        ],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # the app and its cache-building child, stopped together
    )
    try:
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            found = SHOWN.search(line)
            if found:
                return float(found.group(1))
        pytest.fail(f"no 'window shown' line; exit code {process.poll()}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    env.update(GIS_CARBON_CACHE_DIR=str(cache), HOME=str(tmp_path), **extra)
    return env


def test_with_an_empty_cache_the_window_shows_within_2_s_offscreen(tmp_path: Path) -> None:
    seconds = _seconds_until_shown(_env(tmp_path, QT_QPA_PLATFORM="offscreen"), tmp_path)
    assert seconds < 2.0


def test_with_an_empty_cache_the_window_shows_within_2_s_on_xcb(
    xvfb: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    seconds = _seconds_until_shown(_env(tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=xvfb), tmp_path)
    assert seconds < 2.0


def test_the_window_shows_the_cache_being_built_and_cancel_quits(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QLabel

    from gis_carbon.geo.boundaries import boundary_cache_path
    from gis_carbon.qt import i18n
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    monkeypatch.setenv("GIS_CARBON_CACHE_DIR", str(tmp_path / "empty-cache"))
    i18n.set_language("zh")
    ws = open_workspace(tmp_path / "new.gcarbon.gpkg", seed=False)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, settings=settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    notice = window.findChild(QLabel, "first_start_notice")
    assert notice is not None and notice.isVisible()
    assert notice.text() == "正在生成行政界线缓存（仅首次，约半分钟）；取消将退出程序。"
    assert window.task_progress.isVisible() and window.task_cancel.isVisible()
    assert window.task_label.text().startswith("首次启动，正在准备地图")
    # the child reports its reading of the boundary files
    qtbot.waitUntil(lambda: "读取行政界线" in window.task_label.text(), timeout=30_000)
    window.task_cancel.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert not boundary_cache_path().exists()
    assert not list((tmp_path / "empty-cache").rglob("*.gpkg"))  # no half-written file
    ws.close()
