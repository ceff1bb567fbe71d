"""The export service: atomic writes, progress, cancel, bad input, the CLI, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis_carbon.errors import ExportError
from gis_carbon.export.common import ExportCancelled
from gis_carbon.feedback import Feedback, RecordingFeedback
from gis_carbon.services.exports import FORMATS, export, export_report

SUFFIX = {
    "shp": ".shp",
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "kml": ".kml",
    "kmz": ".kmz",
    "csv": ".csv",
    "xlsx": ".xlsx",
    "html": ".html",
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_reports_progress_to_the_end(seeded, tmp_path: Path, fmt: str):
    out = tmp_path / "out"
    out.mkdir()
    seen = RecordingFeedback()
    result = export(seeded, fmt, out / f"jinghai{SUFFIX[fmt]}", plan="jinghai", feedback=seen)
    in_jinghai = len(seeded.projects(region_code="120118"))
    assert result.projects == in_jinghai >= 27 and all(p.exists() for p in result.paths)
    assert seen.fractions[-1] == 1.0 and seen.fractions == sorted(seen.fractions)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cancel_leaves_no_file_and_keeps_the_old_one(seeded, tmp_path: Path, fmt: str):
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"jinghai{SUFFIX[fmt]}"
    target.write_bytes(b"the previous export")

    class CancelAfterTwoChecks(Feedback):
        checks = 0

        def is_cancelled(self) -> bool:
            self.checks += 1
            return self.checks > 2

    with pytest.raises(ExportCancelled):
        export(seeded, fmt, target, plan="jinghai", feedback=CancelAfterTwoChecks())
    assert sorted(p.name for p in out.iterdir()) == [target.name]
    assert target.read_bytes() == b"the previous export"


def test_bad_requests_are_named(seeded, tmp_path: Path):
    with pytest.raises(ExportError, match="unknown export format 'dwg'"):
        export(seeded, "dwg", tmp_path / "x.dwg")
    with pytest.raises(ExportError, match="does not exist"):
        export(seeded, "gpkg", tmp_path / "missing" / "x.gpkg")
    with pytest.raises(ExportError, match=r"\.gpkg"):
        export(seeded, "gpkg", tmp_path / "x.shp")
    with pytest.raises(ExportError, match="GCJ-02"):
        export(seeded, "shp", tmp_path / "x.shp", coords="gcj02")
    with pytest.raises(ExportError, match="gbk"):
        export(seeded, "gpkg", tmp_path / "x.gpkg", encoding="gbk")
    with pytest.raises(ExportError, match="region"):
        export(seeded, "csv", tmp_path / "x.csv", region="静海")


def test_region_selection(seeded, tmp_path: Path):
    result = export(seeded, "geojson", tmp_path / "tj.geojson", region="120000")
    assert result.projects == len(seeded.projects(region_code="120000"))
    assert result.projects > 27


def test_cli_export_and_report(seeded_path: Path, tmp_path: Path, capsys):
    from gis_carbon.cli import main

    out = tmp_path / "jh.gpkg"
    assert (
        main(["--workspace", str(seeded_path), "export", "gpkg", str(out), "--plan", "静海区"]) == 0
    )
    from project_db.sqlite.workspace import Workspace

    with Workspace(seeded_path) as ws:
        in_jinghai = len(ws.projects(region_code="120118"))
    assert out.exists() and f"{in_jinghai} projects" in capsys.readouterr().out
    assert (
        main(
            [
                "--workspace",
                str(seeded_path),
                "export",
                "geojson",
                str(tmp_path / "x.geojson"),
                "--coords",
                "gcj02",
            ]
        )
        == 2
    )
    assert "RFC 7946" in capsys.readouterr().err
    png = tmp_path / "report.png"
    assert (
        main(["--workspace", str(seeded_path), "report", "--plan", "静海区", "--out", str(png)])
        == 0
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_report_embeds_a_cjk_font(seeded, tmp_path: Path):
    pdf = tmp_path / "jinghai.pdf"
    result = export_report(seeded, "静海区", pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and result.paths == [pdf]
    assert b"NotoSansCJK" in data or b"NotoSansSC" in data
    with pytest.raises(ExportError, match=r"\.pdf or \.png"):
        export_report(seeded, "静海区", tmp_path / "x.svg")
