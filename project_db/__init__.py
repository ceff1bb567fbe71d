"""Persistence behind the storage port (`gis_carbon.model.storage.WorkspaceStore`).

Each backend lives in its own folder (`sqlite/` for workspace files, `postgres/` for team
databases); `open_store` picks one by the
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


def _open_team(location: str, create: bool) -> WorkspaceStore:
    # the team database is created by an admin (`gis-carbon team init`), never implicitly
    from project_db.postgres.workspace import TeamWorkspace

    return TeamWorkspace(location)


# scheme of the location → backend; a plain path (no scheme) is a workspace file
_BACKENDS: dict[str, Callable[[str, bool], WorkspaceStore]] = {
    "": _open_sqlite,
    "file": lambda location, create: _open_sqlite(location.removeprefix("file://"), create),
    "postgresql": _open_team,
    "postgres": _open_team,
}


def open_store(
    location: str | os.PathLike[str] | None = None, *, create: bool = True
) -> WorkspaceStore:
    """The workspace at `location` (a file path, or a URL whose scheme names a backend), or
    the per-user default. Unseeded: see services.workspace.open_workspace for that."""
    text = str(location) if location is not None else str(default_workspace_path())
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if not scheme and _is_libpq_keywords(text):
        scheme = "postgresql"  # `service=team` or `host=… dbname=…`: libpq's key=value form
    backend = _BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(f"{s}://" for s in _BACKENDS if s)
        raise WorkspaceError(f"{text}: unknown workspace scheme {scheme!r} (known: {known})")
    return backend(text, create)


def _is_libpq_keywords(text: str) -> bool:
    """`service=district dbname=gis_carbon`: libpq's keyword form, not a file name."""
    words = text.split()
    return bool(words) and all("=" in w and w.split("=", 1)[0] in _LIBPQ_KEYWORDS for w in words)


_LIBPQ_KEYWORDS = frozenset(
    {"service", "host", "hostaddr", "port", "dbname", "user", "sslmode", "connect_timeout"}
)


def is_team_location(location: str | os.PathLike[str]) -> bool:
    """Whether `location` names a team database (a URL or libpq keywords), not a file."""
    text = str(location)
    return text.lower().startswith(("postgresql://", "postgres://")) or _is_libpq_keywords(text)


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


__all__ = [
    "WORKSPACE_ENV",
    "default_workspace_path",
    "is_team_location",
    "open_store",
    "restore_store",
]
