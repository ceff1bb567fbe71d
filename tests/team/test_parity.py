"""Parity: one scripted session, run through the CLI against a new workspace file and a new
team database, gives the same output (byte for byte once timestamps are masked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gis_carbon.cli import main

pytestmark = pytest.mark.team

_STAMPS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?")

LEDGER = """名称,类型,装机容量,状态,经度,纬度,投产年份
团泊湖农光互补,农光互补,"20 MW",在建,117.08,38.92,2024
子牙循环经济产业区屋顶光伏,分布式光伏,"6.5MW",规划,116.96,38.81,2025
大邱庄风电二期,风电,"5万千瓦",规划,116.93,38.88,2026
"""


def _session(workspace: str, tmp_path: Path, capsys) -> dict[str, str]:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    steps = {
        "plans": ["plans"],
        "add": [
            "add-project",
            "--name",
            "静海储能电站",
            "--type",
            "储能",
            "--capacity",
            "100 MW",
            "--energy",
            "200 MWh",
            "--lon",
            "116.97",
            "--lat",
            "38.95",
            "--year",
            "2025",
            "--json",
        ],
        "edit": ["edit-project", "1", "--capacity", "120 MW", "--status", "在建", "--json"],
        "import": ["import", str(ledger), "--json"],
        "status": ["status", "--plan", "静海区", "--json"],
        "projects": ["projects", "--region", "120118"],
        "rollup": ["rollup", "--plan", "天津市"],
        "history": ["history", "1"],
    }
    out: dict[str, str] = {}
    for name, args in steps.items():
        code = main(["--workspace", workspace, *args])
        captured = capsys.readouterr()
        assert code == 0, (name, captured.err)
        out[name] = _STAMPS.sub("<time>", captured.out).replace(str(tmp_path), "<tmp>")
    export = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.geojson"
    assert main(["--workspace", workspace, "export", "geojson", str(export)]) == 0
    capsys.readouterr()
    out["export"] = _STAMPS.sub("<time>", export.read_text(encoding="utf-8"))
    return out


def test_the_same_session_gives_the_same_output_on_both_backends(
    team_url: str, tmp_path: Path, capsys
) -> None:
    file_dir, team_dir = tmp_path / "file", tmp_path / "team"
    file_dir.mkdir()
    team_dir.mkdir()
    on_file = _session(str(file_dir / "same.gcarbon.gpkg"), file_dir, capsys)
    on_team = _session(team_url, team_dir, capsys)
    assert on_team["status"].count('"verdict"') > 10  # a real status, not an empty one
    assert "静海储能电站" in on_team["projects"] and "大邱庄风电二期" in on_team["projects"]
    for step in on_file:
        assert on_team[step] == on_file[step], step
