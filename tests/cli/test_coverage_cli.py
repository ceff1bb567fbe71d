"""`gis-carbon coverage --plan P`: every checklist row shipped or unmappable with a reason."""

from __future__ import annotations

import json
import re
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


# A sentence that carries a number, a date or a word of "all / zero / peak" is a commitment
# or names one; page headings ("1．…"), the issue date and the document number are not.
_COMMITMENT_MARK = re.compile(
    r"[0-9０-９]|全覆盖|全部|全面实现|清零|零填埋|达到峰值|碳达峰目标|如期完成"
)
_NOT_A_COMMITMENT = re.compile(r"^[0-9]+．|^\d{4}年\d{1,2}月\d{1,2}日$|^\S+〔\d{4}〕\d+号$")


@pytest.mark.parametrize("plan_id", ["tianjin", "tianjin_pilot"])
def test_every_commitment_sentence_is_on_the_checklist(plan_id: str) -> None:
    plan = next(p for p in seed_plans() if p.id == plan_id)
    text = (SEEDS / str(plan.source_file)).read_text(encoding="utf-8")
    quotes = [r.quote for r in plan_coverage(plan_id).rows]
    sentences = [
        s.strip()
        for s in re.split(r"(?<=[。；！？])|\n", text)
        if _COMMITMENT_MARK.search(s) and not _NOT_A_COMMITMENT.match(s.strip())
    ]
    assert sentences
    missing = [s for s in sentences if not any(q in s or s in q for q in quotes)]
    assert missing == []


def test_coverage_of_tianjin_lists_the_port_and_the_abroad_items(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["--workspace", str(tmp_path / "w.gpkg"), "coverage", "--plan", "天津市", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["silent"] == 0 and report["shipped"] >= 60 and report["unmappable"] >= 30
    by_quote = {r["quote"]: r for r in report["rows"]}
    dasu = next(r for q, r in by_quote.items() if "巴基斯坦达苏水电站" in q)
    assert dasu["state"] == "unmappable" and "abroad" in dasu["reason"]
    port = next(r for q, r in by_quote.items() if "推进码头岸电设施建设" in q)
    assert "project:tianjin.tianjin_port_shore_power" in port["shipped_as"]
