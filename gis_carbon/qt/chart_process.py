"""The targets panel's chart, drawn by matplotlib in a child process of its own.

Drawn on a worker thread, the chart stalled the GUI thread: matplotlib lays its text out
through FreeType (a CJK font), and one such C call held the GIL for 100–130 ms on this
two-core machine while the GUI thread waited for it. In a child process the drawing has its
own interpreter; the calling worker thread waits on a future, which releases the GIL.

One child serves every window of the app (started on first use, kept for later charts,
ended at exit). No Qt in the child: this module imports none, and the child blocks PySide6.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

__all__ = ["chart_png", "shutdown"]

# The child draws at a lower CPU priority than the app, like the worker threads.
CHILD_NICE = 10

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _child_init() -> None:
    import sys

    sys.modules["PySide6"] = None  # type: ignore[assignment]  # Qt stays out of the child
    with contextlib.suppress(AttributeError, OSError):
        os.nice(CHILD_NICE)


def _draw(workspace: str, plan_id: str, lang: str, fmt: str = "png") -> bytes | None:
    """In the child: the chart of a plan as PNG (or SVG) bytes, None when the plan has nothing
    to chart."""
    import tempfile

    from gis_carbon.errors import GisCarbonError
    from gis_carbon.services import progress
    from gis_carbon.services.workspace import open_workspace

    with (
        tempfile.TemporaryDirectory() as folder,
        open_workspace(workspace, create=False, seed=False) as ws,
    ):
        out = Path(folder) / f"chart.{fmt}"
        try:
            progress.draw_chart(ws, plan_id, out, lang=lang)
        except GisCarbonError:
            return None
        return out.read_bytes()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            import multiprocessing

            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_init,
            )
        return _pool


def chart_png(
    workspace: str | os.PathLike[str], plan_id: str, lang: str = "zh", fmt: str = "png"
) -> bytes | None:
    """The plan's progress chart (services.progress.draw_chart) as PNG (or SVG) bytes, drawn in the
    child process. Blocks the calling thread — call it from a worker, never the GUI thread.
    Errors of the chart itself (GisCarbonError) give None; others are raised here."""
    if not plan_id:
        raise ValueError(f"plan_id must name a plan, got {plan_id!r}")
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    try:
        return _executor().submit(_draw, str(workspace), str(plan_id), str(lang), fmt).result()
    except BrokenProcessPool:
        # The child died (killed, out of memory): start a new one for the next chart.
        shutdown()
        raise


def shutdown() -> None:
    """End the child process (at exit; a later chart starts a new one)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


atexit.register(shutdown)
