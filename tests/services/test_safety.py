"""Workspace safety: bad files are one-line typed errors, backup while another connection
writes, a checked restore, `check` finding damage, and a newer workspace left untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.errors import InputFileError, WorkspaceError
from gis_carbon.services.imports import import_file
from gis_carbon.services.projects import ProjectInput, add_project
from gis_carbon.services.workspace import open_workspace
from project_db.sqlite.workspace import Workspace
from tests.io.io_testfiles import write_geotiff, write_ledger

DATA = Path(__file__).resolve().parents[1] / "data"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _corrupt_member(xlsx: Path, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """Flip bytes inside one compressed member: the zip directory stays readable, the
    member's deflate stream does not (what openpyxl met as zlib.error)."""
    with zipfile.ZipFile(xlsx) as archive:
        info = archive.getinfo(member)
    data = bytearray(xlsx.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 8
    for i in range(start, start + 24):
        data[i] ^= 0x5A
    xlsx.write_bytes(bytes(data))
    return xlsx


# ------------------------------------------------------------------ typed reader errors
def test_a_corrupt_xlsx_is_one_line_exit_2_and_nothing_changes(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = _corrupt_member(write_ledger(tmp_path / "台账.xlsx"))
    before = digest(seeded_path)
    assert main(["--workspace", str(seeded_path), "import", str(ledger)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "台账.xlsx" in err
    assert "Traceback" not in err
    assert digest(seeded_path) == before


def test_a_geojson_that_is_not_utf8_is_a_typed_error(seeded, tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    text = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"风电"},'
    text += '"geometry":{"type":"Point","coordinates":[117.0,38.9]}}]}'
    path.write_bytes(text.encode("utf-8").replace("风电".encode(), b"\xff\xfe\xfd"))
    with pytest.raises(InputFileError, match=r"bad\.geojson"):
        import_file(seeded, path, as_layer="bad")


def test_a_truncated_geotiff_is_refused_not_imported(seeded, tmp_path: Path) -> None:
    tif = write_geotiff(tmp_path / "slope.tif", width=600, height=400)
    tif.write_bytes(tif.read_bytes()[: tif.stat().st_size // 2])
    layers = len(seeded.layers())
    with pytest.raises(InputFileError, match=r"slope\.tif"):
        import_file(seeded, tif, as_layer="slope", role="resource")
    assert len(seeded.layers()) == layers


def test_control_characters_are_stripped_with_a_note(seeded, tmp_path: Path) -> None:
    csv = tmp_path / "台账.csv"
    csv.write_text(
        "项目名称,项目类型,装机容量(MW),建设状态,经度,纬度\n风电\x00一号,风电,50,规划,116.95,38.85\n",
        encoding="utf-8",
    )
    result = import_file(seeded, csv)
    assert [p.name for p in result.projects] == ["风电一号"]
    assert any("control characters" in n and "row 2" in n for n in result.notes)


def test_a_repaired_polygon_is_reported_by_row_with_what_changed(seeded, tmp_path: Path) -> None:
    bowtie = [[116.9, 38.8], [117.0, 38.9], [117.0, 38.8], [116.9, 38.9], [116.9, 38.8]]
    path = tmp_path / "园区.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "园区"},
                        "geometry": {"type": "Polygon", "coordinates": [bowtie]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    result = import_file(seeded, path, as_layer="parks")
    (note,) = [n for n in result.notes if "repaired" in n]
    assert "feature 1" in note and "Self-intersection" in note and "1 part(s) → 2" in note


# ------------------------------------------------------------------ backup and restore
def test_backup_while_another_connection_writes_passes_check_and_restores(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Workspace(seeded_path) as ws:
        seeded_count = ws.count_projects()
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        with open_workspace(seeded_path, seed=False) as ws:
            n = 0
            while not stop.is_set() and n < 200:
                n += 1
                project = add_project(
                    ws,
                    ProjectInput(
                        name=f"并发{n}", type="wind", capacity="5 MW", lon=116.95, lat=38.85
                    ),
                )
                written.append(project.id or 0)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.01)
        backup = tmp_path / "backup.gpkg"
        assert main(["--workspace", str(seeded_path), "backup", str(backup)]) == 0
    finally:
        stop.set()
        thread.join()
    assert main(["--workspace", str(backup), "check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok:")
    with Workspace(backup, create=False) as copy:
        in_copy = copy.count_projects()
    assert seeded_count + 5 <= in_copy <= seeded_count + len(written)

    assert main(["--workspace", str(seeded_path), "restore", str(backup)]) == 0
    with Workspace(seeded_path, create=False) as ws:
        assert ws.count_projects() == in_copy
    kept = seeded_path.with_name(seeded_path.name + ".before-restore")
    with Workspace(kept, create=False) as old:
        assert old.count_projects() == seeded_count + len(written)


def test_restoring_a_damaged_backup_is_refused_and_changes_nothing(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "damaged.gpkg"
    with open_workspace(seeded_path) as ws:
        ws.backup(damaged)
    _flip(damaged)
    before = digest(seeded_path)
    assert main(["--workspace", str(seeded_path), "restore", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert "damaged.gpkg" in err and len(err.strip().splitlines()) == 1
    assert digest(seeded_path) == before
    assert not seeded_path.with_name(seeded_path.name + ".before-restore").exists()


# ------------------------------------------------------------------ check
def _flip(path: Path) -> None:
    """Byte flips in eight places past the header: b-tree pages of every part of the file."""
    data = bytearray(path.read_bytes())
    for k in range(1, 9):
        at = len(data) * k // 10
        for i in range(at, at + 128):
            data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_check_names_a_broken_total_and_a_broken_foreign_key(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(seeded_path) as conn:
        conn.execute(
            "UPDATE project_totals SET n = n + 5 WHERE county_code = '120118' AND type = 'wind'"
        )
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO targets (id, plan_id, region_code, metric, name_zh, name_en, year, value,"
            " unit, comparator, quote, source_file) VALUES ('orphan', 'no-such-plan', '120118',"
            " 'count', 'x', 'x', 2025, 1, '个', 'ge', 'x。', 'x.txt')"
        )
    assert main(["--workspace", str(seeded_path), "check"]) == 1
    err = capsys.readouterr().err
    assert "totals: 120118 wind" in err and "the projects give" in err
    assert "foreign key: targets" in err and "plans" in err


def test_check_finds_a_byte_flipped_copy(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flipped = tmp_path / "flipped.gpkg"
    with open_workspace(seeded_path) as ws:
        ws.backup(flipped)
    _flip(flipped)
    assert main(["--workspace", str(flipped), "check"]) == 1
    err = capsys.readouterr().err
    assert "malformed" in err or "integrity" in err or "damaged text: " in err
    assert "Traceback" not in err


def test_check_finds_a_project_stored_in_the_wrong_county(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(seeded_path) as conn:
        conn.execute("UPDATE projects SET county_code = '120106' WHERE id = 1")
    assert main(["--workspace", str(seeded_path), "check"]) == 1
    err = capsys.readouterr().err
    assert "regions: project 1" in err and "county 120106" in err and "120118" in err


# ------------------------------------------------------------------ versions
def test_a_workspace_from_a_newer_version_is_refused_untouched(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(seeded_path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('gis_carbon', '0099_from_the_future', '2027-01-01')"
        )
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(seeded_path)
    with pytest.raises(WorkspaceError, match="0099_from_the_future") as caught:
        Workspace(seeded_path)
    assert "newer gis-carbon" in str(caught.value) and "0.1.0" in str(caught.value)
    assert digest(seeded_path) == before
    assert main(["--workspace", str(seeded_path), "plans"]) == 2
    assert "0099_from_the_future" in capsys.readouterr().err
    assert digest(seeded_path) == before


def test_an_old_workspace_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    old = tmp_path / "old.gcarbon.gpkg"
    shutil.copyfile(DATA / "workspace-5b16f2e.sqlite", old)
    Workspace(old).close()
    kept = tmp_path / "old.gcarbon.gpkg.before-0005_geopackage.gpkg"
    assert kept.exists()
    with sqlite3.connect(kept) as conn:
        applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert applied[-1] == "0004_projects_enum_checks"
        assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 53  # as written
    # a new workspace has nothing to keep
    Workspace(tmp_path / "new.gcarbon.gpkg").close()
    assert not list(tmp_path.glob("new.gcarbon.gpkg.before-*"))
