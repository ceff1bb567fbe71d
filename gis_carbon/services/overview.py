"""The start page's numbers: per plan, its headline targets (operating beside pipeline), its
projects counted by status and how many targets wait for data.

Every figure is taken from `status_rows` / `status_json` — what `gis-carbon status --json`
prints — so the dashboard can never disagree with the CLI.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.model.storage import WorkspaceStore

# Targets whose value is an amount of things built (MW, 亩, chargers…): the card's bars.
HEADLINE_METRICS = ("capacity_sum", "area_sum", "count")


@dataclass(frozen=True)
class HeadlineTarget:
    target_id: str
    name_zh: str
    name_en: str
    year: int
    value: float  # the target, in the plan's unit
    unit: str
    operating: float | None  # percent reached counting operating projects only
    pipeline: float | None  # percent reached counting the whole pipeline


@dataclass(frozen=True)
class PlanCard:
    plan_id: str
    name: str
    region_name: str
    region_code: str
    targets: int
    headline: list[HeadlineTarget]
    waiting_for_data: int  # targets whose pipeline verdict is no_data
    projects_by_status: dict[str, int] = field(default_factory=dict)

    @property
    def projects(self) -> int:
        return sum(self.projects_by_status.values())


def plan_cards(ws: WorkspaceStore, feedback: Feedback = NO_FEEDBACK) -> list[PlanCard]:
    """One card per plan of the workspace, in the workspace's plan order."""
    from gis_carbon.services.progress import status_json, status_rows

    plans = ws.plans()
    rows: dict[str, list[dict[str, Any]]] = {p.id: [] for p in plans}
    for row in status_rows(ws, plans, feedback=feedback):
        rows[row["plan"].id].append(status_json(row))
    cards = []
    for plan in plans:
        mine = rows[plan.id]
        statuses = Counter(str(s) for s in ws.project_columns(plan_id=plan.id)["status"])
        cards.append(
            PlanCard(
                plan_id=plan.id,
                name=plan.name,
                region_name=plan.region_name,
                region_code=plan.region_code,
                targets=len(mine),
                headline=[_headline(r) for r in mine if r["metric"] in HEADLINE_METRICS],
                waiting_for_data=sum(r["verdict"] == "no_data" for r in mine),
                projects_by_status=dict(statuses),
            )
        )
    return cards


def _headline(row: dict[str, Any]) -> HeadlineTarget:
    return HeadlineTarget(
        target_id=row["target_id"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        year=int(row["year"]),
        value=float(row["plan_value"]),
        unit=str(row["plan_unit"] or ""),
        operating=row["by_policy"]["operating"]["percent"],
        pipeline=row["by_policy"]["pipeline"]["percent"],
    )


__all__ = ["HEADLINE_METRICS", "HeadlineTarget", "PlanCard", "plan_cards"]
