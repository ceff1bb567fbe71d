"""The shipped seed data: plans, targets and projects, each quoted verbatim from its plan."""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

import pytest

from project_db.seed_data import scope_codes

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "project_db" / "seed"
SHARED = REPO.parent / "shared"
SEED_TEXTS = SHARED / "seeds"

PROJECT_TYPES = {
    "pv_fishery",
    "pv_ground",
    "pv_rooftop",
    "wind",
    "wind_distributed",
    "biomass",
    "waste_to_energy",
    "geothermal",
    "storage",
    "substation",
    "transmission_line",
    "forest",
    "wetland",
    "freight_rail",
    "charging",
    "gas_station",
    "pv",
    "solar_thermal",
    "wind_offshore",
    "hydro",
    "pumped_storage",
    "nuclear",
    "coal_power",
    "gas_power",
    "oil_power",
    "hydrogen_production",
    "hydrogen_station",
    "ccus",
    "heating_geothermal",
    "waste_heat",
    "heating_plant",
    "gas_storage",
    "gas_pipeline",
    "oil_reserve",
    "port",
    "industrial_park",
    "building_efficiency",
}
GENERATION_TYPES = {
    "pv_fishery",
    "pv_ground",
    "pv_rooftop",
    "wind",
    "wind_distributed",
    "biomass",
    "waste_to_energy",
    "geothermal",
}
METRICS = {
    "capacity_sum",
    "count",
    "ratio",
    "coverage_radius",
    "area_share",
    "area_sum",
    "milestone",
    "indicator",
}
COMPARATORS = {"ge", "gt", "le", "lt", "approx", "eq"}
STATUSES = {"planned", "construction", "operating"}
MW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*MW\s*$")


def _load(name: str):
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


@cache
def plans() -> list[dict]:
    return _load("plans")


@cache
def targets() -> list[dict]:
    return _load("targets")


@cache
def projects() -> list[dict]:
    return _load("projects")


@cache
def source_text(name: str) -> str:
    return (SEED_TEXTS / name).read_text(encoding="utf-8")


@cache
def gazetteer_rows() -> dict[str, dict]:
    with (SEED / "gazetteer.csv").open(encoding="utf-8", newline="") as fh:
        return {row["name_zh"]: row for row in csv.DictReader(fh)}


def _mw(capacity: str | None) -> float:
    m = MW.match(capacity or "")
    assert m, f"capacity {capacity!r} is not 'N MW'"
    return float(m.group(1))


def _target(target_id: str) -> dict:
    found = [t for t in targets() if t["id"] == target_id]
    assert len(found) == 1, f"{target_id}: {len(found)} targets"
    return found[0]


def _project(project_id: str) -> dict:
    found = [p for p in projects() if p["id"] == project_id]
    assert len(found) == 1, f"{project_id}: {len(found)} projects"
    return found[0]


# ---------------------------------------------------------------- honesty: verbatim quotes


def test_every_quote_is_verbatim_from_its_source_file():
    failures = []
    for kind, rows in (("target", targets()), ("project", projects())):
        for row in rows:
            quote, source = row.get("quote"), row.get("source_file")
            if not source or not (SEED_TEXTS / source).is_file():
                failures.append(f"{kind} {row.get('id')}: no such source file {source!r}")
            elif not isinstance(quote, str) or not quote.strip():
                failures.append(f"{kind} {row.get('id')}: empty quote")
            elif quote not in source_text(source):
                failures.append(f"{kind} {row.get('id')}: quote not found in {source}: {quote!r}")
    assert not failures, "\n".join(failures)


def test_plans_point_at_existing_source_files():
    for plan in plans():
        assert (SEED_TEXTS / plan["source_file"]).is_file(), plan["id"]


def test_rows_cite_their_own_plans_file():
    by_id = {p["id"]: p for p in plans()}
    bad = [
        row["id"]
        for row in [*targets(), *projects()]
        if row["plan_id"] in by_id and row["source_file"] != by_id[row["plan_id"]]["source_file"]
    ]
    assert not bad, bad


