"""Issue 17 for 静海区, 津市市 and 红桥区: every named item and commitment of the three plans
ships or is listed as unmappable with a reason, and the verdicts of the new commitments mean
what their sentences say (each rule on the plans' own examples)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shapely.geometry import Point

from gis_carbon.analysis.progress import Verdict
from gis_carbon.model.project import Project
from gis_carbon.model.types import Status
from gis_carbon.services.coverage import plan_coverage
from gis_carbon.services.progress import evaluate_plan, record_indicator

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "project_db" / "seed"
JINSHI_TEXT = REPO.parent / "shared" / "seeds" / "000_ea53a5b3ec35a2e2.txt"
CN = "一二三四五六七八九十"


def _seed(name: str) -> list[dict]:
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


def _result(ws, plan: str, target_id: str):  # type: ignore[no-untyped-def]
    return {r.target.id: r for r in evaluate_plan(ws, plan)}[target_id]


@pytest.mark.parametrize(
    ("plan_id", "projects", "targets"),
    [("jinghai", 46, 58), ("jinshi", 33, 41), ("hongqiao", 14, 20)],
)
def test_each_plan_ships_its_counted_projects_and_targets(
    plan_id: str, projects: int, targets: int
) -> None:
    assert sum(p["plan_id"] == plan_id for p in _seed("projects")) == projects
    assert sum(t["plan_id"] == plan_id for t in _seed("targets")) == targets
    report = plan_coverage(plan_id)
    assert report.count("silent") == 0
    assert all(r.reason for r in report.rows if r.state == "unmappable")


def _jinshi_list() -> list[str]:
    """The items of 津市's own list 四、重大支撑和示范项目 as section labels (四（一）1 …)."""
    text = JINSHI_TEXT.read_text(encoding="utf-8")
    body = text[text.rindex("四、重大支撑和示范项目") : text.rindex("五、健全政策机制")]
    items, field = [], None
    for line in body.splitlines():
        heading = re.match(r"（([一二三四五六七])）", line)
        if heading:
            field = heading.group(1)
        number = re.match(r"(\d+)\.", line)
        if number and field:
            items.append(f"四（{field}）{number.group(1)}")
    return items


def test_jinshi_ships_its_18_listed_projects_or_lists_each_missing_one() -> None:
    items = _jinshi_list()
    assert len(items) == 18 and items[0] == "四（一）1" and items[-1] == "四（七）4"
    rows = plan_coverage("jinshi").rows
    state = {}
    for item in items:
        found = [r for r in rows if item in r.section.replace(" ", "").split("；")]
        assert found, f"{item} is not on 津市's checklist"
        state[item] = "shipped" if any(r.state == "shipped" for r in found) else found[0].state
    shipped = [i for i, s in state.items() if s == "shipped"]
    unmappable = [i for i, s in state.items() if s == "unmappable"]
    assert len(shipped) == 12 and len(unmappable) == 6
    # the unmappable ones: tourism platform, water-ecology programme, equipment renewal
    # and the three farming items
    assert unmappable == [
        "四（四）1",
        "四（四）3",
        "四（五）1",
        "四（六）1",
        "四（六）2",
        "四（六）3",
    ]


def test_jinghai_columns_3_and_6_and_the_named_energy_items_are_accounted_for() -> None:
    rows = plan_coverage("静海区").rows
    by_section: dict[str, set[str]] = {}
    for r in rows:
        by_section.setdefault(r.section.replace(" ", ""), set()).add(r.state)
    assert by_section["专栏3"] == {"unmappable"}
    assert by_section["专栏6"] == {"shipped", "unmappable"}
    shipped = {s for r in rows for s in r.shipped_as}
    for project in (
        "jinghai.yangchengzhuang_geothermal",  # 地热
        "jinghai.daqiuzhuang_geothermal",
        "jinghai.substation_35kv_upgrades",  # 35千伏变电站升压改造
        "jinghai.high_pressure_gas_grid",  # 专栏5 gas networks
        "jinghai.daqiuzhuang_gas_supply",
        "jinghai.daqiuzhuang_eco_city_green_energy_town",  # 绿色能源小镇
        "jinghai.zhongwang_plating_park_green_energy_town",
    ):
        assert f"project:{project}" in shipped
    jinjing = next(r for r in rows if "津静线一期" in r.quote)
    assert jinjing.state == "unmappable" and "passenger rail" in jinjing.reason


def test_named_towns_sit_at_their_towns_and_the_rest_at_the_district(seeded) -> None:  # type: ignore[no-untyped-def]
    by_seed = {p.attributes.get("seed_id"): p for p in seeded.projects()}
    geothermal = by_seed["jinghai.yangchengzhuang_geothermal"]
    assert (geothermal.precision.value, geothermal.regions.county) == ("town", "120118")
    assert geothermal.capacity is None and geothermal.year is None
    oil = by_seed["jinshi.xiangxibei_oil_reserve_centre"]
    assert (oil.type, oil.precision.value, oil.regions.county) == (
        "oil_reserve",
        "district",
        "430781",
    )
    heat_pumps = by_seed["hongqiao.dingzigu_boiler_heat_pumps"]
    assert (heat_pumps.precision.value, heat_pumps.regions.county) == ("town", "120106")


