"""`gis-carbon locate --points` adds the township when the workspace has a township layer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from gis_carbon.cli import main
from gis_carbon.services.imports import import_file
from gis_carbon.services.regions import township_index
from project_db.sqlite.workspace import Workspace
from tests.services.test_townships import (  # the township file the service tests write
    DAQIUZHUANG,
    ELSEWHERE,
    TANGGUANTUN,
    TOWNSHIP_BOXES,
    write_townships,
)

NAMES = {code: name for code, (name, _) in TOWNSHIP_BOXES.items()}
BASE_COLUMNS = ["id", "lon", "lat", "province", "province_name", "city", "city_name"]
BASE_COLUMNS += ["county", "county_name"]


@pytest.fixture
def township_workspace(seeded_path: Path, tmp_path: Path) -> Path:
    with Workspace(seeded_path) as ws:
        import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
    return seeded_path


def write_points(path: Path, points: list[tuple[float, float]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lon", "lat"])
        writer.writerows((i, f"{x:.6f}", f"{y:.6f}") for i, (x, y) in enumerate(points))
    return path


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


# Named points: one per case the township rule distinguishes.
CASES = [
    ((116.95, 38.75), "120118", TANGGUANTUN),  # inside the west box
    ((117.06, 38.80), "120118", DAQIUZHUANG),  # inside the east box
    ((117.02, 38.78), "120118", TANGGUANTUN),  # on the shared edge: the lower code
    ((116.76, 38.93), "120118", ""),  # 静海区 (王口镇), no township layer there
    ((117.14, 38.88), "120118", ""),  # in 静海区 inside the 红桥区 township's box: ignored
    ((117.16111, 39.15722), "120106", ""),  # 红桥区 (天津西站), outside every township
    ((121.47, 31.23), "310101", ""),  # 上海: another province
    ((150.0, 10.0), "", ""),  # the Pacific: outside every region
]


def test_points_csv_gets_township_columns(
    township_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_points(tmp_path / "点.csv", [p for p, _, _ in CASES])
    out = tmp_path / "结果.csv"
    args = ["--workspace", str(township_workspace), "locate", "--points", str(points)]
    assert main([*args, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "wrote 8 rows" in err and "1 outside China's regions" in err and "3 in a township" in err
    header, rows = read_rows(out)
    assert header == [*BASE_COLUMNS, "township", "township_name"]
    assert [r["county"] for r in rows][:6] == [c for _, c, _ in CASES][:6]
    assert [r["township"] for r in rows] == [t for _, _, t in CASES]
    assert [r["township_name"] for r in rows] == [NAMES.get(t, "") for _, _, t in CASES]
    assert rows[0]["county_name"] == "静海区" and rows[0]["township_name"] == "唐官屯镇"
    assert ELSEWHERE not in {r["township"] for r in rows}

    # --json: the same keys and values
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data[0]) == header
    assert [{k: str(v) for k, v in d.items()} for d in data] == rows


def test_points_agree_with_the_single_point_locate(
    township_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Random points over 静海区 and around it, a grid on the boxes' edges among them.
    rng = np.random.default_rng(11)
    points = list(zip(rng.uniform(116.8, 117.2, 160), rng.uniform(38.65, 38.95, 160), strict=True))
    points += [(116.85, 38.80), (117.10, 38.80), (117.02, 38.70), (117.02, 38.86)]
    csv_path = write_points(tmp_path / "points.csv", points)
    out = tmp_path / "out.csv"
    ws_args = ["--workspace", str(township_workspace)]
    assert main([*ws_args, "locate", "--points", str(csv_path), "--out", str(out)]) == 0
    capsys.readouterr()
    _, rows = read_rows(out)
    assert sum(1 for r in rows if r["township"]) > 40
    for row, (lon, lat) in zip(rows[::8] + rows[-4:], points[::8] + points[-4:], strict=True):
        assert main([*ws_args, "locate", f"{lon:.6f}", f"{lat:.6f}", "--json"]) == 0
        single = json.loads(capsys.readouterr().out)
        want = single["township"]["code"] if single["township"] else ""
        assert row["township"] == want, (lon, lat)
    # independently: the boxes themselves, for points the built-in boundaries put in 静海区
    for row in rows:
        lon, lat = float(row["lon"]), float(row["lat"])
        inside = sorted(
            code
            for code, (_, geometry) in TOWNSHIP_BOXES.items()
            if code.startswith(row["county"] or "-") and shapely.intersects_xy(geometry, lon, lat)
        )
        assert row["township"] == (inside[0] if inside else ""), (lon, lat)


def test_without_a_township_layer_the_columns_are_unchanged(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_points(tmp_path / "points.csv", [(116.95, 38.75), (117.06, 38.80)])
    out = tmp_path / "out.csv"
    args = ["--workspace", str(seeded_path), "locate", "--points", str(points)]
    assert main([*args, "--out", str(out)]) == 0
    assert "in a township" not in capsys.readouterr().err
    header, rows = read_rows(out)
    assert header == BASE_COLUMNS
    assert [r["county"] for r in rows] == ["120118", "120118"]
    assert main([*args, "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)[0]) == BASE_COLUMNS


def test_townships_at_is_vectorised_and_matches_township_of(township_workspace: Path) -> None:
    from shapely.geometry import Point

    with Workspace(township_workspace) as ws:
        index = township_index(ws)
    assert index is not None
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(116.8, 117.2, 2000), rng.uniform(38.65, 38.95, 2000)
    counties = np.where(rng.random(2000) < 0.9, "120118", "120106")
    found = index.townships_at(lons, lats, counties)
    assert found.shape == (2000,) and found.dtype.kind == "U"
    one_by_one = [
        index.township_of(Point(x, y), str(c)) or ""
        for x, y, c in zip(lons, lats, counties, strict=True)
    ]
    assert found.tolist() == one_by_one
    # the county rule: the same points said to be in 红桥区 get only the 红桥区 township
    hongqiao = index.townships_at(lons, lats, ["120106"] * 2000)
    assert set(hongqiao.tolist()) == {"", ELSEWHERE}
    inside = (lons >= 117.12) & (lons <= 117.16) & (lats >= 38.86) & (lats <= 38.90)
    assert ((hongqiao == ELSEWHERE) == inside).all()
    # no county, no township
    assert set(index.townships_at(lons, lats, [None] * 2000).tolist()) == {""}
    assert index.names_of(np.array([DAQIUZHUANG, "", "999999999"])).tolist() == [
        "大邱庄镇",
        "",
        "",
    ]
    with pytest.raises(Exception, match="2000 longitudes, 2000 latitudes, 3 counties"):
        index.townships_at(lons, lats, ["120118"] * 3)


def test_a_large_batch_agrees_with_the_boxes(township_workspace: Path) -> None:
    """200 000 points in one call (the speed is measured separately, not asserted here)."""
    with Workspace(township_workspace) as ws:
        index = township_index(ws)
    assert index is not None
    rng = np.random.default_rng(5)
    n = 200_000
    lons, lats = rng.uniform(116.84, 117.11, n), rng.uniform(38.69, 38.87, n)
    found = index.townships_at(lons, lats, np.full(n, "120118"))
    west = (lons >= 116.85) & (lons <= 117.02) & (lats >= 38.70) & (lats <= 38.86)
    east = (lons > 117.02) & (lons <= 117.10) & (lats >= 38.70) & (lats <= 38.86)
    expected = np.where(west, TANGGUANTUN, np.where(east, DAQIUZHUANG, ""))
    assert (found == expected).all()
    assert (found == TANGGUANTUN).sum() > 50_000 and (found == DAQIUZHUANG).sum() > 20_000
