"""Siting rules per project type: a table read from resources/siting_rules.toml, with user
overrides (JSON, same shape) merged on top key by key.

A rule set says which exclusion layers a type is exempt from (渔光互补 stands on water), the
setback distance per layer category, raster thresholds (slope, elevation, wind speed,
irradiance) and the power density behind the capacity hint.
"""

from __future__ import annotations

import functools
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gis_carbon.errors import ValidationError
from gis_carbon.resources import resource_path

__all__ = [
    "RULES_META_KEY",
    "RULES_PATH",
    "RasterThreshold",
    "SitingRules",
    "default_rule_table",
    "merge_rule_tables",
    "rules_for",
]

RULES_PATH = resource_path("siting_rules.toml")
RULES_META_KEY = "siting_rules"  # workspace meta key holding the user's overrides (JSON)

# Raster criteria a rule may name; "slope" is computed from a DEM when no slope raster exists.
CRITERIA = ("dem", "slope", "wind_speed", "irradiance")


@dataclass(frozen=True)
class RasterThreshold:
    criterion: str
    min: float | None = None  # values below are a violation
    max: float | None = None  # values above are a violation
    unit: str = ""
    source: str = ""

    @property
    def threshold(self) -> float:
        return self.max if self.max is not None else self.min  # type: ignore[return-value]

    def describe(self) -> str:
        if self.max is not None:
            return f"≤ {self.max:g}{self.unit and ' ' + self.unit}"
        return f"≥ {self.min:g}{self.unit and ' ' + self.unit}"


@dataclass(frozen=True)
class SitingRules:
    type_code: str
    exempt_categories: frozenset[str] = frozenset()
    setbacks_m: Mapping[str, float] = field(default_factory=dict)
    raster: Mapping[str, RasterThreshold] = field(default_factory=dict)
    power_density_mw_per_km2: float = 0.0
    power_density_source: str = ""
    capacity_area: str = "usable"  # "usable" or "water" (渔光互补)
    tip_height_m: float | None = None
    tip_height_source: str = ""

    def setback_distance(self, params: Mapping[str, Any]) -> float | None:
        """Metres to keep from a setback layer's features for this type, or None when the
        setback does not apply (a tip-height multiple for a type without turbines)."""
        if params.get("distance_m") is not None:
            return _non_negative(params["distance_m"], "distance_m")
        if params.get("tip_height_multiple") is not None:
            multiple = _non_negative(params["tip_height_multiple"], "tip_height_multiple")
            return None if self.tip_height_m is None else multiple * self.tip_height_m
        category = str(params.get("category") or "")
        return float(self.setbacks_m.get(category, 0.0))


def _non_negative(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} {value!r} is not a number", name, value) from exc
    if not math.isfinite(number) or number < 0:
        raise ValidationError(f"{name} {value!r} must be a finite number ≥ 0", name, value)
    return number


@functools.lru_cache(maxsize=1)
def _default_table_text() -> str:
    return RULES_PATH.read_text(encoding="utf-8")


def default_rule_table() -> dict[str, Any]:
    """The [types] table of resources/siting_rules.toml (a fresh copy)."""
    try:
        data = tomllib.loads(_default_table_text())
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the shipped file is tested
        raise ValidationError(f"{RULES_PATH}: {exc}", "siting_rules", str(RULES_PATH)) from exc
    return dict(data.get("types", {}))


def merge_rule_tables(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else in ``override`` replaces."""
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_rule_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_overrides(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"siting rule overrides are not valid JSON: {exc}", RULES_META_KEY, text[:80]
        ) from exc
    if not isinstance(data, dict):
        raise ValidationError("siting rule overrides must be a JSON object", RULES_META_KEY, data)
    return data


def rules_for(type_code: str, table: Mapping[str, Any] | None = None) -> SitingRules:
    """The rules of one project type: its own table merged over [types.default]."""
    table = default_rule_table() if table is None else table
    raw = merge_rule_tables(table.get("default", {}), table.get(type_code, {}))
    raster: dict[str, RasterThreshold] = {}
    for criterion, spec in dict(raw.get("raster", {})).items():
        if criterion not in CRITERIA:
            raise ValidationError(
                f"siting rule for {type_code}: unknown raster criterion {criterion!r} "
                f"(known: {', '.join(CRITERIA)})",
                "raster",
                criterion,
            )
        low, high = spec.get("min"), spec.get("max")
        if (low is None) == (high is None):
            raise ValidationError(
                f"siting rule {type_code}.raster.{criterion} needs exactly one of min / max",
                "raster",
                criterion,
            )
        raster[criterion] = RasterThreshold(
            criterion,
            None if low is None else float(low),
            None if high is None else float(high),
            str(spec.get("unit", "")),
            str(spec.get("source", "")),
        )
    density = _non_negative(raw.get("power_density_mw_per_km2", 0.0), "power_density_mw_per_km2")
    tip = raw.get("tip_height_m")
    return SitingRules(
        type_code=type_code,
        exempt_categories=frozenset(str(c) for c in raw.get("exempt_categories", [])),
        setbacks_m={
            str(k): _non_negative(v, f"setbacks_m.{k}")
            for k, v in dict(raw.get("setbacks_m", {})).items()
        },
        raster=raster,
        power_density_mw_per_km2=density,
        power_density_source=str(raw.get("power_density_source", "")),
        capacity_area=str(raw.get("capacity_area", "usable")),
        tip_height_m=None if tip is None else _non_negative(tip, "tip_height_m"),
        tip_height_source=str(raw.get("tip_height_source", "")),
    )
