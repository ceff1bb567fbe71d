"""Plans, targets and the existing stock (存量) as the user's data: add, revise, delete.

Every change is checked with the model first and written with a history entry (who, when,
before and after) in one transaction; bad input raises a one-line ValidationError or
UnitError and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.model.plan import (
    PARK_PREFIX,
    Baseline,
    Comparator,
    Metric,
    Plan,
    Target,
    parse_park_code,
)
from gis_carbon.model.storage import RecordHistoryEntry, WorkspaceStore
from gis_carbon.model.types import TYPES_BY_CODE, Tag, project_type, types_tagged

_COMPARATOR_WORDS = {
    "ge": Comparator.GE,
    ">=": Comparator.GE,
    "≥": Comparator.GE,
    "不低于": Comparator.GE,
    "达到": Comparator.GE,
    "gt": Comparator.GT,
    ">": Comparator.GT,
    "超过": Comparator.GT,
    "le": Comparator.LE,
    "<=": Comparator.LE,
    "≤": Comparator.LE,
    "以内": Comparator.LE,
    "lt": Comparator.LT,
    "<": Comparator.LT,
    "eq": Comparator.EQ,
    "=": Comparator.EQ,
    "approx": Comparator.APPROX,
    "≈": Comparator.APPROX,
    "左右": Comparator.APPROX,
}


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str


# ------------------------------------------------------------------ regions
def resolve_region(
    ws: WorkspaceStore,
    region: str | None,
    *,
    region_layer: str | None = None,
    feature: str | int | None = None,
) -> RegionChoice:
    """A region by code or Chinese name at any level (province, city, county, an imported
    township), or a park: feature `feature` (1-based, or its name) of polygon layer
    `region_layer`."""
    if region_layer is not None:
        return _park(ws, region_layer, feature)
    text = (region or "").strip()
    if not text:
        raise ValidationError("give the plan's region (a code like 120118 or a name like 静海区)")
    park = parse_park_code(text)
    if park is not None:
        return _park(ws, park[0], park[1])
    from gis_carbon.geo import boundaries
    from gis_carbon.services.regions import township_index

    townships = township_index(ws)
    if text.isdigit():
        try:
            return RegionChoice(text, boundaries.region(text).name)
        except NotFoundError:
            name = townships.name(text) if townships is not None else None
            if name:
                return RegionChoice(text, name)
            raise
    matches = [RegionChoice(r.code, r.name) for r in boundaries.find_regions(text)]
    exact = [m for m in matches if m.name == text]
    if townships is not None:
        exact += [RegionChoice(t.code, t.name) for t in townships.townships if t.name == text]
    found = exact or matches
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFoundError(f"no region named {text!r}")
    listed = ", ".join(f"{m.name} ({m.code})" for m in found[:8])
    raise ValidationError(f"{text!r} names {len(found)} regions: {listed}; give the code")


def _park(ws: WorkspaceStore, layer_id: str, feature: str | int | None) -> RegionChoice:
    layer = ws.layer(layer_id)
    features = ws.layer_features(layer.id)
    if feature is None or str(feature).strip() == "":
        raise ValidationError(f"give the feature of layer {layer.id} that is the park")
    ref = str(feature).strip()
    for number, (geometry, properties) in enumerate(features, start=1):
        name = str(properties.get("name") or properties.get("名称") or "")
        if ref in (str(number), name):
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValidationError(
                    f"feature {ref} of layer {layer.id} is a {geometry.geom_type}, not an area"
                )
            return RegionChoice(
                f"{PARK_PREFIX}{layer.id}/{number}", name or f"{layer.title_zh} #{number}"
            )
    raise NotFoundError(f"layer {layer.id} has no feature {ref!r} ({len(features)} features)")


# ------------------------------------------------------------------ plans
def _date(text: str | None) -> str | None:
    if text is None or not str(text).strip():
        return None
    try:
        return dt.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise ValidationError(f"date must be YYYY-MM-DD; got {text!r}", "date", text) from None


def _year(value: Any, name: str, *, required: bool = False) -> int | None:
    if value is None or str(value).strip() == "":
        if required:
            raise ValidationError(f"give the {name}, a year like 2025", name)
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"{name} must be a year like 2025; got {value!r}", name, value
        ) from None
    if not 1950 <= year <= 2100:
        raise ValidationError(f"{name} must be between 1950 and 2100; got {year}", name, value)
    return year


def _new_id(existing: Iterable[str], prefix: str) -> str:
    taken = set(existing)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def add_plan(
    ws: WorkspaceStore,
    *,
    name: str,
    region: str | None = None,
    region_layer: str | None = None,
    feature: str | int | None = None,
    parent: str | None = None,
    date: str | None = None,
    base_year: Any = None,
    source_file: str | None = None,
    doc_number: str | None = None,
    note: str | None = None,
    author: str | None = None,
) -> Plan:
    """A new plan for a region or park; its id is made from the workspace's next free one."""
    if not name or not name.strip():
        raise ValidationError("a plan needs a name", "name", name)
    where = resolve_region(ws, region, region_layer=region_layer, feature=feature)
    plans = ws.plans()
    parent_id = ws.plan(parent).id if parent else None
    plan = Plan(
        id=_new_id((p.id for p in plans), "plan"),
        name=name.strip(),
        region_code=where.code,
        region_name=where.name,
        parent_id=parent_id,
        doc_number=doc_number,
        date=_date(date),
        source_file=source_file,
        base_year=_year(base_year, "base year"),
        note=note,
    )
    return ws.save_plan(plan, author=author)


