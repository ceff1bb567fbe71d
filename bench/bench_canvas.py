"""Canvas speed at 1600×1000: full redraw of the 2,870 county boundaries + 100k project points
(budget ≤ 100 ms) and a pan repaint from the cached frame (budget ≤ 16 ms).

Run: PYTHONPATH=. QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_canvas.py
Prints figures; it is not a timed test. The points are random inside China's bounding box
(synthetic benchmark data, never stored anywhere).
With GIS_CARBON_BENCH_TINY=1 it runs at a tiny size (tests/test_benches.py): figures printed,
budgets not judged.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GIS_CARBON_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".cache"))

import numpy as np

FULL_BUDGET_MS = 100.0
PAN_BUDGET_MS = 16.0
WIDTH, HEIGHT = 1600, 1000
# A tiny run (tests/test_benches.py) only checks that the script runs to the end.
TINY = os.environ.get("GIS_CARBON_BENCH_TINY") == "1"
N_POINTS = 2_000 if TINY else 100_000
N_PARCELS = 500 if TINY else 20_000
REPEATS = 1 if TINY else 7


def _timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from gis_carbon.model.map_state import LayerState, Viewport
    from gis_carbon.qt.geometry_cache import load_boundaries
    from gis_carbon.qt.render import TYPE_CODES, ProjectLayerData, Renderer, Scene

    start = time.perf_counter()
    counties = load_boundaries("county")
    print(
        f"boundary preparation (once, cached on disk): {time.perf_counter() - start:.2f} s;"
        f" {len(counties.codes)} regions; vertices per level "
        + ", ".join(f"{lv.tolerance_deg}°: {lv.vertex_count}" for lv in counties.levels)
    )
    rng = np.random.default_rng(5)
    lon = rng.uniform(74, 134, N_POINTS)
    lat = rng.uniform(18, 53, N_POINTS)
    points = ProjectLayerData.from_arrays(
        lon, lat, rng.integers(0, len(TYPE_CODES), N_POINTS), rng.integers(0, 5, N_POINTS)
    )
    scene = Scene(
        layers=[
            LayerState("counties", "县级行政区", "boundary"),
            LayerState("projects", "项目", "projects"),
        ],
        data={"counties": counties, "projects": points},
        emphasis=frozenset({"120000", "430781"}),
    )
    renderer = Renderer()
    views = {
        "China (all 2,870 counties, 100k points)": Viewport(
            width=WIDTH, height=HEIGHT
        ).fitted_lonlat((73, 17, 135, 54)),
        "North China (zoomed ×4)": Viewport(width=WIDTH, height=HEIGHT).fitted_lonlat(
            (112, 35, 122, 42)
        ),
        "Tianjin (county level detail)": Viewport(width=WIDTH, height=HEIGHT).fitted_lonlat(
            (116.7, 38.5, 118.1, 40.3)
        ),
    }
    ok = True
    for name, view in views.items():
        renderer.render(scene, view)  # warm caches (symbol images)

        def full(v: Viewport = view) -> None:
            renderer.forget_layer_images()  # a new view: every layer is drawn again
            renderer.render(scene, v)

        times = _timed(full, REPEATS)
        median = statistics.median(times)
        ok &= median <= FULL_BUDGET_MS
        # Same view, projects changed (after an import/edit): boundary images are reused.
        reload = statistics.median(_timed(lambda v=view: renderer.render(scene, v), REPEATS))
        print(
            f"full redraw {name}: median {median:.1f} ms, min {min(times):.1f} ms"
            f" (budget {FULL_BUDGET_MS:.0f} ms); same view, projects changed:"
            f" {reload:.1f} ms"
        )

    # Pan repaint: the widget paints the cached frame shifted by the drag offset.
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QImage, QPainter

    frame = renderer.render(scene, views["China (all 2,870 counties, 100k points)"])
    target = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)

    def pan_repaint(offset=[0]) -> None:  # noqa: B006 - a counter across calls
        offset[0] = (offset[0] + 7) % 200
        painter = QPainter(target)
        painter.fillRect(target.rect(), QColor("#f4f1ea"))
        painter.drawImage(QPoint(offset[0], offset[0] // 2), frame)
        painter.end()

    times = _timed(pan_repaint, 5 if TINY else 50)
    median = statistics.median(times)
    ok &= median <= PAN_BUDGET_MS
    print(
        f"pan repaint from the cached frame: median {median:.2f} ms, max {max(times):.2f} ms"
        f" (budget {PAN_BUDGET_MS:.0f} ms)"
    )
    ok &= _user_layer_figures(renderer)
    del app
    if TINY:
        print("tiny run: budgets not judged")
        return 0
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


def _user_layer_figures(renderer) -> bool:
    """A user layer of 20,000 parcels (~400 m across) over Tianjin: building the layer's paths
    (worker thread) and a full redraw seen whole and zoomed in."""
    import shapely

    from gis_carbon.model.map_state import LayerState, Viewport
    from gis_carbon.qt.render import Scene, VectorLayerData

    rng = np.random.default_rng(1)
    x, y = rng.uniform(116.8, 118.0, N_PARCELS), rng.uniform(38.6, 40.2, N_PARCELS)
    parcels = shapely.buffer(shapely.points(x, y), 0.002, quad_segs=4)
    start = time.perf_counter()
    data = VectorLayerData.from_features(
        [(p, {}) for p in parcels], {"stroke": "#aa3300", "fill": "#cc2a8f2a"}
    )
    print(
        f"user layer of {N_PARCELS:,} parcels: paths built in {time.perf_counter() - start:.2f} s"
    )
    scene = Scene(layers=[LayerState("parcels", "地块", "vector")], data={"parcels": data})
    ok = True
    for name, extent in {
        "Tianjin whole": (116.7, 38.5, 118.1, 40.3),
        "zoomed to a district": (117.1, 39.0, 117.3, 39.15),
    }.items():
        view = Viewport(width=WIDTH, height=HEIGHT).fitted_lonlat(extent)

        def full(v: Viewport = view) -> None:
            renderer.forget_layer_images()
            renderer.render(scene, v)

        median = statistics.median(_timed(full, 1 if TINY else 5))
        ok &= median <= FULL_BUDGET_MS
        print(f"  full redraw, {name}: median {median:.1f} ms (budget {FULL_BUDGET_MS:.0f} ms)")
    return ok


if __name__ == "__main__":
    sys.exit(main())
