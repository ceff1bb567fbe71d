"""The progress chart: a real PNG whose Chinese labels have glyphs in the chosen font."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTCollection, TTFont

from gis_carbon.errors import GisCarbonError
from gis_carbon.export import charts
from gis_carbon.export.charts import Bar, TrajectoryPanel, draw_progress_chart, find_cjk_font
from gis_carbon.services.progress import draw_chart


def cmap_of(path: str, family: str) -> set[int]:
    """Code points of the face named `family` in a .ttc/.otf/.ttf file."""
    fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path)]
    for font in fonts:
        names = {n.toUnicode() for n in font["name"].names if n.nameID in (1, 16)}
        if family in names:
            return set(font.getBestCmap())
    raise AssertionError(f"{family} not in {path}")


def test_chart_labels_have_glyphs_and_the_png_is_not_blank(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    font = find_cjk_font()
    assert "CJK" in font.family or "Han" in font.family
    glyphs = cmap_of(font.path, font.family)
    labels = [t.name_zh for t in seeded.targets("jinghai")] + [
        "全部规划（含在建、前期、规划）",
        "投产年份",
        "目标完成度（%）",
    ]
    missing = {c for text in labels for c in text if ord(c) not in glyphs and not c.isspace()}
    assert not missing, f"glyphs missing from {font.family}: {sorted(missing)}"

    out = tmp_path / "jinghai.png"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")  # tofu boxes
        draw_chart(seeded, "静海区", out)
    import matplotlib.image

    pixels = matplotlib.image.imread(out)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 1000
    ink = (pixels[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.005 < ink < 0.5, ink  # text and bars drawn on a white background
    assert np.unique(pixels[..., :3].reshape(-1, 3), axis=0).shape[0] > 20


def test_a_label_renders_with_ink_in_the_cjk_font(tmp_path: Path) -> None:
    """The same label drawn once: the glyphs cover area (an empty-box glyph would not)."""
    out = tmp_path / "label.png"
    draw_progress_chart(
        out,
        title="静海区可再生能源",
        bars=[Bar("可再生能源电力装机容量 2025", 0.0, 17.9, "17.9%")],
        panels=[
            TrajectoryPanel(
                "可再生能源",
                "MW",
                [(2024, 100.0)],
                [],
                500.0,
                [(2025, 2800.0, "2025 目标 280 万千瓦")],
                2020,
            )
        ],
    )
    import matplotlib.image

    assert (matplotlib.image.imread(out)[..., :3].mean(axis=2) < 0.5).any()


def test_no_cjk_font_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(charts, "CJK_FONT_FAMILIES", ("No Such Font CJK",))
    with pytest.raises(GisCarbonError, match="fonts-noto-cjk"):
        draw_progress_chart(tmp_path / "x.png", title="t", bars=[], panels=[])
    assert not (tmp_path / "x.png").exists()


def test_chart_output_must_be_png(tmp_path: Path) -> None:
    with pytest.raises(GisCarbonError, match=r"\.png"):
        draw_progress_chart(tmp_path / "x.pdf", title="t", bars=[], panels=[])
