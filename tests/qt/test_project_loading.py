"""Opening a big workspace (issue 15 item 7): the projects are read in chunks in the
background and shown while they load; the column-wise map layer holds the same values as
the projects one by one; the GUI thread keeps ticking meanwhile."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from gis_carbon.feedback import NO_FEEDBACK
from gis_carbon.model.map_state import lonlat_to_world
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status

JINGHAI = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})


def _synthetic(n: int, seed: int = 3) -> list[Project]:
    """n wind points over 静海区 (synthetic test data), capacities across the size classes."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(116.75, 117.2, n), rng.uniform(38.65, 39.0, n)
    capacity = rng.choice([None, 5.0, 30.0, 80.0, 150.0, 500.0], n)
    return [
        Project(
            name=f"测试风电{i:06d}",
            type="wind",
            status=Status.PLANNED,
            geometry=Point(float(lon[i]), float(lat[i])),
            capacity=None if capacity[i] is None else float(capacity[i]),
            year=2026,
            regions=JINGHAI,
        )
        for i in range(n)
    ]


def _shapes() -> list[Project]:
    """A line and an area project: their map location is a representative point."""
    return [
        Project(
            name="测试输电线路",
            type="transmission_line",
            status=Status.PLANNED,
            geometry=LineString([(116.9, 38.8), (117.0, 38.85), (117.1, 38.8)]),
            capacity=12.0,
            regions=JINGHAI,
        ),
        Project(
            name="测试光伏园区",
            type="pv_ground",
            status=Status.OPERATING,
            geometry=Polygon([(116.95, 38.7), (117.0, 38.7), (117.0, 38.74), (116.95, 38.74)]),
            capacity=260.0,
            regions=JINGHAI,
        ),
    ]


def test_project_chunks_hold_every_project_in_id_order_as_projects_does(seeded) -> None:
    seeded.insert_projects(_synthetic(95) + _shapes(), author="tester")
    whole = seeded.projects()
    chunks = list(seeded.project_chunks(20))
    assert [len(c) for c in chunks[:-1]] == [20] * (len(chunks) - 1)
    assert 0 < len(chunks[-1]) <= 20
    assert [p for chunk in chunks for p in chunk] == whole
    assert len(whole) == seeded.count_projects() > 97  # the seeded named projects too


def test_project_chunks_refuse_a_chunk_size_below_one(seeded) -> None:
    with pytest.raises(ValueError, match="chunk size must be at least 1; got 0"):
        next(iter(seeded.project_chunks(0)))


def test_the_column_wise_layer_equals_the_projects_one_by_one(seeded, qapp) -> None:
    from gis_carbon.qt.render import TYPE_INDEX, ProjectLayerData, size_class

    seeded.insert_projects(_synthetic(40) + _shapes(), author="tester")
    projects = seeded.projects()
    layer = ProjectLayerData.from_projects(projects)

    lonlat = np.array([p.lonlat for p in projects])
    x, y = lonlat_to_world(lonlat[:, 0], lonlat[:, 1])
    np.testing.assert_allclose(layer.xy, np.column_stack([x, y]), rtol=0, atol=1e-6)
    assert layer.ids.tolist() == [p.id for p in projects]
    assert layer.type_index.tolist() == [TYPE_INDEX[p.type] for p in projects]
    assert layer.size_class.tolist() == [
        size_class(p.capacity, p.project_type.capacity_unit) for p in projects
    ]
    assert sorted(layer.size_class.tolist())[-1] == 4  # 500 MW: the largest symbol
    assert layer.names == [p.name for p in projects]
    shaped = {p.id for p in projects if p.geometry.geom_type != "Point"}
    assert {pid for pid, _t, _path, _areal in layer.shapes} == shaped
    assert {pid: areal for pid, _t, _p, areal in layer.shapes if pid in shaped} == {
        p.id: p.geometry.geom_type == "Polygon" for p in projects if p.id in shaped
    }
    # snapping: every point, then every vertex of the line (3) and the polygon ring (5)
    non_points = sum(
        len(
            p.geometry.coords
            if p.geometry.geom_type == "LineString"
            else p.geometry.exterior.coords
        )
        for p in projects
        if p.id in shaped
    )
    assert layer.snap_xy is not None and len(layer.snap_xy) == len(projects) + non_points


def test_reading_in_chunks_hands_over_growing_snapshots_then_the_whole(seeded, qapp) -> None:
    from gis_carbon.qt.project_loading import read_projects

    seeded.insert_projects(_synthetic(230), author="tester")
    total = seeded.count_projects()
    snapshots = []
    result = read_projects(
        seeded, NO_FEEDBACK, on_snapshot=snapshots.append, chunk_size=50, growth=1.01
    )
    assert result is not None and result.complete
    assert [len(s.projects) for s in snapshots] == list(range(50, total, 50))
    assert all(not s.complete and s.total == total for s in snapshots)
    assert result.projects == seeded.projects()
    assert list(result.by_id) == [p.id for p in result.projects]
    assert len(result.layer.ids) == total
    assert result.type_counts["wind"] == sum(p.type == "wind" for p in result.projects)
    assert "120118" in result.counties
    # a newer read queued behind: nothing is returned
    assert read_projects(seeded, NO_FEEDBACK, is_stale=lambda: True, chunk_size=50) is None


@pytest.mark.slow
def test_a_big_workspace_loads_in_the_background_and_the_gui_keeps_ticking(
    window, seeded_path, qtbot, monkeypatch
) -> None:
    """60,000 projects read 5,000 at a time into an empty map (as when a workspace opens,
    once the window's own start-up work is done): the map and table show part of them,
    then all; a 10 ms heartbeat on the GUI thread never waits longer than the budget."""
    from test_responsiveness import BUDGET_S, Heartbeat  # tests/qt, on sys.path

    from gis_carbon.qt import project_loading
    from project_db.sqlite.workspace import Workspace

    with Workspace(seeded_path) as ws:
        ws.insert_projects(_synthetic(60_000), author="tester")
        total = ws.count_projects()
    monkeypatch.setattr(project_loading, "CHUNK_PROJECTS", 5_000)
    monkeypatch.setattr(project_loading, "SNAPSHOT_GROWTH", 1.5)
    window.canvas.set_projects([])  # an empty map: the read shows what it has so far
    partial_counts: list[int] = []

    def loaded() -> bool:
        count = len(window.canvas.projects)
        if count and (not partial_counts or partial_counts[-1] != count):
            partial_counts.append(count)
        return count == total

    with Heartbeat() as beat:
        window.refresh_projects()
        qtbot.waitUntil(loaded, timeout=120_000)
    qtbot.waitUntil(lambda: not window.busy(), timeout=120_000)
    assert partial_counts[0] < total  # drawn while loading
    assert len(partial_counts) >= 3
    assert window.projects_panel.model.rowCount() == total
    assert len(window.canvas.data["projects"].ids) == total
    assert beat.ticks > 10
    assert beat.max_gap <= BUDGET_S, f"the GUI thread stalled {beat.max_gap:.3f} s"
