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

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gis_carbon.feedback import Feedback
from gis_carbon.qt.render import TYPE_CODES, ProjectLayerData

__all__ = ["CHUNK_PROJECTS", "ProjectSnapshot", "read_projects"]

# Projects per chunk: ~0.5 s of reading, so the first ones show within a second.
CHUNK_PROJECTS = 50_000
# A snapshot after the first chunk, then each time the count has doubled: every snapshot
# copies what was read so far and makes the map and table take it in, so a few do.
SNAPSHOT_GROWTH = 2.0


@dataclass
class ProjectSnapshot:
    """The projects read so far, ready for the map and the table (the GUI's own copies)."""

    projects: list[Any]  # in id order
    by_id: dict[int, Any]
    layer: ProjectLayerData
    counties: set[str]
    total: int  # projects in the workspace when the read began
    complete: bool
    type_counts: dict[str, int] = field(default_factory=dict)


def _type_counts(layer: ProjectLayerData) -> dict[str, int]:
    if not len(layer.ids):
        return {}
    counts = np.bincount(layer.type_index, minlength=len(TYPE_CODES))
    return {TYPE_CODES[i]: int(n) for i, n in enumerate(counts.tolist()) if n}


def _joined(
    chunks: list[list[Any]], maps: list[dict[int, Any]]
) -> tuple[list[Any], dict[int, Any]]:
    """The chunks as one list and one id map, built a chunk at a time: copying 10⁶
    references at once is one C call that holds the GIL for ~40 ms, the GUI thread waiting."""
    projects: list[Any] = []
    by_id: dict[int, Any] = {}
    for chunk, by_chunk_id in zip(chunks, maps, strict=True):
        projects.extend(chunk)
        by_id.update(by_chunk_id)
    return projects, by_id


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the projects are read; each chunk is frozen out of
    its reach instead. Re-enabled after each chunk, the collector would first walk that
    chunk's ~200,000 new objects, holding the GIL for ~60 ms."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_projects(
    ws: Any,
    feedback: Feedback,
    *,
    on_snapshot: Callable[[ProjectSnapshot], None] | None = None,
    is_stale: Callable[[], bool] = lambda: False,
    chunk_size: int | None = None,
    growth: float | None = None,
) -> ProjectSnapshot | None:
    """Every project of `ws`; `on_snapshot` gets what is read so far after the first chunk
    and each time it has grown `growth` times. None once `is_stale()` (a newer read is
    queued)."""
    with _collector_paused():
        return _read(ws, feedback, on_snapshot, is_stale, chunk_size, growth)


def _read(
    ws: Any,
    feedback: Feedback,
    on_snapshot: Callable[[ProjectSnapshot], None] | None,
    is_stale: Callable[[], bool],
    chunk_size: int | None,
    growth: float | None,
) -> ProjectSnapshot | None:
    chunk_size = chunk_size or CHUNK_PROJECTS
    growth = growth or SNAPSHOT_GROWTH
    total = ws.count_projects()
    chunks: list[list[Any]] = []
    maps: list[dict[int, Any]] = []
    parts: list[ProjectLayerData] = []
    counties: set[str] = set()
    count = 0
    next_snapshot = 1
    for chunk in ws.project_chunks(chunk_size):
        if is_stale():
            return None
        feedback.check_cancelled()
        part = ProjectLayerData.from_projects(chunk)
        parts.append(part)
        chunks.append(chunk)
        maps.append(dict(zip(part.ids.tolist(), chunk, strict=True)))
        count += len(chunk)
        counties.update(p.regions.county for p in chunk if p.regions.county)
        gc.freeze()
        feedback.progress_count(count, max(total, count))
        if on_snapshot is not None and next_snapshot <= count < total:
            layer = ProjectLayerData.concatenated(parts)
            parts = [layer]
            projects, by_id = _joined(chunks, maps)
            on_snapshot(
                ProjectSnapshot(
                    projects, by_id, layer, set(counties), total, False, _type_counts(layer)
                )
            )
            next_snapshot = int(count * growth)
    layer = ProjectLayerData.concatenated(parts)
    projects, by_id = _joined(chunks, maps)
    return ProjectSnapshot(projects, by_id, layer, counties, total, True, _type_counts(layer))
