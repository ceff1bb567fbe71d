"""Site checks against generated layers and rasters whose answers are known in closed form.

Geometries are built in the site's Gauss–Krüger zone (metres) and stored in WGS 84 as the app
stores them; the check projects them back into the same zone, so the exact answers hold to
rounding. Tolerances are stated per test."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from gis_carbon.analysis.siting import M2_PER_MU, reproject
from gis_carbon.errors import ValidationError
from gis_carbon.geo.crs import local_projected_crs
from gis_carbon.model.project import Project
from gis_carbon.model.storage import LayerRecord
from gis_carbon.model.types import Status
from gis_carbon.services.siting import check_site, set_rule_overrides, siting_context

LON, LAT = 116.93, 38.93  # 静海区
CRS = local_projected_crs(LON, LAT)
X0, Y0 = reproject(shapely.Point(LON, LAT), "EPSG:4326", CRS).coords[0]


def wgs(geometry):
    return reproject(geometry, CRS, "EPSG:4326")


def site(dx0=-500.0, dy0=-300.0, dx1=500.0, dy1=300.0):
    """A 1000 m × 600 m site (60 ha = 900 亩) around the reference point, in metres."""
    return shapely.box(X0 + dx0, Y0 + dy0, X0 + dx1, Y0 + dy1)


def add_layer(ws, layer_id, geoms, params, *, role="constraint", title=None, props=None):
    features = [(wgs(g), (props or {})) for g in geoms]
    ws.add_layer(LayerRecord(layer_id, title or layer_id, role, params=params), features)


def write_raster(path, data, transform, crs=CRS, nodata=None):
    import rasterio

    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)


def test_exclusion_over_half_the_site_and_capacity_for_the_rest(empty_workspace):
    ws = empty_workspace
    add_layer(
        ws,
        "redline",
        [shapely.box(X0 - 900, Y0 - 800, X0, Y0 + 800)],
        {"constraint": "exclusion"},
        title="生态保护红线",
    )
    report = check_site(ws, wgs(site()), "pv_ground")
    assert report.footprint_m2 == pytest.approx(600_000.0, rel=1e-6)
    (violation,) = report.violations
    assert violation.kind == "exclusion"
    assert (violation.layer_id, violation.layer_title) == ("redline", "生态保护红线")
    # Exact: 500 m × 600 m = 300,000 m² = 450 亩 = 30 ha (tolerance 1e-6, far inside 1 %).
    assert violation.overlap_m2 == pytest.approx(300_000.0, rel=1e-6)
    assert violation.overlap_mu == pytest.approx(300_000.0 / M2_PER_MU, rel=1e-6)
    assert violation.overlap_ha == pytest.approx(30.0, rel=1e-6)
    assert violation.overlap_mu / violation.overlap_ha == pytest.approx(15.0)
    assert violation.share == pytest.approx(0.5, rel=1e-6)
    # The overlap comes back in WGS 84: the west half of the site.
    west = wgs(site(dx1=0.0))
    assert shapely.symmetric_difference(violation.overlap_geometry, west).area < 1e-6 * west.area
    # Capacity hint for the remaining half: 0.3 km² × 35 MW/km².
    assert report.usable_m2 == pytest.approx(300_000.0, rel=1e-6)
    assert report.capacity_mw == pytest.approx(0.3 * 35.0, rel=1e-6)
    data = report.to_json()
    assert data["violations"][0]["overlap_mu"] == pytest.approx(450.0, abs=0.01)
    assert data["capacity_hint"]["capacity_mw"] == pytest.approx(10.5, abs=1e-3)


def test_a_site_touching_an_exclusion_only_along_an_edge_is_clear(empty_workspace):
    add_layer(
        empty_workspace,
        "farmland",
        [shapely.box(X0 + 500, Y0 - 300, X0 + 900, Y0 + 300)],
        {"constraint": "exclusion"},
    )
    report = check_site(empty_workspace, wgs(site()), "pv_ground")
    assert report.ok
    assert report.capacity_mw == pytest.approx(0.6 * 35.0, rel=1e-6)


def test_setback_ring_buffer_area(empty_workspace):
    # A village point at the centre of a round site of R = 500 m with a 200 m setback: the
    # setback takes π r² and leaves the ring π (R² − r²). Buffers are 128-gons (site) and
    # 128-gons (setback): area within 0.05 % of the circle.
    big_r, small_r = 500.0, 200.0
    centre = shapely.Point(X0, Y0)
    add_layer(
        empty_workspace,
        "village",
        [centre],
        {"constraint": "setback", "distance_m": small_r},
        title="居民点",
    )
    footprint = centre.buffer(big_r, quad_segs=32)
    report = check_site(empty_workspace, wgs(footprint), "pv_ground")
    (violation,) = report.violations
    assert violation.kind == "setback"
    assert violation.distance_m == pytest.approx(0.0, abs=1e-6)
    assert violation.required_m == small_r
    assert violation.overlap_m2 == pytest.approx(math.pi * small_r**2, rel=5e-4)
    assert report.usable_m2 == pytest.approx(math.pi * (big_r**2 - small_r**2), rel=5e-4)
    (setback,) = report.setbacks
    assert not setback.ok


def test_setback_distance_reported_when_respected(empty_workspace):
    road = shapely.LineString([(X0 + 1200, Y0 - 2000), (X0 + 1200, Y0 + 2000)])
    add_layer(empty_workspace, "road", [road], {"constraint": "setback", "category": "road"})
    report = check_site(empty_workspace, wgs(site()), "pv_ground")
    assert report.ok
    (setback,) = report.setbacks
    assert setback.distance_m == pytest.approx(700.0, abs=0.01)  # 1200 − 500
    assert setback.required_m == 150.0  # pv_ground road setback from the rule table
    assert setback.ok


def test_tip_height_multiple_applies_to_wind_only(empty_workspace):
    houses = shapely.Point(X0 + 600, Y0)  # 100 m east of the site
    add_layer(
        empty_workspace, "houses", [houses], {"constraint": "setback", "tip_height_multiple": 1.1}
    )
    wind = check_site(empty_workspace, wgs(site()), "wind")
    (violation,) = wind.violations
    assert violation.required_m == pytest.approx(1.1 * 175.0)
    # The zone inside the site: a disc of 192.5 m around a point 100 m outside the edge.
    r, d = 1.1 * 175.0, 100.0
    segment = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    assert violation.overlap_m2 == pytest.approx(segment, rel=2e-3)
    pv = check_site(empty_workspace, wgs(site()), "pv_ground")
    assert pv.ok and pv.setbacks[0].required_m is None
    assert any("叶尖" in note for note in pv.notes)


def test_fishery_pv_is_exempt_from_water_and_sized_on_it(empty_workspace):
    pond = shapely.box(X0 - 500, Y0 - 300, X0 - 100, Y0 + 300)  # 400 m × 600 m of the site
    add_layer(
        empty_workspace,
        "ponds",
        [pond],
        {"constraint": "exclusion", "category": "water"},
        title="坑塘水面",
    )
    ground = check_site(empty_workspace, wgs(site()), "pv_ground")
    assert [v.layer_id for v in ground.violations] == ["ponds"]
    assert ground.violations[0].overlap_m2 == pytest.approx(240_000.0, rel=1e-6)
    fishery = check_site(empty_workspace, wgs(site()), "渔光互补")
    assert fishery.ok
    assert fishery.capacity_basis == "water"
    assert fishery.capacity_area_m2 == pytest.approx(240_000.0, rel=1e-6)
    assert fishery.capacity_mw == pytest.approx(0.24 * 35.0, rel=1e-6)


def test_slope_from_a_dem_with_a_steep_east_half(empty_workspace, tmp_path):
    from rasterio.transform import from_origin

    # 10 m DEM: flat west of X0, rising at 20° east of it. pv_ground allows ≤ 10°.
    cell, n = 10.0, 300
    west, north = X0 - 1500.0, Y0 + 1500.0
    xs = west + (np.arange(n) + 0.5) * cell
    row = np.where(xs > X0, (xs - X0) * math.tan(math.radians(20.0)), 0.0)
    dem = np.tile(row, (n, 1)).astype(np.float32)
    write_raster(tmp_path / "dem.tif", dem, from_origin(west, north, cell, cell))
    ghi = np.full((n, n), 4.2, dtype=np.float32)
    write_raster(tmp_path / "ghi.tif", ghi, from_origin(west, north, cell, cell))
    empty_workspace.add_layer(
        LayerRecord(
            "dem",
            "高程",
            "resource",
            kind="raster",
            path=str(tmp_path / "dem.tif"),
            params={"criterion": "dem"},
        )
    )
    empty_workspace.add_layer(
        LayerRecord(
            "ghi",
            "水平面总辐照",
            "resource",
            kind="raster",
            path=str(tmp_path / "ghi.tif"),
            params={"criterion": "irradiance"},
        )
    )
    report = check_site(empty_workspace, wgs(site()), "pv_ground")
    (violation,) = report.violations
    assert (violation.kind, violation.criterion) == ("raster", "slope")
    # Half the site is steep; the column of cells on the kink has a mixed Horn slope
    # (one 10 m column of 1000 m: tolerance 1 % of the site).
    assert violation.share == pytest.approx(0.5, abs=0.01)
    assert violation.stats is not None
    assert violation.stats.max == pytest.approx(20.0, abs=1e-3)
    assert violation.stats.min == pytest.approx(0.0, abs=1e-9)
    assert violation.overlap_geometry.area == pytest.approx(wgs(site(dx0=0.0)).area, rel=0.02)
    irradiance = next(r for r in report.rasters if r.criterion == "irradiance")
    assert irradiance.stats.mean == pytest.approx(4.2, rel=1e-6)
    assert irradiance.breach_share == 0.0
    assert report.capacity_mw == pytest.approx(0.3 * 35.0, rel=0.02)
    # Elevation criterion (≤ 1800 m) passes: the DEM peaks at ~546 m.
    dem_max = next(r for r in report.rasters if r.criterion == "dem").stats.max
    assert dem_max is not None and dem_max < 1800


def test_nearest_substation_with_voltage(seeded):
    station = shapely.Point(X0 + 2500, Y0)  # 2,000 m east of the site's east edge
    stored = seeded.add_project(
        Project(
            "测试220kV变电站",
            "substation",
            Status.PLANNED,
            wgs(station),
            attributes={"voltage_kv": 220},
        )
    )
    report = check_site(seeded, wgs(site()), "pv_ground")
    hit = report.nearest_substation
    assert hit is not None
    assert hit.name == "测试220kV变电站"
    assert hit.voltage_kv == 220.0
    assert hit.distance_m == pytest.approx(2000.0, abs=0.5)
    assert hit.source == f"project {stored.id}"


def test_substation_layer_counts_too(empty_workspace):
    add_layer(
        empty_workspace,
        "grid",
        [shapely.Point(X0, Y0 + 1300)],
        {"category": "substation"},
        role="infrastructure",
        props={"name": "子牙110kV站", "voltage_kv": 110},
    )
    hit = check_site(empty_workspace, wgs(site()), "pv_ground").nearest_substation
    assert hit is not None
    assert (hit.name, hit.voltage_kv) == ("子牙110kV站", 110.0)
    assert hit.distance_m == pytest.approx(1000.0, abs=0.5)


def test_check_a_stored_project_uses_its_type(seeded):
    add_layer(
        seeded,
        "redline",
        [shapely.box(X0 - 900, Y0 - 800, X0, Y0 + 800)],
        {"constraint": "exclusion"},
    )
    project = seeded.add_project(Project("测试风电场", "wind", Status.PLANNED, wgs(site())))
    report = check_site(seeded, project.id)
    assert report.type_code == "wind"
    assert report.capacity_mw == pytest.approx(0.3 * 3.0, rel=1e-6)


def test_overrides_change_the_hint_and_bad_ones_are_refused(empty_workspace):
    ws = empty_workspace
    before = check_site(ws, wgs(site()), "pv_ground").capacity_mw
    set_rule_overrides(ws, {"pv_ground": {"power_density_mw_per_km2": 50}})
    assert check_site(ws, wgs(site()), "pv_ground").capacity_mw == pytest.approx(30.0)
    with pytest.raises(ValidationError, match="exactly one of min / max"):
        set_rule_overrides(ws, {"pv_ground": {"raster": {"slope": {"min": 1, "max": 2}}}})
    assert "50" in ws.get_meta("siting_rules")
    assert before == pytest.approx(21.0)


def test_context_is_cached_until_the_workspace_changes(empty_workspace):
    first = siting_context(empty_workspace)
    assert siting_context(empty_workspace) is first
    add_layer(empty_workspace, "x", [site()], {"constraint": "exclusion"})
    second = siting_context(empty_workspace)
    assert second is not first
    assert not second.check(wgs(site()), "pv_ground").ok


def test_a_point_project_inside_an_exclusion(empty_workspace):
    add_layer(empty_workspace, "redline", [site()], {"constraint": "exclusion"})
    report = check_site(empty_workspace, wgs(shapely.Point(X0, Y0)), "wind")
    (violation,) = report.violations
    assert violation.share == 1.0 and violation.overlap_m2 == 0.0
    assert report.capacity_mw is None


def test_empty_geometry_is_refused(empty_workspace):
    with pytest.raises(ValidationError, match="no geometry"):
        check_site(empty_workspace, shapely.Polygon(), "pv_ground")
