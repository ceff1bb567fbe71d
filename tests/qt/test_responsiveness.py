"""The GUI thread never blocks: a 10 ms heartbeat on it while the app evaluates, imports and
exports (issue 5: "the GUI thread never blocks for more than 100 ms"), and Cancel."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

# The budget: the GUI thread never blocks for more than 100 ms, in every scenario.
# Imports and exports run in a child process (services.background): on a worker thread the
# import's per-row Python held the GIL and, on this busy 2-core machine, the GUI thread
# waited 300–700 ms for it.
BUDGET_S = 0.100
N_POINTS = 5000


class Heartbeat:
    """A 10 ms QTimer on the GUI thread; the longest gap between its ticks is the longest
    time the GUI thread was busy (a blocked event loop delays every tick)."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.max_gap = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.max_gap = max(self.max_gap, now - self.last)
        self.last = now
        self.ticks += 1

    def __enter__(self) -> Heartbeat:
        self.last, self.max_gap, self.ticks = 0.0, 0.0, 0
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def _idle(window, qtbot, timeout: int = 120_000) -> None:
    qtbot.waitUntil(lambda: not window.busy() and window.canvas.is_current(), timeout=timeout)


def _ledger(path: Path, n: int, seed: int = 5) -> Path:
    """A GeoJSON of n named PV points spread over 静海区 and its neighbours (WGS 84)."""
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(116.75, 117.25, n), rng.uniform(38.65, 39.05, n)
    frame = gpd.GeoDataFrame(
        {
            "项目名称": [f"测试光伏{i:05d}" for i in range(n)],
            "类型": ["地面光伏"] * n,
            "装机容量(MW)": np.round(rng.uniform(1, 50, n), 1),
            "状态": ["规划"] * n,
            "投产年份": [2026] * n,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GeoJSON")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_gui_thread_never_blocks_while_evaluating_importing_exporting(
    window, qtbot, tmp_path
) -> None:
    gaps: dict[str, float] = {}
    combo = window.targets_panel.plan

    # (a) the targets of 静海区 and 天津市, chosen in the panel as a user would
    for plan_id in ("tianjin", "jinghai"):
        with Heartbeat() as beat:
            combo.setCurrentIndex(combo.findData(plan_id))
            _idle(window, qtbot)
        gaps[f"evaluate {plan_id}"] = beat.max_gap
        assert beat.ticks > 3
        assert window.progress and all(p.target.plan_id == plan_id for p in window.progress)

    # (b) a ledger of 5,000 points
    ledger = _ledger(tmp_path / "ledger.geojson", N_POINTS)
    before = window.ws.count_projects()
    with Heartbeat() as beat:
        window.import_path(str(ledger))
        assert window.task_progress.isVisible() and window.task_cancel.isVisible()
        _idle(window, qtbot)
    gaps["import 5000 points"] = beat.max_gap
    assert window.ws.count_projects() == before + N_POINTS  # the GUI's connection sees them
    assert len(window.canvas.projects) == before + N_POINTS
    assert len(window.projects_panel.model.all_projects) == before + N_POINTS
    assert not window.task_progress.isVisible()

    # (c) GeoPackage and HTML
    for name in ("out.gpkg", "out.html"):
        with Heartbeat() as beat:
            window.export_path(str(tmp_path / name))
            _idle(window, qtbot)
        gaps[f"export {name}"] = beat.max_gap
    import pyogrio

    layers = {row[0] for row in pyogrio.list_layers(tmp_path / "out.gpkg")}
    assert layers, "the GeoPackage has no layers"
    total = sum(
        pyogrio.read_info(tmp_path / "out.gpkg", layer=layer)["features"]
        for layer in layers
        if "project" in layer.lower()
    )
    # the export holds 静海区's projects: every stored project placed in the district
    in_district = len(window.ws.projects(region_code="120118"))
    assert in_district > N_POINTS // 2
    assert total == in_district, (total, in_district)
    assert "测试光伏00000" in (tmp_path / "out.html").read_text(encoding="utf-8")

    print("max GUI-thread gap per scenario (ms):", {k: round(v * 1000, 1) for k, v in gaps.items()})
    over = {k: round(v * 1000, 1) for k, v in gaps.items() if v >= BUDGET_S}
    assert not over, f"GUI thread blocked ≥ {BUDGET_S * 1000:.0f} ms: {over}"


def test_cancel_on_an_import_leaves_the_workspace_byte_identical(window, qtbot, tmp_path) -> None:
    ledger = _ledger(tmp_path / "big.geojson", 3 * N_POINTS, seed=7)
    ws = window.ws
    _idle(window, qtbot)
    ws.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file alone holds everything
    path = Path(ws.path)
    wal = Path(f"{path}-wal")
    digest, wal_size, count = (
        _sha256(path),
        wal.stat().st_size if wal.exists() else 0,
        ws.count_projects(),
    )

    with Heartbeat() as beat:
        window.import_path(str(ledger))
        # cancel while the rows are being checked (half-way), as a user watching the bar would
        qtbot.waitUntil(lambda: window.task_progress.value() >= 500, timeout=60_000)
        qtbot.mouseClick(
            window.task_cancel,
            __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton,
        )
        _idle(window, qtbot)
    assert "已取消" in window.statusBar().currentMessage()
    assert not window.task_progress.isVisible()
    assert ws.count_projects() == count
    assert _sha256(path) == digest
    assert (wal.stat().st_size if wal.exists() else 0) == wal_size
    print(f"max GUI-thread gap while cancelling an import (ms): {beat.max_gap * 1000:.1f}")
    assert beat.max_gap < BUDGET_S, beat.max_gap

    # still responsive: an evaluation runs and the panel answers
    window.evaluate()
    _idle(window, qtbot)
    assert window.progress
    assert ws.count_projects() == count


@pytest.mark.parametrize("fmt", ["gpkg"])
def test_cancel_on_an_export_leaves_no_file(window, qtbot, tmp_path, fmt) -> None:
    out = tmp_path / f"cancelled.{fmt}"
    window.export_path(str(out))
    window.cancel_user_task()  # before the first step: the service checks cancel between steps
    _idle(window, qtbot)
    assert not out.exists()
    assert "已取消" in window.statusBar().currentMessage()


def test_the_targets_chart_comes_from_the_chart_process(window, qtbot, tmp_path) -> None:
    """The chart is drawn by matplotlib in a child process (its text layout held the GIL
    for 100+ ms on a worker thread) and still reaches the panel, as draw_chart draws it."""
    import os

    from PySide6.QtGui import QImage

    from gis_carbon.qt import chart_process
    from gis_carbon.services import progress as progress_service

    _idle(window, qtbot)
    pixmap = window.targets_panel._chart_pixmap
    assert pixmap is not None and not pixmap.isNull()
    shown = pixmap.toImage()
    out = tmp_path / "direct.png"
    progress_service.draw_chart(window.ws, window.plan_id, out, lang="zh")
    direct = QImage(str(out))
    assert (shown.width(), shown.height()) == (direct.width(), direct.height())
    # a drawn chart (bars, text, axes), not a blank pixmap: many colours over the image
    colours = {
        shown.pixel(x, y) for y in range(0, shown.height(), 7) for x in range(0, shown.width(), 3)
    }
    assert len(colours) > 5
    pool = chart_process._pool
    assert pool is not None
    pids = {p.pid for p in pool._processes.values()}
    assert pids and os.getpid() not in pids
