"""No GUI test passes while printing a traceback: an exception escaping a slot reaches
pytest-qt's capture (which fails the test), and one escaping a thread fails it too
(tests/qt/conftest.py)."""

from __future__ import annotations

import threading

import pytest


def test_an_exception_in_a_slot_is_captured_as_a_failure(qtbot) -> None:
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        fired = Signal()

    def broken_slot() -> None:
        raise LookupError("project 52 not found")

    emitter = Emitter()
    emitter.fired.connect(broken_slot)
    with qtbot.capture_exceptions() as exceptions:
        emitter.fired.emit()
    assert [(kind, str(value)) for kind, value, _tb in exceptions] == [
        (LookupError, "project 52 not found")
    ]


def test_an_exception_in_a_thread_is_an_error_here(request: pytest.FixtureRequest) -> None:
    marks = {str(m.args[0]) for m in request.node.iter_markers("filterwarnings")}
    assert "error::pytest.PytestUnhandledThreadExceptionWarning" in marks
    # and the hook pytest reports through is the one Python calls for such a thread
    seen: list[str] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: seen.append(str(args.exc_value))
    try:
        thread = threading.Thread(target=lambda: 1 / 0)
        thread.start()
        thread.join()
    finally:
        threading.excepthook = previous
    assert seen == ["division by zero"]
