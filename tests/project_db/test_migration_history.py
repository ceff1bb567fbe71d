"""Migrations that never change: workspace files written by earlier versions (tests/data,
see its README) open, migrate to the schema a new workspace gets, keep their data and accept
every value added since; a value this version does not know is a typed error."""

from __future__ import annotations

import ast
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.errors import WorkspaceError
from gis_carbon.model.plan import Comparator, Metric, Target
from gis_carbon.model.project import YEAR_MAX, YEAR_MIN
from gis_carbon.model.types import PROJECT_TYPES, Precision, Status
from gis_carbon.services.projects import ProjectInput, add_project
from gis_carbon.services.workspace import open_workspace
from project_db.sqlite import migrations
from project_db.sqlite.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data"
HISTORICAL = sorted(DATA.glob("workspace-*.sqlite"))
# (the commit that wrote the file, the migrations it had)
WRITTEN_BY = {
    "workspace-9a14a5c.sqlite": ("0001_core", "0002_layers"),
    "workspace-d7f6322.sqlite": ("0001_core", "0002_layers", "0003_project_totals"),
    "workspace-c832f04.sqlite": ("0001_core", "0002_layers", "0003_project_totals"),
    "workspace-5b16f2e.sqlite": (
        "0001_core",
        "0002_layers",
        "0003_project_totals",
        "0004_projects_enum_checks",
    ),
}


def _schema(path: Path) -> set[tuple[str, str, str, str | None]]:
    with sqlite3.connect(path) as conn:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _columns(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"PRAGMA table_xinfo({table})").fetchall()


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fresh") / "fresh.gcarbon.gpkg"
    Workspace(path).close()
    return path


def test_the_historical_files_are_what_the_readme_says() -> None:
    assert [p.name for p in HISTORICAL] == sorted(WRITTEN_BY)
    for path in HISTORICAL:
        with sqlite3.connect(path) as conn:
            applied = tuple(r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations"))
            assert applied == WRITTEN_BY[path.name]
            assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 53


@pytest.mark.parametrize("historical", HISTORICAL, ids=lambda p: p.stem)
def test_an_old_workspace_migrates_to_the_schema_of_a_new_one(
    historical: Path, fresh_schema: Path, tmp_path: Path
) -> None:
    path = tmp_path / historical.name
    shutil.copyfile(historical, path)
    with Workspace(path) as ws:
        projects = {p.name: p for p in ws.projects()}
        assert len(projects) == 53
        wind = projects["历史风电场"]
        assert (wind.type, wind.capacity, wind.status.value, wind.year) == (
            "wind",
            50.0,
            "construction",
            2024,
        )
        assert wind.regions.county == "120118"
        assert len(ws.history(wind.id or 0)) == 1  # its insert, as the old version wrote it
        assert len(ws.targets()) == 150
    assert _schema(path) == _schema(fresh_schema)
    assert _columns(path, "projects") == _columns(fresh_schema, "projects")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("historical", HISTORICAL, ids=lambda p: p.stem)
def test_an_old_workspace_accepts_every_value_known_today(historical: Path, tmp_path: Path) -> None:
    path = tmp_path / historical.name
    shutil.copyfile(historical, path)
    with open_workspace(path, seed=False) as ws:
        _accepts_every_value(ws)


def test_a_new_workspace_accepts_every_value_of_the_model(tmp_path: Path) -> None:
    """Fails when a Status, Precision, Metric or Comparator value is added to the model
    without the migration that lets workspaces store it (see migrations' docstring)."""
    with open_workspace(tmp_path / "new.gcarbon.gpkg", seed=False) as ws:
        _accepts_every_value(ws)


def _accepts_every_value(ws) -> None:  # type: ignore[no-untyped-def]
    for n, ptype in enumerate(PROJECT_TYPES):
        for status in Status:
            for precision in Precision:
                kind = sorted(ptype.geometry_kinds)[0]
                wkt = {
                    "point": None,
                    "line": "LINESTRING (116.95 38.8, 116.96 38.81)",
                    "polygon": "POLYGON ((116.95 38.8, 116.96 38.8, 116.96 38.81, 116.95 38.8))",
                }[str(kind)]
                stored = add_project(
                    ws,
                    ProjectInput(
                        name=f"{ptype.code} {status.value} {precision.value}",
                        type=ptype.code,
                        status=status.value,
                        precision=precision.value,
                        lon=None if wkt else 116.95 + n / 1000,
                        lat=None if wkt else 38.8,
                        wkt=wkt,
                    ),
                )
                assert (stored.type, stored.status, stored.precision) == (
                    ptype.code,
                    status,
                    precision,
                )
    # every commissioning year the model accepts (丰满 1941: existing stock from 1900 on)
    for year in (YEAR_MIN, 1941, YEAR_MAX):
        stored = add_project(
            ws,
            ProjectInput(name=f"水电 {year}", type="hydro", status="operating", year=year,
                         start_year=year, lon=116.95, lat=38.8),
        )  # fmt: skip
        assert (stored.year, stored.start_year) == (year, year)
    plan = ws.plans()[0] if ws.plans() else None
    if plan is None:
        from gis_carbon.services import plans

        plan = plans.add_plan(ws, name="测试方案", region="120118")
    for metric in Metric:
        for comparator in Comparator:
            target = Target(
                id=f"t.{metric.value}.{comparator.value}",
                plan_id=plan.id,
                region_code=plan.region_code,
                metric=metric,
                name_zh="测试",
                name_en="test",
                year=2025,
                value=1.0,
                unit="%",
                comparator=comparator,
                quote="到2025年，测试。",
                source_file="test.txt",
            )
            assert ws.save_target(target).metric is metric
    assert {t.metric for t in ws.targets()} >= set(Metric)


def test_migrations_read_no_live_enum() -> None:
    source = Path(migrations.__file__).read_text(encoding="utf-8")
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.startswith("gis_carbon.model")}, imported


