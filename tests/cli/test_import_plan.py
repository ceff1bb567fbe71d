"""import-plan on the shipped plans: the proposals measured against the curated seed data,
and the review → accept round trip writing one plan in one transaction."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.services.workspace import open_workspace

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
JINGHAI = SEEDS / "002_8f0cb15813cef04d.txt"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "bench_plan_import", REPO / "bench" / "bench_plan_import.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_five_plans_are_read_within_the_goals() -> None:
    bench = _bench()
    result = bench.measure(SEEDS)
    total = bench.totals(result)
    assert total["target_recall"] >= 90.0
    assert total["target_precision"] >= 75.0
    assert total["quotes"] == 100.0
    assert total["project_recall"] >= 80.0
    for plan in ("tianjin", "jinghai", "hongqiao", "jinshi"):  # the pilot plan has two
        assert result[plan]["target_recall"] >= 85.0, plan


def test_dry_run_json_proposes_the_280_target_and_writes_nothing(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(seeded_path)
    argv = ["--workspace", str(seeded_path), "import-plan", str(JINGHAI), "--region", "静海区"]
    assert main([*argv, "--dry-run", "--json"]) == 0
    proposal = json.loads(capsys.readouterr().out)
    text = JINGHAI.read_text(encoding="utf-8")
    renewables = [
        t
        for t in proposal["targets"]
        if (t["year"], t["value"], t["unit"]) == (2025, 280.0, "万千瓦")
    ]
    assert len(renewables) == 1 and renewables[0]["aspirational"]
    assert "可再生能源电力装机容量" in renewables[0]["quote"]
    assert all(item["quote"] in text for item in [*proposal["targets"], *proposal["projects"]])
    assert digest(seeded_path) == before


def test_review_then_accept_adds_one_plan_with_its_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ws.gcarbon.gpkg"
    open_workspace(path).close()  # as the CLI opens it: seeded
    review = tmp_path / "review.csv"
    argv = ["--workspace", str(path), "import-plan", str(JINGHAI)]
    assert main([*argv, "--review", str(review)]) == 0
    capsys.readouterr()
    with review.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # the user keeps the targets of 2025 only, and no projects
    for row in rows:
        row["accept"] = "yes" if row["kind"] == "target" and row["year"] == "2025" else "no"
    kept = sum(r["accept"] == "yes" for r in rows)
    with review.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    # a quote edited away from the document: refused, nothing written
    broken = tmp_path / "broken.csv"
    bad_rows = [dict(r) for r in rows]
    first = next(r for r in bad_rows if r["accept"] == "yes" and "2025" in r["quote"])
    first["quote"] = first["quote"].replace("2025", "2026")
    with broken.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(bad_rows)
    before = digest(path)
    assert main([*argv, "--region", "静海区", "--accept", str(broken)]) == 2
    assert "verbatim" in capsys.readouterr().err
    assert digest(path) == before

    assert main([*argv, "--region", "静海区", "--accept", str(review), "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["targets"] == kept and added["projects"] == 0
    with open_workspace(path) as ws:
        plan = ws.plan(added["plan"]["id"])
        targets = ws.targets(plan.id)
    assert (plan.name, plan.region_code, plan.source_file) == (
        "天津市静海区碳达峰实施方案",
        "120118",
        JINGHAI.name,
    )
    assert len(targets) == kept and all(t.year == 2025 for t in targets)
    text = JINGHAI.read_text(encoding="utf-8")
    assert all(t.quote in text for t in targets)
    assert any(t.base_value == 2800.0 and t.base_unit == "MW" for t in targets)
