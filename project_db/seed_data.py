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

SEED_VERSION = "1"


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
        values["scope"] = tuple(row.get("scope") or ())
        values["params"] = dict(row.get("params") or {})
        values["aspirational"] = bool(row.get("aspirational", False))
        values["unit"] = row.get("unit") or ""  # a dimensionless indicator (PUE 1.5)
        targets.append(Target(**values))
    return targets


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
