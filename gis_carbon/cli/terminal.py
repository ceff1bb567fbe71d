"""The CLI's feedback: a progress bar (tqdm: percent, rate and time left) on stderr while a
long command runs, and the task's notes as ``note:`` lines.

Only on a terminal: when stderr is piped or redirected, or the command prints JSON, nothing
of this is written, so scripts read clean output.

    with terminal_feedback(args, unit="rows") as feedback:
        result = import_file(ws, path, feedback=feedback)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gis_carbon.feedback import Feedback

# Fractions are shown as percent; counts in the command's own unit (rows, targets…).
PERCENT = 100
DESCRIPTION_WIDTH = 32
# A terminal that reports no size (a fresh pseudo-terminal, `docker run -t`): tqdm would
# draw nothing at all in 0 rows and 0 columns; this size instead.
FALLBACK_SIZE = (80, 24)


class TerminalFeedback(Feedback):
    def __init__(self, *, bar: bool, notes: bool, unit: str) -> None:
        super().__init__()
        self.show_bar, self.show_notes, self.unit = bar, notes, unit
        self.bar: Any = None  # made at the first report: a command that reports nothing shows none

    def _bar(self, total: float, unit: str) -> Any:
        if self.bar is None:
            from tqdm import tqdm

            sized = all(_terminal_size())
            self.bar = tqdm(
                total=total,
                unit=unit,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=sized,
                ncols=None if sized else FALLBACK_SIZE[0],
                nrows=None if sized else FALLBACK_SIZE[1],
            )
        elif self.bar.total != total or self.bar.unit != unit:
            self.bar.unit = unit
            self.bar.reset(total=total)
        return self.bar

    def _advance(self, bar: Any, done: float, message: str) -> None:
        if message:
            bar.set_description_str(message[:DESCRIPTION_WIDTH], refresh=False)
        bar.update(done - bar.n)  # update, not n =: tqdm measures the rate from updates

    def progress(self, fraction: float, message: str = "") -> None:
        if self.show_bar:
            bar = self._bar(PERCENT, "%")
            self._advance(bar, round(max(0.0, min(1.0, fraction)) * PERCENT, 1), message)

    def progress_count(self, done: int, total: int, message: str = "") -> None:
        if self.show_bar:
            self._advance(self._bar(total, self.unit), done, message)

    def info(self, note: str) -> None:
        if self.show_notes:
            from tqdm import tqdm

            tqdm.write(f"note: {note}", file=sys.stderr)  # above the bar, which stays

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _terminal_size() -> tuple[int, int]:
    try:
        return tuple(os.get_terminal_size(sys.stderr.fileno()))  # type: ignore[return-value]
    except (OSError, ValueError):
        return (0, 0)


@contextmanager
def terminal_feedback(args: argparse.Namespace, *, unit: str = "it") -> Iterator[TerminalFeedback]:
    """The feedback of one command: a bar when stderr is a terminal and ``--json`` is off;
    notes unless ``--json``. The bar is cleared when the command ends, however it ends."""
    as_json = bool(getattr(args, "json", False))
    feedback = TerminalFeedback(
        bar=not as_json and sys.stderr.isatty(), notes=not as_json, unit=unit
    )
    try:
        yield feedback
    finally:
        feedback.close()
