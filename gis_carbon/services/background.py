"""Imports and exports in a child process, so the caller's process keeps its GIL to itself.

A 5,000-row import is CPU-bound Python (per-row validation, Fractions, shapely, region
lookup); run on a thread of the desktop app it holds the GIL between switch intervals and,
when the machine is busy, the GUI thread waited 300–700 ms at a time for it. Here the work
runs in a ``spawn``ed process with its own interpreter: the caller blocks in
``Queue.get(timeout=…)``, which releases the GIL, and receives progress, then a small
picklable summary or the error.

    summary = run_import(ws_path, "ledger.geojson", feedback=feedback)
    result = run_export(ws_path, "gpkg", "out.gpkg", plan="jinghai", feedback=feedback)

The caller's ``feedback`` receives the child's progress and notes; its cancel reaches the
child through an Event the child's own feedback reads.

The child opens its own workspace (``open_workspace(location)``); the import writes in one transaction as always,
so a cancelled or failed import leaves the workspace file untouched, and once it commits the
caller's own connection sees the rows (WAL). The child never imports Qt (PySide6 is blocked
there).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import queue as queue_module
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis_carbon.errors import Cancelled, GisCarbonError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.model.storage import WorkspaceStore

__all__ = [
    "BackgroundTaskError",
    "ImportSummary",
    "run_export",
    "run_first_start",
    "run_import",
    "run_report",
]

# How often the waiting caller looks at its cancel flag and at the child's health.
POLL_S = 0.05
# After a cancel the child stops at its next check (every 200 rows at most); one stuck in a
# long native call is ended after this long (SQLite's atomic commit keeps the file whole).
CANCEL_GRACE_S = 10.0


class BackgroundTaskError(GisCarbonError):
    """The child process failed with an unexpected error or ended without an answer."""

    child_traceback: str = ""


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, small enough to send between processes."""

    path: Path
    mode: str  # "layer" or "projects"
    dry_run: bool
    format: str
    crs: str | None
    encoding: str | None
    count: int
    layer_id: str | None = None
    project_ids: list[int] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "path": str(self.path)}


# ------------------------------------------------------------------ child side
def _summarise_import(result: Any, seconds: float) -> ImportSummary:
    return ImportSummary(
        path=Path(result.path),
        mode=result.mode,
        dry_run=result.dry_run,
        format=result.format,
        crs=result.crs,
        encoding=result.encoding,
        count=result.count,
        layer_id=None if result.layer is None else result.layer.id,
        project_ids=[p.id for p in result.projects if p.id is not None],
        mapping=dict(result.mapping),
        notes=list(result.notes),
        outside=list(result.outside),
        seconds=seconds,
    )


def _do_import(
    ws: WorkspaceStore, args: tuple[Any, ...], options: dict[str, Any], feedback: Feedback
) -> ImportSummary:
    from gis_carbon.services.imports import import_file

    started = time.perf_counter()
    result = import_file(ws, *args, feedback=feedback, **options)
    return _summarise_import(result, time.perf_counter() - started)


def _do_export(
    ws: WorkspaceStore, args: tuple[Any, ...], options: dict[str, Any], feedback: Feedback
) -> Any:
    from gis_carbon.services.exports import export

    return export(ws, *args, feedback=feedback, **options)


def _do_report(
    ws: WorkspaceStore, args: tuple[Any, ...], options: dict[str, Any], feedback: Feedback
) -> Any:
    from gis_carbon.services.exports import export_report

    return export_report(ws, *args, feedback=feedback, **options)


def _do_first_start(
    ws: WorkspaceStore, args: tuple[Any, ...], options: dict[str, Any], feedback: Feedback
) -> bool:
    """The boundary cache, then the five plans in a workspace not yet seeded; True when it
    seeded (the window then reads the plans again)."""
    from gis_carbon.geo.boundaries import build_boundary_cache
    from gis_carbon.services.workspace import seed_workspace

    build_boundary_cache(feedback.part(0.0, 0.9))
    if ws.get_meta("seed_version") is not None:
        return False
    feedback.check_cancelled()
    feedback.progress(0.9, "seeding the five plans")
    seed_workspace(ws)
    return True


# A table, not a branch per kind: what runs in the child.
_JOBS: dict[str, Callable[..., Any]] = {
    "import": _do_import,
    "export": _do_export,
    "first_start": _do_first_start,
    "report": _do_report,
}
# A first start's child may be stopped at once: the cache is written to a temporary file and
# renamed, the seed is one transaction, so quitting during either loses nothing.
_CANCEL_GRACE_BY_KIND = {"first_start": 1.0}


class _ChildFeedback(Feedback):
    """The child's side: progress and notes go to the parent's queue; the parent's cancel
    arrives as a multiprocessing Event."""

    def __init__(self, messages: Any, cancel: Any) -> None:
        super().__init__()
        self.messages, self.cancel_event = messages, cancel

    def progress(self, fraction: float, message: str = "") -> None:
        self.messages.put(("progress", float(fraction), str(message)))

    def progress_count(self, done: int, total: int, message: str = "") -> None:
        self.messages.put(("progress_count", int(done), int(total), str(message)))

    def info(self, note: str) -> None:
        self.messages.put(("info", str(note)))

    def is_cancelled(self) -> bool:
        return bool(self.cancel_event.is_set())


def _error_message(exc: BaseException) -> tuple[str, ...]:
    """("pickle", bytes) when the exception survives a round trip as itself, else its class,
    message and whatever attributes pickle, to rebuild it on the other side."""
    try:
        data = pickle.dumps(exc)
        again = pickle.loads(data)
        if type(again) is type(exc) and str(again) == str(exc):
            return ("pickle", data)  # type: ignore[return-value]
    except Exception:  # some exceptions cannot be pickled; rebuilt below
        pass
    state: dict[str, Any] = {}
    for key, value in getattr(exc, "__dict__", {}).items():
        with contextlib.suppress(Exception):
            pickle.dumps(value)
            state[key] = value
    return (
        "parts",
        type(exc).__module__,
        type(exc).__qualname__,
        str(exc),  # type: ignore[return-value]
        state,
    )


