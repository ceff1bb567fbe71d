"""How completely a plan ships: its checklist (project_db/seed/coverage/<plan id>.csv) read
against the shipped projects and targets.

Each checklist row is one commitment or named item of the plan (section, verbatim quote) and
says what it shipped as ("project:ID; target:ID") or why it cannot ship (`reason`). A row
with neither, or naming an id that does not ship, is a silent omission and is reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gis_carbon.errors import NotFoundError

__all__ = ["CoverageRow", "PlanCoverage", "plan_coverage"]


@dataclass(frozen=True)
class CoverageRow:
    line: int
    section: str
    quote: str
    shipped_as: tuple[str, ...]
    reason: str
    problem: str | None  # why the row is a silent omission; None when accounted for

    @property
    def state(self) -> str:
        if self.problem:
            return "silent"
        return "shipped" if self.shipped_as else "unmappable"

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "section": self.section,
            "quote": self.quote,
            "state": self.state,
            "shipped_as": list(self.shipped_as),
            "reason": self.reason or None,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class PlanCoverage:
    plan_id: str
    plan_name: str
    rows: list[CoverageRow] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "plan_name": self.plan_name,
            "shipped": self.count("shipped"),
            "unmappable": self.count("unmappable"),
            "silent": self.count("silent"),
            "rows": [r.to_json() for r in self.rows],
        }


def plan_coverage(plan: str) -> PlanCoverage:
    """The checklist of a plan (id, name or region name: 静海区, jinghai …)."""
    from project_db.seed_data import seed_plans, seed_project_records, seed_targets

    wanted = str(plan).strip()
    found = next(
        (p for p in seed_plans() if wanted in (p.id, p.name, p.region_name, p.region_code)),
        None,
    )
    if found is None:
        raise NotFoundError(f"no shipped plan named {wanted!r}", "plan", wanted)
    known = {f"project:{r['id']}" for r in seed_project_records()}
    known |= {f"target:{t.id}" for t in seed_targets()}
    path = resources.files("project_db").joinpath("seed", "coverage", f"{found.id}.csv")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    rows = []
    for line, raw in enumerate(csv.DictReader(text.splitlines()), start=2):
        shipped = tuple(s.strip() for s in (raw.get("shipped_as") or "").split(";") if s.strip())
        reason = (raw.get("reason") or "").strip()
        unknown = [s for s in shipped if s not in known]
        problem = None
        if unknown:
            problem = f"names what does not ship: {', '.join(unknown)}"
        elif not shipped and not reason:
            problem = "neither shipped nor given a reason"
        rows.append(CoverageRow(line, raw["section"], raw["quote"], shipped, reason, problem))
    return PlanCoverage(found.id, found.name, rows)