def test_a_new_lng_station_counts_but_the_plans_own_item_and_a_gas_reserve_do_not(seeded) -> None:  # type: ignore[no-untyped-def]
    # "新建 1 座天然气 LNG 储气站": the station the sentence asks for ships as a project, and the
    # 湘西北天然气储备中心 is another kind of gas storage: neither meets the target
    before = _result(seeded, "津市市", "jinshi.lng_storage_station.2030")
    assert "新建 1 座天然气 LNG 储气站" in before.target.quote
    assert before.verdict is Verdict.BEHIND and not before.current
    why = dict(before.excluded)
    names = {seeded.get_project(pid).name: reason for pid, reason in why.items()}
    assert "work programme" in names["天然气LNG储气站"]
    assert "activity not stated" in names["湘西北天然气储备中心"]
    # a real LNG station, entered by the user with its activity: one is enough (a minimum)
    from gis_carbon.services.regions import with_regions

    seeded.add_project(
        with_regions(
            Project(
                name="津市LNG储气站（实际）",
                type="gas_storage",
                status=Status.PLANNED,
                geometry=Point(111.88, 29.62),
                attributes={"activity": "lng_storage"},
            )
        )
    )
    after = _result(seeded, "津市市", "jinshi.lng_storage_station.2030")
    assert after.verdict is Verdict.MET and after.current == 1.0


def test_the_green_energy_towns_the_sentence_names_do_not_meet_it(seeded) -> None:  # type: ignore[no-untyped-def]
    result = _result(seeded, "静海区", "jinghai.green_energy_towns.2030")
    assert "2—3个绿色能源小镇" in result.target.quote
    assert result.target.value == 2 and result.verdict is Verdict.BEHIND
    own = [why for _, why in result.excluded if "work programme" in why]
    assert len(own) == 2


def test_a_dated_retrofit_is_a_milestone_met_when_the_project_is_done(seeded) -> None:  # type: ignore[no-untyped-def]
    tid = "jinghai.tangguantun_logistics_zone_circular_retrofit.2025"
    assert _result(seeded, "静海区", tid).verdict is not Verdict.MET
    project = next(p for p in seeded.projects() if p.name == "天津唐官屯加工物流区循环化改造")
    seeded.update_project(project.with_changes(status=Status.OPERATING))
    assert _result(seeded, "静海区", tid).verdict is Verdict.MET


@pytest.mark.parametrize(("value", "verdict"), [("0", Verdict.MET), ("3", Verdict.BEHIND)])
def test_zero_loose_coal_is_met_only_at_zero(seeded, value: str, verdict: Verdict) -> None:  # type: ignore[no-untyped-def]
    # "巩固散煤“清零”治理成效": less is better, zero at most
    record_indicator(seeded, "loose_coal_consumption", region_code="120106", year=2030, value=value)
    result = _result(seeded, "红桥区", "hongqiao.loose_coal_zero.2030")
    assert "清零" in result.target.quote
    assert result.verdict is verdict


@pytest.mark.parametrize(("value", "verdict"), [("100%", Verdict.MET), ("90%", Verdict.BEHIND)])
def test_full_coverage_is_100_percent(seeded, value: str, verdict: Verdict) -> None:  # type: ignore[no-untyped-def]
    # "全市中小学校和职业教育学校绿色低碳相关课程实现全覆盖"
    record_indicator(
        seeded, "school_green_curriculum_coverage", region_code="430781", year=2025, value=value
    )
    result = _result(seeded, "津市市", "jinshi.school_green_curriculum_coverage.2025")
    assert "全覆盖" in result.target.quote and result.target.value == 100
    assert result.verdict is verdict


def test_zero_waste_city_is_recorded_as_done(seeded) -> None:  # type: ignore[no-untyped-def]
    # "基本建成“无废城市”": a qualitative goal, met once recorded as 1
    assert _result(seeded, "红桥区", "hongqiao.zero_waste_city.2025").verdict is Verdict.NO_DATA
    record_indicator(seeded, "zero_waste_city", region_code="120106", year=2025, value="1")
    assert _result(seeded, "红桥区", "hongqiao.zero_waste_city.2025").verdict is Verdict.MET


def test_undated_commitments_use_the_horizon_and_say_so() -> None:
    undated = {
        "hongqiao.loose_coal_zero.2030",
        "hongqiao.waste_harmless_treatment_rate.2030",
        "hongqiao.charging_provision_new_residential.2030",
        "jinshi.storm_sewage_separation_coverage.2030",
        "jinghai.green_energy_towns.2030",
    }
    rows = [t for t in _seed("targets") if t["id"] in undated]
    assert len(rows) == len(undated)
    for t in rows:
        assert not re.search(r"20[2-6]\d\s*年", t["quote"]), t["id"]
        assert "horizon" in t["note"], t["id"]
    # projects: no year unless the sentence gives one
    dated = [
        p["id"]
        for p in _seed("projects")
        if p["plan_id"] in ("jinghai", "jinshi", "hongqiao")
        and p["year"] is not None
        and str(p["year"]) not in p["quote"]
        and "十四五" not in p["quote"]
        and not p["id"].startswith("jinghai.tangguantun_freight_line")
    ]
    assert dated == []
