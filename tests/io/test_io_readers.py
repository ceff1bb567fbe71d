"""The readers on real files: encodings, archives, DMS text, merged headers, CRSs, rasters."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from io_testfiles import (
    JINGHAI,
    write_gbk_shapefile,
    write_geotiff,
    write_kmz,
    write_ledger,
    write_tiff_header,
    zip_with_gbk_names,
)

from gis_carbon.errors import CoordinateError, InputFileError
from gis_carbon.io import ArchiveLimits, inspect_archive, parse_coordinate, read_vector
from gis_carbon.io.encoding import detect_encoding, shapefile_encoding
from gis_carbon.io.raster import check_raster_budget, tiff_size
from gis_carbon.io.tabular import detect_mapping, header_unit, read_table, table_records


# ------------------------------------------------------------------ coordinates
@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("117°03′52″E", "lon", 117 + 3 / 60 + 52 / 3600),
        ("39°09′26″N", "lat", 39 + 9 / 60 + 26 / 3600),
        ("117 03 52", "lon", 117 + 3 / 60 + 52 / 3600),
        ("117°03'52\"", "lon", 117 + 3 / 60 + 52 / 3600),
        ("东经117度3分52秒", "lon", 117 + 3 / 60 + 52 / 3600),
        ("117°03.5′", "lon", 117 + 3.5 / 60),
        ("39°09′26″S", "lat", -(39 + 9 / 60 + 26 / 3600)),
        ("117.0644", "lon", 117.0644),
        (117.5, "lon", 117.5),
    ],
)
def test_coordinates_in_the_forms_ledgers_use(text: object, axis: str, expected: float) -> None:
    assert parse_coordinate(text, axis) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "axis", "says"),
    [
        ("39°09′26″N", "lon", "is a latitude"),
        ("117°63′00″", "lon", "below 60"),
        ("nan", "lat", "not a finite"),
        (float("inf"), "lon", "not a finite"),
        ("200", "lon", "outside ±180"),
        ("95", "lat", "outside ±90"),
        ("12,5", "lon", "neither decimal"),
    ],
)
def test_bad_coordinates_are_refused_with_the_text(text: object, axis: str, says: str) -> None:
    with pytest.raises(CoordinateError, match=says):
        parse_coordinate(text, axis)


# ------------------------------------------------------------------ encodings
def test_gbk_shapefile_without_cpg_reads_chinese_names(tmp_path: Path) -> None:
    shp = write_gbk_shapefile(tmp_path)
    assert not shp.with_suffix(".cpg").exists()
    assert shapefile_encoding(shp) == "gb18030"
    result = read_vector(shp)
    assert result.columns == ["XZQDM", "XZQMC", "备注"]
    assert [r.properties["XZQMC"] for r in result.records] == ["静海镇", "大邱庄镇"]
    assert result.records[1].properties["备注"] == "渔光互补基地"
    assert not result.problems


def test_cpg_is_honoured_over_detection(tmp_path: Path) -> None:
    shp = write_gbk_shapefile(tmp_path, keep_cpg=True)
    assert shp.with_suffix(".cpg").read_text().strip() == "GBK"
    assert shapefile_encoding(shp) == "gb18030"
    # a wrong .cpg wins over detection: the user's file says so, and strict decoding
    # then refuses rather than storing U+FFFD
    shp.with_suffix(".cpg").write_text("UTF-8")
    assert shapefile_encoding(shp) == "utf-8"


def test_detection_prefers_strict_utf8_then_gb18030() -> None:
    assert detect_encoding("静海区".encode(), what="x") == "utf-8"
    assert detect_encoding("静海区".encode("gbk"), what="x") == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfname", what="x") == "utf-8-sig"
    with pytest.raises(InputFileError, match="--encoding"):
        detect_encoding(b"\xff\xff\xff", what="x.csv")


def test_zipped_shapefile_with_gbk_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    write_gbk_shapefile(folder, stem="静海区乡镇")
    archive = zip_with_gbk_names(sorted(folder.iterdir()), tmp_path / "乡镇.zip", "数据/")
    with zipfile.ZipFile(archive) as z:  # the names really are CP936 bytes, no UTF-8 flag
        assert all(not (i.flag_bits & 0x800) for i in z.infolist())
    names = [e.name for e in inspect_archive(archive)]
    assert "数据/静海区乡镇.shp" in names
    result = read_vector(archive)
    assert [r.properties["XZQMC"] for r in result.records] == ["静海镇", "大邱庄镇"]


def test_kmz_keeps_chinese_extended_data_field_names(tmp_path: Path) -> None:
    result = read_vector(write_kmz(tmp_path / "项目.kmz"))
    assert {"项目名称", "项目类型", "装机容量", "建设状态", "业主单位"} <= set(result.columns)
    record = result.records[0]
    assert record.properties["项目名称"] == "国华大邱庄100MW渔光互补"
    assert record.geometry is not None
    assert (record.geometry.x, record.geometry.y) == pytest.approx(JINGHAI)


# ------------------------------------------------------------------ archives
def test_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.shp", b"\0" * (50 * 1024 * 1024))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputFileError, match="zip bomb"):
        inspect_archive(bomb)


def test_too_many_entries_and_too_large_totals_are_refused(tmp_path: Path) -> None:
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(30):
            z.writestr(f"f{i}.txt", b"x")
    with pytest.raises(InputFileError, match="30 entries"):
        inspect_archive(many, ArchiveLimits(max_entries=20))
    with pytest.raises(InputFileError, match="inflate to more than"):
        inspect_archive(many, ArchiveLimits(max_total_bytes=10))


@pytest.mark.parametrize(
    "name", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "..\\evil.shp", "C:/evil.shp"]
)
def test_path_traversal_is_refused(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "sub" / "t.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(InputFileError, match="path traversal"):
        read_vector(archive)
    assert not (tmp_path / "evil.shp").exists()


# ------------------------------------------------------------------ ledgers
def test_merged_two_row_header_and_title_row(tmp_path: Path) -> None:
    table = read_table(write_ledger(tmp_path / "台账.xlsx"))
    assert table.header_rows == (2, 3)
    assert table.columns == [
        "序号",
        "项目名称",
        "项目类型",
        "装机容量(MW)",
        "建设状态",
        "投产年份",
        "坐标/经度",
        "坐标/纬度",
        "备注",
    ]
    assert [n for n, _ in table.rows] == [4, 5, 6, 7]  # Excel's own row numbers
    mapping = detect_mapping(table.columns)
    assert mapping["lon"] == "坐标/经度" and mapping["lat"] == "坐标/纬度"
    assert mapping["capacity"] == "装机容量(MW)" and mapping["type"] == "项目类型"
    assert mapping["name"] == "项目名称" and mapping["year"] == "投产年份"
    assert header_unit("装机容量(MW)") == ("装机容量", "MW")
    assert header_unit("装机容量（万千瓦）") == ("装机容量", "万千瓦")
    result = table_records(table, mapping)
    assert result.records[0].geometry.x == pytest.approx(116 + 55 / 60 + 30 / 3600)
    assert result.records[0].geometry.y == pytest.approx(38 + 56 / 60)


def test_gbk_csv_ledger(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_bytes("项目名称,类型,经度,纬度\n王口镇风电,风电,116.95,38.90\n".encode("gbk"))
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert table.rows == [
        (2, {"项目名称": "王口镇风电", "类型": "风电", "经度": "116.95", "纬度": "38.90"})
    ]


def test_gauss_kruger_zone_39_with_and_without_prefix(tmp_path: Path) -> None:
    from gis_carbon.geo.crs import from_wgs84

    lon, lat = JINGHAI
    for code in ("EPSG:4527", "EPSG:4548"):  # zone 39 with the "39" prefix, and plain
        x, y = from_wgs84(lon, lat, code)
        path = tmp_path / f"gk_{code[5:]}.csv"
        path.write_text(f"名称,X坐标,Y坐标\n测点,{x:.3f},{y:.3f}\n", encoding="utf-8")
        table = read_table(path)
        mapping = detect_mapping(table.columns)
        result = table_records(table, mapping, crs="GK39")
        assert result.crs is not None and result.crs.crs == code
        point = result.records[0].geometry
        assert (point.x, point.y) == pytest.approx((lon, lat), abs=1e-7)
        with pytest.raises(InputFileError, match="--crs"):
            table_records(table, mapping)  # projected numbers, no CRS: refused, not guessed


def test_gcj02_ledger_is_converted_to_wgs84(tmp_path: Path) -> None:
    from gis_carbon.geo.chinese_coords import wgs84_to_gcj02

    lon, lat = JINGHAI
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert abs(glon - lon) > 1e-3  # the offset is hundreds of metres here
    path = tmp_path / "amap.csv"
    path.write_text(f"项目名称,经度,纬度\n高德点,{glon!r},{glat!r}\n", encoding="utf-8")
    table = read_table(path)
    result = table_records(table, detect_mapping(table.columns), coords="gcj02")
    point = result.records[0].geometry
    assert (point.x, point.y) == pytest.approx((lon, lat), abs=1e-7)  # < 1 cm


def test_missing_prj_names_the_crs_option(tmp_path: Path) -> None:
    shp = write_gbk_shapefile(tmp_path, crs=None)
    with pytest.raises(InputFileError, match="--crs"):
        read_vector(shp)
    assert read_vector(shp, crs="EPSG:4490").records[0].geometry is not None


def test_beijing_1954_is_flagged_approximate(tmp_path: Path) -> None:
    from gis_carbon.errors import GisCarbonWarning

    shp = write_gbk_shapefile(tmp_path, crs="EPSG:4214")
    with pytest.warns(GisCarbonWarning, match="approximate"):
        result = read_vector(shp)
    assert result.crs is not None and result.crs.approximate


def test_invalid_geometries_repaired_only_when_the_dimension_stays(tmp_path: Path) -> None:
    import json

    bowtie = [[116.9, 38.9], [117.0, 39.0], [117.0, 38.9], [116.9, 39.0], [116.9, 38.9]]
    flat = [[116.9, 38.9], [117.0, 39.0], [117.1, 39.1], [116.9, 38.9]]
    features = [
        {
            "type": "Feature",
            "properties": {"名称": "蝴蝶"},
            "geometry": {"type": "Polygon", "coordinates": [bowtie]},
        },
        {
            "type": "Feature",
            "properties": {"名称": "压扁"},
            "geometry": {"type": "Polygon", "coordinates": [flat]},
        },
    ]
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    result = read_vector(path)
    assert result.records[0].geometry.geom_type == "MultiPolygon"
    assert result.records[0].geometry.area == pytest.approx(0.005)
    assert result.records[1].geometry is None
    assert len(result.problems) == 1 and result.problems[0].startswith("feature 2:")
    assert "line" in result.problems[0]


# ------------------------------------------------------------------ rasters
def test_oversized_raster_refused_from_the_header(tmp_path: Path) -> None:
    huge = write_tiff_header(tmp_path / "huge.tif", 200_000, 200_000, bits=64)
    size = tiff_size(huge)
    assert (size.width, size.height, size.bits) == (200_000, 200_000, 64)
    with pytest.raises(InputFileError, match="budget"):
        check_raster_budget(huge)


def test_real_geotiff_size_is_read(tmp_path: Path) -> None:
    size = check_raster_budget(write_geotiff(tmp_path / "r.tif", 60, 40))
    assert (size.width, size.height, size.samples, size.bits) == (60, 40, 1, 32)
    assert size.pixel_bytes == 60 * 40 * 4


def test_dxf_in_gk39_with_chinese_layer_names(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    from gis_carbon.geo.crs import from_wgs84

    ends = [(116.9, 38.9), (116.95, 38.93)]
    line = LineString([from_wgs84(x, y, "EPSG:4527") for x, y in ends])
    path = tmp_path / "线路.dxf"
    with pytest.warns(UserWarning, match="crs"):  # pyogrio: DXF cannot hold a CRS
        gpd.GeoDataFrame({"Layer": ["110kV线路"]}, geometry=[line]).to_file(path, driver="DXF")
    with pytest.raises(InputFileError, match="--crs EPSG:4527"):  # DXF has no CRS: suggested
        read_vector(path)
    result = read_vector(path, crs="GK39")
    record = result.records[0]
    assert record.properties["Layer"] == "110kV线路"
    import numpy as np

    assert np.allclose(np.asarray(record.geometry.coords), ends, atol=1e-7)
