"""Progress against the plans' targets: one evaluator per metric kind, counted by a policy.

Decisions (the plans leave these open; each is stated once here and in the output):

* **Status policy** — which statuses count toward a target (`StatusPolicy`):
  ``operating`` counts only projects in operation (投产); ``construction`` adds projects
  under construction (在建) and partly grid-connected ones (部分并网); ``pipeline`` adds
  preparatory (前期) and planned (规划) projects. A partly grid-connected project counts with
  the construction policy, not as operating: the workspace records one capacity per project,
  and counting all of it as operating would overstate what generates. Shelved, cancelled and
  retired projects never count.
* **Region** — a target of region R counts projects whose county lies in R or below it
  (天津市 120000 counts 静海区 120118 and 红桥区 120106), by the projects' stored region codes
  (assigned from their geometry).
* **Year** — a project counts when its commissioning year is ≤ the target year (or the
  `year` asked for, if earlier). A project **without a year counts** (the plans name projects
  without dates; leaving them out would report zero for a plan full of named projects); the
  result lists them in `notes` as "year unknown" so nobody reads them as dated.
* **Missing sizes** — a project in scope without a stated capacity adds nothing and is listed
  among the excluded with the reason; no capacity is invented.
* **Verdict** — `met` when the comparator holds (≈: within 5 %); `on_track` when not met
  yet, the target year is still ahead, and the value has reached at least the straight-line
  share from the plan's base year to the target year as of this year; `behind` otherwise;
  `no_data` when the workspace cannot answer (no layer, no recorded value, no station …),
  with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from gis_carbon.errors import GisCarbonError, NotFoundError, ValidationError
from gis_carbon.model.plan import (
    Baseline,
    Comparator,
    Metric,
    Plan,
    Target,
    parse_park_code,
    target_to_json,
)
from gis_carbon.model.project import Project
from gis_carbon.model.storage import ProjectBrief, ProjectLocation, WorkspaceStore
from gis_carbon.model.types import STATUS_INFO, TYPES_BY_CODE, Precision, Status, StoredValues

# ---------------------------------------------------------------------------- policies


class StatusPolicy(StrEnum):
    """Which project statuses count toward a target."""

    OPERATING = "operating"
    CONSTRUCTION = "construction"
    PIPELINE = "pipeline"

    @property
    def statuses(self) -> frozenset[Status]:
        return _POLICY_STATUSES[self]

    @property
    def name_zh(self) -> str:
        return _POLICY_NAMES_ZH[self]


_POLICY_STATUSES: dict[StatusPolicy, frozenset[Status]] = {
    StatusPolicy.OPERATING: frozenset({Status.OPERATING}),
    StatusPolicy.CONSTRUCTION: frozenset({Status.OPERATING, Status.PARTIAL, Status.CONSTRUCTION}),
    StatusPolicy.PIPELINE: frozenset(
        {Status.OPERATING, Status.PARTIAL, Status.CONSTRUCTION, Status.PREPARATORY, Status.PLANNED}
    ),
}
_POLICY_NAMES_ZH = {
    StatusPolicy.OPERATING: "投产",
    StatusPolicy.CONSTRUCTION: "投产+在建",
    StatusPolicy.PIPELINE: "全部规划",
}
_POLICY_ALIASES = {
    "投产": StatusPolicy.OPERATING,
    "在建": StatusPolicy.CONSTRUCTION,
    "投产+在建": StatusPolicy.CONSTRUCTION,
    "规划": StatusPolicy.PIPELINE,
    "全部": StatusPolicy.PIPELINE,
    "全部规划": StatusPolicy.PIPELINE,
}


def status_policy(name: str | StatusPolicy) -> StatusPolicy:
    """The policy named by its code (operating, construction, pipeline) or Chinese name."""
    text = str(name).strip()
    found = _POLICY_ALIASES.get(text)
    if found is not None:
        return found
    try:
        return StatusPolicy(text.lower())
    except ValueError:
        known = ", ".join(p.value for p in StatusPolicy)
        raise ValidationError(
            f"unknown status policy {name!r}; known: {known}", "policy", name
        ) from None


class Verdict(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_DATA = "no_data"

    @property
    def name_zh(self) -> str:
        return _VERDICT_NAMES_ZH[self]


_VERDICT_NAMES_ZH = {
    Verdict.MET: "已达到",
    Verdict.ON_TRACK: "进度正常",
    Verdict.BEHIND: "滞后",
    Verdict.NO_DATA: "无数据",
}

# "左右" (≈) targets count as met within this relative distance of the value.
APPROX_TOLERANCE = 0.05
# A storage project within this distance of a new wind/PV farm counts as paired with it,
# unless the target's params set "pair_distance_km".
DEFAULT_PAIR_DISTANCE_KM = 5.0

# ---------------------------------------------------------------------------- result


@dataclass(frozen=True)
class TargetProgress:
    """Where one target stands. Values are in the target's base unit (MW, 亩, km, % …)."""

    target: Target
    policy: StatusPolicy
    as_of: int  # projects commissioned after this year do not count
    current: float | None
    percent: float | None  # % of the target reached (coverage: % of the area covered)
    gap: float | None  # what is still missing, in the base unit (0 when met)
    verdict: Verdict
    contributors: list[tuple[int, float]] = field(default_factory=list)
    excluded: list[tuple[int, str]] = field(default_factory=list)
    by_region: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why there is no data
    names: dict[int, str] = field(default_factory=dict)  # project names of the ids above

    @property
    def unit(self) -> str:
        return self.target.base_unit

    def to_json(self) -> dict[str, Any]:
        t = self.target
        described = target_to_json(t)
        return {
            "target_id": described.pop("id"),
            **described,
            "target_value": described["value"],
            "policy": self.policy.value,
            "as_of": self.as_of,
            "current": _round(self.current, 6),
            "current_plan_unit": _round(t.in_plan_unit(self.current), 6),
            "percent": _round(self.percent, 1),
            "gap": _round(self.gap, 6),
            "verdict": self.verdict.value,
            "verdict_zh": self.verdict.name_zh,
            "reason": self.reason,
            "notes": list(self.notes),
            "by_region": {k: _round(v, 6) for k, v in sorted(self.by_region.items())},
            "contributors": [
                {"id": pid, "name": self.names.get(pid), "value": _round(v, 6)}
                for pid, v in self.contributors
            ],
            "excluded": [
                {"id": pid, "name": self.names.get(pid), "reason": why}
                for pid, why in self.excluded
            ],
            "details": _jsonable(self.details),
            **self._parts(),
        }

    def _parts(self) -> dict[str, Any]:
        """存量 + 新增: where the existing stock counts, the two parts of `current`."""
        baseline = self.details.get("baseline")
        if not isinstance(baseline, dict):
            return {}
        return {
            "parts": {
                "baseline": _round(baseline["value"], 6),
                "new": _round(self.details.get("new_value"), 6),
                "baseline_years": baseline["years"],
            }
        }


