"""The seed data shipped with the app: the five plans, their targets and named projects.

Every target and project carries the sentence it comes from, verbatim; the gazetteer rows
carry their sources. Locating the projects (GCJ-02 → WGS 84, regions) is the services' job.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources
from typing import Any

from gis_carbon.model.plan import Comparator, Metric, Plan, Target
from gis_carbon.model.types import Tag, types_tagged

SEED_VERSION = "3"


def _read_json(name: str) -> list[dict[str, Any]]:
    text = resources.files("project_db").joinpath("seed", name).read_text(encoding="utf-8")
    data: list[dict[str, Any]] = json.loads(text)
    return data


def seed_plans() -> list[Plan]:
    fields = Plan.__dataclass_fields__
    return [
        Plan(**{k: v for k, v in row.items() if k in fields}) for row in _read_json("plans.json")
    ]


def seed_targets() -> list[Target]:
    targets = []
    fields = Target.__dataclass_fields__
    for row in _read_json("targets.json"):
        values = {k: v for k, v in row.items() if k in fields}
        values["metric"] = Metric(row["metric"])
        values["comparator"] = Comparator(row["comparator"])
        values["scope"] = scope_codes(row.get("scope") or ())
        values["params"] = dict(row.get("params") or {})
        values["aspirational"] = bool(row.get("aspirational", False))
        values["unit"] = row.get("unit") or ""  # a dimensionless indicator (PUE 1.5)
        targets.append(Target(**values))
    return targets


def scope_codes(scope: Any) -> tuple[str, ...]:
    """A target's scope as type codes: "tag:renewable" names every type of that tag, so a
    type added to the table (hydro, offshore wind …) counts without editing each target."""
    codes: list[str] = []
    for entry in scope:
        found = types_tagged(Tag(entry[4:])) if entry.startswith("tag:") else (entry,)
        codes.extend(c for c in found if c not in codes)
    return tuple(codes)


def seed_project_records() -> list[dict[str, Any]]:
    """Raw project records: name, type, capacity text, gazetteer name, quote …"""
    return _read_json("projects.json")


@cache
def gazetteer() -> dict[str, dict[str, str]]:
    """Gazetteer rows by name_zh (see seed/gazetteer.csv for each row's source)."""
    text = (
        resources.files("project_db").joinpath("seed", "gazetteer.csv").read_text(encoding="utf-8")
    )
    return {row["name_zh"]: row for row in csv.DictReader(text.splitlines())}
