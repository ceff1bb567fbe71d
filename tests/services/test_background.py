"""Imports and exports in a child process (services.background), without Qt: real files, a
real spawned process, the workspace checked from the parent's own connection."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gis_carbon.feedback import Cancelled, Feedback, RecordingFeedback
from gis_carbon.services import background
from gis_carbon.services.imports import ImportCancelled
from project_db.sqlite.workspace import Workspace

# Three named PV points inside 静海区 (WGS 84), written as a user's ledger would be.
POINTS = [
    ("大邱庄光伏", 116.93, 38.82, 30.0),
    ("沿庄光伏", 116.85, 38.92, 12.5),
    ("唐官屯光伏", 117.05, 38.72, 8.0),
]


def _ledger(path: Path, points=POINTS) -> Path:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "项目名称": name,
                "类型": "地面光伏",
                "装机容量(MW)": mw,
                "状态": "规划",
                "投产年份": 2026,
            },
        }
        for name, lon, lat, mw in points
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _settled(path: Path) -> tuple[str, int]:
    """Checkpoint the WAL into the file so the file alone is the workspace's content."""
    with Workspace(path, create=False) as ws:
        ws.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{path}-wal")
    return _sha256(path), wal.stat().st_size if wal.exists() else 0


def test_an_import_in_a_child_process_lands_in_the_parents_workspace(seeded_path, tmp_path):
    ledger = _ledger(tmp_path / "ledger.geojson")
    with Workspace(seeded_path, create=False) as ws:
        before = {p.name for p in ws.projects()}
        seen = RecordingFeedback()
        summary = background.run_import(seeded_path, ledger, feedback=seen)
        # the parent's connection, open all along, sees the child's committed rows
        after = {p.name: p for p in ws.projects()}
    assert summary.count == 3 and summary.mode == "projects" and not summary.dry_run
    assert set(after) - before == {"大邱庄光伏", "沿庄光伏", "唐官屯光伏"}
    assert sorted(summary.project_ids) == sorted(after[n].id for n, *_ in POINTS)
    assert float(after["沿庄光伏"].capacity) == 12.5
    assert after["大邱庄光伏"].regions.county == "120118"  # located in 静海区
    fractions = seen.fractions
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0


def test_a_cancelled_import_leaves_the_workspace_byte_identical(seeded_path, tmp_path):
    ledger = _ledger(tmp_path / "ledger.geojson")
    digest, wal_size = _settled(seeded_path)
    feedback = Feedback()
    feedback.cancel()  # cancelled before the child reads anything: it stops at its first check
    with pytest.raises(ImportCancelled, match="nothing was written"):
        background.run_import(seeded_path, ledger, feedback=feedback)
    wal = Path(f"{seeded_path}-wal")
    assert _sha256(seeded_path) == digest
    assert (wal.stat().st_size if wal.exists() else 0) == wal_size


def test_a_cancel_mid_import_from_progress_stops_before_the_write(seeded_path, tmp_path):
    # 600 rows: the child reports every 200 rows while checking; cancel at the first of those
    points = [
        (f"测试{i:04d}", 116.8 + (i % 30) * 0.01, 38.7 + (i // 30) * 0.01, 1.0) for i in range(600)
    ]
    ledger = _ledger(tmp_path / "many.geojson", points)
    digest, _ = _settled(seeded_path)

    class CancelWhenChecking(Feedback):
        def progress(self, fraction: float, message: str = "") -> None:
            if message.startswith("checking"):
                self.cancel()

    with pytest.raises(ImportCancelled):
        background.run_import(seeded_path, ledger, feedback=CancelWhenChecking())
    assert _sha256(seeded_path) == digest
    with Workspace(seeded_path, create=False) as ws:
        assert not [p for p in ws.projects() if p.name.startswith("测试")]


def test_a_broken_file_brings_back_the_error_class_and_message(seeded_path, tmp_path):
    from gis_carbon.errors import InputFileError

    bad = _ledger(
        tmp_path / "bad.geojson", [("好的", 116.93, 38.82, 30.0), ("坏的", 116.85, 38.92, "12,5")]
    )
    digest, _ = _settled(seeded_path)
    with pytest.raises(InputFileError) as caught:
        background.run_import(seeded_path, bad)
    # the same class the service raises in-process, with the same message
    from gis_carbon.services.imports import import_file

    with Workspace(seeded_path, create=False) as ws, pytest.raises(InputFileError) as direct:
        import_file(ws, bad)
    assert type(caught.value) is type(direct.value)
    assert str(caught.value) == str(direct.value)
    assert "bad.geojson" in str(caught.value) and "12,5" in str(caught.value)
    assert _sha256(seeded_path) == digest

    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"garbage\.geojson"):
        background.run_import(seeded_path, garbage)


def test_an_export_in_a_child_process_writes_the_plans_projects(seeded_path, tmp_path):
    import pyogrio

    out = tmp_path / "jinghai.gpkg"
    result = background.run_export(seeded_path, "gpkg", out, plan="jinghai")
    with Workspace(seeded_path, create=False) as ws:
        expected = len(ws.projects(region_code="120118"))
    assert expected >= 7  # the seven named generation projects, at least
    assert result.paths == [out] and result.projects == expected
    layers = [name for name, _ in pyogrio.list_layers(out) if "project" in name.lower()]
    assert sum(pyogrio.read_info(out, layer=name)["features"] for name in layers) == expected


def test_a_cancelled_export_leaves_no_file(seeded_path, tmp_path):
    from gis_carbon.export.common import ExportCancelled

    out = tmp_path / "x.gpkg"
    feedback = Feedback()
    feedback.cancel()
    with pytest.raises(ExportCancelled) as raised:
        background.run_export(seeded_path, "gpkg", out, feedback=feedback)
    assert isinstance(raised.value, Cancelled)  # one class for every kind of cancel
    assert not out.exists()


def test_a_missing_workspace_is_named(tmp_path):
    from gis_carbon.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match=r"nowhere\.sqlite"):
        background.run_import(tmp_path / "nowhere.sqlite", tmp_path / "x.geojson")
