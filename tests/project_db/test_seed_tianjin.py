"""The 天津市 plan and the pilot plan ship complete (issue 17): every named project and facility
with an honest location, every commitment as a target, no year the text does not give."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "project_db" / "seed"
SEEDS = REPO.parent / "shared" / "seeds"
TIANJIN_TEXT = "001_ae27d75ef2942260.txt"
PILOT_TEXT = "004_7eddd555a666c704.txt"
# A year or a period the sentence itself gives: "到2025年", "2030年前", "“十四五”时期"
STATED_YEAR = re.compile(r"20[2-6]\d\s*年|十[四五六]五")


@cache
def _rows(name: str) -> list[dict]:
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


def _of(name: str, plan: str) -> list[dict]:
    return [r for r in _rows(name) if r["plan_id"] == plan]


def test_tianjin_ships_its_named_projects() -> None:
    projects = _of("projects", "tianjin")
    names = {p["name"] for p in projects}
    assert len(projects) >= 20
    assert {
        "七里海湿地保护和修复",
        "双城中间绿色生态屏障区",
        "西向货运铁路通道",
        "北向货运铁路通道",
        "天津港码头岸电设施",
        "天津港“低碳码头”试点",
        "天津滨海国际机场T3航站楼",
        "环城生态公园带",
        "天津子牙经济技术开发区国家“城市矿产”示范基地",
        "天津港保税区临港片区氢能产业集聚区",
        "二氧化碳捕集利用一体化试点",
        "C型贯通高压管网",
        "供热旧管网改造工程",
        "宝坻京津中关村科技城",
    } <= names
    kinds = {p["name"]: p["type"] for p in projects}
    assert kinds["二氧化碳捕集利用一体化试点"] == "ccus"
    assert kinds["C型贯通高压管网"] == "gas_pipeline"
    assert kinds["天津港码头岸电设施"] == "port"
    assert kinds["天津滨海国际机场T3航站楼"] == "building_efficiency"
    # the text states no size and no date for any of them, and none is under way
    assert {(p["capacity"], p["energy"], p["year"], p["status"]) for p in projects} == {
        (None, None, None, "planned")
    }
    assert all("horizon" in p["note"] for p in projects)


def test_items_abroad_or_without_a_type_are_not_projects() -> None:
    names = " ".join(p["name"] for p in _rows("projects"))
    # 达苏 is in Pakistan: shipped as hydro it would count toward Tianjin's renewables
    for abroad in ("达苏", "苏伊士", "中蒙合作", "张家口"):
        assert abroad not in names


def test_where_the_text_names_no_district_the_record_keeps_the_municipality() -> None:
    by_name = {p["name"]: p for p in _of("projects", "tianjin")}
    for name in ("西向货运铁路通道", "C型贯通高压管网", "环城生态公园带", "天津中欧先进制造产业园"):
        assert (by_name[name]["region_code"], by_name[name]["gazetteer"]) == ("120000", None)
        assert "municipality" in by_name[name]["note"]
    # named after the district it lies in: that district, no point finer than it
    assert by_name["宝坻京津中关村科技城"]["region_code"] == "120115"
    assert by_name["滨海新区现代农业产业园"]["region_code"] == "120116"


def test_located_projects_are_as_precise_as_their_place(seeded) -> None:  # type: ignore[no-untyped-def]
    by_name = {p.name: p for p in seeded.projects() if p.plan_id == "tianjin"}
    # a facility somewhere in a port tens of km across: the port's point, township precision
    shore = by_name["天津港码头岸电设施"]
    assert (shore.precision.value, shore.regions.county) == ("town", "120116")
    assert "township precision" in shore.notes or "town precision" in shore.notes
    # the terminal lies within the airport: the airport's point, village precision
    t3 = by_name["天津滨海国际机场T3航站楼"]
    assert (t3.precision.value, t3.regions.county) == ("village", "120110")
    # a proxy row (子牙镇 centre) is township precision
    assert by_name["天津子牙经济技术开发区国家“城市矿产”示范基地"].precision.value == "town"
    # municipality-wide: the municipality's point, no county read from it
    for name in ("C型贯通高压管网", "西向货运铁路通道", "二氧化碳捕集利用一体化试点"):
        project = by_name[name]
        assert project.precision.value == "district"
        assert (project.regions.province, project.regions.county) == ("120000", None)


def _sentence(text: str, quote: str) -> str:
    """The whole sentence a quote stands in ("超过30%的炼油产能…" is a clause of "到2025年，…")."""
    at = text.index(quote)
    start = max(text.rfind("。", 0, at), text.rfind("\n", 0, at)) + 1
    stops = [i for i in (text.find("。", at + len(quote) - 1), text.find("\n", at)) if i >= 0]
    return text[start : min(stops, default=len(text)) + 1]


@pytest.mark.parametrize(
    ("plan", "source"), [("tianjin", TIANJIN_TEXT), ("tianjin_pilot", PILOT_TEXT)]
)
def test_no_year_the_text_does_not_give(plan: str, source: str) -> None:
    text = (SEEDS / source).read_text(encoding="utf-8")
    for target in _of("targets", plan):
        gives_year = bool(STATED_YEAR.search(_sentence(text, target["quote"])))
        horizon = target["params"].get("year_basis") == "plan_horizon"
        assert gives_year != horizon, target["id"]
        if horizon:
            assert target["year"] == 2030 and "horizon" in target["note"], target["id"]


def test_the_pilot_plans_six_pilots_carry_the_horizon_not_2025() -> None:
    pilots = [t for t in _of("targets", "tianjin_pilot") if "6个左右" in t["quote"]]
    assert [(t["id"], t["year"], t["comparator"]) for t in pilots] == [
        ("tianjin_pilot.pilot_areas_selected.2030", 2030, "approx")
    ]
    deadline = next(t for t in _of("targets", "tianjin_pilot") if "2024年1月15日前" in t["quote"])
    assert (deadline["year"], deadline["params"]["deadline"]) == (2024, "2024-01-15")


@pytest.mark.parametrize(
    ("target_id", "value", "comparator", "phrase"),
    [
        ("tianjin.carbon_peak.2030", 1, "ge", "2030年前碳达峰"),
        ("tianjin.land_transport_oil_peak.2030", 1, "ge", "2030年前达到峰值"),
        ("tianjin.airport_general_vehicle_electrification.2030", 100, "ge", "全面实现电动化"),
        ("tianjin.park_circular_transformation_share.2030", 100, "ge", "全部实施循环化改造"),
        ("tianjin.eligible_emitters_in_national_ets_share.2030", 100, "ge", "全部纳入"),
        ("tianjin.raw_household_waste_landfilled.2030", 0, "le", "“零填埋”"),
        ("tianjin.coal_consumption_reduction.2025", 0, "gt", "煤炭消费继续减少"),
        ("tianjin.coal_consumption_reduction_vs_2025.2030", 0, "gt", "煤炭消费进一步减少"),
        ("tianjin.renewables_capacity_growth_vs_2025.2030", 0, "gt", "进一步增长"),
        ("tianjin.zero_waste_city_areas.2025", 10, "ge", "中新天津生态城基本建成“无废城市”"),
        ("tianjin.key_industry_chains.2030", 10, "ge", "10条以上"),
        ("tianjin.new_large_data_centre_pue.2030", 1.3, "le", "不超过1.3"),
        ("tianjin.forest_stock_volume.2030", 550, "approx", "保持基本稳定"),
        ("tianjin_pilot.pilot_key_tasks_completed_share.2030", 100, "ge", "如期完成"),
    ],
)
def test_commitments_ship_as_targets(
    target_id: str, value: float, comparator: str, phrase: str
) -> None:
    target = next(t for t in _rows("targets") if t["id"] == target_id)
    assert (target["value"], target["comparator"]) == (value, comparator)
    assert phrase in target["quote"]


def test_the_ten_zero_waste_areas_are_the_sentences_own() -> None:
    target = next(t for t in _rows("targets") if t["id"] == "tianjin.zero_waste_city_areas.2025")
    areas = target["params"]["areas"]
    assert len(areas) == target["value"] == 10
    assert "、".join(areas) in target["quote"]
