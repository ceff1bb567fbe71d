"""One way for a long task to report back, as QGIS's QgsProcessingFeedback does: progress
with a message, notes the user should see, and cancellation.

The task calls ``progress()``/``progress_count()``, ``info()`` and ``check_cancelled()``;
whoever started it passes a subclass that shows them (a terminal bar in the CLI, Qt signals in
the desktop app, a queue to the parent in a child process) and calls ``cancel()``. This base
shows nothing. A leaf module: it imports nothing of the app but its errors, so every layer
may use it.

    def work(rows, feedback: Feedback = NO_FEEDBACK) -> None:
        for n, row in enumerate(rows):
            feedback.check_cancelled()
            feedback.progress_count(n, len(rows), f"row {n}")
"""

from __future__ import annotations

import threading

from gis_carbon.errors import Cancelled

__all__ = ["NO_FEEDBACK", "Cancelled", "Feedback", "RecordingFeedback"]


class Feedback:
    """Progress, notes and cancellation of one task. This base shows nothing; subclasses
    override ``progress`` and ``info`` (``progress_count`` defaults to ``progress``)."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()

    def progress(self, fraction: float, message: str = "") -> None:
        """How far the task is, 0…1, and what it is doing now."""

    def progress_count(self, done: int, total: int, message: str = "") -> None:
        """``done`` of ``total`` items (rows, targets, steps): a bar can show a rate."""
        self.progress(done / total if total > 0 else 1.0, message)

    def info(self, note: str) -> None:
        """Something the user should read, not an error: "60″ carried into the minute"."""

    def part(self, start: float, end: float) -> Feedback:
        """This feedback for one phase of the task: the phase's 0…1 is start…end here, and
        its notes and cancellation are this feedback's (QGIS's multi-step feedback)."""
        return _Part(self, start, end)

    def cancel(self) -> None:
        self._cancelled.set()

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check_cancelled(
        self, error: type[Cancelled] = Cancelled, message: str = "cancelled; nothing was written"
    ) -> None:
        """Raise ``error(message)`` once the task has been cancelled."""
        if self.is_cancelled():
            raise error(message)


class _Part(Feedback):
    def __init__(self, whole: Feedback, start: float, end: float) -> None:
        super().__init__()
        self.whole, self.start, self.end = whole, start, end

    def progress(self, fraction: float, message: str = "") -> None:
        self.whole.progress(self.start + (self.end - self.start) * fraction, message)

    def info(self, note: str) -> None:
        self.whole.info(note)

    def cancel(self) -> None:
        self.whole.cancel()

    def is_cancelled(self) -> bool:
        return self.whole.is_cancelled()


class _NoFeedback(Feedback):
    """The shared default: never cancelled (one caller's cancel must not stop another's)."""

    def cancel(self) -> None:
        raise TypeError("NO_FEEDBACK is shared and cannot be cancelled; pass a Feedback()")


NO_FEEDBACK: Feedback = _NoFeedback()


class RecordingFeedback(Feedback):
    """Keeps what a task reported, for scripts and tests: ``fractions``, ``messages`` and
    ``notes``."""

    def __init__(self) -> None:
        super().__init__()
        self.fractions: list[float] = []
        self.messages: list[str] = []
        self.notes: list[str] = []

    def progress(self, fraction: float, message: str = "") -> None:
        self.fractions.append(fraction)
        self.messages.append(message)

    def info(self, note: str) -> None:
        self.notes.append(note)