_PLAN_TEXT_FIELDS = ("name", "doc_number", "source_file", "note")


def edit_plan(
    ws: WorkspaceStore, plan_id: str, changes: Mapping[str, Any], *, author: str | None = None
) -> Plan:
    """Revise a plan (a 征求意见稿 becoming final: new name, date, document number…).
    Keys: name, date, base_year, source_file, doc_number, note, parent, region (and
    region_layer/feature); None means unchanged."""
    plan = ws.plan(plan_id)
    updated: dict[str, Any] = {
        key: str(changes[key]).strip() for key in _PLAN_TEXT_FIELDS if changes.get(key) is not None
    }
    if "name" in updated and not updated["name"]:
        raise ValidationError("a plan needs a name", "name", changes["name"])
    if changes.get("date") is not None:
        updated["date"] = _date(changes["date"])
    if changes.get("base_year") is not None:
        updated["base_year"] = _year(changes["base_year"], "base year")
    if changes.get("parent") is not None:
        parent = ws.plan(changes["parent"]).id if changes["parent"] else None
        if parent == plan.id:
            raise ValidationError("a plan cannot be its own parent", "parent", parent)
        updated["parent_id"] = parent
    if changes.get("region") is not None or changes.get("region_layer") is not None:
        where = resolve_region(
            ws,
            changes.get("region"),
            region_layer=changes.get("region_layer"),
            feature=changes.get("feature"),
        )
        updated.update(region_code=where.code, region_name=where.name)
    return ws.save_plan(replace(plan, **updated), author=author)


def delete_plan(
    ws: WorkspaceStore, plan_id: str, *, with_targets: bool = False, author: str | None = None
) -> Plan:
    return ws.delete_plan(ws.plan(plan_id).id, with_targets=with_targets, author=author)


