"""The type table covers what ledgers and plans hold (issue 13 point 1)."""

from __future__ import annotations

import pytest

from gis_carbon.model.types import Tag, project_type, status, types_tagged


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("光伏", "pv"),
        ("太阳能", "pv"),
        ("光伏电站", "pv"),
        ("风电", "wind"),
        ("风力发电", "wind"),
        ("煤电", "coal_power"),
        ("燃煤发电", "coal_power"),
        ("水电", "hydro"),
        ("气电", "gas_power"),
        ("燃气发电", "gas_power"),
        ("核电", "nuclear"),
        ("油电", "oil_power"),
        ("地热", "geothermal"),
        ("生物质", "biomass"),
        ("储能", "storage"),
        ("抽水蓄能", "pumped_storage"),
        ("光热", "solar_thermal"),
        ("海上风电", "wind_offshore"),
        ("制氢", "hydrogen_production"),
        ("加氢站", "hydrogen_station"),
        ("CCUS", "ccus"),
        ("余热利用", "waste_heat"),
        ("园区", "industrial_park"),
        ("超低能耗建筑", "building_efficiency"),
        # full-width letters and spaces a ledger types
        ("光　伏", "pv"),
        (" 煤 电 ", "coal_power"),
        ("ＣＣＵＳ", "ccus"),
    ],
)
def test_generic_ledger_names_resolve_without_a_flag(name: str, code: str) -> None:
    assert project_type(name).code == code


def test_fossil_plants_count_toward_no_renewable_or_non_fossil_target() -> None:
    renewable = set(types_tagged(Tag.RENEWABLE))
    non_fossil = set(types_tagged(Tag.NON_FOSSIL))
    fossil = {"coal_power", "gas_power", "oil_power"}
    assert fossil <= set(types_tagged(Tag.FOSSIL))
    assert not fossil & (renewable | non_fossil)
    # nuclear is non-fossil but not renewable; the generic 光伏 counts toward solar targets
    assert "nuclear" in non_fossil and "nuclear" not in renewable
    assert {"pv", "hydro", "wind_offshore"} <= renewable
    assert "pv" in types_tagged(Tag.SOLAR)


def test_units_and_geometry_of_the_new_types() -> None:
    assert project_type("CCUS").capacity_unit == "t/a"
    assert project_type("地热供暖").capacity_unit == "万m²"
    assert project_type("超低能耗建筑").capacity_unit == "m²"
    assert project_type("园区").allows("polygon")  # type: ignore[arg-type]


def test_a_coal_unit_can_be_retired() -> None:
    assert status("退役").value == "retired"
    assert status("关停").value == "retired"
