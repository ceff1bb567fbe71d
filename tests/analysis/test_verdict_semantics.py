"""Verdicts mean what the plan's sentence says (issue 17): 左右 is "about", counts are
minimums, reductions are met by larger cuts, a 投产 target counts operating plants, and a
work programme never meets the target it restates. Each rule on the plans' own examples."""

from __future__ import annotations

import pytest

from gis_carbon.analysis.progress import Verdict
from gis_carbon.services.progress import evaluate_plan, record_indicator


def _result(ws, plan: str, target_id: str):  # type: ignore[no-untyped-def]
    return {r.target.id: r for r in evaluate_plan(ws, plan)}[target_id]


def _recorded(ws, plan_region: str, indicator: str, year: int, value: str, plan: str, tid: str):  # type: ignore[no-untyped-def]
    record_indicator(ws, indicator, region_code=plan_region, year=year, value=value)
    return _result(ws, plan, tid)


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("45%", Verdict.MET), ("24%", Verdict.MET), ("25%", Verdict.MET), ("20%", Verdict.BEHIND)],
)
def test_about_is_met_within_tolerance_or_beyond_in_the_good_direction(  # type: ignore[no-untyped-def]
    seeded, value, verdict
) -> None:
    # "新能源汽车新车销售量达到汽车新车销售总量的25%左右": 45 % is better than about 25 %
    result = _recorded(
        seeded, "120000", "nev_sales_share", 2025, value, "天津市", "tianjin.nev_sales_share.2025"
    )
    assert "25%左右" in result.target.quote
    assert result.verdict is verdict
    if verdict is Verdict.MET:
        assert result.gap == 0.0


def test_a_count_is_a_minimum(seeded) -> None:  # type: ignore[no-untyped-def]
    # "建成或引入 2 家货物类型网络货运平台": a third platform does not miss the target
    result = _recorded(
        seeded,
        "120118",
        "network_freight_platforms",
        2025,
        "3",
        "静海区",
        "jinghai.network_freight_platforms.2025",
    )
    assert "2 家" in result.target.quote
    assert result.verdict is Verdict.MET


def test_a_reduction_is_met_by_a_larger_cut(seeded) -> None:  # type: ignore[no-untyped-def]
    # "单位地区生产总值能耗下降率为14.5%": a 16 % cut meets it, a 10 % cut does not
    met = _recorded(
        seeded,
        "120106",
        "energy_intensity_reduction",
        2025,
        "16%",
        "红桥区",
        "hongqiao.energy_intensity_reduction.2025",
    )
    assert "下降率为14.5%" in met.target.quote
    assert met.verdict is Verdict.MET
    short = _recorded(
        seeded,
        "120106",
        "energy_intensity_reduction",
        2025,
        "10%",
        "红桥区",
        "hongqiao.energy_intensity_reduction.2025",
    )
    assert short.verdict is not Verdict.MET


def test_a_target_naming_operation_counts_operating_plants_by_default(seeded) -> None:  # type: ignore[no-untyped-def]
    # "全市投产可再生能源电力装机容量超过800万千瓦": planned plants are not 投产
    result = _result(seeded, "天津市", "tianjin.renewables_capacity.2025")
    assert "投产" in result.target.quote
    assert result.policy.value == "operating"
    assert result.current == 0.0 and result.verdict is Verdict.BEHIND


@pytest.mark.parametrize(
    ("target_id", "phrase"),
    [
        ("jinshi.afforestation_area.2025", "人工造林 2.55 万亩"),
        ("jinshi.forest_tending_area.2025", "森林抚育 1.05 万亩"),
        ("jinshi.oil_tea_area.2025", "2 万亩优质油茶丰产林"),
        ("jinshi.reserve_forest_area.2030", "1 万亩国家储备林任务"),
    ],
)
def test_a_work_programme_never_meets_the_target_it_restates(  # type: ignore[no-untyped-def]
    seeded, target_id, phrase
) -> None:
    result = _result(seeded, "津市市", target_id)
    assert phrase in result.target.quote
    assert result.verdict in (Verdict.BEHIND, Verdict.NO_DATA)
    assert not result.current
    assert any("work programme" in why for _, why in result.excluded)


def test_locations_are_only_as_precise_as_their_source(seeded) -> None:  # type: ignore[no-untyped-def]
    by_name = {p.name: p for p in seeded.projects()}
    # 双城中间绿色生态屏障区 lies between 津城 and 滨城: the municipality, no county
    barrier = by_name["双城中间绿色生态屏障区"]
    assert barrier.regions.province == "120000" and barrier.regions.county is None
    # the 大郝庄 point comes from a low-confidence source: township precision, not village
    assert by_name["唐官屯镇大郝庄渔光互补发电项目"].precision.value == "town"
    # 国储林's sentence gives no year
    assert by_name["国储林项目"].year is None