def _round(value: float | None, places: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None if value is None else value
    return round(float(value), places)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------------- rows


@dataclass(slots=True)
class _Row:
    """Projects sharing (region, type, status, year), or one project (n = 1, with its id)."""

    chain: tuple[str, ...]  # region codes the row lies in, deepest first
    type: str
    status: Status
    year: int | None
    capacity: float  # sum of stated capacities
    energy: float
    n: int
    n_capacity: int  # how many of the n state a capacity
    id: int | None = None
    name: str | None = None

    @property
    def region(self) -> str:
        return self.chain[0] if self.chain else ""


class EvaluationContext:
    """What several evaluations share: one grouped read of the workspace, rows per region,
    milestone projects, plans. Build one per batch; it does not see later edits."""

    def __init__(
        self,
        ws: WorkspaceStore,
        *,
        policy: StatusPolicy | str = StatusPolicy.PIPELINE,
        year: int | None = None,
        now_year: int | None = None,
        detail: bool = True,
    ) -> None:
        self.ws = ws
        self.policy = status_policy(policy)
        if year is not None and not (isinstance(year, int) and 1950 <= year <= 2100):
            raise ValidationError(f"year must be between 1950 and 2100; got {year!r}", "year", year)
        self.year = year
        self.now_year = now_year if now_year is not None else dt.date.today().year
        self.detail = detail
        self.plans: dict[str, Plan] = {p.id: p for p in ws.plans()}
        # a one-item list rather than None/list, so contexts from with_policy share the load
        self._grouped: list[list[_Row]] = []
        self._grouped_by_region: dict[str, list[_Row]] = {}
        self._detail_rows: dict[str, list[_Row]] = {}
        self._chains: dict[str, tuple[str, ...]] = {}
        self._milestones: dict[tuple[str, str], list[ProjectBrief]] = {}
        self._attributes: dict[int, dict[str, Any]] = {}
        self._layers: list[list[Any]] = []  # shared with with_policy's contexts, as _grouped
        self._baselines: list[list[Baseline]] = []  # likewise
        self._layer_unions: dict[tuple[Any, ...], Any] = {}

    def with_policy(self, policy: StatusPolicy) -> EvaluationContext:
        """The same cached data under another policy (for operating vs pipeline columns)."""
        other = object.__new__(EvaluationContext)
        other.__dict__.update(self.__dict__)
        other.policy = policy
        return other

    def as_of(self, target: Target) -> int:
        return target.year if self.year is None else min(self.year, target.year)

    # -- regions
    def chain(self, county: str) -> tuple[str, ...]:
        """The county and every region above it, deepest first."""
        found = self._chains.get(county)
        if found is None:
            found = _region_chain(county)
            self._chains[county] = found
        return found

    def _chain_of(
        self, county: str | None, city: str | None, province: str | None
    ) -> tuple[str, ...]:
        return self.chain(county) if county else tuple(c for c in (city, province) if c)

    # -- rows
    def grouped_rows(self, region: str) -> list[_Row]:
        """Projects in `region` or below, grouped by county, type, status and year (a park's
        projects one by one: the totals are kept by administrative region)."""
        if parse_park_code(region) is not None:
            return self.detail_rows(region)
        if not self._grouped:
            self._grouped.append(self._load_grouped())
        rows = self._grouped_by_region.get(region)
        if rows is None:
            rows = [r for r in self._grouped[0] if region in r.chain]
            self._grouped_by_region[region] = rows
        return rows

    def _load_grouped(self) -> list[_Row]:
        statuses = _STORED_STATUSES
        chain = self.chain  # one bound method for ~10⁴ rows
        return [
            _Row(
                chain(county) if county else tuple(c for c in (city, province) if c),
                ptype,
                statuses[status],
                year or None,
                cap,
                energy,
                n,
                n_cap,
            )
            for county, city, province, ptype, status, year, cap, energy, n, n_cap in (
                self.ws.grouped_totals()
            )
        ]

    def detail_rows(self, region: str, types: Iterable[str] | None = None) -> list[_Row]:
        """One row per project in `region` or below (optionally only these types)."""
        key = region if types is None else region + "|" + ",".join(sorted(types))
        rows = self._detail_rows.get(key)
        if rows is not None:
            return rows
        park = parse_park_code(region)
        if park is None:
            briefs = self.ws.project_briefs(
                counties=_descendant_counties(region), region=region, types=types
            )
        else:  # a park counts what lies inside its polygon, whatever the county
            inside = self.ws.project_ids_intersecting(self.park_geometry(park))
            briefs = self.ws.project_briefs(types=types, ids=inside) if inside else []
        statuses = _STORED_STATUSES
        rows = [
            _Row(
                self._chain_of(county, city, province),
                ptype,
                statuses[status],
                year,
                cap or 0.0,
                energy or 0.0,
                1,
                0 if cap is None else 1,
                pid,
                name,
            )
            for pid, name, ptype, status, year, cap, energy, county, city, province in briefs
        ]
        if park is not None:
            rows = [replace(r, chain=(region, *r.chain)) for r in rows]
        self._detail_rows[key] = rows
        return rows

    def locations(self, ids: Sequence[int]) -> list[ProjectLocation]:
        """(id, name, lon, lat, precision) of projects, without building Project objects."""
        return self.ws.project_locations(ids)

    def attributes(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        missing = [i for i in ids if i not in self._attributes]
        if missing:
            self._attributes.update(self.ws.project_attributes(missing))
        return self._attributes

    def projects(self, ids: Iterable[int]) -> list[Project]:
        """Projects by id, in the order given."""
        return self.ws.projects_by_id(ids)

    def layers(self) -> list[Any]:
        """The workspace's layers, read once."""
        if not self._layers:
            self._layers.append(list(self.ws.layers()))
        return self._layers[0]

    def milestone_projects(self, target: Target, name: str) -> list[ProjectBrief]:
        """Projects with this exact name in the target's region (of its types, when it names
        any), else anywhere in the workspace."""
        key = (target.id, name)
        if key not in self._milestones:
            rows = self.ws.project_briefs(
                counties=_descendant_counties(target.region_code),
                types=target.scope or None,
                name=name,
            )
            self._milestones[key] = rows or self.ws.project_briefs(name=name)
        return self._milestones[key]

    def park_geometry(self, park: tuple[str, int]) -> Any:
        """The polygon of a park (园区): a feature of an imported layer."""
        layer_id, number = park
        features = self.ws.layer_features(layer_id)
        if not 1 <= number <= len(features):
            raise NotFoundError(f"layer {layer_id} has no feature {number}")
        return features[number - 1][0]

    def baselines_for(self, target: Target, scope: Iterable[str]) -> dict[str, list[Baseline]]:
        """The existing stock (存量) a capacity target counts, by region: the target's own
        region's if it has any, else its sub-regions'. Per region, the latest baseline year
        up to the target's year, and of that year baselines of disjoint type sets within
        the target's scope, widest first (so a recorded total is not added to its parts)."""
        if not self._baselines:
            self._baselines.append(list(self.ws.baselines()))
        scope_set = set(scope)
        as_of = self.as_of(target)
        eligible = [b for b in self._baselines[0] if set(b.types) <= scope_set and b.year <= as_of]
        if not eligible:
            return {}
        own = [b for b in eligible if b.region_code == target.region_code]
        if not own:
            below = set(_descendant_counties(target.region_code)) - {target.region_code}
            own = [b for b in eligible if b.region_code in below]
        by_region: dict[str, list[Baseline]] = defaultdict(list)
        for b in own:
            by_region[b.region_code].append(b)
        chosen: dict[str, list[Baseline]] = {}
        for region, found in by_region.items():
            latest = max(b.year for b in found)
            covered: set[str] = set()
            picks = []
            for b in sorted((b for b in found if b.year == latest), key=lambda b: -len(b.types)):
                if covered.isdisjoint(b.types):
                    picks.append(b)
                    covered.update(b.types)
            chosen[region] = picks
        return chosen

    def base_year(self, target: Target) -> int | None:
        plan = self.plans.get(target.plan_id)
        if plan is not None and plan.base_year:
            return int(plan.base_year)
        base = target.params.get("base_year")
        return int(base) if isinstance(base, int) else None


_STORED_STATUSES = StoredValues(Status, "projects.status")


def _stored_id(project: Project) -> int:
    """The id of a project read from the workspace (which always has one)."""
    assert project.id is not None, "a stored project has an id"
    return project.id


def _region_chain(code: str) -> tuple[str, ...]:
    """The region and its ancestors from the boundary catalogue; for a code it does not know,
    the GB/T 2260 prefixes (county 120118 → city 120100 → province 120000)."""
    try:
        from gis_carbon.geo.boundaries import ancestors

        return (code, *(r.code for r in reversed(ancestors(code))))
    except (GisCarbonError, ImportError):
        chain = [code]
        if len(code) == 6 and code.isdigit():
            for parent in (code[:4] + "00", code[:2] + "0000"):
                if parent != chain[-1]:
                    chain.append(parent)
        return tuple(chain)


def _descendant_counties(code: str) -> list[str]:
    """The region itself and every region below it (the codes projects' county_code holds)."""
    try:
        from gis_carbon.geo.boundaries import descendants_or_self, region

        known = region(code)
    except (GisCarbonError, ImportError):
        return [code]
    return [code, *sorted(descendants_or_self(known.code) - {code})]


# ---------------------------------------------------------------------------- counting


def _exclusion(ctx: EvaluationContext, row: _Row, types: frozenset[str], as_of: int) -> str | None:
    """Why a row does not count toward a target of these types, or None when it counts."""
    if row.type not in types:
        type_info = TYPES_BY_CODE.get(row.type)
        label = f"{row.type} ({type_info.name_zh})" if type_info else row.type
        return f"outside the scope: type {label}"
    if row.status not in ctx.policy.statuses:
        if STATUS_INFO[row.status].rank < 0:
            return f"status {row.status.value}: never counts"
        return f"status {row.status.value} not counted under the {ctx.policy.value} policy"
    if row.year is not None and row.year > as_of:
        return f"commissioning year {row.year} is after {as_of}"
    return None


def _unit_factor(type_code: str, base_unit: str, *, energy: bool = False) -> float | None:
    """How many base units one unit of this type's capacity is; None if they do not convert."""
    from gis_carbon.model.units import convert

    ptype = TYPES_BY_CODE.get(type_code)
    unit = None if ptype is None else (ptype.energy_unit if energy else ptype.capacity_unit)
    if unit is None or base_unit is None:
        return None
    if unit == base_unit:
        return 1.0
    try:
        return float(convert(1, unit, base_unit))
    except GisCarbonError:
        return None


@dataclass
class _Tally:
    total: float = 0.0
    by_region: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    contributors: list[tuple[int, float]] = field(default_factory=list)
    excluded: list[tuple[int, str]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    unknown_year_value: float = 0.0
    unknown_year_count: int = 0
    unstated_count: int = 0  # projects that count but state no size
    counted: int = 0


def _tally(
    ctx: EvaluationContext,
    target: Target,
    types: Iterable[str],
    *,
    value: str = "capacity",  # capacity, energy or count
    unit: str | None = None,
    keep: Callable[[_Row], str | None] | None = None,
    rows: list[_Row] | None = None,
    report_out_of_scope: bool = True,
) -> _Tally:
    """Sum what counts toward `target` among the region's projects of `types`."""
    type_set = frozenset(types)
    as_of = ctx.as_of(target)
    base_unit = unit or target.base_unit
    if rows is None:
        rows = (
            ctx.detail_rows(target.region_code)
            if ctx.detail
            else [r for r in ctx.grouped_rows(target.region_code) if r.type in type_set]
        )
    factors: dict[str, float | None] = {}
    tally = _Tally()
    for row in rows:
        reason = _exclusion(ctx, row, type_set, as_of)
        if reason is None and keep is not None:
            reason = keep(row)
        if reason is None and value != "count":
            if row.type not in factors:
                factors[row.type] = _unit_factor(row.type, base_unit, energy=value == "energy")
            if factors[row.type] is None:
                reason = f"type {row.type} is not measured in {base_unit}"
        if reason is not None:
            if row.id is not None and (report_out_of_scope or row.type in type_set):
                tally.excluded.append((row.id, reason))
                tally.names[row.id] = row.name or ""
            continue
        stated = row.n if value == "count" else row.n_capacity
        if value == "count":
            amount = float(row.n)
        else:
            raw = row.energy if value == "energy" else row.capacity
            amount = raw * (factors[row.type] or 0.0)
            if row.n_capacity < row.n:
                tally.unstated_count += row.n - row.n_capacity
                if row.id is not None:
                    tally.excluded.append((row.id, f"{value} not stated"))
                    tally.names[row.id] = row.name or ""
                    tally.by_region[row.region] += 0.0
                    continue
        tally.total += amount
        tally.counted += stated
        tally.by_region[row.region] += amount
        if row.year is None:
            tally.unknown_year_value += amount
            tally.unknown_year_count += stated
        if row.id is not None:
            tally.contributors.append((row.id, amount))
            tally.names[row.id] = row.name or ""
    return tally


def _tally_notes(tally: _Tally, unit: str) -> list[str]:
    from gis_carbon.model.units import format_number

    notes = []
    if tally.unknown_year_count:
        notes.append(
            f"year unknown: {tally.unknown_year_count} counted project(s) with "
            f"{format_number(round(tally.unknown_year_value, 6))} {unit} have no "
            "commissioning year; counted as if by the target year"
        )
    if tally.unstated_count:
        notes.append(f"{tally.unstated_count} project(s) in scope state no size and add nothing")
    return notes


# ---------------------------------------------------------------------------- verdicts


class Direction(StrEnum):
    """Which way a target's value is good: 达到/提高 (more), 控制在/不超过 (less), 为 (band)."""

    UP = "up"
    DOWN = "down"
    BAND = "band"


# A comparator's direction unless the target's params say otherwise ("direction": "band" for
# a value the text means exactly, "down" for a 左右 cap). "为14.5%" of a cut and "建成 2 家"
# are minimums: a larger cut or a third platform does not miss the target.
_DIRECTION = {
    Comparator.GE: Direction.UP,
    Comparator.GT: Direction.UP,
    Comparator.APPROX: Direction.UP,
    Comparator.EQ: Direction.UP,
    Comparator.LE: Direction.DOWN,
    Comparator.LT: Direction.DOWN,
}


def direction(target: Target) -> Direction:
    return Direction(target.params.get("direction") or _DIRECTION[target.comparator])


def _holds(target: Target, current: float, goal: float) -> bool:
    """Whether the value meets the target: 左右 ("about") is met within the tolerance or
    beyond it in the good direction; 超过/低于 are strict; a band is met only near the goal."""
    way = direction(target)
    slack = APPROX_TOLERANCE * abs(goal) if target.comparator is Comparator.APPROX else 0.0
    eps = 1e-9 * max(1.0, abs(goal))
    if way is Direction.BAND:
        return abs(current - goal) <= slack + eps
    strict = target.comparator in (Comparator.GT, Comparator.LT)
    if way is Direction.UP:
        return current > goal if strict else current >= goal - slack - eps
    return current < goal if strict else current <= goal + slack + eps


def judge(
    ctx: EvaluationContext,
    target: Target,
    current: float,
    *,
    progress_year: int | None = None,
    percent: float | None = None,
    **fields: Any,
) -> TargetProgress:
    """Percent, gap and verdict of a value against its target."""
    goal = target.base_value
    upward = direction(target) is not Direction.DOWN
    if percent is None:
        if upward:
            percent = 100.0 * current / goal if goal else None
        else:
            percent = 100.0 * goal / current if current > 0 else 100.0
    gap = max(goal - current, 0.0) if upward else max(current - goal, 0.0)
    if _holds(target, current, goal):
        verdict, gap = Verdict.MET, 0.0
    else:
        verdict = Verdict.BEHIND
        year_now = progress_year if progress_year is not None else ctx.now_year
        base = ctx.base_year(target)
        if upward and goal and base is not None and base < target.year and year_now < target.year:
            expected = (year_now - base) / (target.year - base)
            if current / goal >= expected:
                verdict = Verdict.ON_TRACK
    return TargetProgress(
        target=target,
        policy=ctx.policy,
        as_of=ctx.as_of(target),
        current=current,
        percent=percent,
        gap=gap,
        verdict=verdict,
        **fields,
    )


def no_data(ctx: EvaluationContext, target: Target, reason: str, **fields: Any) -> TargetProgress:
    return TargetProgress(
        target=target,
        policy=ctx.policy,
        as_of=ctx.as_of(target),
        current=None,
        percent=None,
        gap=None,
        verdict=Verdict.NO_DATA,
        reason=reason,
        **fields,
    )


def _from_tally(
    ctx: EvaluationContext, target: Target, tally: _Tally, **extra: Any
) -> TargetProgress:
    details = dict(extra.pop("details", {}))
    details.setdefault("year_unknown_value", tally.unknown_year_value)
    details.setdefault("counted_projects", tally.counted)
    result = judge(
        ctx,
        target,
        tally.total,
        contributors=tally.contributors,
        excluded=tally.excluded,
        by_region=dict(tally.by_region),
        names=tally.names,
        notes=_tally_notes(tally, target.base_unit) + list(extra.pop("notes", [])),
        details=details,
        **extra,
    )
    if result.gap and target.year > ctx.now_year:
        result.details["annual_addition_needed"] = result.gap / (target.year - ctx.now_year)
    return result


# ---------------------------------------------------------------------------- evaluators


def _scope(target: Target) -> tuple[str, ...]:
    if not target.scope:
        raise ValidationError(
            f"target {target.id} names no project types (scope)", "scope", target.id
        )
    return target.scope


def _with_child_plans(ctx: EvaluationContext, target: Target, tally: _Tally) -> None:
    """A city target's roll-up shows every district that has its own plan, even at 0."""
    for plan in ctx.plans.values():
        if plan.parent_id == target.plan_id and plan.region_code != target.region_code:
            tally.by_region.setdefault(plan.region_code, 0.0)


def evaluate_capacity_sum(ctx: EvaluationContext, target: Target) -> TargetProgress:
    scope = _scope(target)
    stock = ctx.baselines_for(target, scope)
    if not stock:
        tally = _tally(ctx, target, scope)
        _with_child_plans(ctx, target, tally)
        return _from_tally(ctx, target, tally)
    # 存量 + 新增: the recorded stock of each region at its baseline year, plus the projects
    # commissioned after that year; itemised projects up to it are inside the stock.
    years = {region: chosen[0].year for region, chosen in stock.items()}

    def after_baseline(row: _Row) -> str | None:
        year = next((years[r] for r in row.chain if r in years), None)
        if year is not None and row.year is not None and row.year <= year:
            return f"inside the {year} baseline (存量): commissioned in {row.year}"
        return None

    from gis_carbon.model.units import format_number

    tally = _tally(ctx, target, scope, keep=after_baseline)
    _with_child_plans(ctx, target, tally)
    new_value = tally.total
    chosen_all = [b for chosen in stock.values() for b in chosen]
    for baseline in chosen_all:
        tally.total += baseline.base_value
        tally.by_region[baseline.region_code] += baseline.base_value
    described = [
        f"{b.region_code} {b.year}: {format_number(round(b.value, 6))} {b.unit}"
        + (f" ({b.source})" if b.source else "")
        for b in chosen_all
    ]
    return _from_tally(
        ctx,
        target,
        tally,
        details={
            "baseline": {
                "value": sum(b.base_value for b in chosen_all),
                "years": sorted(set(years.values())),
                "regions": sorted(years),
                "ids": [b.id for b in chosen_all],
                "sources": [b.source for b in chosen_all if b.source],
            },
            "new_value": new_value,
        },
        notes=[f"existing stock (存量) counted: {'; '.join(described)}"],
    )


def evaluate_count(ctx: EvaluationContext, target: Target) -> TargetProgress:
    # "≥500 public chargers" sums the chargers each station holds, not the stations.
    counts = str(target.params.get("counts", "projects"))
    value = "capacity" if counts != "projects" else "count"
    scope = _scope(target)
    if "activity" not in target.params:
        tally = _tally(ctx, target, scope, value=value)
    else:
        # "新建 1 座天然气 LNG 储气站": only LNG stations count, never the plan's own item
        rows = ctx.detail_rows(target.region_code, None if ctx.detail else scope)
        keep = _same_activity(ctx, target, scope, rows)
        tally = _tally(ctx, target, scope, value=value, keep=keep, rows=rows)
    _with_child_plans(ctx, target, tally)
    return _from_tally(ctx, target, tally, details={"counts": counts})


def _same_activity(
    ctx: EvaluationContext, target: Target, scope: Iterable[str], rows: list[_Row]
) -> Callable[[_Row], str | None]:
    """Why a row does not count toward `target`'s activity (None: it counts)."""
    activity = target.params.get("activity")
    in_scope = frozenset(scope)
    attributes = ctx.attributes([r.id for r in rows if r.type in in_scope and r.id is not None])

    def same_activity(row: _Row) -> str | None:
        own = attributes.get(row.id or -1, {})
        if own.get("programme_of") == target.id:
            # The plan's own work programme restates the target: counting it would meet the
            # target with nothing done.
            return "the target's own work programme, not work done toward it"
        if activity is None:
            return None
        theirs = own.get("activity")
        if theirs == activity:
            return None
        return f"activity {theirs or 'not stated'}, the target counts {activity}"

    return same_activity


def evaluate_area_sum(ctx: EvaluationContext, target: Target) -> TargetProgress:
    activity = target.params.get("activity")
    scope = _scope(target)
    rows = ctx.detail_rows(target.region_code, None if ctx.detail else scope)
    tally = _tally(ctx, target, scope, keep=_same_activity(ctx, target, scope, rows), rows=rows)
    return _from_tally(ctx, target, tally, details={"activity": activity})


def evaluate_ratio(ctx: EvaluationContext, target: Target) -> TargetProgress:
    """Storage MW against new centralised wind+PV MW (and MWh per MW), with unpaired farms."""
    numerator = tuple(target.params.get("numerator") or ("storage",))
    denominator = tuple(
        target.params.get("denominator") or tuple(t for t in target.scope if t not in numerator)
    )
    if not denominator:
        raise ValidationError(
            f"ratio target {target.id} names no denominator types", "params", target.id
        )
    base = ctx.base_year(target)
    since = int(target.params.get("new_since") or base or 0)

    def is_new(row: _Row) -> str | None:
        if row.year is not None:
            return None if row.year >= since else f"commissioned {row.year}, before {since}"
        # Not yet built: whenever it commissions, it is new since the plan.
        if row.status is Status.OPERATING:
            return f"operating with no commissioning year: cannot tell if new since {since}"
        return None

    storage = _tally(ctx, target, numerator, unit="MW", report_out_of_scope=False)
    storage_mwh = _tally(
        ctx, target, numerator, unit="MWh", value="energy", report_out_of_scope=False
    )
    farms = _tally(ctx, target, denominator, unit="MW", keep=is_new, report_out_of_scope=False)
    excluded = storage.excluded + [e for e in farms.excluded if e not in storage.excluded]
    names = {**storage.names, **farms.names}
    details: dict[str, Any] = {
        "storage_mw": storage.total,
        "storage_mwh": storage_mwh.total,
        "new_wind_pv_mw": farms.total,
        "new_since": since,
        "mwh_per_new_mw": storage_mwh.total / farms.total if farms.total else None,
    }
    if ctx.detail:
        details.update(_pairing(ctx, target, storage.contributors, farms.contributors))
    if farms.total <= 0:
        return no_data(
            ctx,
            target,
            f"no new {'/'.join(denominator)} capacity since {since} in the region",
            excluded=excluded,
            names=names,
            details=details,
        )
    by_region = {
        k: 100.0 * storage.by_region.get(k, 0.0) / v for k, v in farms.by_region.items() if v
    }
    return judge(
        ctx,
        target,
        100.0 * storage.total / farms.total,
        contributors=storage.contributors + farms.contributors,
        excluded=excluded,
        by_region=by_region,
        names=names,
        details=details,
        notes=_tally_notes(farms, "MW") + _tally_notes(storage, "MW"),
    )


def _pairing(
    ctx: EvaluationContext,
    target: Target,
    storage: list[tuple[int, float]],
    farms: list[tuple[int, float]],
) -> dict[str, Any]:
    """Which new farms have storage paired: linked by `attributes.paired_with` (id or name)
    on either side, or a storage project within the pairing distance."""
    import numpy as np

    from gis_carbon.geo.crs import from_wgs84, local_projected_crs

    distance_km = float(target.params.get("pair_distance_km", DEFAULT_PAIR_DISTANCE_KM))
    stores = ctx.projects(pid for pid, _ in storage)
    farm_projects = ctx.projects(pid for pid, _ in farms)
    if not farm_projects:
        return {"pair_distance_km": distance_km, "unpaired_farms": [], "paired_farms": []}
    links: set[tuple[int, int]] = set()
    for s in stores:
        for f in farm_projects:
            if _linked(s, f) or _linked(f, s):
                links.add((_stored_id(s), _stored_id(f)))
    lon0, lat0 = farm_projects[0].lonlat
    crs = local_projected_crs(lon0, lat0)
    paired: list[dict[str, Any]] = []
    unpaired: list[dict[str, Any]] = []
    store_xy = np.array([from_wgs84(s.lonlat[0], s.lonlat[1], crs) for s in stores])
    store_xy = store_xy.reshape(-1, 2)
    for f in farm_projects:
        fx, fy = from_wgs84(f.lonlat[0], f.lonlat[1], crs)
        near = np.hypot(store_xy[:, 0] - fx, store_xy[:, 1] - fy) <= distance_km * 1000
        partners = {_stored_id(s) for s, ok in zip(stores, near, strict=True) if ok}
        partners |= {sid for sid, fid in links if fid == f.id}
        entry = {
            "id": f.id,
            "name": f.name,
            "capacity_mw": f.capacity,
            "storage_ids": sorted(partners),
        }
        (paired if partners else unpaired).append(entry)
    return {"pair_distance_km": distance_km, "paired_farms": paired, "unpaired_farms": unpaired}


def _linked(a: Any, b: Any) -> bool:
    link = a.attributes.get("paired_with")
    values = link if isinstance(link, list) else [link]
    return any(v is not None and (v == b.id or str(v) == str(b.id) or v == b.name) for v in values)


def evaluate_milestone(ctx: EvaluationContext, target: Target) -> TargetProgress:
    """A named project reaching a status by the target year (current: 1 reached, 0 not)."""
    name = target.params.get("project")
    if not name:
        raise ValidationError(f"milestone {target.id} names no project", "params", target.id)
    wanted = Status(target.params.get("status", Status.OPERATING.value))
    candidates = ctx.milestone_projects(target, str(name))
    if not candidates:
        return no_data(ctx, target, f"no project named {name!r} in the workspace")
    pid, project_name, _, stored_status, year = candidates[0][:5]
    status = _STORED_STATUSES[stored_status]
    reached = STATUS_INFO[status].rank >= STATUS_INFO[wanted].rank >= 0
    # Like capacities, a project in the policy's statuses with no year counts as scheduled.
    scheduled = status in ctx.policy.statuses and (year is None or year <= ctx.as_of(target))
    counts = reached or scheduled
    details = {
        "project_id": pid,
        "status": status.value,
        "year": year,
        "required_status": wanted.value,
        "reached": reached,
    }
    notes = (
        []
        if year is not None or reached
        else [f"year unknown: {project_name} has no commissioning year"]
    )
    reason = (
        None
        if counts
        else (
            f"status {status.value} not counted under the {ctx.policy.value} policy"
            if status not in ctx.policy.statuses
            else f"scheduled for {year}, after {ctx.as_of(target)}"
        )
    )
    if counts and not reached:
        notes = [*notes, f"{project_name} is {status.value}, not yet {wanted.value}"]
    # The value is whether the status is reached: a scheduled project is not a finished one,
    # so it never shows as 100 %; the policy only decides between on track and behind.
    result = judge(
        ctx,
        target,
        1.0 if reached else 0.0,
        contributors=[(pid, 1.0)] if counts else [],
        excluded=[] if reason is None else [(pid, reason)],
        names={pid: project_name},
        details=details,
        notes=notes,
    )
    if counts and not reached:
        # Scheduled but not there yet: on track while its year (and the target's) is ahead.

        ahead = target.year >= ctx.now_year and (year is None or year >= ctx.now_year)
        result = replace(result, verdict=Verdict.ON_TRACK if ahead else Verdict.BEHIND)
    return result


def evaluate_indicator(ctx: EvaluationContext, target: Target) -> TargetProgress:
    """The last value recorded up to the target year against the target."""
    indicator = target.params.get("indicator") or target.id
    values = [
        v
        for v in ctx.ws.indicator_values(indicator=indicator, region_code=target.region_code)
        if v.year <= ctx.as_of(target)
    ]
    if not values:
        return no_data(
            ctx,
            target,
            f"no value of {indicator!r} recorded for "
            f"{target.region_code} up to {ctx.as_of(target)}",
        )
    last = values[-1]
    value = float(last.value)
    if last.unit != target.unit and target.unit is not None:
        from gis_carbon.model.units import convert

        try:
            value = float(convert(value, last.unit, target.base_unit))
        except GisCarbonError:
            return no_data(
                ctx, target, f"recorded unit {last.unit!r} does not convert to {target.unit!r}"
            )
    else:
        value = _to_base(target, value)
    history = [
        {"year": v.year, "value": v.value, "unit": v.unit, "source": v.source} for v in values
    ]
    return judge(
        ctx,
        target,
        value,
        progress_year=last.year,
        notes=[f"last recorded value: {last.year}"] if last.year < target.year else [],
        details={"indicator": indicator, "year": last.year, "history": history},
    )


def _to_base(target: Target, value: float) -> float:
    if target.unit is None or target.unit == target.base_unit:
        return value
    from gis_carbon.model.units import convert

    try:
        return float(convert(value, target.unit, target.base_unit))
    except GisCarbonError:
        return value


def _layers_with(ctx: EvaluationContext, key: str, region_code: str) -> list[Any]:
    """User layers marked for `key` (params {key: true} or {"area_share": key}) for a region."""
    found = []
    for layer in ctx.layers():
        params = layer.params
        if not (params.get(key) is True or params.get("area_share") == key):
            continue
        if params.get("region_code") not in (None, region_code):
            continue
        found.append(layer)
    return found


def _layer_union(ctx: EvaluationContext, layers: list[Any]) -> Any:
    """The union of the layers' polygons (None without any), once per set of layers."""
    import shapely

    key = tuple(layer.id for layer in layers)
    if key not in ctx._layer_unions:
        geoms = [g for layer in layers for g, _ in ctx.ws.layer_features(layer.id)]
        polygons = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        ctx._layer_unions[key] = (
            shapely.union_all([shapely.make_valid(g) for g in polygons]) if polygons else None
        )
    return ctx._layer_unions[key]


def evaluate_coverage_radius(ctx: EvaluationContext, target: Target) -> TargetProgress:
    """Share of the area within r of a located station and the farthest uncovered point.
    current: the farthest any point of the area is from a station (the service radius
    actually reached); percent: the share of the area within r."""
    import shapely

    from gis_carbon.analysis.coverage import coverage, project_geometry
    from gis_carbon.geo.boundaries import region_geometry
    from gis_carbon.geo.crs import local_projected_crs, to_wgs84

    area_kind = target.params.get("area")
    if target.params.get("spacing_along"):
        return no_data(
            ctx,
            target,
            "station spacing along roads needs a road line layer; "
            "spacing along lines is not evaluated",
        )
    notes: list[str] = []
    region = region_geometry(target.region_code)
    area = region
    if area_kind in ("core", "non_core"):
        core_layers = _layers_with(ctx, "core_area", target.region_code)
        core = _layer_union(ctx, core_layers) if core_layers else None
        if core is None:
            if area_kind == "core":
                return no_data(
                    ctx,
                    target,
                    "no core-area layer: add a layer with params "
                    '{"core_area": true} (role reference) outlining the core area',
                )
            notes.append("no core-area layer: evaluated over the whole region")
        else:
            area = (
                shapely.intersection(region, core)
                if area_kind == "core"
                else (shapely.difference(region, core))
            )
            if area.is_empty:
                return no_data(ctx, target, "the core-area layer does not overlap the region")
    tally = _tally(ctx, target, _scope(target), value="count", report_out_of_scope=False)
    excluded, names = list(tally.excluded), dict(tally.names)
    ids = [pid for pid, _ in tally.contributors] if ctx.detail else _counted_ids(ctx, target)
    located: list[tuple[int, float, float]] = []
    for pid, name, lon, lat, precision in ctx.locations(ids):
        names[pid] = name
        if precision == Precision.DISTRICT.value:
            excluded.append((pid, "location known only to the district"))
        else:
            located.append((pid, lon, lat))
    if not located:
        return no_data(
            ctx,
            target,
            "no located station in the area's region",
            excluded=excluded,
            names=names,
            notes=notes,
        )
    import numpy as np

    from gis_carbon.geo.crs import from_wgs84

    centre = area.representative_point()
    crs = local_projected_crs(centre.x, centre.y)
    area_xy = project_geometry(area, crs)
    lonlat = np.array([(lon, lat) for _, lon, lat in located])
    xs, ys = from_wgs84(lonlat[:, 0], lonlat[:, 1], crs)
    result = coverage(area_xy, np.column_stack([xs, ys]), target.base_value * 1000.0)
    far_lonlat = to_wgs84(*result.farthest_xy, crs) if result.farthest_xy else None
    details = {
        "area_km2": result.area_m2 / 1e6,
        "covered_km2": result.covered_m2 / 1e6,
        "covered_share": result.share,
        "radius_km": target.base_value,
        "stations": result.stations,
        "farthest_point": None
        if far_lonlat is None
        else [round(far_lonlat[0], 6), round(far_lonlat[1], 6)],
        "farthest_distance_km": result.farthest_m / 1000.0,
        "crs": crs,
    }
    return judge(
        ctx,
        target,
        result.farthest_m / 1000.0,
        percent=100.0 * result.share,
        contributors=[(pid, 1.0) for pid, _, _ in located],
        excluded=excluded,
        names=names,
        details=details,
        notes=notes,
    )


def _counted_ids(ctx: EvaluationContext, target: Target) -> list[int]:
    scope = frozenset(_scope(target))
    rows = ctx.detail_rows(target.region_code, scope)
    as_of = ctx.as_of(target)
    return [r.id for r in rows if r.id is not None and _exclusion(ctx, r, scope, as_of) is None]


def evaluate_area_share(ctx: EvaluationContext, target: Target) -> TargetProgress:
    """Forest cover (or red line, protected land…) as % of the region's area: the union of
    the layers marked for it and the polygons of counted projects of the scope's types."""
    import shapely

    from gis_carbon.analysis.coverage import area_share, project_geometry
    from gis_carbon.geo.boundaries import region_geometry
    from gis_carbon.geo.crs import equal_area_crs

    key = str(target.params.get("numerator") or "forest")
    layers = _layers_with(ctx, key, target.region_code)
    if not layers:
        return no_data(
            ctx,
            target,
            f"no {key} layer: add a layer with params "
            f'{{"{key}": true}} (its polygons are the {key} area)',
        )
    crs = equal_area_crs()
    region = project_geometry(region_geometry(target.region_code), crs)
    parts = [project_geometry(g, crs) for g in [_layer_union(ctx, layers)] if g is not None]
    contributors: list[tuple[int, float]] = []
    names: dict[int, str] = {}
    if target.scope:
        tally = _tally(ctx, target, target.scope, value="count", report_out_of_scope=False)
        ids = [pid for pid, _ in tally.contributors] if ctx.detail else _counted_ids(ctx, target)
        for project in ctx.projects(ids):
            if project.geometry.geom_type in ("Polygon", "MultiPolygon"):
                polygon = project_geometry(project.geometry, crs)
                parts.append(polygon)
                pid = _stored_id(project)
                contributors.append((pid, shapely.intersection(polygon, region).area))
                names[pid] = project.name
    covered, total = area_share(parts, region)
    return judge(
        ctx,
        target,
        100.0 * covered / total,
        contributors=contributors,
        names=names,
        details={
            "area_km2": total / 1e6,
            "covered_km2": covered / 1e6,
            "layers": [layer.id for layer in layers],
            "crs": crs,
        },
    )


Evaluator = Callable[[EvaluationContext, Target], TargetProgress]

EVALUATORS: Mapping[Metric, Evaluator] = {
    Metric.CAPACITY_SUM: evaluate_capacity_sum,
    Metric.COUNT: evaluate_count,
    Metric.RATIO: evaluate_ratio,
    Metric.COVERAGE_RADIUS: evaluate_coverage_radius,
    Metric.AREA_SHARE: evaluate_area_share,
    Metric.AREA_SUM: evaluate_area_sum,
    Metric.MILESTONE: evaluate_milestone,
    Metric.INDICATOR: evaluate_indicator,
}


def evaluate(ctx: EvaluationContext, target: Target) -> TargetProgress:
    """One target in a shared context; an area the workspace cannot answer is `no_data`."""
    evaluator = EVALUATORS.get(target.metric)
    own_policy = target.params.get("counts_status")
    if own_policy and ctx.policy is StatusPolicy.PIPELINE:
        # "全市投产…超过800万千瓦" counts what the sentence names by default; switching to
        # another policy than the default still shows the others.
        ctx = ctx.with_policy(status_policy(own_policy))
    if evaluator is None:
        return no_data(ctx, target, f"no evaluator for metric {target.metric!r}")
    try:
        return evaluator(ctx, target)
    except NotFoundError as exc:  # a region the boundary data does not hold
        return no_data(ctx, target, str(exc))


# ---------------------------------------------------------------------------- trajectory

TRAJECTORY_METRICS = frozenset({Metric.CAPACITY_SUM, Metric.COUNT, Metric.AREA_SUM})


@dataclass(frozen=True)
class Trajectory:
    """Cumulative value by commissioning year; projects without a year kept apart."""

    target: Target
    policy: StatusPolicy
    points: list[tuple[int, float]]
    year_unknown: float


def trajectory_of(ctx: EvaluationContext, target: Target) -> Trajectory:
    if target.metric not in TRAJECTORY_METRICS:
        return Trajectory(target, ctx.policy, [], 0.0)
    # Every year up to the target's: evaluate with an open horizon, then accumulate.
    horizon = ctx.with_policy(ctx.policy)
    horizon.year = None
    counting = (
        "count"
        if (target.metric is Metric.COUNT and target.params.get("counts", "projects") == "projects")
        else "capacity"
    )
    by_year: dict[int, float] = defaultdict(float)
    unknown = 0.0
    as_of = max(target.year, 2100)
    scope = frozenset(_scope(target))
    if target.metric is Metric.AREA_SUM:
        progress = evaluate_area_sum(horizon, target)
        years = {r.id: r.year for r in horizon.detail_rows(target.region_code) if r.id}
        for pid, value in progress.contributors:
            if years.get(pid) is None:
                unknown += value
            else:
                by_year[years[pid]] += value  # type: ignore[index]
    else:
        stock = horizon.baselines_for(target, scope) if target.metric is Metric.CAPACITY_SUM else {}
        stock_years = {region: chosen[0].year for region, chosen in stock.items()}
        for chosen in stock.values():  # the existing stock starts the line at its year
            for baseline in chosen:
                by_year[baseline.year] += baseline.base_value
        for row in horizon.grouped_rows(target.region_code):
            if _exclusion(horizon, row, scope, as_of) is not None:
                continue
            stock_year = next((stock_years[r] for r in row.chain if r in stock_years), None)
            if stock_year is not None and row.year is not None and row.year <= stock_year:
                continue  # inside the stock
            factor = 1.0 if counting == "count" else _unit_factor(row.type, target.base_unit)
            if factor is None:
                continue
            amount = float(row.n) if counting == "count" else row.capacity * factor
            if row.year is None:
                unknown += amount
            else:
                by_year[row.year] += amount
    points, running = [], 0.0
    for year in sorted(by_year):
        running += by_year[year]
        points.append((year, running))
    return Trajectory(target, ctx.policy, points, unknown)
