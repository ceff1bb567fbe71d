"""The layering is enforced: import-linter's contracts pass on the tree and break when a
forbidden import is added; SQL on the workspace stays inside project_db/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# The only modules of gis_carbon that run SQL: both on files that are not the workspace.
# Files of their own, not the workspace: the boundary cache, GeoPackage exports, and the
# basemap tile caches (MBTiles).
SQL_OUTSIDE_STORAGE = {
    "gis_carbon/geo/boundaries.py",
    "gis_carbon/export/geopackage.py",
    "gis_carbon/geo/tiles.py",
}


def _copy_tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("gis_carbon", "project_db"):
        shutil.copytree(REPO / package, root / package, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    # wide lines: the report wraps contract names at the terminal width otherwise
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "400"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )


def _append_import(module: Path, line: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="lint-imports is not installed")
@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("gis_carbon/services/projects.py", "import gis_carbon.qt  # noqa", "Layers"),
        (
            "gis_carbon/model/plan.py",
            "import gis_carbon.analysis.progress  # noqa",
            "model is pure",
        ),
        ("gis_carbon/cli/core.py", "import project_db.sqlite.workspace  # noqa", "front ends"),
        ("gis_carbon/export/report.py", "import gis_carbon.analysis.progress  # noqa", "Layers"),
    ],
    ids=["service-imports-qt", "model-imports-evaluator", "cli-bypasses-services", "siblings"],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    root = _copy_tree(tmp_path)
    clean = _lint(root)
    assert clean.returncode == 0, clean.stdout[-2000:]
    assert "0 broken" in clean.stdout
    _append_import(root / module, line)
    result = _lint(root)
    assert result.returncode != 0
    broken_lines = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(broken in ln for ln in broken_lines), result.stdout[-2000:]


def test_no_sql_on_the_workspace_outside_project_db() -> None:
    pattern = re.compile(r"\.execute\(|\bdb\.conn\b|^\s*import sqlite3|sqlite_utils", re.M)
    offenders = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "gis_carbon").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert set(offenders) <= SQL_OUTSIDE_STORAGE, offenders