def _child_main(
    kind: str,
    workspace: str,
    args: tuple[Any, ...],
    options: dict[str, Any],
    messages: Any,
    cancel: Any,
) -> None:
    # Qt stays out of the worker: an import of PySide6 here fails loudly.
    sys.modules["PySide6"] = None  # type: ignore[assignment]
    try:
        from gis_carbon.services.workspace import open_workspace

        with open_workspace(workspace, create=False, seed=False) as ws:
            result = _JOBS[kind](ws, args, options, _ChildFeedback(messages, cancel))
        messages.put(("done", result))
    except BaseException as exc:  # every failure goes back to the caller
        messages.put(("error", _error_message(exc), traceback.format_exc()))


# ------------------------------------------------------------------ caller side
# The child's messages that are calls on the caller's feedback, by method name.
_FORWARDED = ("progress", "progress_count", "info")


def _load_class(spec: str) -> type[BaseException] | None:
    module, _, name = spec.partition(":")
    try:
        found: Any = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _rebuild_error(message: tuple[Any, ...], child_traceback: str) -> BaseException:
    if message[0] == "pickle":
        exc: BaseException = pickle.loads(message[1])
    else:
        _, module, qualname, text, state = message
        cls = _load_class(f"{module}:{qualname}")
        if cls is not None and issubclass(cls, GisCarbonError):
            # the same class and message without its own __init__ (which may want other args)
            exc = cls.__new__(cls)
            Exception.__init__(exc, text)
            exc.__dict__.update(state)
        else:
            name = qualname if module == "builtins" else f"{module}.{qualname}"
            exc = BackgroundTaskError(f"{name}: {text}")
    if not isinstance(exc, GisCarbonError):
        wrapped = BackgroundTaskError(f"{type(exc).__name__}: {exc}")
        wrapped.__cause__ = exc
        exc = wrapped
    exc.child_traceback = child_traceback  # type: ignore[attr-defined]
    return exc


def _run(
    kind: str,
    workspace: str | os.PathLike[str],
    args: tuple[Any, ...],
    options: dict[str, Any],
    feedback: Feedback,
) -> Any:
    import multiprocessing

    if kind not in _JOBS:
        raise ValueError(f"unknown background job {kind!r}; known: {', '.join(_JOBS)}")
    # a team database's location is a URL, which the child opens as it is
    if "://" not in str(workspace):
        workspace = Path(workspace)
        if not workspace.exists():
            from gis_carbon.errors import WorkspaceError

            raise WorkspaceError(f"no workspace at {workspace}")
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    child_cancel = context.Event()
    process = context.Process(
        target=_child_main,
        name=f"gis-carbon-{kind}",
        daemon=True,
        args=(kind, str(workspace), args, options, messages, child_cancel),
    )
    process.start()
    cancelled_at: float | None = None
    try:
        while True:
            if cancelled_at is None and feedback.is_cancelled():
                child_cancel.set()
                cancelled_at = time.monotonic()
            try:
                message = messages.get(timeout=POLL_S)  # waits without the GIL
            except queue_module.Empty:
                grace = _CANCEL_GRACE_BY_KIND.get(kind, CANCEL_GRACE_S)
                if cancelled_at is not None and time.monotonic() - cancelled_at > grace:
                    process.terminate()
                    raise Cancelled(f"{kind} cancelled; nothing was written") from None
                if not process.is_alive() and messages.empty():
                    raise BackgroundTaskError(
                        f"the {kind} process ended without an answer (exit code {process.exitcode})"
                    ) from None
                continue
            if message[0] in _FORWARDED:
                getattr(feedback, message[0])(*message[1:])
            elif message[0] == "done":
                return message[1]
            else:
                raise _rebuild_error(message[1], message[2])
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
        messages.close()


def run_import(
    workspace: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    feedback: Feedback = NO_FEEDBACK,
    **options: Any,
) -> ImportSummary:
    """``imports.import_file(open_workspace(workspace), path, **options)`` in a child process.

    Raises what import_file raises (same class and message; ImportCancelled on cancel, or
    Cancelled when the child had to be stopped)."""
    return _run("import", workspace, (str(path),), options, feedback)


def run_export(
    workspace: str | os.PathLike[str],
    fmt: str,
    path: str | os.PathLike[str],
    *,
    feedback: Feedback = NO_FEEDBACK,
    **options: Any,
) -> Any:
    """``exports.export(open_workspace(workspace), fmt, path, **options)`` in a child process;
    returns its ExportResult. ExportCancelled on cancel."""
    return _run("export", workspace, (fmt, str(path)), options, feedback)


def run_first_start(workspace: str | os.PathLike[str], *, feedback: Feedback = NO_FEEDBACK) -> bool:
    """What a first start needs before the map can be drawn, in a child process: the boundary
    cache (built unless present) and the seed of a new workspace. True when it seeded.
    Cancelled when cancelled (the child is stopped within a second)."""
    return bool(_run("first_start", workspace, (), {}, feedback))


def run_report(
    workspace: str | os.PathLike[str],
    plan: str,
    path: str | os.PathLike[str],
    *,
    feedback: Feedback = NO_FEEDBACK,
) -> Any:
    """``exports.export_report(open_workspace(workspace), plan, path)`` (the CLI's `report`:
    a one-page PDF or PNG) in a child process; returns its ExportResult."""
    return _run("report", workspace, (plan, str(path)), {}, feedback)
