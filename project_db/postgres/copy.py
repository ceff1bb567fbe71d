"""A team database (or part of it) copied into a workspace file: backups and checkouts.

Read in one REPEATABLE READ, read-only transaction, so the copy is one consistent state of
the server while colleagues keep writing; written to a hidden partial file that replaces
`out` only when complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from gis_carbon.errors import WorkspaceError
from gis_carbon.model.project import Project
from gis_carbon.model.storage import WorkspaceStore

# (server location, region, projects copied) → meta rows for the copy (a checkout's base)
BaseMeta = Callable[[str, str, Iterable[Project]], dict[str, str]]


@contextlib.contextmanager
def _snapshot(source: WorkspaceStore) -> Iterator[None]:
    conn = getattr(source, "conn", None)
    if conn is None:  # a workspace file: its reads are consistent already
        yield
        return
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def copy_to_file(
    source: WorkspaceStore,
    out: Path,
    *,
    region: str | None,
    base: BaseMeta | None = None,
) -> Path:
    """Plans, targets, baselines, indicators, vector layers and the projects (of `region`
    at any level, or all) with their ids and versions, into a new workspace file `out`."""
    from project_db.sqlite.workspace import Workspace

    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with _snapshot(source):
            plans, targets = source.plans(), source.targets()
            baselines, indicators = source.baselines(), source.indicator_values()
            layers = [
                (layer, source.layer_features(layer.id) if layer.kind == "vector" else [])
                for layer in source.layers()
            ]
            projects = source.projects(region_code=region)
            seed_version = source.get_meta("seed_version")
        with Workspace(partial, create=True) as dest, dest.transaction():
            dest.save_plans(plans)
            dest.save_targets(targets)
            for baseline in baselines:
                dest.record_baseline(baseline, author=baseline.recorded_by)
            for value in indicators:
                dest.record_indicator(value)
            for layer, features in layers:
                dest.add_layer(layer, features)
            dest.replace_projects(projects, author=f"copy:{source.display_name}")
            if seed_version is not None:
                dest.set_meta("seed_version", seed_version)
            meta: dict[str, Any] = base(source.location, region or "", projects) if base else {}
            for key, value in meta.items():
                dest.set_meta(key, value)
        os.replace(partial, out)
    except (OSError, WorkspaceError) as exc:
        partial.unlink(missing_ok=True)
        raise WorkspaceError(f"cannot write {out}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out
