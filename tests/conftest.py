"""Shared fixtures: real workspace files on disk, a seeded workspace built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Qt runs offscreen everywhere in the tests; the boundary cache is shared across runs.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GIS_CARBON_CACHE_DIR", str(REPO / ".cache"))
os.environ["GIS_CARBON_AUTHOR"] = "tester"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace seeded once; tests get copies so they never see each other's edits."""
    from gis_carbon.services import open_workspace

    path = tmp_path_factory.mktemp("seeded") / "template.sqlite"
    open_workspace(path).close()
    return path


@pytest.fixture
def seeded_path(seeded_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "workspace.sqlite"
    shutil.copyfile(seeded_template, path)
    return path


@pytest.fixture
def seeded(seeded_path: Path):
    from project_db.sqlite.workspace import Workspace

    ws = Workspace(seeded_path)
    yield ws
    ws.close()


@pytest.fixture
def empty_workspace(tmp_path: Path):
    from project_db.sqlite.workspace import Workspace

    ws = Workspace(tmp_path / "empty.sqlite")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def jinghai_seeded(seeded_template: Path) -> int:
    """How many shipped seed projects lie in 静海区 (120118): the seed grows with the plans."""
    from project_db.sqlite.workspace import Workspace

    ws = Workspace(seeded_template)
    try:
        return len(ws.projects(region_code="120118"))
    finally:
        ws.close()
