"""`gis-carbon coverage --plan P`: every checklist row shipped or unmappable with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.services.coverage import plan_coverage
from project_db.seed_data import seed_plans

SEEDS = Path("/work/shared/seeds")


@pytest.mark.parametrize("plan_id", [p.id for p in seed_plans()])
def test_each_plan_lists_zero_silent_omissions_and_quotes_verbatim(plan_id: str) -> None:
    report = plan_coverage(plan_id)
    assert report.rows, f"{plan_id} has no checklist"
    assert [r.problem for r in report.rows if r.problem] == []
    plan = next(p for p in seed_plans() if p.id == plan_id)
    text = (SEEDS / str(plan.source_file)).read_text(encoding="utf-8")
    assert [r.quote for r in report.rows if r.quote not in text] == []
    assert all(r.reason for r in report.rows if r.state == "unmappable")


def test_coverage_of_jinghai_shows_its_columns_3_and_6(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["--workspace", str(tmp_path / "w.gpkg"), "coverage", "--plan", "静海区", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["silent"] == 0
    sections = {(r["section"].replace(" ", ""), r["state"]) for r in report["rows"]}
    assert {("专栏3", "unmappable"), ("专栏6", "shipped"), ("专栏6", "unmappable")} <= sections
    heating = [r for r in report["rows"] if "南海供热站" in r["quote"]]
    assert "project:jinghai.nanhai_heating_expansion" in heating[0]["shipped_as"]


def test_an_unknown_plan_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--plan", "北京市"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("plan_id", [p.id for p in seed_plans()])
def test_every_shipped_project_and_target_is_on_its_plans_checklist(plan_id: str) -> None:
    from project_db.seed_data import seed_project_records, seed_targets

    listed = {s for r in plan_coverage(plan_id).rows for s in r.shipped_as}
    shipped = {f"project:{r['id']}" for r in seed_project_records() if r["plan_id"] == plan_id}
    shipped |= {f"target:{t.id}" for t in seed_targets() if t.plan_id == plan_id}
    assert shipped - listed == set()
