"""Verdicts of the 天津市 and pilot-plan commitments mean what their sentences say (issue 17):
a direction without a level, 清零/零填埋, 全面实现, "保持基本稳定" as about-or-beyond, a relative
goal, the named areas of 无废城市, the pilot plan's "6个左右" and its dated deadline."""

from __future__ import annotations

import pytest

from gis_carbon.analysis.progress import Verdict
from gis_carbon.services.progress import evaluate_plan, record_indicator


def _verdict(ws, plan: str, target_id: str, indicator: str, year: int, value: str):  # type: ignore[no-untyped-def]
    record_indicator(ws, indicator, region_code="120000", year=year, value=value)
    result = {r.target.id: r for r in evaluate_plan(ws, plan)}[target_id]
    return result


@pytest.mark.parametrize(
    ("indicator", "target_year", "year", "value", "verdict"),
    [
        # "“十四五”时期煤炭消费继续减少": any cut meets it, a rise (a negative cut) does not
        ("coal_consumption_reduction", 2025, 2024, "3%", "met"),
        ("coal_consumption_reduction", 2025, 2024, "-1%", "behind"),
        ("coal_consumption_reduction", 2025, 2024, "0%", "behind"),
        # "到2030年，全市可再生能源电力装机容量进一步增长"
        ("renewables_capacity_growth_vs_2025", 2030, 2028, "12%", "met"),
        # "实现原生生活垃圾“零填埋”": zero, less is better
        ("raw_household_waste_landfilled", 2030, 2027, "0万吨", "met"),
        ("raw_household_waste_landfilled", 2030, 2027, "12万吨", "behind"),
        # "场内通用车辆全面实现电动化": all of them
        ("airport_general_vehicle_electrification", 2030, 2030, "100%", "met"),
        ("airport_general_vehicle_electrification", 2030, 2030, "90%", "behind"),
        # "森林蓄积量保持基本稳定，力争有所增长": about 550万立方米, or more
        ("forest_stock_volume", 2030, 2030, "540万立方米", "met"),
        ("forest_stock_volume", 2030, 2030, "600万立方米", "met"),
        ("forest_stock_volume", 2030, 2030, "500万立方米", "behind"),
        # "规模以上工业单位增加值能源消耗下降高于全市…下降水平": strictly above
        ("industry_energy_intensity_cut_margin", 2025, 2025, "0.5%", "met"),
        ("industry_energy_intensity_cut_margin", 2025, 2025, "0%", "behind"),
        # the ten named areas "基本建成“无废城市”"
        ("zero_waste_city_areas", 2025, 2025, "10个", "met"),
        ("zero_waste_city_areas", 2025, 2025, "9个", "behind"),
        # "新建大型、超大型数据中心电能利用效率不超过1.3"
        ("new_large_data_centre_pue", 2030, 2026, "1.25", "met"),
        ("new_large_data_centre_pue", 2030, 2026, "1.4", "behind"),
    ],
)
def test_tianjin_commitments(seeded, indicator, target_year, year, value, verdict) -> None:  # type: ignore[no-untyped-def]
    target_id = f"tianjin.{indicator}.{target_year}"
    result = _verdict(seeded, "天津市", target_id, indicator, year, value)
    assert result.verdict is Verdict(verdict), (result.current, result.reason)


@pytest.mark.parametrize(("value", "verdict"), [("6个", "met"), ("7个", "met"), ("4个", "behind")])
def test_about_six_pilots(seeded, value, verdict) -> None:  # type: ignore[no-untyped-def]
    # "选取6个左右…的区（园区）": recorded the year the list is fixed, judged by the horizon
    result = _verdict(
        seeded,
        "天津市碳达峰试点建设方案",
        "tianjin_pilot.pilot_areas_selected.2030",
        "pilot_areas_selected",
        2024,
        value,
    )
    assert result.target.year == 2030
    assert result.verdict is Verdict(verdict)


def test_the_dated_deadline_is_a_milestone(seeded) -> None:  # type: ignore[no-untyped-def]
    # "并于2024年1月15日前报市发展改革委": nothing recorded → no data; sent → met
    before = {r.target.id: r for r in evaluate_plan(seeded, "天津市碳达峰试点建设方案")}
    assert before["tianjin_pilot.pilot_applications_submitted.2024"].verdict is Verdict.NO_DATA
    result = _verdict(
        seeded,
        "天津市碳达峰试点建设方案",
        "tianjin_pilot.pilot_applications_submitted.2024",
        "pilot_applications_submitted",
        2024,
        "1",
    )
    assert result.verdict is Verdict.MET


@pytest.mark.parametrize("plan", ["天津市", "天津市碳达峰试点建设方案"])
def test_a_fresh_workspace_meets_none_of_the_plans_targets(seeded, plan) -> None:  # type: ignore[no-untyped-def]
    # nothing built and nothing recorded: no shipped project meets the target it came from
    results = evaluate_plan(seeded, plan)
    assert results
    assert [r.target.id for r in results if r.verdict is Verdict.MET] == []
