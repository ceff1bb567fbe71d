"""Progress against targets, for the CLI and the desktop app.

`evaluate_plan` / `evaluate_target` give one `TargetProgress` per target under a status
policy (see gis_carbon.analysis.progress for what each policy counts and the other
decisions); `evaluate_plans` shares one pass over the workspace between several plans,
`evaluate_plans_by_policy` also between several policies;
`trajectory` gives the cumulative value by commissioning year; `rollup` sets a city plan's
targets against its districts; `record_indicator` stores a value typed in for a year.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gis_carbon.analysis.progress import (
    EvaluationContext,
    StatusPolicy,
    TargetProgress,
    Trajectory,
    Verdict,
    evaluate,
    status_policy,
    trajectory_of,
)
from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.model.plan import IndicatorValue, Metric, Plan, Target
from gis_carbon.model.storage import WorkspaceStore

__all__ = [
    "RollupDistrict",
    "RollupRow",
    "StatusPolicy",
    "TargetProgress",
    "Trajectory",
    "Verdict",
    "contributions_by_type",
    "draw_chart",
    "evaluate_plan",
    "evaluate_plans",
    "evaluate_plans_by_policy",
    "evaluate_target",
    "indicator_names",
    "record_indicator",
    "rollup",
    "status_json",
    "status_rows",
    "trajectory",
    "trajectory_detail",
]


def _plan(ws: WorkspaceStore, plan: Plan | str) -> Plan:
    if isinstance(plan, Plan):
        return plan
    return ws.plan(plan)


def evaluate_plan(
    ws: WorkspaceStore,
    plan: Plan | str,
    *,
    year: int | None = None,
    policy: StatusPolicy | str = StatusPolicy.PIPELINE,
    detail: bool = True,
    now_year: int | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> list[TargetProgress]:
    """Every target of `plan` (a Plan, its id, region name or code).

    `year`: count only projects commissioned by then (default: each target's own year).
    `detail`: list contributing and excluded projects (off: totals only, for big workspaces).
    """
    found = _plan(ws, plan)
    return evaluate_plans(
        ws, [found], year=year, policy=policy, detail=detail, now_year=now_year, feedback=feedback
    )[found.id]


def evaluate_plans(
    ws: WorkspaceStore,
    plans: Iterable[Plan | str] | None = None,
    *,
    year: int | None = None,
    policy: StatusPolicy | str = StatusPolicy.PIPELINE,
    detail: bool = False,
    now_year: int | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> dict[str, list[TargetProgress]]:
    """Every target of several plans (default: all) in one pass over the workspace."""
    return evaluate_plans_by_policy(
        ws, plans, [policy], year=year, detail=detail, now_year=now_year, feedback=feedback
    )[policy]


def evaluate_plans_by_policy(
    ws: WorkspaceStore,
    plans: Iterable[Plan | str] | None = None,
    policies: Iterable[StatusPolicy | str] = (StatusPolicy.PIPELINE,),
    *,
    year: int | None = None,
    detail: bool = False,
    now_year: int | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> dict[Any, dict[str, list[TargetProgress]]]:
    """Every target of several plans (default: all) under each of several policies, from
    one pass over the workspace: {policy as given: {plan id: [TargetProgress]}}.
    ``feedback`` hears of each target evaluated and may cancel between targets."""
    chosen = ws.plans() if plans is None else [_plan(ws, p) for p in plans]
    targets = {p.id: ws.targets(p.id) for p in chosen}
    wanted = list(dict.fromkeys(policies))
    if not wanted:
        return {}
    base = EvaluationContext(ws, policy=wanted[0], year=year, now_year=now_year, detail=detail)
    total = len(wanted) * sum(len(ts) for ts in targets.values())
    done = 0

    def evaluated(ctx: EvaluationContext, target: Target) -> TargetProgress:
        nonlocal done
        feedback.check_cancelled()
        feedback.progress_count(done, total, f"{target.name_zh} {target.year}")
        result = evaluate(ctx, target)
        done += 1
        return result

    results: dict[Any, dict[str, list[TargetProgress]]] = {}
    for policy in wanted:
        ctx = base.with_policy(status_policy(policy))
        results[policy] = {pid: [evaluated(ctx, t) for t in ts] for pid, ts in targets.items()}
    feedback.progress_count(total, total, "")
    return results


def status_rows(
    ws: WorkspaceStore,
    plans: Iterable[Plan | str] | None = None,
    *,
    count: StatusPolicy | str = StatusPolicy.PIPELINE,
    year: int | None = None,
    as_of: int | None = None,
    metrics: Iterable[str] | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> list[dict[str, Any]]:
    """What `status` shows: one row per target of `plans` (default: all) as
    {"plan", "progress" (under `count`), "by_policy" (operating, pipeline and `count`)}.

    `year` keeps the targets of that year, `metrics` those metrics; `as_of` counts only the
    projects commissioned by then. The CLI and the Python API both print these rows."""
    chosen_plans = ws.plans() if plans is None else [_plan(ws, p) for p in plans]
    results = evaluate_plans_by_policy(
        ws,
        chosen_plans,
        ("operating", "pipeline", count),
        year=as_of,
        detail=True,
        feedback=feedback,
    )
    wanted = None if metrics is None else set(metrics)
    rows: list[dict[str, Any]] = []
    for plan in chosen_plans:
        for i, progress in enumerate(results[count][plan.id]):
            target = progress.target
            if year is not None and target.year != year:
                continue
            if wanted is not None and target.metric.value not in wanted:
                continue
            by_policy = {policy: results[policy][plan.id][i] for policy in results}
            rows.append({"plan": plan, "progress": progress, "by_policy": by_policy})
    return rows


def status_json(row: dict[str, Any]) -> dict[str, Any]:
    """One row of `status_rows` as the JSON `status --json` prints."""
    data: dict[str, Any] = row["progress"].to_json()
    data["plan_name"] = row["plan"].name
    data["by_policy"] = {
        policy: {
            "current": None if p.current is None else round(p.current, 6),
            "percent": None if p.percent is None else round(p.percent, 1),
            "gap": None if p.gap is None else round(p.gap, 6),
            "verdict": p.verdict.value,
        }
        for policy, p in row["by_policy"].items()
    }
    return data


def evaluate_target(
    ws: WorkspaceStore,
    target: Target | str,
    *,
    year: int | None = None,
    policy: StatusPolicy | str = StatusPolicy.PIPELINE,
    detail: bool = True,
    now_year: int | None = None,
) -> TargetProgress:
    """One target (a Target or its id)."""
    found = ws.target(target) if isinstance(target, str) else target
    ctx = EvaluationContext(ws, policy=policy, year=year, now_year=now_year, detail=detail)
    return evaluate(ctx, found)


def trajectory_detail(
    ws: WorkspaceStore, target: Target | str, policy: StatusPolicy | str = StatusPolicy.PIPELINE
) -> Trajectory:
    """Cumulative value by commissioning year, and the total of projects with no year."""
    found = ws.target(target) if isinstance(target, str) else target
    ctx = EvaluationContext(ws, policy=policy, detail=False)
    return trajectory_of(ctx, found)


def trajectory(
    ws: WorkspaceStore, target: Target | str, policy: StatusPolicy | str = StatusPolicy.PIPELINE
) -> list[tuple[int, float]]:
    """[(year, cumulative value in the target's base unit)] from commissioning years.
    Projects without a year are not in it (see `trajectory_detail(...).year_unknown`)."""
    return trajectory_detail(ws, target, policy).points


# ---------------------------------------------------------------------------- roll-up


@dataclass(frozen=True)
class RollupDistrict:
    region_code: str
    region_name: str
    value: float  # what the district's projects add to the city target
    plan_id: str | None  # the district's own plan, if the workspace holds one
    own_target: TargetProgress | None  # the district plan's matching target, evaluated


@dataclass(frozen=True)
class RollupRow:
    progress: TargetProgress  # the city target against the sum of its districts
    districts: list[RollupDistrict]


_ROLLUP_METRICS = frozenset({Metric.CAPACITY_SUM, Metric.COUNT, Metric.AREA_SUM})


def rollup(
    ws: WorkspaceStore,
    plan: Plan | str,
    *,
    year: int | None = None,
    policy: StatusPolicy | str = StatusPolicy.PIPELINE,
    now_year: int | None = None,
) -> list[RollupRow]:
    """A city plan's summed targets against its districts: each district's contribution and,
    where the district has its own plan, its matching target (same metric, types, year)."""
    found = _plan(ws, plan)
    all_targets = ws.targets()
    ctx = EvaluationContext(ws, policy=policy, year=year, now_year=now_year, detail=True)
    children = [
        p for p in ws.plans() if p.parent_id == found.id and p.region_code != found.region_code
    ]
    rows = []
    for target in ws.targets(found.id):
        if target.metric not in _ROLLUP_METRICS:
            continue
        progress = evaluate(ctx, target)
        districts = []
        codes = set(progress.by_region) | {p.region_code for p in children}
        for code in sorted(codes):
            child = next((p for p in children if p.region_code == code), None)
            own = None
            if child is not None:
                match = next(
                    (
                        t
                        for t in all_targets
                        if t.plan_id == child.id
                        and t.metric is target.metric
                        and set(t.scope) == set(target.scope)
                        and t.year == target.year
                    ),
                    None,
                )
                own = evaluate(ctx, match) if match is not None else None
            # the city's own entry is its recorded existing stock (存量), not a district
            name = _region_name(code, child)
            districts.append(
                RollupDistrict(
                    code,
                    f"存量 {name}" if code == target.region_code else name,
                    progress.by_region.get(code, 0.0),
                    child.id if child else None,
                    own,
                )
            )
        rows.append(RollupRow(progress, districts))
    return rows


def _region_name(code: str, plan: Plan | None) -> str:
    if plan is not None:
        return plan.region_name
    try:
        from gis_carbon.geo.boundaries import region

        return region(code).name
    except Exception:  # a code the boundary data does not hold is shown as its code
        return code


# ---------------------------------------------------------------------------- indicators


def indicator_names(ws: WorkspaceStore) -> dict[str, list[Target]]:
    """Indicator name → the targets that track it."""
    names: dict[str, list[Target]] = {}
    for target in ws.targets():
        if target.metric is Metric.INDICATOR:
            names.setdefault(str(target.params.get("indicator") or target.id), []).append(target)
    return names


def record_indicator(
    ws: WorkspaceStore,
    indicator: str,
    *,
    region_code: str,
    year: int | str,
    value: str | float,
    unit: str | None = None,
    source: str = "",
) -> IndicatorValue:
    """Store a value typed in for an indicator, region and year (replacing that year's).

    The indicator must be one a target tracks (non_fossil_share …); the value is a number,
    optionally with its unit ("10.5%", "10.5", "12 亿立方米"); without a unit it is taken in
    the unit of the indicator's target. Errors name the bad value; nothing is written."""
    recorded = check_indicator_value(
        indicator_names(ws),
        indicator,
        region_code=region_code,
        year=year,
        value=value,
        unit=unit,
        source=source,
    )
    ws.record_indicator(recorded)
    return recorded


def check_indicator_value(
    known: Mapping[str, list[Target]],
    indicator: str,
    *,
    region_code: str,
    year: int | str,
    value: str | float,
    unit: str | None = None,
    source: str = "",
) -> IndicatorValue:
    """The value record_indicator would store (`known` from indicator_names), checked."""
    from gis_carbon.model.units import parse_number

    targets = known.get(str(indicator).strip())
    if not targets:
        close = sorted(n for n in known if str(indicator).strip().lower() in n.lower())[:8]
        hint = (
            f"; did you mean {', '.join(close)}"
            if close
            else f"; known: {', '.join(sorted(known))}"
        )
        raise NotFoundError(f"no target tracks an indicator {indicator!r}{hint}")
    indicator = str(indicator).strip()
    region_targets = [t for t in targets if t.region_code == region_code] or targets
    target_unit = region_targets[0].unit
    try:
        year_value = int(str(year).strip())
    except ValueError:
        raise ValidationError(
            f"year must be a year like 2024; got {year!r}", "year", year
        ) from None
    if not 1950 <= year_value <= 2100:
        raise ValidationError(f"year must be between 1950 and 2100; got {year!r}", "year", year)
    text = str(value).strip()
    written_unit = unit.strip() if unit else None
    if written_unit is None and target_unit and text.endswith(target_unit):
        text, written_unit = text[: -len(target_unit)].strip(), target_unit
    try:
        number = float(parse_number(text))
    except Exception as exc:  # UnitError names the text already
        raise ValidationError(
            f"cannot read value {value!r} of {indicator}: {exc}", "value", value
        ) from None
    if not math.isfinite(number):
        raise ValidationError(f"value {value!r} is not a finite number", "value", value)
    final_unit = written_unit or target_unit or ""
    if target_unit and final_unit != target_unit:
        from gis_carbon.model.units import convert

        try:
            number = float(convert(number, final_unit, target_unit))
        except Exception:
            raise ValidationError(
                f"unit {final_unit!r} of {indicator} does not convert to its target's unit "
                f"{target_unit!r}",
                "unit",
                final_unit,
            ) from None
        final_unit = target_unit
    return IndicatorValue(indicator, region_code, year_value, number, final_unit, source)


# ---------------------------------------------------------------------------- chart


def draw_chart(
    ws: WorkspaceStore,
    plan: Plan | str,
    out: Any,
    *,
    lang: str = "zh",
    year: int | None = None,
    now_year: int | None = None,
) -> Any:
    """A PNG of the plan's progress: % reached per target (operating beside pipeline) and,
    per set of project types, the cumulative capacity by year against the targets."""
    from gis_carbon.export.charts import Bar, TrajectoryPanel, draw_progress_chart
    from gis_carbon.model.units import format_number

    found = _plan(ws, plan)
    targets = ws.targets(found.id)
    base_ctx = EvaluationContext(
        ws, policy=StatusPolicy.PIPELINE, year=year, now_year=now_year, detail=False
    )
    operating_ctx = base_ctx.with_policy(StatusPolicy.OPERATING)
    bars: list[Bar] = []
    groups: dict[tuple[Metric, tuple[str, ...], str], list[Target]] = {}
    for target in targets:
        pipeline = evaluate(base_ctx, target)
        if pipeline.verdict is Verdict.NO_DATA:
            continue
        operating = evaluate(operating_ctx, target)
        name = target.name_zh if lang == "zh" else target.name_en
        shown = target.in_plan_unit(pipeline.current) or 0.0
        verdict = pipeline.verdict.name_zh if lang == "zh" else pipeline.verdict.value
        text = (
            f"{_pct(pipeline.percent)}  {format_number(round(shown, 2))} "
            f"{target.unit or ''}  {verdict}"
        )
        parts = pipeline.to_json().get("parts")
        stock = (
            100.0 * parts["baseline"] / target.base_value if parts and target.base_value else None
        )
        bars.append(Bar(f"{name} {target.year}", operating.percent, pipeline.percent, text, stock))
        if target.metric in (Metric.CAPACITY_SUM, Metric.AREA_SUM):
            groups.setdefault(
                (target.metric, tuple(sorted(target.scope)), target.base_unit), []
            ).append(target)
    start = found.base_year or min((t.year for t in targets), default=2020)
    panels = []
    for (_metric, _scope, unit), group in groups.items():
        first = group[0]
        pipeline_path = trajectory_of(base_ctx, first)
        operating_path = trajectory_of(operating_ctx, first)
        marks = [
            (
                t.year,
                t.base_value,
                f"{t.year} {'目标' if lang == 'zh' else 'target'} "
                f"{format_number(t.value)} {t.unit or ''}".rstrip(),
            )
            for t in group
        ]
        title = first.name_zh if lang == "zh" else first.name_en
        panels.append(
            TrajectoryPanel(
                title,
                unit or "",
                pipeline_path.points,
                operating_path.points,
                pipeline_path.year_unknown,
                marks,
                min([start] + [y for y, _ in pipeline_path.points]),
            )
        )
    label = found.name if lang == "zh" else f"{found.region_name} ({found.id})"
    now = base_ctx.now_year
    title = f"{label} 目标进度（{now}年）" if lang == "zh" else f"{label}: progress ({now})"
    return draw_progress_chart(out, title=title, bars=bars, panels=panels, lang=lang)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def contributions_by_type(ws: WorkspaceStore, progress: TargetProgress) -> dict[str, float]:
    """A target's current value split by project type code (from its contributors), largest
    first: what the roll-up's "by type" breakdown shows."""
    ids = [pid for pid, _value in progress.contributors]
    types = {p.id: p.type for p in ws.projects_by_id(ids)}
    totals: dict[str, float] = {}
    for pid, value in progress.contributors:
        totals[types[pid]] = totals.get(types[pid], 0.0) + value
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def value_text(target: Target, value: float | None) -> str:
    """A base-unit value written the way the plan writes it, with the base value beside:
    "50 万千瓦 (500 MW)" (the CLI's status table and the window's roll-up alike)."""
    from gis_carbon.model.units import format_number

    if value is None:
        return "—"
    if value == float("inf"):
        return "∞"
    base = f"{format_number(round(value, 3))} {target.base_unit or ''}".strip()
    if target.unit is None or target.unit == target.base_unit:
        return base
    plan_value = target.in_plan_unit(value) or 0.0
    plan_text = f"{format_number(round(plan_value, 4))} {target.unit}"
    # 条 → 个, 公里 → km: the same number in another word adds nothing
    return plan_text if abs(plan_value - value) < 1e-9 else f"{plan_text} ({base})"


def target_text(target: Target, aspirational: str = "力争") -> str:
    """ "≥280 万千瓦 (2800 MW) 力争": the comparator, the plan's value and unit, the base value
    beside, and the word for an aspirational target in the caller's language."""
    from gis_carbon.model.units import format_number

    unit = target.unit or ""
    text = f"{target.comparator.symbol}{format_number(target.value)} {unit}".strip()
    if target.unit and target.unit != target.base_unit and target.value != target.base_value:
        text += f" ({format_number(round(target.base_value, 4))} {target.base_unit})"
    return text + (f" {aspirational}" if target.aspirational else "")
