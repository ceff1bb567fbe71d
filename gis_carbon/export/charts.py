"""Progress charts with matplotlib (Agg): bars of % reached, trajectories against targets.

Chinese labels need a CJK font: `find_cjk_font` looks one up through matplotlib's font
manager (Noto Sans CJK from the Debian package fonts-noto-cjk first) and raises a
GisCarbonError naming that package when none is installed, instead of drawing empty boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError, GisCarbonError

# In order of preference; all cover the GB 2312 characters the plans use.
CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans CJK JP",
)
CJK_FONT_PACKAGE = "fonts-noto-cjk"


@dataclass(frozen=True)
class CjkFont:
    family: str
    path: str


def find_cjk_font() -> CjkFont:
    """The first installed CJK font of CJK_FONT_FAMILIES (regular weight preferred)."""
    from matplotlib import font_manager

    entries = font_manager.fontManager.ttflist
    for family in CJK_FONT_FAMILIES:
        matches = [f for f in entries if f.name == family]
        if matches:
            matches.sort(key=lambda f: (abs(_weight(f.weight) - 400), f.style != "normal"))
            return CjkFont(family, matches[0].fname)
    raise GisCarbonError(
        "no CJK font found for Chinese chart labels; install the Debian package "
        f"{CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE})"
    )


def _weight(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 400


@dataclass(frozen=True)
class Bar:
    label: str
    operating: float | None  # % of the target reached by operating projects
    pipeline: float | None  # % reached by the whole pipeline
    text: str  # the value shown at the bar's end
    baseline: float | None = None  # % of the target that is recorded existing stock (存量)


@dataclass(frozen=True)
class TrajectoryPanel:
    title: str
    unit: str
    pipeline: Sequence[tuple[int, float]]
    operating: Sequence[tuple[int, float]]
    pipeline_unknown_year: float  # pipeline projects without a commissioning year
    targets: Sequence[tuple[int, float, str]]  # (year, value, label)
    start_year: int


_LABELS = {
    "zh": {
        "operating": "投产",
        "pipeline": "全部规划（含在建、前期、规划）",
        "percent": "目标完成度（%）",
        "cumulative_pipeline": "累计：全部规划",
        "cumulative_operating": "累计：投产",
        "with_unknown": "累计：全部规划 + 年份未知项目 {v:g} {unit}",
        "target": "目标",
        "year": "投产年份",
        "none": "本方案没有可计算进度的目标",
        "bars": "目标进度",
        "baseline": "其中存量",
    },
    "en": {
        "operating": "operating",
        "pipeline": "pipeline (incl. construction, preparatory, planned)",
        "percent": "% of target",
        "cumulative_pipeline": "cumulative: pipeline",
        "cumulative_operating": "cumulative: operating",
        "with_unknown": "cumulative: pipeline + year unknown {v:g} {unit}",
        "baseline": "of which existing stock",
        "target": "target",
        "year": "commissioning year",
        "none": "no target of this plan can be evaluated",
        "bars": "progress",
    },
}

_PIPELINE_COLOUR, _OPERATING_COLOUR, _TARGET_COLOUR = "#9ecae1", "#08519c", "#d62728"
CHART_FORMATS = {".png": "png", ".svg": "svg"}
_BAR_CAP = 150.0  # bars beyond 150 % are drawn at 150 % with their value written


def draw_progress_chart(
    out: str | Path,
    *,
    title: str,
    bars: Sequence[Bar],
    panels: Sequence[TrajectoryPanel],
    lang: str = "zh",
    dpi: int = 120,
) -> Path:
    """Write the chart to `out` (PNG, or SVG for a .svg path); returns the path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.gridspec import GridSpec

    labels = _LABELS.get(lang)
    if labels is None:
        raise GisCarbonError(f"unknown chart language {lang!r}; known: zh, en")
    path = Path(out)
    if path.suffix.lower() not in CHART_FORMATS:
        raise ExportError(f"chart output must be a .png or .svg file; got {path}")
    font = find_cjk_font()
    rows = max(len(panels), 1)
    height = max(3.0 + 0.45 * len(bars), 3.2 * rows, 4.0)
    with matplotlib.rc_context(
        {
            "font.family": [font.family, "DejaVu Sans"],
            "axes.unicode_minus": False,
        }
    ):
        figure = plt.figure(figsize=(15, height), dpi=dpi)
        try:
            grid = GridSpec(rows, 2, figure=figure, width_ratios=(1.1, 1.0))
            _draw_bars(figure.add_subplot(grid[:, 0]), bars, labels)
            for i, panel in enumerate(panels):
                _draw_trajectory(figure.add_subplot(grid[i, 1]), panel, labels)
            figure.suptitle(title, fontsize=14)
            figure.tight_layout(rect=(0, 0, 1, 0.97))
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".part")
            figure.savefig(tmp, format=CHART_FORMATS[path.suffix.lower()])
            tmp.replace(path)  # no half-written PNG under the real name
        finally:
            plt.close(figure)
    return path


