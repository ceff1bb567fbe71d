"""PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call of a void-returning
method and aborts the interpreter ("Fatal Python error: none_dealloc") after a few thousand
calls. We pin around it; this test makes the calls in a child process so a regression shows
as a failed test, not a crashed test run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_CALLS = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QPointF
    before = sys.getrefcount(None)
    point = QPointF(0.0, 0.0)
    for i in range(20_000):
        point.setX(float(i))   # void-returning: must not touch None's refcount
        point.setY(float(i))
    after = sys.getrefcount(None)
    print(point.x(), before - after)
    """
)


def test_twenty_thousand_void_calls_keep_the_interpreter_alive() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CALLS],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    x, lost = result.stdout.split()
    assert float(x) == 19_999.0
    # None is immortal from 3.12 on; on 3.11 a leak of one ref per call would show here.
    assert int(lost) < 100


def test_the_installed_pyside6_is_not_the_broken_release() -> None:
    import PySide6

    assert PySide6.__version__ != "6.12.0"
