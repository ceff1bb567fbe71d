"""Reading every project of a workspace in the background, shown while it loads.

A workspace of 10⁶ projects takes seconds to read back. The worker reads it in chunks
(WorkspaceStore.project_chunks), builds each chunk's map layer column-wise
(ProjectLayerData.from_projects), and hands the GUI snapshots of what it has so far: the
GUI only swaps references (projects, the id map, the layer), so it never walks the projects
itself and never stalls while they load.

Two things keep the GUI thread's waits for the GIL short: every chunk is a short query and a
vectorised decode, and the objects read so far are frozen out of the cyclic garbage collector
after each chunk (a full collection over 10⁶ fresh objects held the GIL for ~1 s).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gis_carbon.feedback import Feedback
from gis_carbon.qt.render import TYPE_CODES, ProjectLayerData

__all__ = ["CHUNK_PROJECTS", "ProjectSnapshot", "read_projects"]

# Projects per chunk: ~0.5 s of reading, so the first ones show within a second.
CHUNK_PROJECTS = 50_000
# A snapshot while loading at most this often (each one makes the map draw again).
SNAPSHOT_EVERY_S = 1.0


@dataclass
class ProjectSnapshot:
    """The projects read so far, ready for the map and the table."""

    projects: list[Any]  # in id order
    by_id: dict[int, Any]
    layer: ProjectLayerData
    counties: set[str]
    total: int  # projects in the workspace when the read began
    complete: bool
    type_counts: dict[str, int] = field(default_factory=dict)


def _type_counts(layer: ProjectLayerData) -> dict[str, int]:
    counts = np.bincount(layer.type_index, minlength=len(TYPE_CODES)) if len(layer.ids) else []
    return {TYPE_CODES[i]: int(n) for i, n in enumerate(counts) if n}


def read_projects(
    ws: Any,
    feedback: Feedback,
    *,
    on_snapshot: Callable[[ProjectSnapshot], None] | None = None,
    is_stale: Callable[[], bool] = lambda: False,
    chunk_size: int = CHUNK_PROJECTS,
    snapshot_every_s: float = SNAPSHOT_EVERY_S,
) -> ProjectSnapshot | None:
    """Every project of `ws`; `on_snapshot` gets what is read so far after the first chunk
    and then every `snapshot_every_s`. None once `is_stale()` (a newer read is queued)."""
    total = ws.count_projects()
    projects: list[Any] = []
    by_id: dict[int, Any] = {}
    parts: list[ProjectLayerData] = []
    counties: set[str] = set()
    last_snapshot = 0.0
    for chunk in ws.project_chunks(chunk_size):
        if is_stale():
            return None
        feedback.check_cancelled()
        parts.append(ProjectLayerData.from_projects(chunk))
        projects.extend(chunk)
        by_id.update((int(p.id), p) for p in chunk)
        counties.update(p.regions.county for p in chunk if p.regions.county)
        gc.freeze()
        feedback.progress_count(len(projects), max(total, len(projects)))
        now = time.perf_counter()
        if on_snapshot is not None and now - last_snapshot >= snapshot_every_s:
            if len(projects) < total:  # the last chunk's snapshot is the result
                layer = ProjectLayerData.concatenated(parts)
                parts = [layer]
                on_snapshot(
                    ProjectSnapshot(
                        list(projects),
                        dict(by_id),
                        layer,
                        set(counties),
                        total,
                        False,
                        _type_counts(layer),
                    )
                )
            last_snapshot = time.perf_counter()
    layer = ProjectLayerData.concatenated(parts)
    return ProjectSnapshot(projects, by_id, layer, counties, total, True, _type_counts(layer))
