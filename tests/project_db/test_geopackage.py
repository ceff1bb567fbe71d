"""The workspace file is itself a GeoPackage: GDAL (QGIS, ogrinfo) opens it directly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely
from sqlite_utils import Database

from gis_carbon.services import ProjectInput, add_project, edit_project
from project_db.seed_data import seed_project_records, seed_targets
from project_db.sqlite.migrations import migrations
from project_db.sqlite.workspace import Workspace
from tests.export.conftest import ogrinfo, validate_gpkg

pytestmark = pytest.mark.gdal_tools

LAYERS = {
    "projects_point": "Multi Point",
    "projects_line": "Multi Line String",
    "projects_polygon": "Multi Polygon",
    "plan_targets": "None",
}


@pytest.fixture
def gpkg_path(seeded_path: Path) -> Path:
    """The seeded workspace under a .gpkg name (validate_gpkg checks the extension)."""
    path = seeded_path.with_suffix(".gpkg")
    shutil.copyfile(seeded_path, path)
    return path


def _layers(path: Path) -> dict[str, str]:
    """ogrinfo's layer list: name → geometry type."""
    listed = {}
    for line in ogrinfo(path).splitlines():
        head, _, rest = line.partition(": ")
        if head.strip().isdigit():
            name, _, kind = rest.partition(" (")
            listed[name] = kind.rstrip(")")
    return listed


def test_a_seeded_workspace_is_a_valid_geopackage_with_four_layers(gpkg_path: Path) -> None:
    gpkg = gpkg_path
    checked = validate_gpkg(gpkg)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Only the registered layers: no bookkeeping tables (history, totals, migrations).
    assert _layers(gpkg) == LAYERS

    summary = ogrinfo(gpkg, "-so", "-al", "projects_point")
    assert f"Feature Count: {len(seed_project_records())}" in summary
    assert 'ID["EPSG",4326]' in summary
    feature = ogrinfo(gpkg, "projects_point", "-where", "name = '国华大邱庄渔光互补发电项目'")
    assert "capacity (Real) = 100" in feature
    assert "capacity_unit (String) = MW" in feature
    assert "county_code (String) = 120118" in feature
    assert "重点推动国华大邱庄 100MW 渔光互补发电" in feature  # the plan's sentence
    assert "MULTIPOINT ((117.05" in feature

    targets = ogrinfo(gpkg, "-so", "-al", "plan_targets")
    assert f"Feature Count: {len(seed_targets())}" in targets
    jinghai = ogrinfo(
        gpkg, "plan_targets", "-where", "plan_id = 'jinghai' AND value = 280 AND year = 2025"
    )
    assert "全区可再生能源电力装机容量力争达到 280 万千瓦" in jinghai


def test_lines_and_polygons_read_back_by_gdal_as_stored(seeded_path: Path) -> None:
    import geopandas

    rail = "LINESTRING (116.95 38.72, 117.0 38.75, 117.05 38.76)"
    parcels = (
        "MULTIPOLYGON (((116.9 38.8, 116.92 38.8, 116.92 38.82, 116.9 38.8)),"
        " ((116.95 38.8, 116.97 38.8, 116.97 38.82, 116.95 38.8)))"
    )
    pond = "POLYGON ((116.93 38.85, 116.95 38.85, 116.95 38.87, 116.93 38.87, 116.93 38.85))"
    with Workspace(seeded_path) as ws:
        added = {
            wkt: add_project(ws, ProjectInput(name=name, type=kind, capacity=capacity, wkt=wkt)).id
            for name, kind, capacity, wkt in [
                ("唐官屯货运专线（示意）", "freight_rail", "12 km", rail),
                ("造林地块", "forest", "2000 亩", parcels),
                ("渔光互补池塘", "pv_fishery", "20 MW", pond),
            ]
        }
        # Views are live: an edit in the app is what GDAL reads next.
        moved = edit_project(ws, added[pond], {"capacity": "25 MW"})
        assert moved.capacity == 25

    lines = geopandas.read_file(seeded_path, layer="projects_line")
    polygons = geopandas.read_file(seeded_path, layer="projects_polygon").set_index("name")
    assert lines.crs.to_epsg() == 4326
    assert list(lines["name"]) == ["唐官屯货运专线（示意）"]
    assert lines.geometry.iloc[0].equals(shapely.multilinestrings([shapely.from_wkt(rail)]))
    assert polygons.loc["造林地块"].geometry.equals(shapely.from_wkt(parcels))
    assert polygons.loc["渔光互补池塘"].geometry.equals(
        shapely.multipolygons([shapely.from_wkt(pond)])
    )
    assert polygons.loc["渔光互补池塘", "capacity"] == 25
    assert polygons.loc["造林地块", "capacity_unit"] == "亩"
    assert len(geopandas.read_file(seeded_path, layer="projects_point")) == len(
        seed_project_records()
    )


