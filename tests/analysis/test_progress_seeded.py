"""The seeded plans' numbers: what the acceptance of the progress issue states."""

from __future__ import annotations

import pytest

from gis_carbon.analysis.progress import Verdict
from gis_carbon.services.progress import evaluate_plan, evaluate_plans, rollup


def by_id(results):  # type: ignore[no-untyped-def]
    return {r.target.id: r for r in results}


def test_jinghai_renewables_2025_pipeline_is_the_seven_named_projects(seeded) -> None:  # type: ignore[no-untyped-def]
    result = by_id(evaluate_plan(seeded, "静海区", policy="pipeline"))[
        "jinghai.renewables_capacity.2025"
    ]
    assert result.target.base_value == 2800.0 and result.unit == "MW"
    assert result.current == pytest.approx(500.0)
    assert round(result.percent, 1) == 17.9
    assert result.gap == pytest.approx(2300.0)
    assert result.verdict is Verdict.BEHIND
    names = sorted(result.names[pid] for pid, _ in result.contributors)
    assert len(names) == 7 and sorted(v for _, v in result.contributors) == [
        10,
        20,
        80,
        90,
        100,
        100,
        100,
    ]
    assert any(n.startswith("year unknown: 7 counted project(s) with 500 MW") for n in result.notes)
    excluded = dict(result.excluded)
    assert any(r.startswith("outside the scope: type substation") for r in excluded.values())


def test_jinghai_operating_counts_only_operating_projects(seeded) -> None:  # type: ignore[no-untyped-def]
    result = by_id(evaluate_plan(seeded, "静海区", policy="operating"))[
        "jinghai.renewables_capacity.2025"
    ]
    assert (result.current, result.percent, result.gap) == (0.0, 0.0, 2800.0)
    assert len(result.excluded) >= 7
    assert all(
        "not counted under the operating policy" in why
        for pid, why in result.excluded
        if result.names[pid].endswith("发电项目")
    )


def test_jinshi_capacity_targets_with_their_sentences(seeded) -> None:  # type: ignore[no-untyped-def]
    results = by_id(evaluate_plan(seeded, "津市市"))
    pv, wind = results["jinshi.pv_capacity.2030"], results["jinshi.wind_capacity.2030"]
    assert (pv.target.base_value, wind.target.base_value) == (420.0, 180.0)
    assert "光伏装机达到 42 万千瓦" in pv.target.quote
    assert "风电装机达到 18 万千瓦" in wind.target.quote
    # the PV and wind programmes name no capacity: listed, not invented
    assert pv.current == 0.0 and all(
        why == "capacity not stated" for _, why in pv.excluded if why.startswith("capacity")
    )
    assert any(why == "capacity not stated" for _, why in pv.excluded)


def test_tianjin_800_target_lists_jinghai_and_hongqiao(seeded) -> None:  # type: ignore[no-untyped-def]
    result = by_id(evaluate_plan(seeded, "天津市"))["tianjin.renewables_capacity.2025"]
    assert result.target.base_value == 8000.0
    assert {"120118", "120106"} <= set(result.by_region)
    # "全市投产…超过800万千瓦" counts operating plants by default: 静海's 500 MW are planned
    assert result.policy.value == "operating"
    assert result.by_region["120118"] == 0.0 and result.verdict.value != "met"
    assert any("status planned" in why for _, why in result.excluded)
    assert result.current == pytest.approx(sum(result.by_region.values()))
    rows = {r.progress.target.id: r for r in rollup(seeded, "天津市")}
    districts = {d.region_code: d for d in rows["tianjin.renewables_capacity.2025"].districts}
    assert districts["120118"].region_name == "静海区"
    assert districts["120118"].own_target is not None
    assert districts["120118"].own_target.target.id == "jinghai.renewables_capacity.2025"
    assert districts["120106"].plan_id == "hongqiao"


def test_every_target_of_every_seeded_plan_evaluates(seeded) -> None:  # type: ignore[no-untyped-def]
    results = evaluate_plans(seeded, detail=True)
    assert set(results) == {"tianjin", "jinghai", "hongqiao", "tianjin_pilot", "jinshi"}
    flat = [r for rs in results.values() for r in rs]
    assert len(flat) == len(seeded.targets())
    for r in flat:
        assert (r.verdict is Verdict.NO_DATA) == (r.current is None)
        if r.verdict is Verdict.NO_DATA:
            assert r.reason
        r.to_json()
