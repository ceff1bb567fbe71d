"""`python main.py --screenshot` writes a legible PNG, with Chinese drawn in a CJK font."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_screenshot_is_not_blank(seeded_path, tmp_path) -> None:
    out = tmp_path / "s.png"
    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--workspace",
            str(seeded_path),
            "--screenshot",
            str(out),
            "--plan",
            "静海区",
            "--size",
            "1600x1000",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO),
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)
    # A blank or one-colour window has a handful of colours; a drawn map has thousands.
    colours = {image.pixel(x, y) for x in range(0, 1600, 7) for y in range(0, 1000, 7)}
    assert len(colours) > 500


def test_chinese_labels_use_a_font_with_the_glyphs(qapp) -> None:
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QRawFont

    from gis_carbon.qt.fonts import ensure_cjk_font, find_cjk_family

    family = find_cjk_family()
    assert family is not None, "install fonts-noto-cjk"
    assert ensure_cjk_font(qapp) == family
    font = QFont(family)
    metrics = QFontMetrics(font)
    raw = QRawFont.fromFont(font, QFontDatabase.WritingSystem.SimplifiedChinese)
    for ch in "静海区津市市可再生能源装机":
        assert metrics.inFontUcs4(ord(ch)), ch
        assert raw.supportsCharacter(ord(ch)), ch
