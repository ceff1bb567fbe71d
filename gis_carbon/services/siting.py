"""Siting use cases: check a site (drawn geometry or stored project) and map suitability.

For the desktop app: build a :class:`SitingContext` once with :func:`siting_context` (it is
cached per workspace state, so calling it again after nothing changed is free) and call
``context.check(geometry, type_code)`` on every pointer move — that path reads nothing from
the workspace.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.analysis.rules import (
    RULES_META_KEY,
    default_rule_table,
    merge_rule_tables,
    parse_overrides,
    rules_for,
)
from gis_carbon.analysis.siting import (
    RasterInput,
    SiteReport,
    SitingContext,
    SubstationInput,
    VectorInput,
)
from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.services.layers import layer_file

if TYPE_CHECKING:
    from gis_carbon.analysis.suitability import SuitabilityResult
    from gis_carbon.model.storage import WorkspaceStore

__all__ = [
    "check_plan_sites",
    "check_site",
    "rule_table",
    "set_rule_overrides",
    "siting_context",
    "suitability",
]

RASTER_CRITERIA = ("dem", "slope", "wind_speed", "irradiance")
SUBSTATION_CATEGORIES = ("substation", "变电站")

_CACHE: dict[str, tuple[Any, SitingContext]] = {}
_CACHE_LOCK = threading.Lock()


def rule_table(ws: WorkspaceStore) -> dict[str, Any]:
    """The rule table in force: resources/siting_rules.toml merged with the workspace's
    overrides (meta key "siting_rules")."""
    return merge_rule_tables(default_rule_table(), parse_overrides(ws.get_meta(RULES_META_KEY)))


def set_rule_overrides(ws: WorkspaceStore, overrides: dict[str, Any]) -> None:
    """Store per-type overrides, e.g. {"pv_ground": {"power_density_mw_per_km2": 40}}; they are
    checked (every type must still parse) before anything is written."""
    if not isinstance(overrides, dict):
        raise ValidationError("siting rule overrides must be a mapping", RULES_META_KEY, overrides)
    table = merge_rule_tables(default_rule_table(), overrides)
    for code in table:
        rules_for(code, table)
    ws.set_meta(RULES_META_KEY, json.dumps(overrides, ensure_ascii=False, sort_keys=True))


def _state_key(ws: WorkspaceStore) -> Any:
    """A cheap fingerprint of everything a context is built from."""
    return (
        ws.layers_fingerprint(),
        ws.project_versions(("substation",)),
        ws.get_meta(RULES_META_KEY),
    )


def _is_substation_layer(layer: Any, properties: list[dict[str, Any]]) -> bool:
    category = str(layer.params.get("category") or "")
    if category in SUBSTATION_CATEGORIES or "变电" in layer.title_zh:
        return True
    return bool(properties) and all("voltage_kv" in p for p in properties)


def _voltage(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def siting_context(ws: WorkspaceStore) -> SitingContext:
    """The prepared context for the workspace's current layers, substations and rules."""
    key = _state_key(ws)
    cache_key = ws.location
    with _CACHE_LOCK:
        cached = _CACHE.get(cache_key)
        if cached is not None and cached[0] == key:
            return cached[1]
    vectors: list[VectorInput] = []
    rasters: list[RasterInput] = []
    stations: list[SubstationInput] = []
    for layer in ws.layers():
        if layer.kind == "raster":
            criterion = str(layer.params.get("criterion") or "")
            if criterion in RASTER_CRITERIA and layer.path:
                path = layer_file(ws, layer)
                rasters.append(RasterInput(layer.id, layer.title_zh, str(path), criterion))
            continue
        features = ws.layer_features(layer.id)
        geoms = [g for g, _ in features]
        props = [p for _, p in features]
        vectors.append(
            VectorInput(layer.id, layer.title_zh, layer.role, dict(layer.params), geoms, props)
        )
        if layer.role == "infrastructure" and _is_substation_layer(layer, props):
            for i, (geom, prop) in enumerate(features):
                name = str(prop.get("name") or prop.get("名称") or f"{layer.title_zh} #{i + 1}")
                stations.append(
                    SubstationInput(
                        name, geom, _voltage(prop.get("voltage_kv")), f"layer {layer.id}"
                    )
                )
    for project in ws.projects(types=["substation"]):
        stations.append(
            SubstationInput(
                project.name,
                project.geometry,
                _voltage(project.attributes.get("voltage_kv")),
                f"project {project.id}",
                project.precision.value,
            )
        )
    context = SitingContext(vectors, rasters, stations, rule_table(ws))
    with _CACHE_LOCK:
        old = _CACHE.get(cache_key)
        _CACHE[cache_key] = (key, context)
    if old is not None and old[1] is not context:
        old[1].close()
    return context


def _type_code(type_code: str | None) -> str | None:
    if type_code is None:
        return None
    from gis_carbon.model.types import project_type

    return project_type(type_code).code


def check_site(
    ws: WorkspaceStore,
    site: BaseGeometry | int | str,
    type_code: str | None = None,
) -> SiteReport:
    """Check a drawn geometry (WGS 84) or a stored project (its id) against the workspace's
    constraint layers, raster criteria and substations. The project's own type applies
    unless ``type_code`` is given."""
    if isinstance(site, BaseGeometry):
        geometry = site
    else:
        try:
            project_id = int(site)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"site {site!r} is neither a geometry nor a project id", "site", site
            ) from exc
        project = ws.get_project(project_id)
        geometry = project.geometry
        type_code = type_code or project.type
    return siting_context(ws).check(geometry, _type_code(type_code))


def check_plan_sites(
    ws: WorkspaceStore, plan: str, feedback: Feedback = NO_FEEDBACK
) -> list[tuple[Any, SiteReport]]:
    """Every project of a plan's region checked against its own type's rules, from one
    prepared context: [(project, report)] in id order. ``feedback`` counts the projects and
    may cancel between them."""
    projects = ws.projects(region_code=ws.plan(plan).region_code)
    context = siting_context(ws)
    checked = []
    for n, project in enumerate(projects):
        feedback.check_cancelled()
        feedback.progress_count(n, len(projects), project.name)
        checked.append((project, context.check(project.geometry, project.type)))
    feedback.progress_count(len(projects), len(projects), "")
    return checked


def suitability(
    ws: WorkspaceStore,
    region: str,
    type_code: str,
    out: str | Path,
    *,
    resolution_m: float = 100.0,
    feedback: Feedback = NO_FEEDBACK,
) -> SuitabilityResult:
    """Eligible area for a project type over a region (code or Chinese name)."""
    from gis_carbon.analysis.suitability import suitability as run
    from gis_carbon.geo import boundaries

    code = str(region).strip()
    if not code.isdigit():
        found = boundaries.find_regions(code)
        if not found:
            raise NotFoundError(f"no region named {region!r}")
        if len(found) > 1:
            names = ", ".join(f"{r.name} ({r.code})" for r in found[:8])
            raise ValidationError(
                f"region {region!r} is ambiguous: {names}; give the code", "region", region
            )
        code = found[0].code
    geometry = boundaries.region_geometry(code)
    code_type = _type_code(type_code)
    assert code_type is not None
    context = siting_context(ws)
    rules = context.rules(code_type)
    vectors = [p.layer for p in context.vectors]
    rasters = [r.layer for r in context.rasters]
    return run(
        code, geometry, rules, vectors, rasters, out, resolution_m=resolution_m, feedback=feedback
    )
