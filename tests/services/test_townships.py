"""Township layers the user imports become the fourth region level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from gis_carbon.cli import main
from gis_carbon.io.records import InputRowsError
from gis_carbon.services.imports import import_file
from gis_carbon.services.projects import ProjectInput, add_project, edit_project
from gis_carbon.services.regions import reassign_townships, township_index, with_regions
from project_db.sqlite.workspace import Workspace

TANGGUANTUN = "120118101000"  # 唐官屯镇
DAQIUZHUANG = "120118108000"  # 大邱庄镇
# A township of 红桥区 (120106) drawn over part of 静海区: its code says another county.
ELSEWHERE = "120106001000"

# Two townships splitting part of 静海区 along lon 117.02, and the stray one further east.
TOWNSHIP_BOXES = {
    TANGGUANTUN: ("唐官屯镇", box(116.85, 38.70, 117.02, 38.86)),
    DAQIUZHUANG: ("大邱庄镇", box(117.02, 38.70, 117.10, 38.86)),
    ELSEWHERE: ("西于庄街道", box(117.12, 38.86, 117.16, 38.90)),
}


def write_townships(path: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"乡镇代码": code, "乡镇名称": name},
            "geometry": shapely.geometry.mapping(geometry),
        }
        for code, (name, geometry) in TOWNSHIP_BOXES.items()
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def expected_township(lon: float, lat: float) -> str | None:
    """Independent: which of the two 静海区 boxes holds the point (west one on the edge)."""
    if 38.70 <= lat <= 38.86:
        if 116.85 <= lon <= 117.02:
            return TANGGUANTUN
        if 117.02 < lon <= 117.10:
            return DAQIUZHUANG
    return None


@pytest.fixture
def ws_with_townships(seeded_path: Path, tmp_path: Path):
    with Workspace(seeded_path) as ws:
        before = {p.id: p for p in ws.projects()}
        result = import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
        yield ws, before, result


def test_import_assigns_townships_to_existing_projects(ws_with_townships) -> None:
    ws, before, result = ws_with_townships
    layer = ws.layer("township")
    assert (layer.role, layer.params["level"]) == ("boundary", "township")
    assert (layer.params["code_field"], layer.params["name_field"]) == ("乡镇代码", "乡镇名称")
    assert all(p.regions.township is None for p in before.values())
    after = {p.id: p for p in ws.projects()}
    changed = set()
    for pid, project in after.items():
        lon, lat = project.lonlat
        want = expected_township(lon, lat) if project.regions.county == "120118" else None
        assert project.regions.township == want, project.name
        if want is not None:
            changed.add(pid)
            assert project.version == before[pid].version + 1  # a recorded change
            assert ws.history(pid)[-1].action == "update"
        else:
            assert project.version == before[pid].version
    # The seeded 静海区 projects: 国华大邱庄 (1) and the 大邱庄 rail line (18) in 大邱庄镇;
    # 唐官屯镇大郝庄 (2) and the two 唐官屯 projects (16, 17) in 唐官屯镇.
    assert after[1].regions.township == DAQIUZHUANG
    assert after[18].regions.township == DAQIUZHUANG
    assert {after[i].regions.township for i in (2, 16, 17)} == {TANGGUANTUN}
    assert after[6].regions.township is None  # 王口镇: outside both boxes
    assert f"township assigned to {len(changed)} existing projects" in result.notes
    assert len(changed) >= 5


def test_township_of_another_county_is_ignored(ws_with_townships) -> None:
    ws, _, _ = ws_with_townships
    # 医学城变电站 (12) lies in 静海区 inside the 红桥区 township's box: county kept, no township.
    stored = ws.get_project(12)
    assert TOWNSHIP_BOXES[ELSEWHERE][1].contains(stored.geometry)
    assert (stored.regions.county, stored.regions.township) == ("120118", None)
    new = add_project(
        ws,
        ProjectInput(name="团泊东光伏", type="地面光伏", capacity="10 MW", lon=117.14, lat=38.88),
    )
    assert (new.regions.county, new.regions.township) == ("120118", None)
    assert ws.projects(region_code=ELSEWHERE) == []


def test_new_and_moved_projects_get_their_township(ws_with_townships) -> None:
    ws, _, _ = ws_with_townships
    new = add_project(
        ws,
        ProjectInput(name="唐官屯光伏", type="地面光伏", capacity="20 MW", lon=116.95, lat=38.75),
    )
    assert new.id is not None
    assert ws.get_project(new.id).regions.township == TANGGUANTUN
    moved = edit_project(ws, new.id, {"lon": 117.06, "lat": 38.78})
    assert moved.regions.township == DAQIUZHUANG
    outside = edit_project(ws, new.id, {"lon": 116.76, "lat": 38.93})  # 王口镇, no layer there
    assert (outside.regions.county, outside.regions.township) == ("120118", None)


def test_polygon_straddling_two_townships_takes_the_larger_share(ws_with_townships) -> None:
    ws, _, _ = ws_with_townships
    # 0.02° west of the edge, 0.03° east: 40 % in 唐官屯镇, 60 % in 大邱庄镇.
    wkt = box(117.00, 38.80, 117.05, 38.82).wkt
    east = add_project(
        ws, ProjectInput(name="跨镇光伏", type="地面光伏", capacity="30 MW", wkt=wkt)
    )
    assert east.regions.township == DAQIUZHUANG
    wkt = box(116.99, 38.80, 117.03, 38.82).wkt  # 75 % west
    west = add_project(
        ws, ProjectInput(name="跨镇光伏二", type="地面光伏", capacity="5 MW", wkt=wkt)
    )
    assert west.regions.township == TANGGUANTUN
    # A line: 0.01° west, 0.05° east of the edge.
    line = "LINESTRING (117.01 38.75, 117.07 38.75)"
    cable = add_project(
        ws, ProjectInput(name="跨镇线路", type="输电线路", capacity="6 km", wkt=line)
    )
    assert cable.regions.township == DAQIUZHUANG


def test_projects_by_township_code(ws_with_townships) -> None:
    ws, _, _ = ws_with_townships
    new = add_project(
        ws,
        ProjectInput(
            name="大邱庄储能", type="储能", capacity="10 MW/20 MWh", lon=117.08, lat=38.84
        ),
    )
    listed = {p.id for p in ws.projects(region_code=DAQIUZHUANG)}
    in_daqiuzhuang = {
        p.id
        for p in ws.projects(region_code="120118")
        if expected_township(*p.lonlat) == DAQIUZHUANG
    }
    # the seed's 大邱庄 projects (渔光互补, 地热, 气源, 生态城 …) and the one added
    assert listed == in_daqiuzhuang and {1, 18, new.id} <= listed
    expected = {
        p.id
        for p in ws.projects(region_code="120118")
        if expected_township(*p.lonlat) == TANGGUANTUN
    }
    assert {p.id for p in ws.projects(region_code=TANGGUANTUN)} == expected
    assert {2, 16, 17} <= expected


def test_imported_projects_get_townships(ws_with_townships, tmp_path: Path) -> None:
    ws, _, _ = ws_with_townships
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "项目名称,类型,装机容量,经度,纬度\n"
        "唐官屯风电,集中式风电,50 MW,116.92,38.72\n"
        "大邱庄光伏,地面光伏,40 MW,117.09,38.71\n"
        "王口光伏,地面光伏,30 MW,116.76,38.93\n",
        encoding="utf-8",
    )
    result = import_file(ws, ledger)
    assert [p.regions.township for p in result.projects] == [TANGGUANTUN, DAQIUZHUANG, None]
    assert [p.regions.county for p in result.projects] == ["120118"] * 3


def test_deleting_the_layer_keeps_codes_until_reassigned(ws_with_townships) -> None:
    ws, before, _ = ws_with_townships
    assert township_index(ws) is not None
    ws.delete_layer("township")
    assert township_index(ws) is None  # the cached index is not reused
    # Codes stay on the stored projects until assignment runs again …
    assert ws.get_project(1).regions.township == DAQIUZHUANG
    assert with_regions(ws.get_project(1), ws).regions.township is None
    cleared = reassign_townships(ws)
    # … which clears exactly those the layer had set.
    assert {p.id for p in cleared} == {
        pid
        for pid, p in before.items()
        if p.regions.county == "120118" and expected_township(*p.lonlat)
    }
    assert all(p.regions.township is None for p in ws.projects())
    assert ws.projects(region_code=DAQIUZHUANG) == []


def test_importing_townships_after_a_refused_file_changes_nothing(
    seeded_path: Path, tmp_path: Path
) -> None:
    bad = write_townships(tmp_path / "坏乡镇.geojson")
    data = json.loads(bad.read_text(encoding="utf-8"))
    data["features"][1]["properties"]["乡镇代码"] = "大邱庄"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with Workspace(seeded_path) as ws:
        with pytest.raises(InputRowsError) as caught:
            import_file(ws, bad, as_layer="township")
        assert ws.layers() == []
        assert all(p.regions.township is None for p in ws.projects())
    assert len(caught.value.problems) == 1
    assert "'大邱庄' is not a township code" in caught.value.problems[0]


def test_locate_prints_the_township(ws_with_townships, capsys: pytest.CaptureFixture[str]) -> None:
    ws, _, _ = ws_with_townships
    assert main(["--workspace", str(ws.path), "locate", "117.06", "38.80", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["county"] == {"code": "120118", "name": "静海区"}
    assert data["township"] == {"code": DAQIUZHUANG, "name": "大邱庄镇"}
    assert [r["code"] for r in data["chain"]] == ["120000", "120118", DAQIUZHUANG]
    assert main(["--workspace", str(ws.path), "locate", "116.76", "38.93", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["township"] is None and data["county"]["code"] == "120118"
    assert main(["--workspace", str(ws.path), "locate", "117.06", "38.80"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"天津市 (120000) > 静海区 (120118) > 大邱庄镇 ({DAQIUZHUANG})"
    )


def test_locate_without_township_layers_has_no_township(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--workspace", str(seeded_path), "locate", "117.06", "38.80", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "township" not in data and data["county"]["code"] == "120118"


def test_a_second_countys_township_file_becomes_a_second_layer(
    ws_with_townships, tmp_path: Path
) -> None:
    from gis_carbon.errors import InputFileError
    from gis_carbon.geo.boundaries import region_geometry

    ws, _, _ = ws_with_townships
    jinshi_before = ws.projects(region_code="430781")
    assert jinshi_before and all(p.regions.township is None for p in jinshi_before)
    # One township box over the whole of 津市市 (a test geometry; the code and name are real).
    whole = shapely.geometry.box(*region_geometry("430781").bounds)
    path = tmp_path / "津市乡镇.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"乡镇代码": "430781001000", "乡镇名称": "三洲驿街道"},
                        "geometry": shapely.geometry.mapping(whole),
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = import_file(ws, path, as_layer="township")
    assert result.layer.id == "township_2"
    assert result.layer.title_zh == "乡镇（街道）边界（430781）"
    jinshi = ws.projects(region_code="430781")
    assert {p.regions.township for p in jinshi} == {"430781001000"}
    assert ws.get_project(1).regions.township == DAQIUZHUANG  # 静海区's layer still counts

    # The first file again: its townships are in layer 'township' already. Refused, unchanged.
    layers = [layer.id for layer in ws.layers()]
    with pytest.raises(InputFileError, match="remove-layer township"):
        import_file(ws, write_townships(tmp_path / "again.geojson"), as_layer="township")
    assert [layer.id for layer in ws.layers()] == layers
