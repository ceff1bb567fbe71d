"""Persistence behind the storage port (`gis_carbon.model.storage.WorkspaceStore`).

Each backend lives in its own folder (`sqlite/` today); `open_store` picks one by the
location's scheme. Services reach it through `gis_carbon.services.workspace.open_workspace`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from gis_carbon.errors import WorkspaceError
from gis_carbon.model.storage import WorkspaceStore
from project_db.sqlite.workspace import WORKSPACE_ENV, default_workspace_path


def _open_sqlite(location: str, create: bool) -> WorkspaceStore:
    from project_db.sqlite.workspace import Workspace

    return Workspace(Path(location), create=create)


def _no_team_backend(location: str, create: bool) -> WorkspaceStore:
    raise WorkspaceError(
        f"{location.split('@')[-1]}: team workspaces on PostgreSQL are not supported by this"
        " version of gis-carbon; open a workspace file (.gcarbon.gpkg) instead"
    )


# scheme of the location → backend; a plain path (no scheme) is a workspace file
_BACKENDS: dict[str, Callable[[str, bool], WorkspaceStore]] = {
    "": _open_sqlite,
    "file": lambda location, create: _open_sqlite(location.removeprefix("file://"), create),
    "postgresql": _no_team_backend,
    "postgres": _no_team_backend,
}


def open_store(
    location: str | os.PathLike[str] | None = None, *, create: bool = True
) -> WorkspaceStore:
    """The workspace at `location` (a file path, or a URL whose scheme names a backend), or
    the per-user default. Unseeded: see services.workspace.open_workspace for that."""
    text = str(location) if location is not None else str(default_workspace_path())
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    backend = _BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(f"{s}://" for s in _BACKENDS if s)
        raise WorkspaceError(f"{text}: unknown workspace scheme {scheme!r} (known: {known})")
    return backend(text, create)


def restore_store(location: str | os.PathLike[str], backup: str | os.PathLike[str]) -> str:
    """Put the backup file `backup` in place of the workspace at `location` (a file path),
    after checking it; returns where the replaced workspace was kept."""
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        raise WorkspaceError(
            f"{text}: restore puts a backup file back in place of a workspace file"
        )
    from project_db.sqlite.safety import restore_file

    return str(restore_file(Path(text.removeprefix("file://")), Path(backup)))


__all__ = ["WORKSPACE_ENV", "default_workspace_path", "open_store", "restore_store"]
