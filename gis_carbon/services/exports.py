"""One export use case for the CLI and the GUI's export dialog: pick the projects (a plan's,
a region's or all), write them in one format through a temporary file, report progress
between steps, stop cleanly on cancel, and say what the format could not hold."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError, GisCarbonError
from gis_carbon.export.common import (
    COORD_SYSTEMS,
    GCJ02,
    WGS84,
    ExportCancelled,
    Selection,
    Steps,
)
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.services.progress import draw_chart, evaluate_plans

__all__ = [
    "FORMATS",
    "ExportCancelled",
    "ExportFormat",
    "ExportResult",
    "export",
    "export_report",
    "select",
    "target_path",
]


@dataclass(frozen=True)
class ExportResult:
    format: str
    paths: list[Path]
    projects: int
    plans: int
    targets: int
    report: list[str] = field(default_factory=list)  # what the format could not hold, notes
    seconds: float = 0.0
    coords: str = WGS84
    encoding: str = "utf-8"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "paths": [str(p) for p in self.paths],
            "projects": self.projects,
            "plans": self.plans,
            "targets": self.targets,
            "report": list(self.report),
            "seconds": round(self.seconds, 3),
            "coords": self.coords,
            "encoding": self.encoding,
        }


Writer = Callable[..., tuple[list[Path], list[str]]]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label_zh: str
    suffixes: tuple[str, ...]
    steps: int
    writer: str  # "module:function" in gis_carbon.export, imported when used
    encodings: tuple[str, ...] = ("utf-8",)
    coords: tuple[str, ...] = (WGS84,)
    options: tuple[tuple[str, Any], ...] = ()
    why_wgs84: str = ""

    def load(self) -> Writer:
        import importlib

        module, function = self.writer.split(":")
        return getattr(importlib.import_module(f"gis_carbon.export.{module}"), function)


_CRS_CLAIM = "it declares WGS 84 (EPSG:4326) and GCJ-02 coordinates in it would be a lie"

# The formats as a table: a new format is a new row (and its writer module).
FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "shp",
            "Shapefile",
            (".shp", ".zip"),
            4,
            "shapefile:write_shapefile",
            encodings=("utf-8", "gbk"),
            why_wgs84=_CRS_CLAIM,
        ),
        ExportFormat(
            "gpkg", "GeoPackage", (".gpkg",), 4, "geopackage:write_geopackage", why_wgs84=_CRS_CLAIM
        ),
        ExportFormat(
            "geojson",
            "GeoJSON",
            (".geojson", ".json"),
            3,
            "geojson:write_geojson",
            why_wgs84="RFC 7946 GeoJSON is WGS 84 by definition",
        ),
        ExportFormat("kml", "KML", (".kml",), 3, "kml:write_kml", coords=COORD_SYSTEMS),
        ExportFormat(
            "kmz",
            "KMZ",
            (".kmz",),
            3,
            "kml:write_kml",
            coords=COORD_SYSTEMS,
            options=(("kmz", True),),
        ),
        ExportFormat(
            "csv",
            "CSV",
            (".csv",),
            3,
            "tabular:write_csv",
            encodings=("utf-8", "gbk"),
            coords=COORD_SYSTEMS,
        ),
        ExportFormat(
            "xlsx", "Excel 项目台账", (".xlsx",), 4, "tabular:write_excel", coords=COORD_SYSTEMS
        ),
        ExportFormat(
            "html",
            "离线 HTML 地图",
            (".html", ".htm"),
            3,
            "html_map:write_html",
            why_wgs84="the offline map draws WGS 84 boundaries",
        ),
    )
}
_ALIASES = {
    "shapefile": "shp",
    "geopackage": "gpkg",
    "excel": "xlsx",
    "ledger": "xlsx",
    "json": "geojson",
    "htm": "html",
}


def export_format(name: str) -> ExportFormat:
    key = str(name).strip().lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise ExportError(f"unknown export format {name!r}; known: {', '.join(FORMATS)}")
    return FORMATS[key]


def target_path(path: str | os.PathLike[str], fmt: str, *, as_zip: bool = False) -> Path:
    """The file an export of `fmt` writes for a name as typed: the chosen format wins, so a
    name without the format's extension gets it (HTML + "jinghai" → jinghai.html; a zipped
    shapefile → .zip)."""
    spec = export_format(fmt)
    path = Path(path)
    if not path.name:
        raise ExportError(f"no file name in {str(path)!r}")
    wanted = (".zip",) if spec.name == "shp" and as_zip else spec.suffixes
    if spec.name == "shp" and not as_zip:
        wanted = (".shp",)
    if path.suffix.lower() in wanted:
        return path
    return path.with_name(path.name + wanted[0])


def _progress_for(
    ws: WorkspaceStore, plans: list[Any]
) -> tuple[dict[str, dict[str, Any]] | None, str | None]:
    """Progress of each target of the plans (by target id), or None and why not."""
    try:
        results = evaluate_plans(ws, plans, detail=True)
    except GisCarbonError as exc:
        return None, f"进度计算失败 (progress not available: {exc})"
    return {item.target.id: item.to_json() for items in results.values() for item in items}, None


def select(
    ws: WorkspaceStore,
    *,
    plan: str | None = None,
    region: str | None = None,
    with_progress: bool = True,
    project_ids: Sequence[int] | None = None,
) -> Selection:
    """The projects, plans and targets an export holds: a plan's (the projects in its
    region), a region's (any level; plans of exactly that region), chosen projects (by id,
    with the plan's targets when a plan is given too), or everything."""
    if plan is not None and region is not None:
        raise ExportError("give either a plan or a region, not both")
    if project_ids is not None:
        wanted = {int(i) for i in project_ids}
        if not wanted:
            raise ExportError("nothing to export: no project is selected")
        projects = [p for p in ws.projects() if p.id in wanted]
        absent = sorted(wanted - {p.id for p in projects})
        if absent:
            raise ExportError(f"no project with id {', '.join(map(str, absent[:10]))}")
        plans = [ws.plan(plan)] if plan is not None else []
        title = f"{len(projects)} 个选中项目"
        focus = plans[0].region_code if plans else None
    elif plan is not None:
        chosen = ws.plan(plan)
        projects = ws.projects(region_code=chosen.region_code)
        plans = [chosen]
        title = f"{chosen.region_name} · {chosen.name}"
        focus = chosen.region_code
    elif region is not None:
        code = str(region).strip()
        if not (code.isdigit() and len(code) == 6):
            raise ExportError(f"region must be a 6-digit GB/T 2260 code; got {region!r}")
        projects = ws.projects(region_code=code)
        plans = [p for p in ws.plans() if p.region_code == code]
        title = f"{code} 项目"
        try:
            from gis_carbon.geo.boundaries import region as lookup

            title = f"{lookup(code).name} 项目"
        except GisCarbonError:
            pass
        focus = code
    else:
        projects = ws.projects()
        plans = ws.plans()
        title = "全部项目"
        focus = None
    targets = [t for p in plans for t in ws.targets(p.id)]
    progress, note = _progress_for(ws, plans) if with_progress and targets else (None, None)
    return Selection(
        projects=projects,
        plans=plans,
        targets=targets,
        title=title,
        region_code=focus,
        progress=progress,
        progress_note=note,
    )


