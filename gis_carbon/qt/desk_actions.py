"""File → Print / export PDF… (the CLI's `report`, in a child process with progress) and
View → Overview map (checkable, remembered; the inset keeps clear of the plan area)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gis_carbon.qt.i18n import tr

OVERVIEW_SETTING = "view/overview"
MARGIN = 12


def attach(window: Any, file_menu: Any, view_menu: Any, before: QAction) -> None:
    pdf = QAction(tr("Print / export PDF…"), window)
    pdf.setShortcut("Ctrl+Shift+P")
    pdf.triggered.connect(lambda: report_dialog(window))
    file_menu.insertAction(before, pdf)
    file_menu.insertSeparator(before)
    overview = QAction(tr("Overview map"), window)
    overview.setCheckable(True)
    shown = str(window.settings.value(OVERVIEW_SETTING, "true")).lower() != "false"
    overview.setChecked(shown)
    window.canvas.overview_visible = shown

    def toggled(on: bool) -> None:
        window.canvas.overview_visible = on
        window.settings.setValue(OVERVIEW_SETTING, "true" if on else "false")
        window.canvas.update()

    overview.toggled.connect(toggled)
    view_menu.addAction(overview)
    window.action_table["report_pdf"] = pdf
    window.action_table["overview"] = overview


def report_dialog(window: Any) -> None:
    """Ask where, then write the plan's report."""
    if not window.plan_id:
        window.show_error(tr("Choose a plan first."))
        return
    plan = window.plans[window.plan_id]
    suggested = str(Path.home() / f"{plan.region_name}-report.pdf")
    path, _filter = QFileDialog.getSaveFileName(
        window, tr("Print / export PDF…"), suggested, tr("PDF (*.pdf)")
    )
    if path:
        write_report(window, Path(path))


def write_report(window: Any, path: Path) -> Any:
    """The chosen plan's one-page report to `path` (.pdf added when missing), in a child
    process with progress and Cancel; the user is told where it went."""
    from gis_carbon.services.background import run_report

    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    plan_id, location = window.plan_id, window.ws.location

    def work(feedback: Any) -> Any:
        return run_report(location, plan_id, path, feedback=feedback)

    def done(result: Any) -> None:
        written = ", ".join(str(p) for p in result.paths)
        window.statusBar().showMessage(tr("Report written: {path}").format(path=written), 15000)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "gis-carbon",
            tr("Report written: {path}").format(path=written),
            parent=window,
        )
        box.setObjectName("report_written")
        box.open()
        window.last_report = result

    return window._track(tr("Writing report"), work, done, user=True)


def overview_origin(
    canvas_size: tuple[int, int],
    inset: tuple[int, int],
    avoid: tuple[float, float, float, float] | None,
) -> tuple[int, int] | None:
    """Top-left pixel of the inset: the first corner (bottom right, bottom left, top right, top
    left) whose inset would not cover `avoid` (the plan area on screen: x0, y0, x1, y1); the
    corner covering least of it when each would; None when the canvas is too small."""
    width, height = canvas_size
    w, h = inset
    if width - w - MARGIN < 200 or height - h - MARGIN < 80:
        return None
    corners = [
        (width - w - MARGIN, height - h - MARGIN),
        (MARGIN, height - h - MARGIN - 40),  # above the scale bar
        (width - w - MARGIN, MARGIN + 70),  # below the north arrow
        (MARGIN, MARGIN),
    ]
    if avoid is None:
        return corners[0]

    def covered(corner: tuple[int, int]) -> float:
        x, y = corner
        dx = min(x + w, avoid[2]) - max(x, avoid[0])
        dy = min(y + h, avoid[3]) - max(y, avoid[1])
        return max(0.0, dx) * max(0.0, dy)

    return min(corners, key=lambda c: (covered(c) > 0, covered(c), corners.index(c)))


def plan_screen_rect(canvas: Any) -> tuple[float, float, float, float] | None:
    """The focused plan region's bounding box in canvas pixels, when the boundaries are in."""
    from gis_carbon.qt.geometry_cache import BoundaryData

    boxes = []
    for code in canvas.focus:
        for name in ("counties", "provinces"):
            data = canvas.data.get(name)
            if isinstance(data, BoundaryData):
                bounds = data.bounds_of(code)
                if bounds is not None:
                    boxes.append(bounds)
                    break
    if not boxes:
        return None
    minx = min(b[0] for b in boxes)
    miny = min(b[1] for b in boxes)
    maxx = max(b[2] for b in boxes)
    maxy = max(b[3] for b in boxes)
    ax, ay = canvas.view.world_to_screen(minx, maxy)
    bx, by = canvas.view.world_to_screen(maxx, miny)
    return (float(min(ax, bx)), float(min(ay, by)), float(max(ax, bx)), float(max(ay, by)))
