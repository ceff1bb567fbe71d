"""Workspace safety: a consistent backup taken while others write, a checked restore that
keeps the replaced file, and a check of the storage and of the app's own invariants."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gis_carbon.model.storage import WorkspaceStore


@dataclass(frozen=True)
class CheckReport:
    problems: list[str]
    projects: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_workspace(ws: WorkspaceStore, *, quick: bool = False) -> CheckReport:
    """The storage's own checks (integrity, foreign keys, GeoPackage tables and views,
    totals, history) and, unless `quick`, every project's regions against its geometry."""
    problems = list(ws.check(quick=quick))
    projects = ws.count_projects() if not problems else 0
    if not quick and not problems:
        problems += _region_problems(ws)
    return CheckReport(problems, projects)


def _region_problems(ws: WorkspaceStore) -> list[str]:
    """Projects whose stored regions are not those of their geometry (a stored county is
    what targets count by, so a wrong one skews every total)."""
    from gis_carbon.services.regions import with_regions_many

    stored = ws.projects()
    located = with_regions_many(stored, ws)
    lines = []
    for before, after in zip(stored, located, strict=True):
        was, now = before.regions, after.regions
        levels = zip(
            ("province", "city", "county", "township"),
            (was.province, was.city, was.county, was.township),
            (now.province, now.city, now.county, now.township),
            strict=True,
        )
        # A level left empty on purpose (a municipality-wide item keeps no county) is no
        # error; a code the geometry contradicts is.
        wrong = [(level, a, b) for level, a, b in levels if a is not None and a != b]
        if wrong:
            level, a, b = wrong[0]
            lines.append(
                f"regions: project {before.id} ({before.name}) is stored in {level} {a},"
                f" its geometry lies in {b or '—'}"
            )
    return lines


def backup_workspace(ws: WorkspaceStore, out: str | os.PathLike[str]) -> Path:
    """A consistent copy of the workspace at `out` (safe while another program writes)."""
    return ws.backup(Path(out))


def restore_workspace(location: str | os.PathLike[str], backup: str | os.PathLike[str]) -> str:
    """Put a checked backup back in place of the workspace; returns where the replaced file
    was kept (`….before-restore`)."""
    from project_db import restore_store

    return restore_store(location, backup)


__all__ = ["CheckReport", "backup_workspace", "check_workspace", "restore_workspace"]