def test_a_workspace_from_before_the_geopackage_migration_becomes_one(tmp_path: Path) -> None:
    path = tmp_path / "older.sqlite"
    db = Database(path)
    migrations.apply(db, stop_before="0005_geopackage")
    assert db.conn.execute("PRAGMA application_id").fetchone()[0] == 0
    db.close()
    with Workspace(path) as ws:
        from gis_carbon.model.project import Project
        from gis_carbon.model.types import Precision, Status

        ws.add_project(
            Project(
                name="王口镇风电",
                type="wind",
                status=Status.PLANNED,
                geometry=shapely.Point(117.0, 38.9),
                capacity=100.0,
                precision=Precision.TOWN,
            )
        )
        assert ws.db.conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert _layers(path) == LAYERS
    assert "MULTIPOINT ((117.0 38.9))" in ogrinfo(path, "projects_point")


def test_bulk_inserts_show_up_in_the_layers(empty_workspace: Workspace) -> None:
    from gis_carbon.model.project import Project
    from gis_carbon.model.types import Precision, Status

    batch = [
        Project(
            name=f"风电{i}",
            type="wind",
            status=Status.PLANNED,
            geometry=shapely.Point(117 + i / 10_000, 39.0),
            capacity=1.0,
            precision=Precision.EXACT,
        )
        for i in range(3000)  # over the bulk threshold: the totals-trigger-free path
    ]
    empty_workspace.add_projects(batch)
    path = empty_workspace.path  # still open in the app: GDAL reads through the WAL
    assert "Feature Count: 3000" in ogrinfo(path, "-so", "-al", "projects_point")
    last = ogrinfo(path, "projects_point", "-where", "name = '风电2999'")
    assert "MULTIPOINT ((117.2999 39.0))" in last


def test_the_default_workspace_is_named_gpkg_unless_an_older_one_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from project_db.sqlite.workspace import WORKSPACE_ENV, default_workspace_path

    monkeypatch.delenv(WORKSPACE_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_workspace_path() == tmp_path / "gis-carbon" / "workspace.gcarbon.gpkg"
    older = tmp_path / "gis-carbon" / "workspace.gcarbon.sqlite"
    older.parent.mkdir()
    Workspace(older).close()
    assert default_workspace_path() == older


def test_user_vector_layers_are_geopackage_tables_too(gpkg_path: Path) -> None:
    from gis_carbon.model.storage import LayerRecord
    from gis_carbon.services.layers import remove_layer
    from project_db.sqlite import gpkg_layers

    features = [
        (
            shapely.box(117.10, 38.88, 117.16, 38.93),
            {"名称": "团泊湖保护区", "面积": 12.5, "级别": 2, "FID": 7, "name": "a", "Name": "b"},
        ),
        (shapely.LineString([(117.0, 38.8), (117.1, 38.9)]), {"名称": "河道", "级别": 2.5}),
        (shapely.Point(117.05, 38.85), {"名称": None, "级别": None, "备注": True}),
    ]
    with Workspace(gpkg_path) as ws:
        ws.add_layer(
            LayerRecord(id="保护区", title_zh="保护区", role="constraint", kind="vector"), features
        )
    checked = validate_gpkg(gpkg_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _layers(gpkg_path)["layer_保护区"] == ""  # GEOMETRY: any type, as imported
    summary = ogrinfo(gpkg_path, "-so", "-al", "layer_保护区")
    assert "Feature Count: 3" in summary
    # Typed columns: a float among ints widens to Real; fid/name clashes get a suffix.
    for field in ("名称: String", "面积: Real", "级别: Real", "FID_2: Integer64", "name: String",
                  "Name_2: String", "备注: Integer64"):  # fmt: skip
        assert field in summary, field
    first = ogrinfo(gpkg_path, "layer_保护区", "-fid", "1")
    assert "名称 (String) = 团泊湖保护区" in first and "POLYGON ((117.16 38.88" in first

    # A layer made before these tables gets its table when the workspace is opened.
    with Workspace(gpkg_path) as ws, ws.transaction() as conn:
        gpkg_layers.drop_layer_table(conn, "保护区")
    assert "layer_保护区" not in _layers(gpkg_path)
    Workspace(gpkg_path).close()
    assert "Feature Count: 3" in ogrinfo(gpkg_path, "-so", "-al", "layer_保护区")

    with Workspace(gpkg_path) as ws:
        remove_layer(ws, "保护区")
    assert _layers(gpkg_path) == LAYERS
    assert validate_gpkg(gpkg_path).returncode == 0