# ---------------------------------------------------------------- integrity


def test_ids_are_unique_and_ascii():
    for name, rows in (("plans", plans()), ("targets", targets()), ("projects", projects())):
        ids = [row["id"] for row in rows]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        assert not dupes, f"duplicate {name} ids: {dupes}"
        assert all(i.isascii() and i for i in ids), name


def test_plan_references_resolve():
    plan_ids = {p["id"] for p in plans()}
    assert plan_ids == {"tianjin", "jinghai", "hongqiao", "tianjin_pilot", "jinshi"}
    bad = [
        p["id"] for p in plans() if p["parent_id"] is not None and p["parent_id"] not in plan_ids
    ]
    bad += [row["id"] for row in [*targets(), *projects()] if row["plan_id"] not in plan_ids]
    assert not bad, bad


def test_plan_hierarchy():
    by_id = {p["id"]: p for p in plans()}
    assert by_id["tianjin"]["parent_id"] is None
    assert by_id["jinshi"]["parent_id"] is None
    assert by_id["jinshi"]["note"]
    for child in ("jinghai", "hongqiao", "tianjin_pilot"):
        assert by_id[child]["parent_id"] == "tianjin"
    assert by_id["jinghai"]["region_code"] == "120118"
    assert by_id["hongqiao"]["region_code"] == "120106"
    assert by_id["jinshi"]["region_code"] == "430781"


def test_milestones_name_a_project():
    names = {p["name"] for p in projects()}
    bad = [
        t["id"]
        for t in targets()
        if t["metric"] == "milestone" and t["params"].get("project") not in names
    ]
    assert not bad, bad


def test_gazetteer_references_exist_and_have_coordinates():
    rows = gazetteer_rows()
    failures = []
    for p in projects():
        name = p["gazetteer"]
        if name is None:
            continue
        row = rows.get(name)
        if row is None:
            failures.append(f"{p['id']}: no gazetteer row {name!r}")
        elif not (row["lon"].strip() and row["lat"].strip()):
            failures.append(f"{p['id']}: gazetteer row {name!r} has no coordinates")
    assert not failures, "\n".join(failures)


def test_codes_are_from_the_known_lists():
    bad = [p["id"] for p in projects() if p["type"] not in PROJECT_TYPES]
    bad += [p["id"] for p in projects() if p["status"] not in STATUSES]
    bad += [t["id"] for t in targets() if t["metric"] not in METRICS]
    bad += [t["id"] for t in targets() if t["comparator"] not in COMPARATORS]
    bad += [t["id"] for t in targets() if not set(scope_codes(t["scope"])) <= PROJECT_TYPES]
    bad += [
        t["id"]
        for t in targets()
        if t["metric"] == "indicator" and not t["params"].get("indicator")
    ]
    assert not bad, bad


def test_years_and_values_are_in_range():
    bad = [
        t["id"] for t in targets() if not (isinstance(t["year"], int) and 2020 <= t["year"] <= 2060)
    ]
    bad += [
        t["id"]
        for t in targets()
        if not isinstance(t["value"], int | float)
        or t["value"] < 0
        or (t["value"] == 0 and not _zero_reads_right(t))
    ]
    bad += [p["id"] for p in projects() if p["year"] is not None and not 2020 <= p["year"] <= 2060]
    assert not bad, bad


def _zero_reads_right(target: dict) -> bool:
    """A zero goal is 清零 (zero, at most), or a change with no level ("继续减少", "进一步增长",
    "下降高于…"): more than zero against a base year or another figure."""
    if target["comparator"] in ("le", "lt"):
        return True
    params = target["params"]
    return target["comparator"] == "gt" and bool(
        params.get("base_year") or params.get("compared_with")
    )


def test_target_ids_end_with_their_year_and_start_with_their_plan():
    bad = [
        t["id"]
        for t in targets()
        if not (t["id"].startswith(t["plan_id"] + ".") and t["id"].endswith(f".{t['year']}"))
    ]
    assert not bad, bad


# ---------------------------------------------------------------- concrete facts


