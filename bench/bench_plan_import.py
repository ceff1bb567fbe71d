"""Benchmark: how well `import-plan` reads the five shipped plans, with the curated seed data
(project_db/seed/targets.json, projects.json) as the answer key.

Per plan: target recall and precision (a candidate is right when its year, unit and value —
within 0.5 % in the base unit — are a seed target's and its sentence overlaps the seed's
quote), the share of quotes that are verbatim substrings of the file, and named-project
recall (names compared without spaces, capacities and generic words). Goals: target recall
≥ 90 %, precision ≥ 75 %, quotes 100 %, project recall ≥ 80 %; exits 1 below any.

    PYTHONPATH=. .venv/bin/python bench/bench_plan_import.py [--seeds ../shared/seeds] [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

GOALS = {"target_recall": 90.0, "target_precision": 75.0, "quotes": 100.0, "project_recall": 80.0}
REPO = Path(__file__).resolve().parents[1]


def _base(value: float, unit: str | None) -> tuple[float, str | None]:
    from gis_carbon.errors import GisCarbonError
    from gis_carbon.model.units import convert
    from gis_carbon.model.units import unit as lookup

    if unit is None:
        return value, None
    try:
        base = lookup(unit).dimension.base_unit
        return float(convert(value, unit, base)), str(base)
    except GisCarbonError:
        return value, unit


def _same_target(candidate: Any, seed: dict[str, Any]) -> bool:
    from gis_carbon.analysis.plan_text import quotes_overlap

    if candidate.year != seed["year"]:
        return False
    value, unit = _base(candidate.value, candidate.unit)
    want, want_unit = _base(float(seed["value"]), seed["unit"])
    if unit != want_unit or abs(value - want) > 0.005 * max(abs(want), 1e-9):
        return False
    return quotes_overlap(candidate.quote, seed["quote"])


def measure(seeds: Path) -> dict[str, dict[str, Any]]:
    from gis_carbon.analysis.plan_text import names_match
    from gis_carbon.services.plan_import import propose

    plans = json.loads(resources.files("project_db").joinpath("seed", "plans.json").read_text())
    targets = json.loads(resources.files("project_db").joinpath("seed", "targets.json").read_text())
    projects = json.loads(
        resources.files("project_db").joinpath("seed", "projects.json").read_text()
    )
    out: dict[str, dict[str, Any]] = {}
    for plan in plans:
        path = seeds / plan["source_file"]
        text = path.read_text(encoding="utf-8")
        started = time.perf_counter()
        proposal = propose(path)
        seconds = time.perf_counter() - started
        key = [t for t in targets if t["plan_id"] == plan["id"]]
        found = [t for t in key if any(_same_target(c, t) for c in proposal.targets)]
        right = [c for c in proposal.targets if any(_same_target(c, t) for t in key)]
        named = [p for p in projects if p["plan_id"] == plan["id"]]
        matched = [
            p for p in named if any(names_match(c.name, p["name"]) for c in proposal.projects)
        ]
        quotes = [c.quote for c in [*proposal.targets, *proposal.projects]]
        out[plan["id"]] = {
            "targets": len(key),
            "candidates": len(proposal.targets),
            "target_recall": 100.0 * len(found) / len(key) if key else 100.0,
            "target_precision": 100.0 * len(right) / len(proposal.targets)
            if proposal.targets
            else 100.0,
            "quotes": 100.0 * sum(q in text for q in quotes) / len(quotes) if quotes else 100.0,
            "projects": len(named),
            "project_candidates": len(proposal.projects),
            "project_recall": 100.0 * len(matched) / len(named) if named else 100.0,
            "seconds": seconds,
            "missed_targets": [t for t in key if t not in found],
            "wrong_targets": [c for c in proposal.targets if c not in right],
            "missed_projects": [p["name"] for p in named if p not in matched],
            "counts": (len(found), len(key), len(right), len(proposal.targets), len(matched)),
        }
    return out


def totals(result: dict[str, dict[str, Any]]) -> dict[str, float]:
    found = sum(r["counts"][0] for r in result.values())
    key = sum(r["counts"][1] for r in result.values())
    right = sum(r["counts"][2] for r in result.values())
    proposed = sum(r["counts"][3] for r in result.values())
    matched = sum(r["counts"][4] for r in result.values())
    named = sum(r["projects"] for r in result.values())
    quotes = min(r["quotes"] for r in result.values())
    return {
        "target_recall": 100.0 * found / key,
        "target_precision": 100.0 * right / proposed,
        "quotes": quotes,
        "project_recall": 100.0 * matched / named,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(REPO.parent / "shared" / "seeds"))
    parser.add_argument("--misses", action="store_true", help="list what was missed")
    args = parser.parse_args()
    result = measure(Path(args.seeds))
    print(
        f"{'plan':<14}{'targets':>8}{'found':>7}{'recall':>8}{'proposed':>9}{'precision':>10}"
        f"{'quotes':>8}{'projects':>9}{'recall':>8}{'seconds':>8}"
    )
    for plan, r in result.items():
        print(
            f"{plan:<14}{r['targets']:>8}{r['counts'][0]:>7}{r['target_recall']:>7.1f}%"
            f"{r['candidates']:>9}{r['target_precision']:>9.1f}%{r['quotes']:>7.1f}%"
            f"{r['projects']:>9}{r['project_recall']:>7.1f}%{r['seconds']:>8.2f}"
        )
        if args.misses:
            for t in r["missed_targets"]:
                print(f"   missed target {t['year']} {t['value']} {t['unit']}: {t['quote'][:70]}")
            for c in r["wrong_targets"][:40]:
                print(f"   extra {c.year} {c.value} {c.unit} [{c.name}]: {c.quote[:60]}")
            for name in r["missed_projects"]:
                print(f"   missed project {name}")
    total = totals(result)
    print(
        "all plans: target recall {target_recall:.1f}% (goal 90), precision"
        " {target_precision:.1f}% (goal 75), verbatim quotes {quotes:.1f}% (goal 100),"
        " project recall {project_recall:.1f}% (goal 80)".format(**total)
    )
    below = [k for k, goal in GOALS.items() if total[k] < goal]
    print("within goals" if not below else f"BELOW goal: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
