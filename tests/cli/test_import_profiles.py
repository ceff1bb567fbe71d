"""Next month's ledger with one option: an import's column map, value maps and options saved
in the workspace as a named profile (--save-profile) and used again (--profile)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.services.import_setup import ImportProfile, save_profile

JANUARY = (
    "编号,电站名称,类别,状态,容量MW,经度,纬度\n"
    "A1,大邱庄光伏一期,光伏发电,已并网,50,117.06,38.83\n"
    "A2,王口风电,风力发电场,在建,80,117.20,38.80\n"
)
MAPS = [
    "--map", "name=电站名称", "--map", "type=类别",
    "--value-map", "type:光伏发电=pv_ground", "--value-map", "type:风力发电场=wind",
    "--value-map", "status:已并网=operating", "--value-map", "status:在建=construction",
    "--key", "编号",
]  # fmt: skip


def _projects(ws: str, capsys: pytest.CaptureFixture[str]) -> dict[str, tuple]:
    assert main(["--workspace", ws, "projects", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return {
        p["name"]: (p["type"], p["status"], p["capacity"])
        for p in rows
        if p["name"] in ("大邱庄光伏一期", "王口风电", "中旺光伏")
    }


def test_a_saved_profile_imports_next_months_ledger_with_one_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "w.gcarbon.gpkg")
    january = tmp_path / "一月.csv"
    january.write_text(JANUARY, encoding="utf-8")
    assert main(["--workspace", ws, "import", str(january), *MAPS, "--save-profile", "月报"]) == 0
    assert "import profile '月报' saved in the workspace" in capsys.readouterr().out
    # the bare unit in the header "容量MW" is read as MW
    assert _projects(ws, capsys) == {
        "大邱庄光伏一期": ("pv_ground", "operating", 50.0),
        "王口风电": ("wind", "construction", 80.0),
    }

    february = tmp_path / "二月.csv"
    february.write_text(
        JANUARY.replace(",50,", ",55,") + "A3,中旺光伏,光伏发电,已并网,20,117.13,38.64\n",
        encoding="utf-8",
    )
    assert main(["--workspace", ws, "import", str(february), "--profile", "月报", "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)["diff"]
    assert [len(diff[k]) for k in ("added", "changed", "unchanged", "missing")] == [1, 1, 1, 0]
    assert diff["changed"][0]["changes"]["capacity"] == [50.0, 55.0]
    assert _projects(ws, capsys)["中旺光伏"] == ("pv_ground", "operating", 20.0)


def test_an_unknown_profile_names_the_known_ones_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "w.gcarbon.gpkg"
    ledger = tmp_path / "一月.csv"
    ledger.write_text(JANUARY, encoding="utf-8")
    assert (
        main(["--workspace", str(ws), "import", str(ledger), *MAPS, "--save-profile", "月报"]) == 0
    )
    capsys.readouterr()
    before = ws.read_bytes()
    assert main(["--workspace", str(ws), "import", str(ledger), "--profile", "季报"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "gis-carbon: error: no import profile '季报' in this workspace; known: 月报"
    assert ws.read_bytes() == before


def test_a_profile_file_from_the_import_wizard_works_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = ImportProfile(
        mapping={"name": "电站名称", "type": "类别"},
        value_map={
            "type": {"光伏发电": "pv_ground", "风力发电场": "wind"},
            "status": {"已并网": "operating", "在建": "construction"},
        },
    )
    saved = save_profile(profile, tmp_path / "月报方案.json")
    ledger = tmp_path / "一月.csv"
    ledger.write_text(JANUARY, encoding="utf-8")
    ws = str(tmp_path / "w.gcarbon.gpkg")
    assert main(["--workspace", ws, "import", str(ledger), "--profile", str(saved)]) == 0
    capsys.readouterr()
    assert _projects(ws, capsys)["王口风电"] == ("wind", "construction", 80.0)
