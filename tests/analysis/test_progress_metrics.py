"""Each metric evaluator on a workspace built here, with numbers worked out by hand."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from gis_carbon.analysis.progress import StatusPolicy, Verdict, status_policy
from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.model.plan import Comparator, IndicatorValue, Metric, Plan, Target
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status
from gis_carbon.services.progress import (
    evaluate_plan,
    evaluate_plans,
    evaluate_target,
    record_indicator,
    trajectory,
    trajectory_detail,
)

JINGHAI = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})
HONGQIAO = RegionAssignment(province="120000", county="120106", touched={"120106": 1.0})
GENERATION = ("pv_fishery", "pv_ground", "wind", "biomass")
NOW = 2026  # evaluations below pass now_year so verdicts do not drift with the calendar


def plan(pid: str, code: str, name: str, parent: str | None = None) -> Plan:
    return Plan(pid, f"{name}方案", code, name, parent_id=parent, base_year=2020)


def target(
    tid: str,
    plan_id: str,
    code: str,
    metric: Metric,
    year: int,
    value: float,
    unit: str,
    *,
    scope: tuple[str, ...] = (),
    comparator: Comparator = Comparator.GE,
    **params: object,
) -> Target:
    return Target(
        tid,
        plan_id,
        code,
        metric,
        tid,
        tid,
        year,
        value,
        unit,
        comparator,
        f"quote of {tid}",
        "test.txt",
        scope=scope,
        params=params,
    )


def project(
    name: str,
    ptype: str,
    capacity: float | None,
    status: str,
    year: int | None,
    lon: float = 116.9,
    lat: float = 38.9,
    regions: RegionAssignment = JINGHAI,
    **extra: object,
) -> Project:
    return Project(
        name=name,
        type=ptype,
        status=Status(status),
        geometry=Point(lon, lat),
        capacity=capacity,
        year=year,
        regions=regions,
        **extra,
    )  # type: ignore[arg-type]


@pytest.fixture
def ws(empty_workspace):  # type: ignore[no-untyped-def]
    empty_workspace.save_plans(
        [
            plan("city", "120000", "天津市"),
            plan("district", "120118", "静海区", parent="city"),
            plan("other", "120106", "红桥区", parent="city"),
        ]
    )
    empty_workspace.save_targets(
        [
            target(
                "re2025",
                "district",
                "120118",
                Metric.CAPACITY_SUM,
                2025,
                50,
                "万千瓦",
                scope=GENERATION,
            ),
            target(
                "city_re",
                "city",
                "120000",
                Metric.CAPACITY_SUM,
                2025,
                100,
                "万千瓦",
                scope=GENERATION,
                comparator=Comparator.GT,
            ),
        ]
    )
    empty_workspace.add_projects(
        [
            project("运行光伏", "pv_ground", 100, "operating", 2022),
            project("部分并网风电", "wind", 50, "partial", 2024),
            project("在建风电", "wind", 40, "construction", 2025),
            project("前期渔光", "pv_fishery", 30, "preparatory", 2025),
            project("规划无年份", "wind", 20, "planned", None),
            project("规划2027", "wind", 70, "planned", 2027),
            project("取消光伏", "pv_ground", 500, "cancelled", 2024),
            project("搁置风电", "wind", 500, "shelved", None),
            project("变电站", "substation", 240, "planned", 2025),
            project("规划无容量", "pv_ground", None, "planned", 2025),
            project("红桥屋顶", "pv_ground", 5, "operating", 2023, regions=HONGQIAO),
        ]
    )
    return empty_workspace


def ids_by_name(ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {p.name: p.id for p in ws.projects()}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("operating", 100.0),  # partly connected counts with construction, not as operating
        ("construction", 190.0),  # + partial 50 + construction 40
        ("pipeline", 240.0),  # + preparatory 30 + planned without year 20; 2027 is too late
    ],
)
def test_capacity_sum_counts_by_status_policy(ws, policy: str, expected: float) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_target(ws, "re2025", policy=policy, now_year=NOW)
    assert result.current == pytest.approx(expected)
    assert result.unit == "MW"
    assert result.percent == pytest.approx(expected / 500 * 100)
    assert result.gap == pytest.approx(500 - expected)
    assert result.verdict is Verdict.BEHIND


def test_capacity_sum_lists_what_counts_and_what_is_left_out_with_reasons(ws) -> None:  # type: ignore[no-untyped-def]
    names = ids_by_name(ws)
    result = evaluate_target(ws, "re2025", policy="pipeline", now_year=NOW)
    assert sorted(result.contributors) == sorted(
        [
            (names["运行光伏"], 100.0),
            (names["部分并网风电"], 50.0),
            (names["在建风电"], 40.0),
            (names["前期渔光"], 30.0),
            (names["规划无年份"], 20.0),
        ]
    )
    reasons = dict(result.excluded)
    assert reasons[names["规划2027"]] == "commissioning year 2027 is after 2025"
    assert reasons[names["取消光伏"]] == "status cancelled: never counts"
    assert reasons[names["搁置风电"]] == "status shelved: never counts"
    assert reasons[names["变电站"]].startswith("outside the scope: type substation")
    assert reasons[names["规划无容量"]] == "capacity not stated"
    assert names["红桥屋顶"] not in reasons  # another district: not in this view at all
    assert any(
        note.startswith("year unknown: 1 counted project(s) with 20 MW") for note in result.notes
    )
    assert result.details["year_unknown_value"] == pytest.approx(20.0)


def test_a_year_asked_for_counts_only_projects_commissioned_by_then(ws) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_target(ws, "re2025", policy="pipeline", year=2024, now_year=NOW)
    # 2022 + 2024 + the project without a year
    assert result.current == pytest.approx(100 + 50 + 20)
    assert result.as_of == 2024


def test_city_target_rolls_up_its_districts(ws) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_target(ws, "city_re", policy="operating", now_year=NOW)
    assert result.current == pytest.approx(105.0)
    assert result.by_region == {"120118": pytest.approx(100.0), "120106": pytest.approx(5.0)}
    pipeline = evaluate_target(ws, "city_re", policy="pipeline", now_year=NOW)
    assert pipeline.by_region["120118"] == pytest.approx(240.0)


def test_totals_only_mode_gives_the_same_numbers_as_the_detailed_one(ws) -> None:  # type: ignore[no-untyped-def]
    for policy in StatusPolicy:
        detailed = evaluate_plans(ws, policy=policy, detail=True, now_year=NOW)
        totals = evaluate_plans(ws, policy=policy, detail=False, now_year=NOW)
        for plan_id, results in detailed.items():
            for a, b in zip(results, totals[plan_id], strict=True):
                assert (a.current, a.verdict, a.by_region) == (b.current, b.verdict, b.by_region)
        assert all(not r.contributors for rs in totals.values() for r in rs)


def test_met_and_on_track_verdicts(ws) -> None:  # type: ignore[no-untyped-def]
    ws.save_targets(
        [
            target(
                "small",
                "district",
                "120118",
                Metric.CAPACITY_SUM,
                2025,
                10,
                "万千瓦",
                scope=GENERATION,
            ),
            target(
                "later",
                "district",
                "120118",
                Metric.CAPACITY_SUM,
                2030,
                20,
                "万千瓦",
                scope=GENERATION,
            ),
        ]
    )
    assert evaluate_target(ws, "small", policy="operating", now_year=NOW).verdict is Verdict.MET
    # 100 MW of 200 MW operating in 2026: half-way, with (2026-2020)/(2030-2020) = 60 % of
    # the time gone → behind; in 2024 (40 % gone) the same value is on track.
    assert evaluate_target(ws, "later", policy="operating", now_year=2026).verdict is Verdict.BEHIND
    assert evaluate_target(ws, "later", policy="operating", now_year=2024).verdict is (
        Verdict.ON_TRACK
    )


def test_count_of_chargers_sums_chargers_not_stations(ws) -> None:  # type: ignore[no-untyped-def]
    ws.save_targets(
        [
            target(
                "chargers",
                "district",
                "120118",
                Metric.COUNT,
                2025,
                500,
                "台",
                scope=("charging",),
                counts="chargers",
            )
        ]
    )
    ws.add_projects(
        [
            project("站A", "charging", 120, "operating", 2023),
            project("站B", "charging", 80, "planned", 2025),
            project("站C", "charging", None, "planned", 2025),
        ]
    )
    result = evaluate_target(ws, "chargers", policy="pipeline", now_year=NOW)
    assert result.current == pytest.approx(200.0)
    assert result.percent == pytest.approx(40.0)
    assert result.details["counts"] == "chargers"
    assert ids_by_name(ws)["站C"] in dict(result.excluded)


def test_storage_ratio_and_unpaired_farms(ws) -> None:  # type: ignore[no-untyped-def]
    ws.save_targets(
        [
            target(
                "ratio",
                "district",
                "120118",
                Metric.RATIO,
                2025,
                15,
                "%",
                scope=("storage", "wind", "pv_ground", "pv_fishery"),
                numerator=["storage"],
                denominator=["wind", "pv_ground", "pv_fishery"],
                new_since=2023,
                pair_distance_km=3,
            )
        ]
    )
    ws.add_projects(
        [
            # 2 km east of 在建风电 (116.9, 38.9): paired by distance (1° lon ≈ 86.7 km here)
            Project(
                name="储能1",
                type="storage",
                status=Status.CONSTRUCTION,
                geometry=Point(116.923, 38.9),
                capacity=15,
                energy=30,
                year=2025,
                regions=JINGHAI,
            ),
            # far away but linked explicitly to 前期渔光
            Project(
                name="储能2",
                type="storage",
                status=Status.PLANNED,
                geometry=Point(117.2, 38.7),
                capacity=6,
                energy=24,
                year=2025,
                regions=JINGHAI,
                attributes={"paired_with": "前期渔光"},
            ),
        ]
    )
    ws.update_project(
        ws.get_project(ids_by_name(ws)["在建风电"]).with_changes(geometry=Point(116.9, 38.9))
    )
    for name, lon in (("前期渔光", 117.0), ("规划无年份", 117.1), ("部分并网风电", 116.6)):
        ws.update_project(
            ws.get_project(ids_by_name(ws)[name]).with_changes(geometry=Point(lon, 38.8))
        )
    result = evaluate_target(ws, "ratio", policy="pipeline", now_year=NOW)
    # new since 2023: partial 50 (2024) + construction 40 + preparatory 30 + planned no-year
    # 20 = 140 MW; 运行光伏 (2022) is old; storage 15 + 6 = 21 MW → 15 %
    assert result.details["new_wind_pv_mw"] == pytest.approx(140.0)
    assert result.details["storage_mw"] == pytest.approx(21.0)
    assert result.details["storage_mwh"] == pytest.approx(54.0)
    assert result.current == pytest.approx(15.0)
    assert result.verdict is Verdict.MET
    unpaired = {f["name"] for f in result.details["unpaired_farms"]}
    paired = {f["name"] for f in result.details["paired_farms"]}
    assert paired == {"在建风电", "前期渔光"}
    assert unpaired == {"规划无年份", "部分并网风电"}
    assert dict(result.excluded)[ids_by_name(ws)["运行光伏"]] == "commissioned 2022, before 2023"


def test_milestone_by_name_status_and_year(ws) -> None:  # type: ignore[no-untyped-def]
    ws.save_targets(
        [
            target(
                "line",
                "district",
                "120118",
                Metric.MILESTONE,
                2025,
                1,
                "条",
                comparator=Comparator.EQ,
                scope=("freight_rail",),
                project="货运专线",
                status="operating",
            ),
            target(
                "missing",
                "district",
                "120118",
                Metric.MILESTONE,
                2025,
                1,
                "条",
                comparator=Comparator.EQ,
                project="不存在的线",
                status="operating",
            ),
        ]
    )
    ws.add_projects([project("货运专线", "freight_rail", 12, "construction", 2025)])
    assert evaluate_target(ws, "line", policy="operating", now_year=NOW).current == 0.0
    scheduled = evaluate_target(ws, "line", policy="pipeline", now_year=2024)
    # Scheduled in the pipeline: on track, but not shown as done.
    assert (scheduled.current, scheduled.percent, scheduled.verdict) == (0.0, 0.0, Verdict.ON_TRACK)
    late = evaluate_target(ws, "line", policy="pipeline", now_year=2026)
    assert late.verdict is Verdict.BEHIND  # due 2025, still under construction in 2026
    line = ws.get_project(ids_by_name(ws)["货运专线"])
    ws.update_project(line.with_changes(status=Status.OPERATING))
    done = evaluate_target(ws, "line", policy="operating", now_year=NOW)
    assert (done.current, done.verdict, done.percent) == (1.0, Verdict.MET, 100.0)
    absent = evaluate_target(ws, "missing", now_year=NOW)
    assert absent.verdict is Verdict.NO_DATA and "不存在的线" in (absent.reason or "")


def test_indicator_uses_the_last_value_recorded_up_to_the_target_year(ws) -> None:  # type: ignore[no-untyped-def]
    ws.save_targets(
        [
            target(
                "nf",
                "district",
                "120118",
                Metric.INDICATOR,
                2030,
                15,
                "%",
                indicator="non_fossil_share",
            )
        ]
    )
    assert evaluate_target(ws, "nf", now_year=NOW).verdict is Verdict.NO_DATA
    record_indicator(ws, "non_fossil_share", region_code="120118", year=2023, value="9%")
    record_indicator(ws, "non_fossil_share", region_code="120118", year=2024, value="10.5")
    ws.record_indicator(IndicatorValue("non_fossil_share", "120118", 2031, 30.0, "%"))
    result = evaluate_target(ws, "nf", now_year=NOW)
    assert result.current == pytest.approx(10.5)  # 2024's; 2031 is after the target year
    assert result.details["year"] == 2024
    assert result.percent == pytest.approx(70.0)
    # 70 % of the value with (2024-2020)/(2030-2020) = 40 % of the time gone
    assert result.verdict is Verdict.ON_TRACK
    with pytest.raises(NotFoundError, match="non_fosil"):
        record_indicator(ws, "non_fosil", region_code="120118", year=2024, value="1")
    with pytest.raises(ValidationError, match="12,5"):
        record_indicator(ws, "non_fossil_share", region_code="120118", year=2024, value="12,5")
    assert [v.value for v in ws.indicator_values("non_fossil_share")] == [9.0, 10.5, 30.0]


def test_area_sum_counts_projects_of_the_target_activity(ws) -> None:  # type: ignore[no-untyped-def]
    ws.save_targets(
        [
            target(
                "aff",
                "district",
                "120118",
                Metric.AREA_SUM,
                2025,
                2.55,
                "万亩",
                scope=("forest",),
                activity="afforestation",
            )
        ]
    )
    ws.add_projects(
        [
            project(
                "造林一期",
                "forest",
                15000,
                "operating",
                2023,
                attributes={"activity": "afforestation"},
            ),
            project(
                "造林二期",
                "forest",
                8000,
                "planned",
                2025,
                attributes={"activity": "afforestation"},
            ),
            project("抚育", "forest", 9000, "operating", 2023, attributes={"activity": "tending"}),
        ]
    )
    result = evaluate_target(ws, "aff", policy="pipeline", now_year=NOW)
    assert result.current == pytest.approx(23000.0)  # 亩
    assert result.target.base_value == pytest.approx(25500.0)
    assert result.gap == pytest.approx(2500.0)
    assert dict(result.excluded)[ids_by_name(ws)["抚育"]] == (
        "activity tending, the target counts afforestation"
    )
    assert evaluate_target(ws, "aff", policy="operating", now_year=NOW).current == (
        pytest.approx(15000.0)
    )


def test_trajectory_is_cumulative_by_commissioning_year(ws) -> None:  # type: ignore[no-untyped-def]
    assert trajectory(ws, "re2025", "pipeline") == [
        (2022, pytest.approx(100.0)),
        (2024, pytest.approx(150.0)),
        (2025, pytest.approx(220.0)),
        (2027, pytest.approx(290.0)),
    ]
    assert trajectory(ws, "re2025", "operating") == [(2022, pytest.approx(100.0))]
    assert trajectory_detail(ws, "re2025", "pipeline").year_unknown == pytest.approx(20.0)


def test_plan_by_name_and_policy_names(ws) -> None:  # type: ignore[no-untyped-def]
    results = evaluate_plan(ws, "静海区", policy="operating", now_year=NOW)
    assert [r.target.id for r in results] == ["re2025"]
    assert status_policy("投产") is StatusPolicy.OPERATING
    with pytest.raises(ValidationError, match="'built'"):
        status_policy("built")
    with pytest.raises(NotFoundError):
        evaluate_plan(ws, "不存在区")


def test_to_json_carries_the_sentence_and_both_units(ws) -> None:  # type: ignore[no-untyped-def]
    data = evaluate_target(ws, "re2025", policy="pipeline", now_year=NOW).to_json()
    assert data["quote"] == "quote of re2025"
    assert (data["plan_value"], data["plan_unit"]) == (50, "万千瓦")
    assert (data["target_value"], data["unit"]) == (500.0, "MW")
    assert (data["current"], data["current_plan_unit"], data["percent"]) == (240.0, 24.0, 48.0)
    assert data["verdict"] == "behind"