def export(
    ws: WorkspaceStore,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    plan: str | None = None,
    region: str | None = None,
    encoding: str = "utf-8",
    coords: str = WGS84,
    as_zip: bool = False,
    project_ids: Sequence[int] | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> ExportResult:
    """Export the selection to `path` in format `fmt` (shp, gpkg, geojson, kml, kmz, csv,
    xlsx, html). ``feedback`` hears of each step and is checked for a cancel between steps;
    a cancel raises ExportCancelled and leaves no file."""
    started = time.perf_counter()
    spec = export_format(fmt)
    path = Path(path)
    encoding = str(encoding).strip().lower().replace("utf8", "utf-8")
    if encoding not in spec.encodings:
        raise ExportError(
            f"{spec.label_zh} is written in {' / '.join(spec.encodings)} only; got {encoding!r}"
        )
    coords = str(coords).strip().lower().replace("-", "")
    if coords not in COORD_SYSTEMS:
        raise ExportError(f"unknown coordinates {coords!r}; use wgs84 or gcj02")
    if coords not in spec.coords:
        raise ExportError(f"{spec.label_zh} cannot be written in GCJ-02: {spec.why_wgs84}")
    if path.suffix.lower() not in spec.suffixes:
        raise ExportError(
            f"{spec.label_zh} needs a path ending in {' or '.join(spec.suffixes)}; got {path.name!r}"
        )
    if as_zip and spec.name != "shp":
        raise ExportError("--zip applies to shapefiles only (KMZ is zipped KML: use kmz)")
    if not path.parent.exists():
        raise ExportError(f"folder {path.parent} does not exist")

    steps = Steps(total=spec.steps + 1, feedback=feedback)
    steps.check()
    selection = select(
        ws,
        plan=plan,
        region=region,
        with_progress=spec.name in ("xlsx", "html", "gpkg"),
        project_ids=project_ids,
    )
    steps.advance()
    kwargs: dict[str, Any] = dict(spec.options)
    if spec.name == "shp":
        kwargs.update(encoding=encoding, as_zip=as_zip)
    elif spec.name == "csv":
        kwargs.update(encoding=encoding, coords=coords)
    elif len(spec.coords) > 1:
        kwargs.update(coords=coords)
    try:
        paths, report = spec.load()(selection, path, steps, **kwargs)
    except (GisCarbonError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a writer library failing: one clear line, no half file
        raise ExportError(f"{spec.label_zh} export to {path} failed: {exc}") from exc
    steps.done = steps.total - 1
    steps.advance()
    return ExportResult(
        format=spec.name,
        paths=paths,
        projects=len(selection.projects),
        plans=len(selection.plans),
        targets=len(selection.targets),
        report=[r for r in report if r],
        seconds=time.perf_counter() - started,
        coords=coords if GCJ02 in spec.coords else WGS84,
        encoding=encoding,
    )


def _progress_chart(ws: WorkspaceStore, selection: Selection, png: Path) -> Path | None:
    """The progress module's chart of the plan; None without a plan (the report then draws
    its own capacity trajectory)."""
    plan = selection.plan
    if plan is None:
        return None
    draw_chart(ws, plan, png)
    return png


def export_report(
    ws: WorkspaceStore,
    plan: str,
    out: str | os.PathLike[str],
    *,
    feedback: Feedback = NO_FEEDBACK,
) -> ExportResult:
    """A one-page report of a plan (map, targets table, trajectory chart) as PDF or PNG."""
    from gis_carbon.export.report import write_report

    started = time.perf_counter()
    out = Path(out)
    if out.suffix.lower() not in (".pdf", ".png"):
        raise ExportError(f"a report is a .pdf or .png file; got {out.name!r}")
    if not out.parent.exists():
        raise ExportError(f"folder {out.parent} does not exist")
    steps = Steps(total=4, feedback=feedback)
    steps.check()
    selection = select(ws, plan=plan)
    steps.advance()
    with tempfile.TemporaryDirectory(prefix="gis-carbon-report-") as scratch:
        chart = _progress_chart(ws, selection, Path(scratch) / "chart.png")
        try:
            paths, notes = write_report(selection, out, steps, chart_png=chart)
        except (GisCarbonError, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise ExportError(f"report {out} failed: {exc}") from exc
    steps.done = steps.total - 1
    steps.advance()
    return ExportResult(
        format=out.suffix.lower().lstrip("."),
        paths=paths,
        projects=len(selection.projects),
        plans=len(selection.plans),
        targets=len(selection.targets),
        report=notes,
        seconds=time.perf_counter() - started,
    )