def test_jinghai_renewables_2025():
    t = _target("jinghai.renewables_capacity.2025")
    assert (t["metric"], t["value"], t["unit"], t["comparator"]) == (
        "capacity_sum",
        280,
        "万千瓦",
        "ge",
    )
    assert t["aspirational"] is True
    renewable = set(scope_codes(t["scope"]))
    assert {"biomass", "waste_to_energy", "wind", "pv_fishery", "pv", "hydro"} <= renewable
    assert not renewable & {"coal_power", "gas_power", "oil_power", "nuclear"}


def test_jinghai_seven_generation_projects():
    gen = [p for p in projects() if p["plan_id"] == "jinghai" and p["type"] in GENERATION_TYPES]
    # the 地热 areas (杨成庄乡、大邱庄镇) are named without a size: they add nothing
    unsized = sorted(p["id"] for p in gen if p["capacity"] is None)
    assert unsized == ["jinghai.daqiuzhuang_geothermal", "jinghai.yangchengzhuang_geothermal"]
    gen = [p for p in gen if p["capacity"] is not None]
    caps = sorted(_mw(p["capacity"]) for p in gen)
    assert caps == sorted([100, 20, 100, 90, 80, 100, 10])
    assert sum(caps) == 500
    assert {p["status"] for p in gen} == {"planned"}
    wte = _project("jinghai.waste_to_energy_phase2")
    assert wte["type"] == "waste_to_energy"
    assert wte["attributes"]["throughput_t_per_day"] == 500
    assert wte["source_note"]
    assert _project("jinghai.tangguantun_dahaozhuang_pv")["gazetteer"] == "大郝庄村 (唐官屯镇)"
    assert _project("jinghai.yangcheng_wind")["gazetteer"] is None


def test_jinghai_infrastructure():
    names = {p["name"] for p in projects() if p["plan_id"] == "jinghai"}
    for station in ("王虎庄", "子牙三号", "医学城", "官家堡", "运河东区"):
        assert f"{station}变电站" in names
    line = next(p for p in projects() if p["name"] == "唐官屯货运专线")
    assert (line["type"], line["year"]) == ("freight_rail", 2025)
    assert _project("jinghai.daqiuzhuang_rail_spur")["year"] is None
    assert _project("jinghai.ziya_rail_spur")["year"] is None
    assert _project("jinghai.ev_v2g_76_stations")["attributes"]["stations"] == 76
    tjn = _project("jinghai.tianjinnan_uhv_substation_expansion")
    assert tjn["region_code"] == "120116"
    assert tjn["gazetteer"] == "天津南1000kV特高压变电站"
    milestone = _target("jinghai.tangguantun_freight_line.2025")
    assert milestone["params"] == {"project": "唐官屯货运专线", "status": "operating"}


