"""The Qt task runner speaks the one feedback protocol: a task's progress and notes arrive as
signals on the GUI thread, and the runner's cancel reaches the task as a Cancelled error."""

from __future__ import annotations

import threading

import pytest

from gis_carbon.errors import Cancelled
from gis_carbon.feedback import Feedback
from gis_carbon.services.imports import ImportCancelled

pytestmark = pytest.mark.qt


@pytest.fixture
def runner(qtbot):
    from gis_carbon.qt.workers import TaskRunner

    tasks = TaskRunner(threads=1)
    yield tasks
    tasks.shutdown()


def test_progress_and_notes_reach_the_gui_thread(runner, qtbot) -> None:
    def work(feedback: Feedback) -> str:
        feedback.progress_count(1, 4, "row 1")
        feedback.info("36 DMS seconds carried into the minute")
        return "done"

    seen: list[tuple[float, str]] = []
    notes: list[tuple[str, bool]] = []
    results: list[str] = []
    gui = threading.current_thread()
    runner.start(
        "work",
        work,
        on_done=results.append,
        on_progress=lambda f, m: seen.append((f, m)),
        on_info=lambda note: notes.append((note, threading.current_thread() is gui)),
    )
    qtbot.waitUntil(lambda: results == ["done"], timeout=10_000)
    assert seen == [(0.25, "row 1")]
    assert notes == [("36 DMS seconds carried into the minute", True)]


def test_cancel_stops_the_task_with_a_cancelled_error(runner, qtbot) -> None:
    started = threading.Event()

    def work(feedback: Feedback) -> None:
        started.set()
        while True:  # stops only through the cancel
            feedback.check_cancelled(ImportCancelled, "import cancelled; nothing was written")
            threading.Event().wait(0.01)

    errors: list[BaseException] = []
    task = runner.start("import", work, on_error=errors.append)
    assert started.wait(10)
    task.cancel()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], ImportCancelled) and isinstance(errors[0], Cancelled)