def _draw_bars(ax: Any, bars: Sequence[Bar], labels: dict[str, str]) -> None:
    if not bars:
        ax.text(0.5, 0.5, labels["none"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    ys = list(range(len(bars)))[::-1]
    height = 0.38

    def capped(value: float | None) -> float:
        return 0.0 if value is None else min(max(value, 0.0), _BAR_CAP)

    ax.barh(
        [y + height / 2 for y in ys],
        [capped(b.pipeline) for b in bars],
        height,
        color=_PIPELINE_COLOUR,
        label=labels["pipeline"],
    )
    ax.barh(
        [y - height / 2 for y in ys],
        [capped(b.operating) for b in bars],
        height,
        color=_OPERATING_COLOUR,
        label=labels["operating"],
    )
    stock = [(y, b) for y, b in zip(ys, bars, strict=True) if b.baseline]
    if stock:  # the existing stock is part of both bars: hatched over their start
        for offset in (height / 2, -height / 2):
            ax.barh(
                [y + offset for y, _ in stock],
                [capped(b.baseline) for _, b in stock],
                height,
                fill=False,
                hatch="///",
                edgecolor="#424242",
                linewidth=0,
                label=labels["baseline"] if offset > 0 else None,
            )
    for y, bar in zip(ys, bars, strict=True):
        ax.text(capped(bar.pipeline) + 1.5, y + height / 2, bar.text, va="center", fontsize=8)
        if bar.operating is not None:
            ax.text(
                capped(bar.operating) + 1.5,
                y - height / 2,
                f"{bar.operating:.1f}%",
                va="center",
                fontsize=8,
                color=_OPERATING_COLOUR,
            )
    ax.axvline(100.0, color=_TARGET_COLOUR, linestyle="--", linewidth=1)
    ax.set_yticks(ys, [b.label for b in bars], fontsize=9)
    ax.set_xlim(0, _BAR_CAP + 25)
    ax.set_xlabel(labels["percent"])
    ax.set_title(labels["bars"])
    ax.legend(loc="lower right", fontsize=8)


def _steps(
    points: Sequence[tuple[int, float]], start: int, end: int
) -> tuple[list[int], list[float]]:
    years = list(range(start, end + 1))
    values, running, table = [], 0.0, dict(points)
    for year in years:
        running = table.get(year, running) if year in table else running
        values.append(running)
    return years, values


def _draw_trajectory(ax: Any, panel: TrajectoryPanel, labels: dict[str, str]) -> None:
    end = max(
        [y for y, _, _ in panel.targets] + [y for y, _ in panel.pipeline] + [panel.start_year]
    )
    years, pipeline = _steps(panel.pipeline, panel.start_year, end)
    _, operating = _steps(panel.operating, panel.start_year, end)
    ax.step(
        years,
        pipeline,
        where="post",
        color=_PIPELINE_COLOUR,
        linewidth=2,
        label=labels["cumulative_pipeline"],
    )
    if panel.pipeline_unknown_year:
        ax.step(
            years,
            [v + panel.pipeline_unknown_year for v in pipeline],
            where="post",
            color=_PIPELINE_COLOUR,
            linestyle="--",
            linewidth=1.5,
            label=labels["with_unknown"].format(
                v=round(panel.pipeline_unknown_year, 3), unit=panel.unit
            ),
        )
    ax.step(
        years,
        operating,
        where="post",
        color=_OPERATING_COLOUR,
        linewidth=2,
        label=labels["cumulative_operating"],
    )
    for year in sorted({year for year, _, _ in panel.targets}):
        # the target years (2025, 2030) marked across the panel: where each step must be
        ax.axvline(year, color="#888888", linestyle="--", linewidth=0.8)
        ax.annotate(
            str(year),
            (year, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=8,
            color="#555555",
        )
    for year, value, text in panel.targets:
        ax.plot([year], [value], marker="*", markersize=14, color=_TARGET_COLOUR, linestyle="")
        ax.axhline(value, color=_TARGET_COLOUR, linestyle=":", linewidth=0.8)
        ax.annotate(
            text,
            (year, value),
            textcoords="offset points",
            xytext=(-6, 6),
            ha="right",
            fontsize=8,
            color=_TARGET_COLOUR,
        )
    ax.set_xlim(panel.start_year - 0.5, end + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_title(panel.title, fontsize=10)
    ax.set_xlabel(labels["year"])
    ax.set_ylabel(panel.unit)
    ax.legend(loc="upper left", fontsize=7)