@pytest.mark.parametrize(
    ("target_id", "metric", "value", "unit", "comparator"),
    [
        ("jinghai.storage_ratio_new_wind_pv.2025", "ratio", 15, "%", "ge"),
        ("jinghai.charging_radius_core.2025", "coverage_radius", 3, "公里", "lt"),
        ("jinghai.charging_radius_non_core.2025", "coverage_radius", 5, "公里", "lt"),
        ("jinghai.public_chargers.2025", "count", 500, "台", "ge"),
        ("jinghai.forest_cover.2025", "area_share", 10.5, "%", "ge"),
        ("jinghai.ecological_red_line_share.2025", "area_share", 3.81, "%", "ge"),
        ("jinshi.wind_capacity.2025", "capacity_sum", 9, "万千瓦", "ge"),
        ("jinshi.wind_capacity.2030", "capacity_sum", 18, "万千瓦", "ge"),
        ("jinshi.pv_capacity.2025", "capacity_sum", 21, "万千瓦", "ge"),
        ("jinshi.pv_capacity.2030", "capacity_sum", 42, "万千瓦", "ge"),
        ("jinshi.forest_cover.2025", "area_share", 18, "%", "ge"),
        ("jinshi.forest_cover.2030", "area_share", 21, "%", "ge"),
        ("jinshi.afforestation_area.2025", "area_sum", 2.55, "万亩", "ge"),
        ("jinshi.forest_tending_area.2025", "area_sum", 1.05, "万亩", "ge"),
        ("jinshi.reserve_forest_area.2030", "area_sum", 1, "万亩", "ge"),
        ("jinshi.oil_tea_area.2025", "area_sum", 2, "万亩", "ge"),
        ("jinshi.charging_radius_core.2025", "coverage_radius", 2, "公里", "lt"),
        ("tianjin.renewables_capacity.2025", "capacity_sum", 800, "万千瓦", "gt"),
        ("tianjin.new_storage_capacity.2025", "capacity_sum", 50, "万千瓦", "ge"),
        ("tianjin.external_power_import_capacity.2025", "indicator", 1000, "万千瓦", "ge"),
        ("tianjin.forest_cover.2025", "area_share", 13.6, "%", "ge"),
        ("tianjin.protected_area_share.2025", "area_share", 9.6, "%", "ge"),
        ("hongqiao.rooftop_pv_new_public_buildings.2025", "indicator", 50, "%", "ge"),
        ("tianjin_pilot.pilot_areas_selected.2030", "indicator", 6, "个", "approx"),
    ],
)
def test_required_targets(target_id, metric, value, unit, comparator):
    t = _target(target_id)
    assert (t["metric"], t["value"], t["unit"], t["comparator"]) == (
        metric,
        value,
        unit,
        comparator,
    )
    assert str(value) in t["quote"].replace(" ", "") or t["metric"] == "milestone"


def test_required_target_params():
    ratio = _target("jinghai.storage_ratio_new_wind_pv.2025")["params"]
    assert ratio["numerator"] == ["storage"]
    assert set(ratio["denominator"]) == {"wind", "pv_ground", "pv_fishery"}
    assert _target("jinghai.charging_radius_core.2025")["params"] == {"area": "core"}
    assert _target("jinghai.charging_radius_non_core.2025")["params"] == {"area": "non_core"}
    assert _target("jinghai.public_chargers.2025")["params"] == {"counts": "chargers"}
    # a scope by tag: every solar type, the generic 光伏 and 光热 of a ledger included
    assert set(scope_codes(_target("jinshi.pv_capacity.2030")["scope"])) == {
        "pv_fishery",
        "pv_ground",
        "pv_rooftop",
        "pv",
        "solar_thermal",
    }
    assert set(scope_codes(_target("jinshi.wind_capacity.2030")["scope"])) == {
        "wind",
        "wind_distributed",
        "wind_offshore",
    }
    assert _target("hongqiao.rooftop_pv_new_public_buildings.2025")["params"] == {
        "indicator": "rooftop_pv_new_public_buildings"
    }


def test_jinshi_projects():
    storage = _project("jinshi.huaneng_shared_storage")
    assert (storage["type"], storage["capacity"], storage["energy"]) == (
        "storage",
        "100 MW",
        "200 MWh",
    )
    assert storage["source_note"] and storage["note"]
    assert _project("jinshi.luojiatai_yangjiaohan_fishery_pv")["type"] == "pv_fishery"
    demo = _project("jinshi.maoli_lake_biodiversity_demo")
    assert "天津市" in demo["quote"] and demo["region_code"] == "430781" and demo["note"]


def test_hongqiao_projects():
    names = {p["name"] for p in projects() if p["plan_id"] == "hongqiao"}
    assert {
        "芥园道220千伏变电站扩建工程",
        "勤俭道220千伏变电站扩建工程",
        "本溪路110千伏站",
        "欢庆路110千伏站",
        "福泉路110千伏站",
        "中煤设计分布式光伏发电项目",
    } <= names


def test_target_count_is_plausible():
    assert 100 <= len(targets()) <= 250


def test_gazetteer_is_a_byte_for_byte_copy():
    shipped = (SEED / "gazetteer.csv").read_bytes()
    assert shipped == (SHARED / "data" / "gazetteer.csv").read_bytes()
