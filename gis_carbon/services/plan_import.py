"""Importing a plan document: propose the targets and named projects it states (each with
its sentence verbatim), let the user review them, then write the accepted ones as a new plan
in one transaction. Nothing is written before the user accepts."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gis_carbon.analysis.plan_text import (
    ProjectCandidate,
    TargetCandidate,
    dedupe,
    project_candidates,
    target_candidates,
)
from gis_carbon.errors import GisCarbonError, InputFileError
from gis_carbon.model.plan import Plan
from gis_carbon.model.storage import WorkspaceStore

REVIEW_COLUMNS = (
    "accept",
    "kind",
    "name",
    "year",
    "year_basis",
    "value",
    "unit",
    "comparator",
    "aspirational",
    "metric",
    "types",
    "capacity",
    "section",
    "offset",
    "quote",
)


@dataclass(frozen=True)
class Proposal:
    path: Path
    title: str
    targets: list[TargetCandidate]
    projects: list[ProjectCandidate]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "title": self.title,
            "targets": [_target_json(t) for t in self.targets],
            "projects": [_project_json(p) for p in self.projects],
        }


def _target_json(t: TargetCandidate) -> dict[str, Any]:
    return {
        "kind": "target",
        "name": t.name,
        "year": t.year,
        "value": t.value,
        "unit": t.unit,
        "comparator": t.comparator,
        "aspirational": t.aspirational,
        "metric": t.metric,
        "types": list(t.scope),
        "section": t.section,
        "offset": t.offset,
        "quote": t.quote,
        # the sentence gives no year: the plan's horizon stands in, and the review says so
        "year_basis": "plan_horizon" if t.year_from_horizon else "",
    }


def _project_json(p: ProjectCandidate) -> dict[str, Any]:
    return {
        "kind": "project",
        "name": p.name,
        "capacity": p.capacity,
        "section": p.section,
        "offset": p.start,
        "quote": p.quote,
    }


def propose(path: str | os.PathLike[str]) -> Proposal:
    """The candidates of a plan document (.txt, .docx, text PDF)."""
    from gis_carbon.io.plan_documents import read_plan_document

    document = read_plan_document(Path(path))
    return Proposal(
        document.path,
        document.title,
        dedupe(target_candidates(document.sentences)),
        project_candidates(document.sentences),
    )


def write_review(proposal: Proposal, out: str | os.PathLike[str]) -> Path:
    """The candidates as an editable CSV (UTF-8 with BOM, so Excel opens it): set `accept` to
    yes/no, correct any field, then `import-plan FILE --accept REVIEW.csv`."""
    out = Path(out)
    rows = review_rows(proposal)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, REVIEW_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return out


def read_review(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    from gis_carbon.io.failures import reading

    with reading(path), path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = [c for c in ("accept", "kind", "quote") if rows and c not in rows[0]]
    if missing:
        raise InputFileError(f"{path.name}: not a review file (no column {', '.join(missing)})")
    return rows


_YES = {"yes", "y", "1", "true", "是", "接受", "√", "x"}


def accept(
    ws: WorkspaceStore,
    document: str | os.PathLike[str],
    review: str | os.PathLike[str],
    *,
    region: str,
    parent: str | None = None,
    name: str | None = None,
    author: str | None = None,
) -> tuple[Plan, int, int]:
    """`accept_rows` with the rows of a review file whose `accept` column says yes."""
    rows = [r for r in read_review(review) if (r.get("accept") or "").strip().lower() in _YES]
    return accept_rows(
        ws, document, rows, region=region, parent=parent, name=name, author=author,
        where=Path(review),
    )  # fmt: skip


def review_rows(proposal: Proposal) -> list[dict[str, Any]]:
    """The proposals as review rows (as the review file holds them), all accepted."""
    return [
        {**_target_json(t), "types": ",".join(t.scope), "accept": "yes"} for t in proposal.targets
    ] + [{**_project_json(p), "accept": "yes"} for p in proposal.projects]


def accept_rows(
    ws: WorkspaceStore,
    document: str | os.PathLike[str],
    rows: list[dict[str, Any]],
    *,
    region: str,
    parent: str | None = None,
    name: str | None = None,
    author: str | None = None,
    where: Path | None = None,
) -> tuple[Plan, int, int]:
    """A new plan for `region` with the accepted target rows (and named projects, placed at
    the region's representative point with precision `district`: no coordinate is
    invented). Every quote must still be a verbatim substring of the document; every row is
    checked, and all is written in one transaction or nothing. Returns the plan and how many
    targets and projects were added."""
    from gis_carbon.io.plan_documents import read_plan_document
    from gis_carbon.io.records import InputRowsError
    from gis_carbon.services import plans as plan_services

    label = where or Path(document)
    text = read_plan_document(Path(document))
    rows = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    problems = [
        f"row {n}: its quote is not a sentence of {Path(document).name} (quotes stay verbatim)"
        for n, row in enumerate(rows, start=2)
        if (row.get("quote") or "").strip() not in text.text
    ]
    if problems:
        raise InputRowsError(label, problems)
    with ws.transaction():
        plan = plan_services.add_plan(
            ws,
            name=name or text.title,
            region=region,
            parent=parent,
            source_file=Path(document).name,
            author=author,
        )
        added_targets = added_projects = 0
        failures: list[str] = []
        for n, row in enumerate(rows, start=2):
            try:
                if row["kind"] == "target":
                    _add_target(ws, plan, row, author)
                    added_targets += 1
                else:
                    _add_project(ws, plan, row, author)
                    added_projects += 1
            except GisCarbonError as exc:  # every bad row listed, then all rolled back
                failures.append(f"row {n}: {exc}")
        if failures:
            raise InputRowsError(label, failures)
    return plan, added_targets, added_projects


def _add_target(ws: WorkspaceStore, plan: Plan, row: dict[str, str], author: str | None) -> None:
    from gis_carbon.services import plans as plan_services

    plan_services.add_target(
        ws,
        plan=plan.id,
        metric_name=row.get("metric") or "indicator",
        value=f"{row.get('value', '')}{row.get('unit', '')}",
        year=row.get("year"),
        quote=row.get("quote", ""),
        comparator_name=row.get("comparator") or None,
        aspirational=(row.get("aspirational") or "").lower() in _YES,
        types=row.get("types") or None,
        indicator=row.get("name") if (row.get("metric") or "indicator") == "indicator" else None,
        name_zh=row.get("name") or None,
        name_en=row.get("name") or None,
        section=row.get("section") or None,
        params=_target_params(row),
        author=author,
    )


def _target_params(row: dict[str, str]) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    if row.get("metric") == "milestone":
        params["project"] = row.get("name")
    if row.get("year_basis"):
        params["year_basis"] = row["year_basis"]
    return params or None


def _add_project(ws: WorkspaceStore, plan: Plan, row: dict[str, str], author: str | None) -> None:
    from gis_carbon.model.project import Project, validate_project
    from gis_carbon.model.types import Precision, project_type, status
    from gis_carbon.services.projects import parse_capacity_for_type
    from gis_carbon.services.regions import with_regions
    from gis_carbon.services.workspace import seed_location

    ptype = project_type(row.get("type") or _guess_type(row.get("name", "")))
    lon, lat, precision, note = seed_location({"region_code": plan.region_code})
    from shapely.geometry import Point

    project = Project(
        name=row["name"],
        type=ptype.code,
        status=status("planned"),
        geometry=Point(lon, lat),
        capacity=parse_capacity_for_type(row.get("capacity") or None, ptype),
        precision=Precision(precision),
        plan_id=plan.id,
        source=f"plan:{plan.source_file} {row.get('section') or ''}".strip(),
        quote=row.get("quote"),
        notes=note,
    )
    ws.add_project(with_regions(validate_project(project), ws), author=author)


# The facility words of a name → the project type it most likely is; the user corrects it.
_TYPE_WORDS = (
    ("渔光互补", "pv_fishery"),
    ("屋顶", "pv_rooftop"),
    ("分布式光伏", "pv_rooftop"),
    ("光伏", "pv_ground"),
    ("风", "wind"),
    ("储能", "storage"),
    ("变电站", "substation"),
    ("千伏站", "substation"),
    ("特高压", "transmission_line"),
    ("电网", "transmission_line"),
    ("专线", "freight_rail"),
    ("专用线", "freight_rail"),
    ("充电", "charging"),
    ("加油", "gas_station"),
    ("湿地", "wetland"),
    ("林", "forest"),
    ("生物质", "biomass"),
    ("垃圾", "waste_to_energy"),
    ("焚烧", "waste_to_energy"),
    ("地热", "geothermal"),
)


def _guess_type(name: str) -> str:
    return next((code for word, code in _TYPE_WORDS if word in name), "substation")


__all__ = [
    "REVIEW_COLUMNS",
    "Proposal",
    "accept",
    "accept_rows",
    "propose",
    "read_review",
    "review_rows",
    "write_review",
]
