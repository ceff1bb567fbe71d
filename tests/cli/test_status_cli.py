"""`gis-carbon status / rollup / chart / record-indicator` on a copy of the seeded workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.geo.chinese_coords import gcj02_to_wgs84

RENEWABLES = "jinghai.renewables_capacity.2025"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def status(capsys: pytest.CaptureFixture[str], ws: Path, *extra: str) -> dict[str, dict]:
    out = run(capsys, "--workspace", str(ws), "status", "--plan", "静海区", *extra, "--json")
    return {row["target_id"]: row for row in json.loads(out)}


def record_non_fossil_share(ws: Path, value: str) -> list[str]:
    """The argv of `record-indicator` for 静海区's non-fossil share in 2024."""
    return [
        "--workspace", str(ws), "record-indicator", "--plan", "静海区",
        "--indicator", "non_fossil_share", "--year", "2024", "--value", value,
    ]  # fmt: skip


def test_status_pipeline_then_add_and_delete_a_wind_farm(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = status(capsys, seeded_path, "--count", "pipeline")[RENEWABLES]
    assert (row["target_value"], row["unit"], row["plan_value"], row["plan_unit"]) == (
        2800.0,
        "MW",
        280,
        "万千瓦",
    )
    assert (row["current"], row["percent"], row["gap"], row["verdict"]) == (
        500.0,
        17.9,
        2300.0,
        "behind",
    )
    assert "280 万千瓦" in row["quote"]
    assert row["by_policy"]["operating"]["current"] == 0.0
    assert row["by_policy"]["pipeline"]["current"] == 500.0

    operating = status(capsys, seeded_path, "--count", "operating")[RENEWABLES]
    assert (operating["current"], operating["percent"], operating["policy"]) == (
        0.0,
        0.0,
        "operating",
    )

    lon, lat = gcj02_to_wgs84(116.832979, 38.815994)  # 沿庄镇 centre, GCJ-02 from Amap
    added = json.loads(
        run(
            capsys,
            "--workspace",
            str(seeded_path),
            "add-project",
            "--name",
            "测试风电",
            "--type",
            "wind",
            "--capacity",
            "300 MW",
            "--status",
            "planned",
            "--year",
            "2025",
            "--lon",
            f"{lon:.6f}",
            "--lat",
            f"{lat:.6f}",
            "--json",
        )
    )
    assert added["county"] == "120118"
    row = status(capsys, seeded_path)[RENEWABLES]
    assert (row["current"], row["percent"]) == (800.0, 28.6)
    assert {"id": added["id"], "name": "测试风电", "value": 300.0} in row["contributors"]
    assert status(capsys, seeded_path, "--count", "operating")[RENEWABLES]["current"] == 0.0

    run(capsys, "--workspace", str(seeded_path), "delete-project", str(added["id"]))
    row = status(capsys, seeded_path)[RENEWABLES]
    assert (row["current"], row["percent"]) == (500.0, 17.9)


def test_status_table_shows_operating_and_pipeline_side_by_side(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(
        capsys,
        "--workspace",
        str(seeded_path),
        "status",
        "--plan",
        "津市市",
        "--year",
        "2030",
        "--metric",
        "capacity_sum",
    )
    header = out.splitlines()[0]
    assert "投产 operating" in header and "全部规划 pipeline" in header
    assert "≥42 万千瓦 (420 MW)" in out and "≥18 万千瓦 (180 MW)" in out
    assert "「到 2030 年，风电装机达到 18 万千瓦，光伏装机达到 42 万千瓦。」" in out
    rows = out.split("\n\n")[0].splitlines()[2:]
    assert len(rows) == 2 and all("  2030  " in line for line in rows)


def test_rollup_of_tianjin_lists_its_districts(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(
        run(capsys, "--workspace", str(seeded_path), "rollup", "--plan", "天津市", "--json")
    )
    renewables = next(r for r in rows if r["target_id"] == "tianjin.renewables_capacity.2025")
    districts = {d["region_code"]: d for d in renewables["districts"]}
    # the 投产 target counts operating plants by default: 静海's 500 MW are only planned
    assert districts["120118"]["value"] == 0.0 and districts["120118"]["region_name"] == "静海区"
    assert districts["120106"]["region_name"] == "红桥区"
    assert {"120118", "120106"} <= set(renewables["by_region"])


def test_record_indicator_then_status_shows_it(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *record_non_fossil_share(seeded_path, "9.5%"))
    row = status(capsys, seeded_path, "--metric", "indicator")["jinghai.non_fossil_share.2030"]
    assert (row["current"], row["details"]["year"]) == (9.5, 2024)
    assert row["percent"] == pytest.approx(63.3)


def test_bad_input_is_one_line_on_stderr_and_changes_nothing(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(record_non_fossil_share(seeded_path, "9,5")) == 2
    err = capsys.readouterr().err
    assert "9,5" in err and err.count("\n") == 1
    assert main(["--workspace", str(seeded_path), "status", "--plan", "北京市"]) == 2
    assert "no plan '北京市'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--workspace", str(seeded_path), "status", "--count", "everything"])
    from project_db.sqlite.workspace import Workspace

    with Workspace(seeded_path) as ws:
        assert ws.indicator_values() == []


def test_chart_writes_a_png(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.png"
    run(capsys, "--workspace", str(seeded_path), "chart", "--plan", "静海区", "--out", str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_nev_share_of_45_percent_meets_about_25_percent(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        *["--workspace", str(seeded_path), "record-indicator", "--plan", "天津市"],
        *["--indicator", "nev_sales_share", "--year", "2025", "--value", "45%"],
    )
    out = run(capsys, "--workspace", str(seeded_path), "status", "--plan", "天津市", "--json")
    row = next(r for r in json.loads(out) if r["target_id"] == "tianjin.nev_sales_share.2025")
    assert row["verdict"] == "met"


def test_jinshi_afforestation_is_not_met_on_a_fresh_workspace(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "--workspace", str(seeded_path), "status", "--plan", "津市市", "--json")
    row = next(r for r in json.loads(out) if r["target_id"] == "jinshi.afforestation_area.2025")
    assert row["verdict"] != "met"
