"""Plans, their targets and recorded indicator values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Metric(StrEnum):
    CAPACITY_SUM = "capacity_sum"  # sum of capacities of the scope's types
    COUNT = "count"  # number of projects or sum of an attribute (chargers)
    RATIO = "ratio"  # storage MW against new centralised wind+PV MW
    COVERAGE_RADIUS = "coverage_radius"  # every point within r km of a station
    AREA_SHARE = "area_share"  # forest cover %, red line %
    AREA_SUM = "area_sum"  # afforestation in 亩
    MILESTONE = "milestone"  # a named project reaching a status by a year
    INDICATOR = "indicator"  # a value the user records per year


class Comparator(StrEnum):
    GE = "ge"  # 达到 / 不低于 / 以上 / 不少于
    GT = "gt"  # 超过 / 大于
    LE = "le"  # 不超过 / 以内
    LT = "lt"  # 小于 / 低于
    APPROX = "approx"  # 左右
    EQ = "eq"

    @property
    def symbol(self) -> str:
        return _COMPARATOR_SYMBOLS[self]


_COMPARATOR_SYMBOLS = {
    Comparator.GE: "≥",
    Comparator.GT: ">",
    Comparator.LE: "≤",
    Comparator.LT: "<",
    Comparator.APPROX: "≈",
    Comparator.EQ: "=",
}


# A park (园区) is a polygon feature of an imported layer; its region code names both:
# "layer:<layer id>/<feature number>". Park plans count the projects inside the polygon.
PARK_PREFIX = "layer:"


def park_code(layer_id: str, number: int) -> str:
    return f"{PARK_PREFIX}{layer_id}/{number}"


def parse_park_code(code: str) -> tuple[str, int] | None:
    """(layer id, 1-based feature number) of a park region code; None for any other code."""
    if not code.startswith(PARK_PREFIX):
        return None
    layer_id, _, number = code.removeprefix(PARK_PREFIX).rpartition("/")
    return (layer_id, int(number)) if layer_id and number.isdigit() else None


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    region_code: str
    region_name: str
    parent_id: str | None = None
    doc_number: str | None = None
    date: str | None = None
    source_file: str | None = None
    base_year: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Target:
    id: str
    plan_id: str
    region_code: str
    metric: Metric
    name_zh: str
    name_en: str
    year: int
    value: float  # as the plan writes it, in `unit`
    unit: str  # as the plan writes it: 万千瓦, 万亩, %, km …
    comparator: Comparator
    quote: str  # the plan's sentence, verbatim
    source_file: str
    aspirational: bool = False  # 力争 / 争取
    scope: tuple[str, ...] = ()  # project type codes counted
    params: Mapping[str, Any] = field(default_factory=dict)
    section: str | None = None
    note: str | None = None

    @property
    def base_unit(self) -> str:
        from gis_carbon.errors import UnitError
        from gis_carbon.model.units import unit as lookup_unit

        try:
            return _BASE_UNITS[lookup_unit(self.unit).dimension]
        except UnitError:  # a unit word the table does not know (e.g. 万吨) stays as written
            return self.unit

    def in_plan_unit(self, value: float | None) -> float | None:
        """A base-unit value (MW) written in the plan's unit (万千瓦), for display."""
        if value is None or self.unit is None or self.unit == self.base_unit:
            return value
        from gis_carbon.errors import GisCarbonError
        from gis_carbon.model.units import convert

        try:
            return float(convert(value, self.base_unit, self.unit))
        except GisCarbonError:
            return value

    @property
    def base_value(self) -> float:
        """The value in the app's base unit for its dimension (MW, m², km …)."""
        from gis_carbon.errors import UnitError
        from gis_carbon.model.units import convert

        try:
            return float(convert(self.value, self.unit, self.base_unit))
        except UnitError:
            return float(self.value)


def target_to_json(target: Target) -> dict[str, Any]:
    """A target as plain JSON: the value in the app's base unit (MW, 亩 …) beside the value
    as the plan writes it, and the verbatim sentence."""
    return {
        "id": target.id,
        "plan_id": target.plan_id,
        "region_code": target.region_code,
        "metric": target.metric.value,
        "name_zh": target.name_zh,
        "name_en": target.name_en,
        "year": target.year,
        "value": target.base_value,
        "unit": target.base_unit,
        "plan_value": target.value,
        "plan_unit": target.unit,
        "comparator": target.comparator.value,
        "comparator_symbol": target.comparator.symbol,
        "aspirational": target.aspirational,
        "scope": list(target.scope),
        "params": dict(target.params),
        "quote": target.quote,
        "source_file": target.source_file,
        "section": target.section,
        "note": target.note,
    }


# The units the app computes in; targets keep the plan's own unit for display.
_BASE_UNITS: dict[str, str] = {
    "power": "MW",
    "energy": "MWh",
    "area": "亩",
    "length": "km",
    "voltage": "kV",
    "apparent_power": "MVA",
    "count": "个",
    "percent": "%",
    "mass_rate": "t/d",
}


@dataclass(frozen=True)
class IndicatorValue:
    """A value of a non-spatial indicator recorded for a region and year."""

    indicator: str
    region_code: str
    year: int
    value: float
    unit: str
    source: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Baseline:
    """Existing stock (存量): the installed capacity of `types` in a region at `year`, from
    statistics rather than itemised projects. A capacity target counts it plus the projects
    commissioned after `year`; itemised projects up to `year` are inside it."""

    region_code: str
    types: tuple[str, ...]  # sorted type codes
    year: int
    value: float  # as entered, in `unit`
    unit: str  # as entered: 万千瓦, MW …
    source: str = ""
    id: int | None = None
    recorded_at: str | None = None
    recorded_by: str | None = None

    @property
    def base_value(self) -> float:
        """The value in MW (the base unit of power)."""
        from gis_carbon.model.units import convert

        return float(convert(self.value, self.unit, _BASE_UNITS["power"]))


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return dict(plan.__dict__)


def baseline_to_json(baseline: Baseline) -> dict[str, Any]:
    return {
        "id": baseline.id,
        "region_code": baseline.region_code,
        "types": list(baseline.types),
        "year": baseline.year,
        "value": baseline.value,
        "unit": baseline.unit,
        "value_mw": baseline.base_value,
        "source": baseline.source,
        "recorded_at": baseline.recorded_at,
        "recorded_by": baseline.recorded_by,
    }
