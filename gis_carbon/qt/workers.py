"""Long work off the GUI thread: imports, evaluations, exports, edits, boundary loading.

A task is a plain function `fn(feedback) -> result` (a gis_carbon.feedback.Feedback: its
progress and notes become Qt signals, delivered on the GUI thread, and the task's cancel
cancels it). A task that needs the workspace
is started with `workspace=PATH` and is then called as `fn(feedback, ws)` with a
connection of its own, opened and closed on the worker: an sqlite3 connection belongs to the
thread that made it, so the GUI's Workspace never crosses threads (WAL lets the worker read
or write beside the GUI's connection, which sees the new rows once the worker commits).

Workers are Python threads, not a QThreadPool: pyproj (3.7) keeps each OS thread's PROJ
context in a native thread slot but frees it with the Python thread state, and a QThreadPool
thread gets a new Python thread state for every task — so the second task on a pool thread
that touched pyproj used a freed context and the app segfaulted. A Python thread keeps one
thread state for its whole life. (The canvas's render pool never calls pyproj.)
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from gis_carbon.feedback import Feedback


def _lower_priority() -> None:
    """Workers yield the CPU to the GUI thread (Linux: a thread's own nice value), so the GUI
    thread gets both a core and the GIL soon after it asks, also on a busy two-core machine."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


# How much lower: 10 of 19 steps, as QThread.LowPriority would ask of the scheduler.
WORKER_NICE = 10
# The GIL is handed over every 5 ms by default; the GUI thread waits for it behind every
# busy worker, so a shorter interval shortens its worst wait (set by the main window).
GUI_SWITCH_INTERVAL_S = 0.001


class TaskSignals(QObject):
    progress = Signal(float, str)  # fraction 0…1, message
    info = Signal(str)  # a note for the user
    partial = Signal(object)  # a result so far (a workspace's projects while they load)
    finished = Signal(object)
    failed = Signal(object)  # the exception


class SignalFeedback(Feedback):
    """A task's feedback: progress and notes emitted as the task's signals."""

    def __init__(self, signals: TaskSignals) -> None:
        super().__init__()
        self.signals = signals

    def progress(self, fraction: float, message: str = "") -> None:
        self.signals.progress.emit(float(fraction), str(message))

    def info(self, note: str) -> None:
        self.signals.info.emit(str(note))

    def partial(self, result: Any) -> None:
        """Hand the GUI what the task has so far (delivered like `finished`)."""
        self.signals.partial.emit(result)


class Task:
    def __init__(self, name: str, fn: Callable[..., Any], workspace: str | None = None) -> None:
        self.name = name
        self.fn = fn
        self.workspace = workspace
        self.signals = TaskSignals()
        self.feedback = SignalFeedback(self.signals)
        self.done = threading.Event()

    def cancel(self) -> None:
        self.feedback.cancel()

    def _call(self) -> Any:
        if self.workspace is None:
            return self.fn(self.feedback)
        from gis_carbon.services.workspace import open_workspace

        with open_workspace(self.workspace, create=False, seed=False) as ws:
            return self.fn(self.feedback, ws)

    def run(self) -> None:
        try:
            result = self._call()
        except BaseException as exc:  # reported to the GUI, which shows it
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()


class TaskRunner(QObject):
    """Starts tasks on its own thread pool and keeps them alive until they report.

    With `threads=1` tasks run one after another in the order started (edits rely on it)."""

    def __init__(
        self,
        parent: QObject | None = None,
        threads: int = 3,
        name: str = "gis-carbon-task",
    ) -> None:
        super().__init__(parent)
        self.pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix=name, initializer=_lower_priority
        )
        self.running: list[Task] = []
        # Start the threads now: starting one waits for it to take the GIL, which a busy
        # worker can hold for a while — not something to do on the GUI thread mid-task.
        ready = threading.Barrier(threads + 1)
        for _ in range(threads):
            self.pool.submit(ready.wait)
        ready.wait()

    def start(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        workspace: str | os.PathLike[str] | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_info: Callable[[str], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
    ) -> Task:
        """Run `fn(feedback)` — or `fn(feedback, ws)` on a connection of the task's own when
        `workspace` (the workspace's location, never an open Workspace) is given."""
        if workspace is not None and not isinstance(workspace, (str, os.PathLike)):
            raise TypeError(
                f"workspace must be the workspace's path, not {type(workspace)!r}:"
                " a connection cannot move to a worker thread"
            )
        # a location string as given: Path() would fold a team URL's `//` into one
        task = Task(name, fn, None if workspace is None else os.fspath(workspace))
        if on_progress is not None:
            task.signals.progress.connect(on_progress)
        if on_info is not None:
            task.signals.info.connect(on_info)
        if on_partial is not None:
            task.signals.partial.connect(on_partial)

        def finished(result: Any) -> None:
            self._forget(task)
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._forget(task)
            if on_error is not None:
                on_error(exc)

        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        self.running.append(task)
        self.pool.submit(task.run)
        return task

    def _forget(self, task: Task) -> None:
        if task in self.running:
            self.running.remove(task)

    def cancel_all(self) -> None:
        for task in list(self.running):
            task.cancel()

    def wait(self, msecs: int = 60_000) -> bool:
        """Block until every started task has run (its signals may still be queued)."""
        deadline = time.monotonic() + msecs / 1000
        for task in list(self.running):
            if not task.done.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def shutdown(self) -> None:
        """Stop the worker threads once their tasks are done (when the window closes)."""
        self.cancel_all()
        self.pool.shutdown(wait=False, cancel_futures=True)
