"""The Python API (gis_carbon.open) against the CLI on the same workspace file, and its
writes: DataFrame and GeoDataFrame imports, all-or-nothing refusal, keyed updates, edits."""

from __future__ import annotations

import html
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import gis_carbon as gc
from gis_carbon.cli import main
from gis_carbon.errors import GisCarbonError, StaleEditError, WorkspaceError

REPO = Path(__file__).resolve().parents[2]
PLANS = ("hongqiao", "jinghai", "jinshi", "tianjin", "tianjin_pilot")


def cli_json(capsys: pytest.CaptureFixture[str], path: Path, *argv: str) -> list[dict]:
    assert main(["--workspace", str(path), *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def written(path: Path) -> tuple[int, int]:
    """(projects, history rows) in the file, read with plain sqlite3."""
    with sqlite3.connect(path) as conn:
        return (
            conn.execute("SELECT count(*) FROM projects").fetchone()[0],
            conn.execute("SELECT count(*) FROM project_history").fetchone()[0],
        )


def test_the_five_plans_are_the_ones_the_cli_lists(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with gc.open(seeded_path) as ws:
        assert tuple(ws.plans()["id"]) == PLANS
        assert [p["id"] for p in cli_json(capsys, seeded_path, "plans")] == list(PLANS)


@pytest.mark.parametrize("plan", PLANS)
def test_projects_per_plan_equal_the_cli(
    seeded_path: Path, capsys: pytest.CaptureFixture[str], plan: str
) -> None:
    cli = cli_json(capsys, seeded_path, "projects", "--plan", plan)
    with gc.open(seeded_path) as ws:
        frame = ws.projects(plan=plan)
    assert frame.crs.to_epsg() == 4326
    assert list(frame["id"]) == [p["id"] for p in cli]
    assert list(frame["name"]) == [p["name"] for p in cli]
    by_id = {p["id"]: p for p in cli}
    for row in frame.itertuples():
        stored = by_id[row.id]
        assert (row.type, row.status, row.precision) == (
            stored["type"],
            stored["status"],
            stored["precision"],
        )
        assert (
            row.capacity == pytest.approx(stored["capacity"])
            if stored["capacity"]
            else (pd.isna(row.capacity))
        )


def test_projects_frame_columns_are_typed(seeded_path: Path) -> None:
    with gc.open(seeded_path) as ws:
        frame = ws.projects(plan="静海区", types=["wind", "渔光互补"])
    assert set(frame["type"]) == {"wind", "pv_fishery"}
    assert isinstance(frame["type"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["status"].dtype, pd.CategoricalDtype)
    assert str(frame["year"].dtype) == "Int64"
    assert frame["capacity"].dtype == "float64"
    assert set(frame["capacity_unit"]) == {"MW"}
    assert set(frame["county_name"]) == {"静海区"}
    assert set(frame["type_zh"]) == {"集中式风电", "渔光互补"}
    assert frame["quote"].str.len().gt(0).all()  # seed projects quote their plan


@pytest.mark.parametrize("plan", PLANS)
def test_status_per_plan_equals_the_cli(
    seeded_path: Path, capsys: pytest.CaptureFixture[str], plan: str
) -> None:
    cli = cli_json(capsys, seeded_path, "status", "--plan", plan)
    with gc.open(seeded_path) as ws:
        frame = ws.status(plan=plan)
    assert list(frame["target_id"]) == [row["target_id"] for row in cli]
    for row, expected in zip(frame.to_dict("records"), cli, strict=True):
        assert row["verdict"] == expected["verdict"]
        assert row["target_id"] == expected["target_id"]
        for column in ("percent", "gap", "current"):
            if expected[column] is None:
                assert pd.isna(row[column]), (row["target_id"], column)
            else:
                assert row[column] == expected[column], (row["target_id"], column)


def test_status_selection_and_its_notebook_table(seeded_path: Path) -> None:
    with gc.open(seeded_path) as ws:
        status = ws.status(plan="静海区", count="operating", year=2025)
    assert set(status["year"]) == {2025}
    assert set(status["policy"]) == {"operating"}
    picked = status[["name_zh", "percent", "verdict"]]
    assert list(picked.columns) == ["name_zh", "percent", "verdict"]
    page = status._repr_html_()
    assert "可再生能源电力装机容量" in page and "判断" in page
    assert html.escape(status["quote"].iloc[0], quote=True) in page


def test_acceptance_line_prints_the_cli_percentages(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = cli_json(capsys, seeded_path, "status", "--plan", "静海区")
    code = (
        "import gis_carbon as gc, pandas as pd; pd.set_option('display.max_rows', None); "
        f"print(gc.open({str(seeded_path)!r}).status(plan='静海区')"
        "[['name_zh','percent','verdict']].to_string())"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    lines = out.splitlines()[1:]
    assert len(lines) == len(cli)
    for line, expected in zip(lines, cli, strict=True):
        cells = line.split()
        percent = "NaN" if expected["percent"] is None else f"{expected['percent']:.1f}"
        assert cells[-2:] == [percent, expected["verdict"]], line


def test_import_gis_carbon_stays_light() -> None:
    code = "import sys, gis_carbon; print(sorted({'pandas', 'geopandas', 'folium'} & set(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "[]"
    assert "open" in gc.__all__ and callable(gc.open)
    assert (REPO / "gis_carbon" / "py.typed").exists()


def test_add_projects_from_a_dataframe_round_trip(seeded_path: Path) -> None:
    ledger = pd.DataFrame(
        {
            "name": ["静海测试风电", "静海测试渔光"],
            "type": ["wind", "渔光互补"],
            "capacity": ["10万千瓦", 35.5],  # text with its unit; a number in MW
            "status": ["在建", "planned"],
            "year": [2025, None],
            "lon": [116.95, 117.01],
            "lat": [38.85, 38.80],
        }
    )
    with gc.open(seeded_path) as ws:
        before = len(ws.projects())
        result = ws.add_projects(ledger)
        assert len(result.added) == 2 and result.changed == result.unchanged == []
        frame = ws.projects().set_index("id").loc[result.added]
        history = ws.history(result.added[0])
    assert len(frame) == 2 and before + 2 == written(seeded_path)[0]
    assert list(frame["capacity"]) == [100.0, 35.5]
    assert list(frame["status"]) == ["construction", "planned"]
    assert frame["year"].iloc[0] == 2025 and pd.isna(frame["year"].iloc[1])
    assert set(frame["county_name"]) == {"静海区"}
    assert [(p.x, p.y) for p in frame.geometry] == [(116.95, 38.85), (117.01, 38.80)]
    assert list(history["author"]) == ["api"]


def test_add_projects_from_a_gauss_kruger_geodataframe(seeded_path: Path) -> None:
    import geopandas
    from pyproj import Transformer
    from shapely.geometry import Point

    lon, lat = 116.9512345, 38.8523456  # in 静海区
    # CGCS2000 / 3-degree Gauss-Kruger zone 39 (central meridian 117°E, zone in the easting)
    x, y = Transformer.from_crs("EPSG:4490", "EPSG:4527", always_xy=True).transform(lon, lat)
    assert x > 39_000_000
    gdf = geopandas.GeoDataFrame(
        {"项目名称": ["高斯测试光伏"], "类型": ["地面光伏"], "装机容量": ["2.5万千瓦"]},
        geometry=[Point(x, y)],
        crs="EPSG:4527",
    )
    with gc.open(seeded_path, author="analyst") as ws:
        result = ws.add_projects(gdf)
        row = ws.projects().set_index("id").loc[result.added[0]]
        history = ws.history(result.added[0])
    assert row["name"] == "高斯测试光伏" and row["capacity"] == 25.0
    assert row["county_name"] == "静海区"
    assert row.geometry.x == pytest.approx(lon, abs=1e-6)
    assert row.geometry.y == pytest.approx(lat, abs=1e-6)
    assert list(history["author"]) == ["analyst"]


@pytest.mark.parametrize(
    ("column", "bad", "says"),
    [
        ("capacity", "12,5 MW", "comma"),
        ("capacity", "100 MWh", "power"),
        ("type", "飞船发射场", "unknown project type"),
        ("lat", 138.8, "lat"),
    ],
)
def test_one_bad_row_refuses_the_frame_and_writes_nothing(
    seeded_path: Path, column: str, bad: object, says: str
) -> None:
    ledger = pd.DataFrame(
        {
            "name": ["好项目一", "坏项目", "好项目二"],
            "type": ["wind", "wind", "pv_ground"],
            "capacity": [50, "20 MW", "3万千瓦"],
            "lon": [116.95, 116.96, 116.97],
            "lat": [38.85, 38.86, 38.87],
        }
    )
    ledger[column] = ledger[column].astype(object)
    ledger.loc[1, column] = bad
    before = written(seeded_path)
    with gc.open(seeded_path) as ws, pytest.raises(GisCarbonError) as caught:
        ws.add_projects(ledger)
    message = str(caught.value)
    assert "row 1" in message and says in message
    assert "row 0" not in message and "row 2" not in message
    if column != "lat":  # a coordinate problem names the axis, not the cell's column name
        assert f"column {column!r}" in message
    assert "\n" not in message
    assert written(seeded_path) == before


def test_key_updates_instead_of_duplicating(seeded_path: Path) -> None:
    with gc.open(seeded_path) as ws:
        jinghai = ws.projects(plan="静海区")
        count = len(ws.projects())
        same = ws.add_projects(jinghai, key="id")
        assert (same.added, same.changed) == ([], [])
        assert sorted(same.unchanged) == sorted(jinghai["id"])
        edited = jinghai.to_crs("EPSG:4527")  # through a projected CRS and back
        first = int(edited["id"].iloc[0])
        edited.loc[edited.index[0], "capacity"] = 321.0
        result = ws.add_projects(edited, key="id")
        assert result.changed == [first] and len(result.unchanged) == len(jinghai) - 1
        assert len(ws.projects()) == count
        stored = ws.projects().set_index("id").loc[first]
        history = ws.history(first)
    assert stored["capacity"] == 321.0
    assert stored["quote"] == jinghai.set_index("id").loc[first, "quote"]  # kept
    last = history.iloc[-1]
    assert (last["action"], last["author"]) == ("update", "api")
    assert (last["before"]["capacity"], last["after"]["capacity"]) != (321.0, 321.0)
    assert last["after"]["capacity"] == 321.0


def test_key_by_name_and_an_unknown_key(seeded_path: Path) -> None:
    with gc.open(seeded_path) as ws:
        name = ws.projects(plan="静海区")["name"].iloc[0]
        ledger = pd.DataFrame(
            {"name": [name], "type": ["wind"], "capacity": [1.0], "lon": [117.0], "lat": [38.8]}
        )
        with pytest.raises(GisCarbonError, match="key 'code' is not a column"):
            ws.add_projects(ledger, key="code")
        ledger["type"] = ws.projects(plan="静海区")["type"].iloc[0]
        result = ws.add_projects(ledger, key="name")
    assert result.added == [] and len(result.changed) == 1


def test_edit_project_checks_the_version(seeded_path: Path) -> None:
    with gc.open(seeded_path) as ws:
        project = ws.edit_project(1, capacity="30万千瓦", expected_version=1)
        assert (project.capacity, project.version) == (300.0, 2)
        with pytest.raises(StaleEditError):
            ws.edit_project(1, name="旧版本的修改", expected_version=1)
        assert ws.projects().set_index("id").loc[1, "capacity"] == 300.0


def test_a_closed_workspace_says_so(seeded_path: Path) -> None:
    ws = gc.open(seeded_path)
    ws.close()
    assert ws.closed
    with pytest.raises(WorkspaceError, match="closed"):
        ws.projects()


def test_map_names_every_project_of_the_plan(seeded_path: Path) -> None:
    import folium

    with gc.open(seeded_path) as ws:
        fmap = ws.map(plan="静海区")
        projects = ws.projects(plan="静海区")
        targets = ws.status(plan="静海区")
    assert isinstance(fmap, folium.Map)
    page = fmap.get_root().render()
    for name, quote in zip(projects["name"], projects["quote"], strict=True):
        assert html.escape(name) in page, name
        assert html.escape(quote) in page, name
    approximate = (projects["precision"] != "exact").sum()
    assert approximate > 0 and page.count('"dashArray": "6 4"') == approximate
    measured = targets[targets["verdict"] != "no_data"]
    assert "gc-targets" in page and len(measured) > 0
    for name, percent in zip(measured["name_zh"], measured["percent"], strict=True):
        assert html.escape(name) in page and f"{percent:.1f}%" in page
    assert f"另有 {len(targets) - len(measured)} 项目标无数据" in page
    assert "静海区" in page  # the outline's tooltip


def test_the_analyst_example_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(REPO / "docs" / "analyst_example.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "added projects" in done.stdout
    assert "added=0 changed=0 unchanged=2" in done.stdout
    assert (tmp_path / "jinghai_map.html").stat().st_size > 10_000
    assert (tmp_path / "capacity_by_county.png").stat().st_size > 5_000


def test_the_frame_benchmark_runs_at_its_small_default() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_api_frames.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    row = done.stdout.splitlines()[-1]
    assert row.split()[0] == "2,000" and "frame ≤ read back" in row


def test_a_frame_without_the_needed_columns_is_told_which(seeded_path: Path) -> None:
    before = written(seeded_path)
    with gc.open(seeded_path) as ws:
        with pytest.raises(
            GisCarbonError, match=r"no column for lon/经度, lat/纬度 among name, type"
        ):
            ws.add_projects(pd.DataFrame({"name": ["甲"], "type": ["wind"]}))
        with pytest.raises(GisCarbonError, match="no column for type/类型"):
            ws.add_projects(pd.DataFrame({"name": ["甲"], "经度": [117.0], "纬度": [38.8]}))
    assert written(seeded_path) == before


def test_plans_and_targets_equal_the_cli(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with gc.open(seeded_path) as ws:
        for plan in PLANS:
            frame = ws.targets(plan)
            cli = cli_json(capsys, seeded_path, "targets", "--plan", plan)
            assert list(frame["id"]) == [t["id"] for t in cli]
            assert list(frame["quote"]) == [t["quote"] for t in cli]
            assert list(frame["value"]) == [t["plan_value"] for t in cli]


def test_a_ledger_number_key_finds_the_project_next_time(seeded_path: Path) -> None:
    ledger = pd.DataFrame(
        {
            "台账编号": ["JH-001", "JH-002"],
            "name": ["台账风电一", "台账风电二"],
            "type": ["wind", "wind"],
            "capacity": [50, 60],
            "lon": [116.95, 116.97],
            "lat": [38.85, 38.87],
        }
    )
    with gc.open(seeded_path) as ws:
        first = ws.add_projects(ledger, key="台账编号")
        assert len(first.added) == 2
        ledger.loc[1, "name"] = "台账风电二（更名）"
        second = ws.add_projects(ledger, key="台账编号")
        assert (second.added, second.changed) == ([], [first.added[1]])
        assert ws.projects().set_index("id").loc[first.added[1], "name"] == "台账风电二（更名）"
        with pytest.raises(GisCarbonError, match=r"row 0: column 'id': no project with id 99999"):
            ws.add_projects(ledger.assign(id=[99999, None]), key="id")