def test_rebuild_check_adds_a_value_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "ws.gcarbon.gpkg"
    with open_workspace(path) as ws:
        before = ws.count_projects()
    columns_before = _columns(path, "projects")
    with sqlite3.connect(path) as conn:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE projects SET status = 'converted' WHERE id = 1")
        from sqlite_utils import Database

        db = Database(conn)
        with conn:
            migrations.rebuild_check(
                db, "projects", "status", (*migrations.STATUSES_0001, "converted")
            )
            conn.execute("UPDATE projects SET status = 'converted' WHERE id = 1")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the GeoPackage views and virtual geometry columns are back
        assert conn.execute("SELECT count(*) FROM projects_point").fetchone()[0] == before
        assert conn.execute("SELECT count(*) FROM project_totals").fetchone()[0] > 0
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE projects SET status = 'imaginary' WHERE id = 2")
    assert _columns(path, "projects") == columns_before


@pytest.fixture
def newer_workspace(tmp_path: Path) -> Path:
    """A workspace as a newer gis-carbon might write it: a metric this version lacks."""
    from sqlite_utils import Database

    path = tmp_path / "newer.gcarbon.gpkg"
    with open_workspace(path) as ws:
        plan = ws.plan("静海区")
    with sqlite3.connect(path) as conn, conn:
        migrations.rebuild_check(
            Database(conn), "targets", "metric", (*migrations.METRICS_0001, "spacing")
        )
        conn.execute(
            "INSERT INTO targets (id, plan_id, region_code, metric, name_zh, name_en, year,"
            " value, unit, comparator, quote, source_file) VALUES ('jinghai.spacing',"
            " ?, '120118', 'spacing', '充电桩间距', 'charger spacing', 2025, 25, '公里',"
            " 'le', '高速公路服务区充电桩间距不超过25公里。', 'x.txt')",
            (plan.id,),
        )
    return path


def test_an_unknown_stored_value_is_a_typed_error(newer_workspace: Path) -> None:
    with Workspace(newer_workspace) as ws, pytest.raises(WorkspaceError, match="'spacing'"):
        ws.targets()


def test_status_on_a_newer_workspace_says_so_in_one_line(
    newer_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--workspace", str(newer_workspace), "status", "--plan", "静海区"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "'spacing'" in err and "newer gis-carbon" in err
    assert "Traceback" not in err


@pytest.mark.gdal_tools
@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin (ogrinfo)")
@pytest.mark.parametrize("historical", HISTORICAL[:1], ids=lambda p: p.stem)
def test_a_migrated_old_workspace_is_a_geopackage_gdal_reads(
    historical: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.gpkg"
    shutil.copyfile(historical, path)
    Workspace(path).close()
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-q", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "projects_point" in listing and "plan_targets" in listing
    summary = subprocess.run(
        ["ogrinfo", "-ro", "-so", str(path), "projects_point"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Feature Count: 53" in summary
