"""The acceptance runs through the command line on a copy of the seeded workspace."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pytest
import shapely

from gis_carbon.analysis.siting import reproject
from gis_carbon.cli import main
from gis_carbon.geo.crs import local_projected_crs
from gis_carbon.model.storage import LayerRecord
from project_db.sqlite.workspace import Workspace

LON, LAT = 116.93, 38.93
CRS = local_projected_crs(LON, LAT)
X0, Y0 = reproject(shapely.Point(LON, LAT), "EPSG:4326", CRS).coords[0]
SITE = shapely.box(X0 - 500, Y0 - 300, X0 + 500, Y0 + 300)  # 60 ha
HALF = shapely.box(X0 - 900, Y0 - 800, X0, Y0 + 800)  # covers the west half


def wgs(geometry):
    return reproject(geometry, CRS, "EPSG:4326")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_site(capsys, workspace, type_name="pv_ground", *extra):
    """`gis-carbon check-site` on SITE, as a user types it."""
    return run(
        capsys, "--workspace", str(workspace), "check-site", "--wkt", wgs(SITE).wkt,
        "--type", type_name, *extra,
    )  # fmt: skip


def _assert_half(report):
    (violation,) = report["violations"]
    assert violation["kind"] == "exclusion"
    assert violation["overlap_m2"] == pytest.approx(300_000.0, rel=0.01)  # acceptance: 1 %
    assert violation["overlap_mu"] == pytest.approx(450.0, rel=0.01)
    assert violation["overlap_ha"] == pytest.approx(30.0, rel=0.01)
    assert report["capacity_hint"]["capacity_mw"] == pytest.approx(10.5, rel=0.01)


def test_check_site_reports_the_half_overlap_and_capacity(seeded_path, capsys):
    with Workspace(seeded_path) as ws:
        ws.add_layer(
            LayerRecord(
                "redline", "生态保护红线", "constraint", params={"constraint": "exclusion"}
            ),
            [(wgs(HALF), {})],
        )
    code, out, _ = check_site(capsys, seeded_path, "pv_ground", "--json")
    assert code == 0
    report = json.loads(out)
    _assert_half(report)
    assert report["nearest_substation"]["name"].endswith("变电站")
    code, out, _ = check_site(capsys, seeded_path, "地面光伏")
    assert code == 0
    assert "生态保护红线" in out and "450.0" in out and "10.5 MW" in out


def test_check_site_after_gis_carbon_import_role_exclusion(seeded_path, tmp_path, capsys):
    """The same acceptance with the layer imported by the import command (issue 3)."""
    path = tmp_path / "redline.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "红线"},
                        "geometry": shapely.geometry.mapping(wgs(HALF)),
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    code, _, err = run(
        capsys,
        "--workspace",
        str(seeded_path),
        "import",
        str(path),
        "--layer",
        "生态保护红线",
        "--role",
        "exclusion",
    )
    assert code == 0, err
    with Workspace(seeded_path) as ws:
        layers = ws.layers(role="constraint")
    assert [dict(layer.params).get("constraint") for layer in layers] == ["exclusion"]
    code, out, err = check_site(capsys, seeded_path, "pv_ground", "--json")
    assert code == 0, err
    _assert_half(json.loads(out))


def test_check_site_errors_name_the_bad_input(seeded_path, capsys):
    code, _, err = run(capsys, "--workspace", str(seeded_path), "check-site", "--wkt", "POLYGON((")
    assert code == 2 and "--wkt" in err
    code, _, err = run(capsys, "--workspace", str(seeded_path), "check-site", "--project", "99999")
    assert code == 2 and "99999" in err
    code, _, err = check_site(capsys, seeded_path, "no_such_type")
    assert code == 2 and "no_such_type" in err


def test_suitability_excludes_the_steep_half_for_ground_pv(seeded_path, tmp_path, capsys):
    import pyogrio
    import rasterio
    from rasterio.transform import from_origin

    from gis_carbon.geo.boundaries import region_geometry

    region = region_geometry("120118")  # 静海区
    grid_crs = local_projected_crs(*region.representative_point().coords[0])
    projected = reproject(region, "EPSG:4326", grid_crs)
    minx, miny, maxx, maxy = projected.bounds
    xmid = round((minx + maxx) / 2 / 100) * 100  # on a grid line of the 100 m output grid
    # A 50 m DEM a little larger than the region: flat west of xmid, 20° east of it.
    cell = 50.0
    west, north = math.floor(minx / 100) * 100 - 1000, math.ceil(maxy / 100) * 100 + 1000
    ncols = int((maxx + 1000 - west) / cell) + 1
    nrows = int((north - (miny - 1000)) / cell) + 1
    xs = west + (np.arange(ncols) + 0.5) * cell
    row = np.where(xs > xmid, (xs - xmid) * math.tan(math.radians(20.0)), 0.0)
    dem = np.tile(row, (nrows, 1)).astype(np.float32)
    dem_path = tmp_path / "dem.tif"
    with rasterio.open(
        dem_path,
        "w",
        driver="GTiff",
        width=ncols,
        height=nrows,
        count=1,
        dtype="float32",
        crs=grid_crs,
        transform=from_origin(west, north, cell, cell),
    ) as dst:
        dst.write(dem, 1)
    with Workspace(seeded_path) as ws:
        ws.add_layer(
            LayerRecord(
                "dem",
                "高程",
                "resource",
                kind="raster",
                path=str(dem_path),
                params={"criterion": "dem"},
            )
        )
    out_stem = tmp_path / "out" / "jinghai_pv"
    code, out, err = run(
        capsys,
        "--workspace",
        str(seeded_path),
        "suitability",
        "--region",
        "120118",
        "--type",
        "pv_ground",
        "--out",
        str(out_stem),
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    west_half = projected.intersection(shapely.box(minx - 1, miny - 1, xmid, maxy + 1)).area / 1e6
    total = projected.area / 1e6
    assert result["region_km2"] == pytest.approx(total, rel=0.01)
    # Cells on the kink and along the outline are the error: 2 % of the eligible area.
    assert result["eligible_km2"] == pytest.approx(west_half, rel=0.02)
    assert result["potential_mw"] == pytest.approx(result["eligible_km2"] * 35.0, rel=1e-9)
    with rasterio.open(result["raster_path"]) as src:
        grid = src.read(1)
        assert src.nodata == 255
        eligible_cols = np.nonzero((grid == 1).any(axis=0))[0]
        east_edge = src.transform.c + (eligible_cols.max() + 1) * src.transform.a
    assert east_edge <= xmid + 100.0  # nothing eligible east of the kink (one cell slack)
    frame = pyogrio.read_dataframe(result["vector_path"], layer="eligible")
    assert frame.crs.to_epsg() == 4326
    assert frame["area_km2"].sum() == pytest.approx(result["eligible_km2"], rel=1e-6)
    if shutil.which("ogrinfo"):
        info = subprocess.run(
            ["ogrinfo", "-so", "-al", result["vector_path"]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Feature Count" in info
    # Wind has no slope rule by default (only elevation ≤ 1800 m, which the 20° ramp passes
    # ~4.9 km east of the kink): nothing is excluded for slope.
    code, out, err = run(
        capsys,
        "--workspace",
        str(seeded_path),
        "suitability",
        "--region",
        "静海区",
        "--type",
        "wind",
        "--out",
        str(tmp_path / "wind.tif"),
        "--json",
    )
    assert code == 0, err
    excluded = json.loads(out)["excluded_km2"]
    assert not any(rule.endswith(":slope") for rule in excluded)
    assert set(excluded) == {"raster:dem:dem"}


def test_suitability_refuses_a_grid_too_fine(seeded_path, tmp_path, capsys):
    code, _, err = run(
        capsys,
        "--workspace",
        str(seeded_path),
        "suitability",
        "--region",
        "120000",
        "--type",
        "pv_ground",
        "--out",
        str(tmp_path / "x"),
        "--resolution",
        "1",
    )
    assert code == 2 and "resolution" in err
    assert not (tmp_path / "x.tif").exists()


def test_check_site_over_a_plans_footprints_matches_each_single_check(seeded_path, capsys):
    """`check-site --plan`: one report per project of the plan, each the same as checking
    that project alone; a footprint drawn over the red line is the one that breaks it."""
    with Workspace(seeded_path) as ws:
        ws.add_layer(
            LayerRecord(
                "redline", "生态保护红线", "constraint", params={"constraint": "exclusion"}
            ),
            [(wgs(HALF), {})],
        )
    code, out, _ = run(
        capsys, "--workspace", str(seeded_path), "add-project", "--name", "红线旁光伏",
        "--type", "pv_ground", "--capacity", "10 MW", "--wkt", wgs(SITE).wkt, "--json",
    )  # fmt: skip
    assert code == 0
    added = json.loads(out)["id"]
    code, out, _ = run(
        capsys, "--workspace", str(seeded_path), "check-site", "--plan", "静海区", "--json"
    )
    assert code == 0
    reports = {r["project_id"]: r for r in json.loads(out)}
    with Workspace(seeded_path) as ws:
        assert set(reports) == {p.id for p in ws.projects(region_code="120118")}
    _assert_half(reports[added])
    assert [pid for pid, r in reports.items() if not r["ok"]] == [added]
    code, out, _ = run(
        capsys, "--workspace", str(seeded_path), "check-site", "--project", "1", "--json"
    )
    single = json.loads(out)
    assert {k: v for k, v in reports[1].items() if k not in ("project_id", "name")} == single
    code, _, err = run(
        capsys, "--workspace", str(seeded_path), "check-site", "--plan", "静海区", "--type", "wind"
    )
    assert code == 2 and "drop --type" in err
