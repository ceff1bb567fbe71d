"""File → Print / export PDF… (the CLI's `report`, in a child process with progress) and
View → Overview map (checkable, remembered; the inset keeps clear of the plan area)."""

from __future__ import annotations

from collections.abc import Callable
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


def overview_place(
    canvas_size: tuple[int, int],
    inset: tuple[int, int],
    covers_plan: Callable[[tuple[float, float, float, float]], bool],
) -> tuple[float, float, float, float] | None:
    """Where the inset goes (x, y, width, height in pixels): the first corner — bottom right,
    bottom left, top right, top left — where it covers none of the plan area, at full size,
    else at ¾, else at ½; bottom right at full size when the plan fills every corner; None
    when the canvas is too small for it."""
    width, height = canvas_size
    w, h = inset
    if width - w - MARGIN < 200 or height - h - MARGIN < 80:
        return None
    for scale in (1.0, 0.75, 0.5):
        sw, sh = w * scale, h * scale
        for x, y in (
            (width - sw - MARGIN, height - sh - MARGIN),
            (MARGIN, height - sh - MARGIN - 40),  # above the scale bar
            (width - sw - MARGIN, MARGIN + 70),  # below the north arrow
            (MARGIN, MARGIN),
        ):
            if not covers_plan((x, y, sw, sh)):
                return (x, y, sw, sh)
    return (width - w - MARGIN, height - h - MARGIN, w, h)


def plan_cover_test(canvas: Any) -> Callable[[tuple[float, float, float, float]], bool]:
    """Whether a pixel rectangle covers part of the focused plan region's outline (its
    coarsest drawing copy); nothing is covered while the boundaries are loading."""
    from PySide6.QtCore import QRectF

    from gis_carbon.qt.geometry_cache import BoundaryData

    paths = []
    for code in canvas.focus:
        for name in ("counties", "provinces"):
            data = canvas.data.get(name)
            if isinstance(data, BoundaryData) and code in data.index:
                paths.append(data.levels[-1].paths[data.index[code]])
                break

    def covers(rect: tuple[float, float, float, float]) -> bool:
        x, y, w, h = rect
        ax, ay = canvas.view.screen_to_world(x, y)
        bx, by = canvas.view.screen_to_world(x + w, y + h)
        world = QRectF(
            float(min(ax, bx)), float(min(ay, by)), float(abs(bx - ax)), float(abs(by - ay))
        )
        return any(path.intersects(world) for path in paths)

    return covers
