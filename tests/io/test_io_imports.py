"""import_file on real files into real workspaces: what lands, and that a refused file
leaves the workspace byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from io_testfiles import (
    JINGHAI,
    LEDGER_ROWS,
    sha256,
    write_gbk_shapefile,
    write_geotiff,
    write_kmz,
    write_ledger,
    write_tiff_header,
    zip_with_gbk_names,
)

from gis_carbon.errors import InputFileError
from gis_carbon.feedback import RecordingFeedback
from gis_carbon.io import InputRowsError
from gis_carbon.services.imports import ImportCancelled, import_file
from project_db.sqlite.workspace import Workspace


def _refused(path: Path, source: Path, match: str, **kwargs: object) -> InputFileError:
    """Import ``source`` into the workspace at ``path``; it must fail and change nothing."""
    before = sha256(path)
    ws = Workspace(path)
    try:
        count = ws.count_projects()
        layers = len(ws.layers())
        with pytest.raises(InputFileError, match=match) as info:
            import_file(ws, source, **kwargs)  # type: ignore[arg-type]
        assert ws.count_projects() == count
        assert len(ws.layers()) == layers
    finally:
        ws.close()
    assert sha256(path) == before
    return info.value


def test_dms_ledger_creates_projects_in_the_right_counties(
    seeded_path: Path, tmp_path: Path
) -> None:
    ledger = write_ledger(tmp_path / "台账.xlsx")
    with Workspace(seeded_path) as ws:
        before = ws.count_projects()
        result = import_file(ws, ledger)
        assert ws.count_projects() == before + 4
        stored = {p.name: p for p in ws.projects() if p.source == "import:台账.xlsx"}
    assert result.mode == "projects" and result.count == 4
    assert {n: p.regions.county for n, p in stored.items()} == {
        "大邱庄渔光互补": "120118",
        "中旺镇风电": "120118",
        "红桥屋顶光伏": "120106",
        "津市渔光互补": "430781",
    }
    wind = stored["中旺镇风电"]
    assert (wind.type, wind.capacity, wind.status.value, wind.year) == (
        "wind",
        100.0,
        "preparatory",
        2024,
    )  # 10万千瓦 in the cell = 100 MW
    pv = stored["大邱庄渔光互补"]
    assert (pv.capacity, pv.year, pv.notes) == (100.0, 2025, "静海")
    assert pv.lonlat == pytest.approx((116 + 55 / 60 + 30 / 3600, 38 + 56 / 60))
    assert pv.attributes == {"序号": 1}


def test_batch_region_assignment_equals_the_per_project_service(
    seeded_path: Path, tmp_path: Path
) -> None:
    from gis_carbon.services.regions import with_regions

    with Workspace(seeded_path) as ws:
        result = import_file(ws, write_ledger(tmp_path / "台账.xlsx"), dry_run=True)
    for project in result.projects:
        assert project.regions == with_regions(project).regions


def test_dry_run_previews_and_writes_nothing(seeded_path: Path, tmp_path: Path) -> None:
    before = sha256(seeded_path)
    with Workspace(seeded_path) as ws:
        result = import_file(ws, write_ledger(tmp_path / "台账.xlsx"), dry_run=True)
    assert result.dry_run and [p.regions.county for p in result.projects] == [
        "120118",
        "120118",
        "120106",
        "430781",
    ]
    assert all(p.id is None for p in result.projects)
    assert sha256(seeded_path) == before


def test_bad_capacity_rejects_the_ledger_and_names_the_row(
    seeded_path: Path, tmp_path: Path
) -> None:
    rows = list(LEDGER_ROWS)
    rows[1] = (2, "中旺镇风电", "风电", "12,5 MW", "前期", 2024, "116 50 00", "38 51 00", "")
    rows[3] = (4, "津市渔光互补", "渔光互补", 50, "投产", 2022, "NaN", "29°36′20″N", "")
    error = _refused(seeded_path, write_ledger(tmp_path / "坏台账.xlsx", rows), "坏台账.xlsx")
    assert isinstance(error, InputRowsError)
    assert len(error.problems) == 2  # both rows reported together
    assert error.problems[0].startswith("row 5:") and "12,5 MW" in error.problems[0]
    assert error.problems[1].startswith("row 7:") and "not a finite" in error.problems[1]


def test_bare_number_without_unit_is_refused(seeded_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "无单位.csv"
    path.write_text(
        "项目名称,类型,装机容量,经度,纬度\n风电A,风电,100,116.9,38.9\n", encoding="utf-8"
    )
    error = _refused(seeded_path, path, "row 2")
    assert "no unit" in str(error)


def test_gbk_shapefile_as_township_layer(seeded_path: Path, tmp_path: Path) -> None:
    shp = write_gbk_shapefile(tmp_path / "shp")
    with Workspace(seeded_path) as ws:
        result = import_file(ws, shp, as_layer="township")
        layer = ws.layer("township")
        features = ws.layer_features("township")
    assert result.encoding == "gb18030"
    assert (
        layer.role,
        layer.params["level"],
        layer.params["code_field"],
        layer.params["name_field"],
    ) == ("boundary", "township", "XZQDM", "XZQMC")
    assert [p["XZQMC"] for _, p in features] == ["静海镇", "大邱庄镇"]
    assert features[0][0].bounds == pytest.approx((116.90, 38.90, 116.96, 38.96))
    assert not any("\ufffd" in str(p) for _, p in features)


def test_zipped_gbk_names_as_exclusion_layer(seeded_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    write_gbk_shapefile(folder, stem="基本农田")
    archive = zip_with_gbk_names(sorted(folder.iterdir()), tmp_path / "基本农田.zip")
    with Workspace(seeded_path) as ws:
        import_file(ws, archive, role="exclusion")
        import_file(ws, archive, as_layer="缓冲", role="setback", distance_m=500)
        constraints = {layer.id: layer for layer in ws.layers(role="constraint")}
        features = ws.layer_features("基本农田")
    assert constraints["基本农田"].params == {"constraint": "exclusion"}
    assert constraints["缓冲"].params == {"constraint": "setback", "distance_m": 500.0}
    assert [p["XZQMC"] for _, p in features] == ["静海镇", "大邱庄镇"]


def test_setback_without_distance_is_refused(seeded_path: Path, tmp_path: Path) -> None:
    _refused(seeded_path, write_gbk_shapefile(tmp_path / "s"), "--distance-m", role="setback")


def test_kmz_projects_from_chinese_extended_data(seeded_path: Path, tmp_path: Path) -> None:
    with Workspace(seeded_path) as ws:
        result = import_file(ws, write_kmz(tmp_path / "奥维.kmz"))
    (project,) = result.projects
    assert (project.name, project.type, project.capacity, project.status.value) == (
        "国华大邱庄100MW渔光互补",
        "pv_fishery",
        100.0,
        "construction",
    )
    assert project.owner == "国华能源投资有限公司"
    assert project.regions.county == "120118"
    assert project.lonlat == pytest.approx(JINGHAI)


def test_gk39_shapefile_lands_where_it_should(seeded_path: Path, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"项目名称": ["风电B"], "类型": ["风电"], "规模": ["50MW"]},
        geometry=[Point(*JINGHAI)],
        crs="EPSG:4326",
    )
    for code in ("EPSG:4527", "EPSG:4548"):
        path = tmp_path / f"gk{code[5:]}.gpkg"
        frame.to_crs(code).to_file(path, driver="GPKG")
        with Workspace(seeded_path) as ws:
            (project,) = import_file(ws, path).projects
        assert project.lonlat == pytest.approx(JINGHAI, abs=1e-7)
        assert project.regions.county == "120118"


@pytest.mark.parametrize(
    "kind", ["broken_shp", "missing_prj", "zip_bomb", "traversal", "broken_xlsx", "huge_raster"]
)
def test_each_bad_input_one_clear_error_and_workspace_unchanged(
    kind: str, seeded_path: Path, tmp_path: Path
) -> None:
    import zipfile

    if kind == "broken_shp":
        source = write_gbk_shapefile(tmp_path / "b", stem="坏")
        source.write_bytes(source.read_bytes()[:60])  # truncated mid-header
        _refused(seeded_path, source, "坏.shp", as_layer="x")
    elif kind == "missing_prj":
        _refused(seeded_path, write_gbk_shapefile(tmp_path / "p", crs=None), "--crs", as_layer="x")
    elif kind == "zip_bomb":
        source = tmp_path / "bomb.zip"
        with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("a.shp", b"\0" * (50 * 1024 * 1024))
        _refused(seeded_path, source, "zip bomb", as_layer="x")
    elif kind == "traversal":
        source = tmp_path / "t.kmz"
        with zipfile.ZipFile(source, "w") as z:
            z.writestr("../../doc.kml", b"<kml/>")
        _refused(seeded_path, source, "path traversal")
    elif kind == "broken_xlsx":
        source = write_ledger(tmp_path / "台账.xlsx")
        source.write_bytes(source.read_bytes()[:2000])
        _refused(seeded_path, source, "台账.xlsx")
    elif kind == "huge_raster":
        source = write_tiff_header(tmp_path / "dem.tif", 100_000, 100_000, bits=32)
        _refused(seeded_path, source, "budget")
        assert not (seeded_path.parent / f"{seeded_path.name}.layers").exists()


def test_raster_is_copied_beside_the_workspace(seeded_path: Path, tmp_path: Path) -> None:
    tif = write_geotiff(tmp_path / "光照.tif")
    with Workspace(seeded_path) as ws:
        result = import_file(ws, tif, as_layer="solar", role="resource")
        layer = ws.layer("solar")
    assert result.layer is not None and layer.kind == "raster" and layer.role == "resource"
    assert layer.crs == "EPSG:4490"
    copy = Path(layer.path or "")
    assert copy.parent == seeded_path.parent / f"{seeded_path.name}.layers"
    assert sha256(copy) == sha256(tif)
    assert (layer.params["width"], layer.params["height"]) == (60, 40)


def test_cancel_before_the_write_leaves_nothing(seeded_path: Path, tmp_path: Path) -> None:
    ledger = write_ledger(tmp_path / "台账.xlsx")

    class CancelBeforeTheWrite(RecordingFeedback):
        def progress(self, fraction: float, message: str = "") -> None:
            super().progress(fraction, message)
            if fraction >= 0.8:
                self.cancel()

    seen = CancelBeforeTheWrite()
    before = sha256(seeded_path)
    with Workspace(seeded_path) as ws, pytest.raises(ImportCancelled):
        import_file(ws, ledger, feedback=seen)
    assert sha256(seeded_path) == before
    assert seen.messages[0].startswith("reading")


def test_duplicate_layer_name_refused(seeded_path: Path, tmp_path: Path) -> None:
    shp = write_gbk_shapefile(tmp_path / "a")
    with Workspace(seeded_path) as ws:
        import_file(ws, shp, as_layer="乡镇")
    _refused(seeded_path, shp, "already", as_layer="乡镇")


def test_a_ledgers_sixty_seconds_are_carried_with_a_note(seeded_path: Path, tmp_path: Path) -> None:
    # national ledgers round 59.996″ to "60.00″": imported at the next minute, and said so
    rows = [
        (1, "大邱庄渔光互补", "渔光互补", 100, "规划", 2025, "116°55′60.00″E", "38°56′00″N", ""),
        (2, "中旺镇风电", "风电", 100, "前期", 2024, "116°50′00″E", "38°50′60″N", ""),
        (3, "沿庄光伏", "地面光伏", 20, "规划", 2025, "116°51′00″E", "38°49′12″N", ""),
    ]
    ledger = write_ledger(tmp_path / "台账.xlsx", rows)
    with Workspace(seeded_path) as ws:
        result = import_file(ws, ledger, dry_run=True)
    lonlat = {p.name: p.lonlat for p in result.projects}
    assert lonlat["大邱庄渔光互补"] == pytest.approx((116 + 56 / 60, 38 + 56 / 60))
    assert lonlat["中旺镇风电"] == pytest.approx((116 + 50 / 60, 38 + 51 / 60))
    assert "2 DMS seconds written as 60″ carried into the minute (row 4, row 5)" in result.notes
