"""The HTML map of a national ledger: only the regions that hold projects are outlined, the
file stays small, and a panel over several plans names each target's plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shapely.geometry import Point

from gis_carbon.export.common import Selection, Steps
from gis_carbon.export.html_map import map_data, write_html
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status
from gis_carbon.services.exports import export, select
from tests.export.conftest import chromium


def national_plants(count: int) -> list[Project]:
    """Plants at the representative points of counties spread over all of China (every
    third county, as a national plant ledger touches most of them)."""
    from gis_carbon.geo import boundaries as geo

    counties = geo.boundaries("county", simplified=True).iloc[::3]
    plants = []
    for i in range(count):
        row = counties.iloc[i % len(counties)]
        point = row.geometry.representative_point()
        plants.append(
            Project(
                name=f"电厂{i:04d}",
                type="coal_power",
                status=Status.OPERATING,
                geometry=Point(point.x, point.y),
                capacity=600,
                regions=RegionAssignment(
                    province=row["code"][:2] + "0000", city=row["parent_code"], county=row["code"]
                ),
                id=i + 1,
            )
        )
    return plants


def test_national_map_outlines_only_the_regions_holding_plants(tmp_path: Path):
    plants = national_plants(3000)
    holding = {p.regions.county for p in plants}
    provinces = {p.regions.province for p in plants}
    out = tmp_path / "national.html"
    write_html(Selection(plants, title="全国电厂"), out, Steps(3))
    assert out.stat().st_size < 10 * 2**20  # 33 MB when every county was outlined

    outlines = map_data(Selection(plants, title="全国电厂"))["boundaries"]
    drawn_counties = {
        f["properties"]["code"] for f in outlines if "province" not in f["properties"]
    }
    drawn_provinces = {f["properties"]["code"] for f in outlines if f["properties"].get("province")}
    assert drawn_counties == holding
    assert drawn_provinces == provinces


def test_city_without_counties_is_outlined_as_the_lowest_region(tmp_path: Path):
    # 东莞市 (441900) has no counties: its plants' lowest region is the city itself
    dongguan = Project(
        name="东莞燃机",
        type="gas_power",
        status=Status.OPERATING,
        geometry=Point(113.75, 23.02),
        capacity=400,
        regions=RegionAssignment(province="440000", city="441900", county=None),
        id=1,
    )
    outlines = map_data(Selection([dongguan], title="东莞"))["boundaries"]
    assert {f["properties"]["code"] for f in outlines} == {"440000", "441900"}


def test_panel_over_all_plans_names_each_targets_plan(seeded):
    data = map_data(select(seeded))
    plans = {t["plan"] for t in data["targets"]}
    assert {p.name for p in seeded.plans()} == plans
    # a single plan's panel does not repeat its name on every target
    assert {t["plan"] for t in map_data(select(seeded, plan="静海区"))["targets"]} == {None}


@pytest.mark.browser
def test_panel_over_all_plans_shows_plan_names_in_chromium(seeded, tmp_path: Path):
    path = tmp_path / "all.html"
    export(seeded, "html", path)
    dom = chromium(path, mode="dom")
    assert 'data-gc-ready="1"' in dom, dom[-3000:]
    names = re.findall(r'<div class="gc-target-plan">([^<]*)</div>', dom)
    assert "天津市红桥区碳达峰实施方案" in names and "津市市碳达峰实施方案（征求意见稿）" in names
