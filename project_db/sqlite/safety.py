"""Putting a backup back in place of a workspace file, keeping the file it replaces."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from gis_carbon.errors import WorkspaceError


def restore_file(target: Path, backup: Path) -> Path:
    """Check `backup` on a copy (it opens, migrates if older, passes the full check), then
    put it in place of `target`; the file it replaces is kept as `<target>.before-restore`.
    Returns where the replaced file went. Nothing changes on any problem."""
    from project_db.sqlite.workspace import Workspace

    backup, target = Path(backup), Path(target)
    if not backup.is_file():
        raise WorkspaceError(f"{backup}: no such backup file")
    with tempfile.TemporaryDirectory() as folder:
        trial = Path(folder) / "trial.gpkg"
        shutil.copyfile(backup, trial)
        try:
            with Workspace(trial, create=False) as ws:
                problems = ws.check()
        except WorkspaceError as exc:
            reason = str(exc).replace(f"{trial} is not a usable workspace: ", "")
            raise WorkspaceError(f"{backup.name} is not a usable backup: {reason}") from None
        if problems:
            shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
            raise WorkspaceError(f"{backup.name} is damaged, not restored: {shown}")
    kept = target.with_name(target.name + ".before-restore")
    if target.exists():
        # fold the WAL in so the file kept is whole, then move it (and its WAL files) aside
        with Workspace(target, create=False):
            pass
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        target.replace(kept)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(backup, partial)
    partial.replace(target)
    return kept
