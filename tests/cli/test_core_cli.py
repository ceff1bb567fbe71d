"""The command line over a real seeded workspace file: what the README promises."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gis_carbon.cli import build_parser, main
from tests.project_db.test_seed_data import GENERATION_TYPES as GENERATION


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_jinghai_renewables_target_is_2800_mw_for_2025_with_its_sentence(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = run_json(capsys, "--workspace", str(seeded_path), "targets", "--plan", "静海区")
    renewables = [t for t in targets if t["id"] == "jinghai.renewables_capacity.2025"]
    assert len(renewables) == 1
    target = renewables[0]
    assert (target["value"], target["unit"], target["year"]) == (2800.0, "MW", 2025)
    assert (target["plan_value"], target["plan_unit"]) == (280, "万千瓦")
    assert "280 万千瓦" in target["quote"]
    assert target["aspirational"] is True  # 力争


def test_jinshi_pv_target_for_2030_is_420_mw(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = run_json(capsys, "--workspace", str(seeded_path), "targets", "--plan", "津市市")
    pv_2030 = [
        t
        for t in targets
        if t["metric"] == "capacity_sum" and t["year"] == 2030 and "pv_fishery" in t["scope"]
    ]
    assert [(t["value"], t["unit"]) for t in pv_2030] == [(420.0, "MW")]
    assert "42" in pv_2030[0]["quote"]


def test_jinghai_lists_the_seven_generation_projects_with_coordinates(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    projects = run_json(capsys, "--workspace", str(seeded_path), "projects", "--plan", "静海区")
    generation = [p for p in projects if p["type"] in GENERATION]
    # the 地热 areas of 杨成庄乡 and 大邱庄镇 state no size: they sit at their towns
    unsized = [p for p in generation if p["capacity"] is None]
    assert sorted(p["name"] for p in unsized) == [
        "大邱庄镇地热资源开发利用",
        "杨成庄乡地热资源开发利用",
    ]
    assert {p["precision"] for p in unsized} == {"town"}
    generation = [p for p in generation if p["capacity"] is not None]
    assert sorted(p["capacity"] for p in generation) == [10, 20, 80, 90, 100, 100, 100]
    for project in generation:
        assert project["capacity_unit"] == "MW"
        assert 116.6 < project["lon"] < 117.3 and 38.5 < project["lat"] < 39.2
        assert project["precision"] in {"exact", "village", "town", "district"}
        assert project["county"] == "120118"
        assert project["status"] == "planned"
        assert project["quote"]
    # 阳成新能源 names no town: it sits at its district, and says so.
    yangcheng = next(p for p in generation if "阳成" in p["name"])
    assert yangcheng["precision"] == "district"


def test_add_project_then_history_shows_the_change(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ["--workspace", str(seeded_path)]
    added = run_json(
        capsys,
        *ws,
        "add-project",
        "--name",
        "测试风电场",
        "--type",
        "风电",
        "--capacity",
        "30万千瓦",
        "--status",
        "规划",
        "--year",
        "2025",
        "--lon",
        "116.84",
        "--lat",
        "38.81",
    )
    assert (added["capacity"], added["type"], added["county"]) == (300.0, "wind", "120118")
    assert main([*ws, "edit-project", str(added["id"]), "--status", "在建"]) == 0
    capsys.readouterr()
    history = run_json(capsys, *ws, "history", str(added["id"]))
    assert [h["action"] for h in history] == ["insert", "update"]
    assert history[1]["before"]["status"] == "planned"
    assert history[1]["after"]["status"] == "construction"
    assert history[0]["author"] == "tester"


def test_a_capacity_of_12_comma_5_is_refused_and_nothing_changes(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(seeded_path)
    code = main(
        [
            "--workspace",
            str(seeded_path),
            "add-project",
            "--name",
            "坏数据",
            "--type",
            "wind",
            "--capacity",
            "12,5 MW",
            "--lon",
            "116.84",
            "--lat",
            "38.81",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert '"12,5 MW"' in err and "12.5" in err
    assert err.count("\n") == 1  # one clear line, no traceback
    assert digest(seeded_path) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "fusion", "--capacity", "1 MW"], "unknown project type"),
        (["--type", "wind", "--capacity", "abc"], '"abc"'),
        (["--type", "wind", "--capacity", "-5 MW"], '"-5 MW"'),
        (["--type", "wind", "--capacity", "5 MWh"], "5 MWh"),
        (["--type", "wind", "--capacity", "5 MW", "--year", "3025"], "3025"),
    ],
)
def test_bad_input_names_the_value_and_leaves_the_workspace_unchanged(
    seeded_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = digest(seeded_path)
    code = main(
        [
            "--workspace",
            str(seeded_path),
            "add-project",
            "--name",
            "x",
            *args,
            "--lon",
            "116.84",
            "--lat",
            "38.81",
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert digest(seeded_path) == before


def test_a_stale_edit_is_refused_from_the_command_line(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ["--workspace", str(seeded_path)]
    assert main([*ws, "edit-project", "1", "--capacity", "110 MW", "--expect-version", "1"]) == 0
    assert main([*ws, "edit-project", "1", "--capacity", "120 MW", "--expect-version", "1"]) == 2
    assert "version 2" in capsys.readouterr().err


def test_storage_takes_power_and_energy(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = run_json(
        capsys,
        "--workspace",
        str(seeded_path),
        "add-project",
        "--name",
        "共享储能",
        "--type",
        "storage",
        "--capacity",
        "100MW/200MWh",
        "--lon",
        "116.84",
        "--lat",
        "38.81",
    )
    assert (added["capacity"], added["energy"], added["energy_unit"]) == (100.0, 200.0, "MWh")


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    listing = capsys.readouterr().out
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {
        "plans",
        "targets",
        "projects",
        "add-project",
        "edit-project",
        "delete-project",
        "history",
    } <= set(commands)
    for name, sub in commands.items():
        assert sub.description, f"{name} has no help"
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        assert "usage: gis-carbon" in capsys.readouterr().out
        assert name in listing
