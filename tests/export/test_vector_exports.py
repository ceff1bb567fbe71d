"""Shapefile, GeoPackage, GeoJSON and KML/KMZ read back by GDAL's own ogrinfo."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import Point

from gis_carbon.errors import ExportError
from gis_carbon.export.shapefile import field_names, truncate_bytes
from gis_carbon.model.project import Project
from gis_carbon.model.types import Status
from gis_carbon.services.exports import export
from tests.export.conftest import feature_counts, ogrinfo, validate_gpkg

JINGHAI = "120118"
FIRST = "国华大邱庄渔光互补发电项目"


def jinghai_count(ws) -> int:
    return len(ws.projects(region_code=JINGHAI))


# ------------------------------------------------------------------ field names, pure
def test_field_names_fit_ten_bytes_without_cutting_a_character():
    columns = ["装机容量兆瓦数", "装机容量兆瓦数量", "capacity_unit", "capacity_units", "id"]
    utf8 = field_names(columns, "UTF-8")
    gbk = field_names(columns, "GBK")
    for mapping, codec in ((utf8, "utf-8"), (gbk, "gbk")):
        names = list(mapping.values())
        assert len({n.casefold() for n in names}) == len(names)
        for name in names:
            assert len(name.encode(codec)) <= 10
            name.encode(codec).decode(codec)  # whole characters only
    assert utf8["装机容量兆瓦数"] == "装机容"  # 3 characters x 3 bytes
    assert gbk["装机容量兆瓦数"] == "装机容量兆"  # 5 characters x 2 bytes
    assert utf8["capacity_unit"] == "capacity_u"
    assert utf8["capacity_units"] == "capacity_1"
    assert truncate_bytes("静海区" * 100, 254, "utf-8") == "静海区" * 28  # 84 x 3 = 252 bytes


# ------------------------------------------------------------------ shapefile
@pytest.mark.gdal_tools
def test_shapefile_of_jinghai_reads_back_in_ogrinfo(seeded, tmp_path: Path, jinghai_seeded):
    result = export(seeded, "shp", tmp_path / "jinghai.shp", plan="静海区")
    assert result.projects == jinghai_count(seeded) == jinghai_seeded
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".fields.csv"):
        assert (tmp_path / f"jinghai{suffix}").exists(), suffix
    assert (tmp_path / "jinghai.cpg").read_text().strip() == "UTF-8"
    assert feature_counts(tmp_path / "jinghai.shp") == {"jinghai": jinghai_seeded}
    values = ogrinfo("-al", tmp_path / "jinghai.shp")
    assert f"name (String) = {FIRST}" in values
    assert "capacity (Real) = 100" in values
    assert 'GEOGCRS["WGS 84"' in values
    # the long quotes were cut, and the report says so
    assert any(line.startswith("quote:") for line in result.report) or any(
        "254" in line for line in result.report
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jinghai")]


@pytest.mark.gdal_tools
def test_shapefile_gbk_with_chinese_field_names_and_loss_report(empty_workspace, tmp_path):
    ws = empty_workspace
    from tests.export.test_tabular_exports import add_plain

    long_note = "静海区大邱庄镇渔光互补" * 30  # 330 characters: beyond 254 bytes in any codec
    add_plain(
        ws,
        "风电场一期",
        notes=long_note,
        attributes={"装机容量兆瓦数": "甲", "装机容量兆瓦数量": "乙", "投资额元": 5_000_000_000},
    )
    result = export(ws, "shp", tmp_path / "gbk.shp", encoding="gbk")
    assert (tmp_path / "gbk.cpg").read_text().strip() == "GBK"
    dbf = (tmp_path / "gbk.dbf").read_bytes()
    assert "风电场一期".encode("gbk") in dbf and "风电场一期".encode() not in dbf
    assert "装机容量兆".encode("gbk") in dbf  # a 10-byte GBK field name
    values = ogrinfo("-al", tmp_path / "gbk.shp")
    assert "name (String) = 风电场一期" in values
    assert "装机容量兆 (String) = 甲" in values
    assert "装机容量_1 (String) = 乙" in values
    assert "投资额元 (Integer64) = 5000000000" in values
    notes_line = next(line for line in values.splitlines() if "notes (String) = " in line)
    kept = notes_line.split(" = ", 1)[1]
    assert long_note.startswith(kept) and len(kept.encode("gbk")) <= 254
    assert len(kept) == 127  # 127 characters x 2 bytes = 254
    report = "\n".join(result.report)
    assert "notes: 1" in report and "254" in report
    assert "投资额元" in report and "32" in report
    assert "created_at" in report
    sidecar = (tmp_path / "gbk.fields.csv").read_text(encoding="utf-8-sig")
    assert "装机容量_1,装机容量兆瓦数量," in sidecar


@pytest.mark.gdal_tools
def test_shapefile_zip_holds_every_part(seeded, tmp_path: Path, jinghai_seeded):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    result = export(seeded, "shp", tmp_path / "jinghai.shp", plan="静海区", as_zip=True)
    assert result.paths == [tmp_path / "jinghai.zip"]
    with zipfile.ZipFile(tmp_path / "jinghai.zip") as archive:
        names = set(archive.namelist())
    assert {"jinghai.shp", "jinghai.dbf", "jinghai.shx", "jinghai.prj", "jinghai.cpg"} <= names
    assert feature_counts(f"/vsizip/{tmp_path / 'jinghai.zip'}/jinghai.shp") == {
        "jinghai": jinghai_seeded
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jinghai.zip"]


@pytest.mark.gdal_tools
def test_shapefile_splits_geometry_kinds(empty_workspace, tmp_path: Path):
    from shapely.geometry import LineString

    from tests.export.test_tabular_exports import add_plain

    add_plain(empty_workspace, "光伏一号")
    add_plain(
        empty_workspace,
        "唐官屯货运专线",
        type="freight_rail",
        geometry=LineString([(116.9, 38.7), (117.0, 38.75)]),
        capacity=12.5,
    )
    result = export(empty_workspace, "shp", tmp_path / "mixed.shp")
    assert feature_counts(tmp_path / "mixed_point.shp") == {"mixed_point": 1}
    assert feature_counts(tmp_path / "mixed_line.shp") == {"mixed_line": 1}
    assert "LINESTRING (116.9 38.7,117.0 38.75)" in ogrinfo("-al", tmp_path / "mixed_line.shp")
    assert any("geometry kind" in line for line in result.report)


# ------------------------------------------------------------------ geopackage
@pytest.mark.gdal_tools
def test_geopackage_validates_and_round_trips(seeded, tmp_path: Path, jinghai_seeded):
    import pyogrio

    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    path = tmp_path / "jinghai.gpkg"
    result = export(seeded, "gpkg", path, plan="静海区")
    assert result.paths == [path]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jinghai.gpkg"]  # no -wal / -shm
    checked = validate_gpkg(path)
    assert checked.returncode == 0 and checked.stdout.strip() == "", checked.stdout + checked.stderr
    targets = seeded.targets("jinghai")
    assert feature_counts(path) == {"projects": jinghai_seeded, "plans": 1, "targets": len(targets)}
    summary = ogrinfo("-so", path, "plans")
    assert "Geometry: None" in summary
    assert f"name (String) = {FIRST}" in ogrinfo("-al", path, "projects")

    frame = pyogrio.read_dataframe(path, layer="projects")
    assert frame.crs.to_epsg() == 4326
    projects = {p.id: p for p in seeded.projects(region_code=JINGHAI)}
    assert sorted(frame["id"]) == sorted(projects)
    for row in frame.itertuples():
        p = projects[row.id]
        assert row.geometry.equals_exact(p.geometry, 0)  # bit-for-bit coordinates
        assert row.name == p.name and row.type == p.type and row.status == p.status.value
        assert (row.capacity if row.capacity == row.capacity else None) == p.capacity
        assert row.quote == p.quote
        assert json.loads(row.attributes or "{}") == dict(p.attributes)
        assert row.county == p.regions.county
    table = pyogrio.read_dataframe(path, layer="targets", read_geometry=False)
    by_id = {t.id: t for t in targets}
    renewables = table[table["id"] == "jinghai.renewables_capacity.2025"].iloc[0]
    assert renewables["quote"] == by_id["jinghai.renewables_capacity.2025"].quote
    assert renewables["value"] == 280 and renewables["unit"] == "万千瓦"


# ------------------------------------------------------------------ geojson
@pytest.mark.gdal_tools
def test_geojson_is_rfc7946(seeded, tmp_path: Path, jinghai_seeded):
    path = tmp_path / "jinghai.geojson"
    export(seeded, "geojson", path, plan="静海区")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    projects = {p.id: p for p in seeded.projects(region_code=JINGHAI)}
    assert len(data["features"]) == jinghai_seeded
    for f in data["features"]:
        p = projects[f["id"]]
        assert f["geometry"]["coordinates"] == [p.geometry.x, p.geometry.y]  # lon, lat
        assert f["properties"]["name"] == p.name
        assert f["properties"]["marker-color"] == p.project_type.colour
    assert list(feature_counts(path).values()) == [jinghai_seeded]
    assert FIRST in ogrinfo("-al", path)
    with pytest.raises(ExportError, match="RFC 7946"):
        export(seeded, "geojson", tmp_path / "x.geojson", coords="gcj02")
    assert not (tmp_path / "x.geojson").exists()


# ------------------------------------------------------------------ kml / kmz
@pytest.mark.gdal_tools
@pytest.mark.parametrize("fmt", ["kml", "kmz"])
def test_kml_styled_by_type_with_extended_data(seeded, tmp_path: Path, fmt: str, jinghai_seeded):
    path = tmp_path / f"jinghai.{fmt}"
    export(seeded, fmt, path, plan="静海区")
    if fmt == "kmz":
        with zipfile.ZipFile(path) as archive:
            assert archive.namelist()[0] == "doc.kml"
            text = archive.read("doc.kml").decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    # 渔光互补 #1f78b4 -> KML aabbggrr ffb4781f
    assert '<Style id="type-pv_fishery"><IconStyle><color>ffb4781f</color>' in text
    # 静海区's wind farms are placed at their town's point: the approximate style of wind
    assert "<styleUrl>#type-wind-approximate</styleUrl>" in text
    assert '<SimpleField type="string" name="quote"><displayName>方案原文</displayName>' in text
    assert "WGS 84" in text and "GCJ-02" not in text
    assert list(feature_counts(path).values()) == [jinghai_seeded]
    values = ogrinfo("-al", path)
    assert f"Name (String) = {FIRST}" in values


@pytest.mark.gdal_tools
def test_kml_extended_data_is_typed_for_qgis(seeded, tmp_path: Path):
    """A <Schema> of SimpleFields: GDAL (QGIS) reads capacity as Real and year as Integer."""
    path = tmp_path / "jinghai.kml"
    export(seeded, "kml", path, plan="静海区")
    summary = ogrinfo("-al", "-so", path)
    fields = dict(line.split(": ", 1) for line in summary.splitlines() if line.endswith("(0.0)"))
    assert {k: fields[k] for k in ("id", "capacity", "energy", "year", "start_year")} == {
        "id": "Integer (0.0)",
        "capacity": "Real (0.0)",
        "energy": "Real (0.0)",
        "year": "Integer (0.0)",
        "start_year": "Integer (0.0)",
    }
    assert fields["type_zh"] == fields["quote"] == fields["county"] == "String (0.0)"
    project = next(p for p in seeded.projects(region_code=JINGHAI) if p.name == FIRST)
    values = ogrinfo("-al", "-where", f"id = {project.id}", path)
    assert f"  capacity (Real) = {project.capacity:g}" in values
    assert f"  id (Integer) = {project.id}" in values
    assert "  county (String) = 120118" in values
    dated = next(p for p in seeded.projects(region_code=JINGHAI) if p.year is not None)
    values = ogrinfo("-al", "-where", f"year = {dated.year} AND id = {dated.id}", path)
    assert "Feature Count: 1" in values and f"  year (Integer) = {dated.year}" in values


def test_kml_gcj02_for_ovitalmap(seeded, tmp_path: Path):
    from gis_carbon.geo.chinese_coords import wgs84_to_gcj02

    path = tmp_path / "ovital.kml"
    result = export(seeded, "kml", path, plan="静海区", coords="gcj02")
    text = path.read_text(encoding="utf-8")
    assert "GCJ-02" in text.split("<Style", 1)[0]  # said in the document's description
    project = next(p for p in seeded.projects(region_code=JINGHAI) if p.name == FIRST)
    lon, lat = wgs84_to_gcj02(project.geometry.x, project.geometry.y)
    assert f"<coordinates>{float(lon)!r},{float(lat)!r}</coordinates>" in text
    assert f"{project.geometry.x!r},{project.geometry.y!r}" not in text
    assert result.coords == "gcj02" and any("GCJ-02" in line for line in result.report)


def test_kml_escapes_markup_in_names(empty_workspace, tmp_path: Path):
    import xml.etree.ElementTree as ET

    from tests.export.test_tabular_exports import add_plain

    add_plain(empty_workspace, "A&B <光伏> \x01项目")
    export(empty_workspace, "kml", tmp_path / "x.kml")
    root = ET.parse(tmp_path / "x.kml").getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert root.find(".//k:Placemark/k:name", ns).text == "A&B <光伏> 项目"


def test_project_helper_is_real(empty_workspace):
    """The helper the tests use stores a real project (guards the fixtures above)."""
    from tests.export.test_tabular_exports import add_plain

    stored = add_plain(empty_workspace, "测试")
    assert isinstance(stored, Project) and stored.status is Status.PLANNED
    assert stored.geometry.equals(Point(117.0, 38.8))


def test_kml_marks_approximate_placemarks(seeded, tmp_path: Path):
    """A project placed at its district's or town's point has the approximate style (open
    icon) and says how far off it may be (10 km for a district, 5 km for a town); its
    precision is in the ExtendedData. An exact one keeps its type's style."""
    import re

    path = tmp_path / "hongqiao.kml"
    export(seeded, "kml", path, plan="红桥区")
    text = path.read_text(encoding="utf-8")
    assert '<Style id="type-substation-approximate"><IconStyle><color>b3' in text.replace("\n", "")
    assert "open-diamond.png" in text
    precision = {p.id: p.precision.value for p in seeded.projects(plan_id="hongqiao")}
    assert set(precision.values()) == {"district", "town"}  # the district's and 丁字沽's points
    placemarks = re.findall(r"<Placemark>.*?</Placemark>", text, re.S)
    assert len(placemarks) == len(precision)
    sentence = {
        "district": "位置为区县代表点，实际位置可能相差约 10 km",
        "town": "位置为乡镇代表点，实际位置可能相差约 5 km",
    }
    seen = []
    for placemark in placemarks:
        pid = int(re.search(r'<SimpleData name="id">(\d+)</SimpleData>', placemark).group(1))
        expected = precision[pid]
        seen.append(pid)
        assert re.search(r"<styleUrl>#type-[a-z_]+-approximate</styleUrl>", placemark)
        assert f'<SimpleData name="precision">{expected}</SimpleData>' in placemark
        assert sentence[expected] in placemark
        other = next(v for k, v in sentence.items() if k != expected)
        assert other not in placemark
    assert sorted(seen) == sorted(precision)
    jinghai = tmp_path / "jinghai.kml"
    export(seeded, "kml", jinghai, plan="静海区")
    exact = [
        p
        for p in re.findall(r"<Placemark>.*?</Placemark>", jinghai.read_text("utf-8"), re.S)
        if '<SimpleData name="precision">exact</SimpleData>' in p
    ]
    assert len(exact) == 2
    assert all("-approximate</styleUrl>" not in p and "代表点" not in p for p in exact)