# ------------------------------------------------------------------ targets
def parse_types(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Type codes from "wind,pv_ground", Chinese names ("风电,光伏") or tags ("renewable"):
    a tag stands for every type that counts toward it."""
    if text is None:
        return ()
    items = [t for t in re.split(r"[,，、\s]+", text) if t] if isinstance(text, str) else list(text)
    tags = {tag.value: tag for tag in Tag}
    codes: list[str] = []
    for item in items:
        # a type code wins over a tag of the same name (wind is both)
        if item in tags and item not in TYPES_BY_CODE:
            codes.extend(types_tagged(tags[item]))
        else:
            codes.append(project_type(item).code)
    return tuple(dict.fromkeys(codes))


def comparator(text: str | Comparator | None) -> Comparator:
    if text is None or text == "":
        return Comparator.GE
    if isinstance(text, Comparator):
        return text
    found = _COMPARATOR_WORDS.get(str(text).strip().lower())
    if found is None:
        known = ", ".join(c.value for c in Comparator)
        raise ValidationError(f"unknown comparator {text!r}; known: {known}", "comparator", text)
    return found


def metric(text: str | Metric) -> Metric:
    try:
        return Metric(str(text).strip())
    except ValueError:
        known = ", ".join(m.value for m in Metric)
        raise ValidationError(f"unknown metric {text!r}; known: {known}", "metric", text) from None


_NUMBER_AND_WORD = re.compile(r"^\s*(?P<number>[-+]?[\d.,，]+)\s*(?P<unit>\S.{0,30}?)\s*$")


def _value(text: Any) -> tuple[float, str]:
    """ "280万千瓦" → (280, 万千瓦): a target keeps the plan's own unit. A unit word the unit
    table does not know ("亿立方米", "万吨/日", "家") is kept as written: the target is
    recorded and compared in it, never converted."""
    from gis_carbon.errors import UnitError
    from gis_carbon.model.units import parse_number, parse_quantity

    if re.fullmatch(r"\s*[-+]?\d+(?:\.\d+)?\s*", str(text)):
        return float(parse_number(str(text))), ""  # a milestone's 1, a count without a word
    try:
        quantity = parse_quantity(str(text), allow_negative=True)
    except UnitError as exc:
        match = _NUMBER_AND_WORD.match(str(text))
        if match is None or "unknown unit" not in str(exc):
            raise
        return float(parse_number(match.group("number"))), match.group("unit")
    return float(quantity.value), quantity.unit


def _check_target(target: Target) -> Target:
    counts_types = (Metric.CAPACITY_SUM, Metric.COUNT, Metric.AREA_SUM, Metric.RATIO)
    if target.metric in counts_types and not target.scope:
        raise ValidationError(
            f"a {target.metric.value} target counts projects of some types: give --types",
            "scope",
        )
    if target.metric is Metric.MILESTONE and not target.params.get("project"):
        raise ValidationError("a milestone names its project: give params project=NAME", "params")
    if not target.quote or not target.quote.strip():
        raise ValidationError(
            "every target quotes the plan's sentence it comes from: give --quote", "quote"
        )
    for code in target.scope:
        if code not in TYPES_BY_CODE:
            raise ValidationError(f"unknown project type {code!r}", "scope", code)
    return target


def add_target(
    ws: WorkspaceStore,
    *,
    plan: str,
    metric_name: str | Metric,
    value: Any,
    year: Any,
    quote: str,
    comparator_name: str | Comparator | None = None,
    aspirational: bool = False,
    types: str | Iterable[str] | None = None,
    indicator: str | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    section: str | None = None,
    params: Mapping[str, Any] | None = None,
    author: str | None = None,
) -> Target:
    """A new target of a plan, in the plan's own unit ("280万千瓦", "21%")."""
    owner = ws.plan(plan)
    kind = metric(metric_name)
    amount, unit = _value(value)
    extra = dict(params or {})
    if indicator:
        extra["indicator"] = indicator.strip()
    scope = parse_types(types)
    existing = [t.id for t in ws.targets(owner.id)]
    target = Target(
        id=_new_id(existing, f"{owner.id}.t"),
        plan_id=owner.id,
        region_code=owner.region_code,
        metric=kind,
        name_zh=(name_zh or _default_name(kind, scope, "zh")).strip(),
        name_en=(name_en or _default_name(kind, scope, "en")).strip(),
        year=_year(year, "target year", required=True) or 0,
        value=amount,
        unit=unit,
        comparator=comparator(comparator_name),
        quote=(quote or "").strip(),
        source_file=owner.source_file or "",
        aspirational=bool(aspirational),
        scope=scope,
        params=extra,
        section=section,
    )
    return ws.save_target(_check_target(target), author=author)


def _default_name(kind: Metric, scope: tuple[str, ...], lang: str) -> str:
    types = [TYPES_BY_CODE[c] for c in scope]
    names = (
        "、".join(t.name_zh for t in types) if lang == "zh" else ", ".join(t.name_en for t in types)
    )
    return f"{names} ({kind.value})" if names else kind.value


def edit_target(
    ws: WorkspaceStore, target_id: str, changes: Mapping[str, Any], *, author: str | None = None
) -> Target:
    """Revise a target. Keys: value, year, comparator, aspirational, types, indicator,
    quote, name_zh, name_en, section, metric; None means unchanged."""
    target = ws.target(target_id)
    updated: dict[str, Any] = {}
    if changes.get("value") is not None:
        updated["value"], updated["unit"] = _value(changes["value"])
    if changes.get("year") is not None:
        updated["year"] = _year(changes["year"], "target year", required=True)
    if changes.get("comparator") is not None:
        updated["comparator"] = comparator(changes["comparator"])
    if changes.get("aspirational") is not None:
        updated["aspirational"] = bool(changes["aspirational"])
    if changes.get("types") is not None:
        updated["scope"] = parse_types(changes["types"])
    if changes.get("metric") is not None:
        updated["metric"] = metric(changes["metric"])
    if changes.get("indicator") is not None:
        updated["params"] = {**target.params, "indicator": str(changes["indicator"]).strip()}
    for key in ("quote", "name_zh", "name_en", "section"):
        if changes.get(key) is not None:
            updated[key] = str(changes[key]).strip()
    return ws.save_target(_check_target(replace(target, **updated)), author=author)


def delete_target(ws: WorkspaceStore, target_id: str, *, author: str | None = None) -> Target:
    return ws.delete_target(ws.target(target_id).id, author=author)


def history(
    ws: WorkspaceStore, *, entity: str | None = None, entity_id: str | None = None
) -> list[RecordHistoryEntry]:
    return ws.record_history(entity, entity_id)


# ------------------------------------------------------------------ existing stock
def record_baseline(
    ws: WorkspaceStore,
    *,
    region: str,
    types: str | Iterable[str],
    year: Any,
    value: Any,
    source: str = "",
    author: str | None = None,
) -> Baseline:
    """Statistical installed capacity (万千瓦, MW…) of these types in a region at a year."""
    from gis_carbon.model.units import Dimension, parse_quantity

    where = resolve_region(ws, region)
    scope = parse_types(types)
    if not scope:
        raise ValidationError("give the types the baseline covers (--types wind,pv_ground,…)")
    quantity = parse_quantity(str(value), dimension=Dimension.POWER)
    baseline = Baseline(
        region_code=where.code,
        types=tuple(sorted(scope)),
        year=_year(year, "baseline year", required=True) or 0,
        value=float(quantity.value),
        unit=quantity.unit,
        source=(source or "").strip(),
    )
    return ws.record_baseline(baseline, author=author)


def baselines(ws: WorkspaceStore, region: str | None = None) -> list[Baseline]:
    code = resolve_region(ws, region).code if region else None
    return ws.baselines(code)


__all__ = [
    "PARK_PREFIX",
    "RegionChoice",
    "add_plan",
    "add_target",
    "baselines",
    "comparator",
    "delete_plan",
    "delete_target",
    "edit_plan",
    "edit_target",
    "history",
    "metric",
    "parse_types",
    "record_baseline",
    "resolve_region",
]
