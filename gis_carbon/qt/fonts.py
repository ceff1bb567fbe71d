"""Finding a font with Chinese glyphs: the system's Noto Sans CJK (fonts-noto-cjk) or a font
file dropped into resources/fonts/. Missing fonts are reported once, naming the package."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

from gis_carbon.resources import resource_path

PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)
RESOURCE_FONTS = resource_path("fonts")
PACKAGE_HINT = "fonts-noto-cjk (apt-get install fonts-noto-cjk)"
SAMPLE = "静海区津市市碳达峰目标"

_reported = {"done": False}


def _has_glyphs(family: str) -> bool:
    metrics = QFontMetrics(QFont(family))
    return all(metrics.inFontUcs4(ord(ch)) for ch in SAMPLE)


def find_cjk_family() -> str | None:
    """The first family that draws Chinese, loading resources/fonts/* first; None if none."""
    if RESOURCE_FONTS.is_dir():
        for path in sorted(RESOURCE_FONTS.glob("*.[ot]t[fc]")):
            QFontDatabase.addApplicationFont(str(path))
    families = set(QFontDatabase.families())
    for family in PREFERRED_FAMILIES:
        if family in families and _has_glyphs(family):
            return family
    for family in sorted(families):  # any other font that happens to cover the sample
        if _has_glyphs(family):
            return family
    return None


def ensure_cjk_font(app: object) -> str:
    """Make the application font a CJK one; say once if none exists. Returns the family."""
    family = find_cjk_family()
    if family is None:
        if not _reported["done"]:
            _reported["done"] = True
            print(
                f"gis-carbon: no font with Chinese glyphs found; install {PACKAGE_HINT}"
                f" or put a .ttf/.otf into {RESOURCE_FONTS}",
                file=sys.stderr,
            )
        return QFont().family()
    font = QFont(family)
    font.setPointSize(10)
    app.setFont(font)  # type: ignore[attr-defined]
    return family
