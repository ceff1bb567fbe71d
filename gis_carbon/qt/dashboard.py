"""The start page: a card per plan of the workspace (services.overview.plan_cards) with its
headline targets as bars — operating beside pipeline — its projects by status and the number
of targets waiting for data. A click on a card asks the window to open that plan on the map.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.model.types import STATUS_INFO, Status
from gis_carbon.model.units import format_number
from gis_carbon.qt.i18n import language, tr
from gis_carbon.services.overview import HeadlineTarget, PlanCard

# The same colours as the progress chart (export/charts.py): operating dark, pipeline light.
OPERATING_COLOUR, PIPELINE_COLOUR, TARGET_COLOUR = "#08519c", "#9ecae1", "#d62728"
BAR_CAP = 150.0  # percent; longer bars stop here with their value written
CARD_COLUMNS = 3
ROW_PX = 48


def _name(target: HeadlineTarget) -> str:
    return target.name_zh if language() == "zh" else target.name_en


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


class HeadlineBars(QWidget):
    """Per headline target: its name and the target value, then two bars (operating, pipeline)
    as percent reached, with a red line at 100 %."""

    def __init__(self, targets: list[HeadlineTarget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.targets = targets
        self.setMinimumHeight(max(1, len(targets)) * ROW_PX + 4)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(360, max(1, len(self.targets)) * ROW_PX + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        # Per target: its name and year, the target value at the right; under them the two
        # bars across the card's width, each with its percent.
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(12)
        painter.setFont(font)
        width = float(self.width())
        bar_w = max(40.0, width - 56)
        for row, target in enumerate(self.targets):
            top = row * ROW_PX + 2
            goal = f"{tr('target')} {format_number(target.value)} {target.unit}".strip()
            goal_w = painter.fontMetrics().horizontalAdvance(goal) + 6
            painter.setPen(QColor("#222222"))
            label = f"{_name(target)} {target.year}"
            painter.drawText(
                QRectF(0, top, width - goal_w, 16),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(
                    label, Qt.TextElideMode.ElideRight, int(width - goal_w)
                ),
            )
            painter.setPen(QColor("#666666"))
            painter.drawText(
                QRectF(width - goal_w, top, goal_w, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                goal,
            )
            for i, (value, colour) in enumerate(
                ((target.operating, OPERATING_COLOUR), (target.pipeline, PIPELINE_COLOUR))
            ):
                y = top + 18 + i * 12
                painter.fillRect(QRectF(0, y, bar_w, 10), QColor("#eeeeee"))
                shown = min(BAR_CAP, value or 0.0) / BAR_CAP
                painter.fillRect(QRectF(0, y, bar_w * shown, 10), QColor(colour))
                painter.setPen(QColor("#333333"))
                painter.drawText(
                    QRectF(bar_w + 4, y - 3, 52, 16),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    _percent(value),
                )
            full = bar_w * 100 / BAR_CAP
            painter.setPen(QPen(QColor(TARGET_COLOUR), 1.5))
            painter.drawLine(QPointF(full, top + 16), QPointF(full, top + 42))
        painter.end()


class PlanCardWidget(QFrame):
    clicked = Signal(str)  # plan id

    def __init__(self, card: PlanCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.setObjectName("plan_card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            "#plan_card { background: white; border: 1px solid #c8c8c8; border-radius: 6px; }"
            "#plan_card:hover { border: 1px solid #08519c; }"
        )
        self.setToolTip(tr("Open this plan on the map"))
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{card.name}</b>")
        title.setWordWrap(True)
        title.setStyleSheet("font-size: 15px;")
        layout.addWidget(title)
        self.summary = QLabel(
            tr("{region} · {targets} targets · {projects} projects").format(
                region=card.region_name, targets=card.targets, projects=card.projects
            )
        )
        layout.addWidget(self.summary)
        if card.headline:
            self.bars: HeadlineBars | None = HeadlineBars(card.headline)
            layout.addWidget(self.bars)
            legend = QLabel(
                f"<span style='color:{OPERATING_COLOUR}'>■</span> {tr('operating')}  "
                f"<span style='color:{PIPELINE_COLOUR}'>■</span> {tr('pipeline')}  "
                f"<span style='color:{TARGET_COLOUR}'>|</span> 100%"
            )
            layout.addWidget(legend)
        else:
            self.bars = None
            layout.addWidget(QLabel(tr("No capacity or quantity targets")))
        self.status_label = QLabel(self.status_text())
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.waiting_label = QLabel(
            tr("{n} targets waiting for data").format(n=card.waiting_for_data)
        )
        if card.waiting_for_data:
            self.waiting_label.setStyleSheet("color: #b35806;")
        layout.addWidget(self.waiting_label)
        layout.addStretch(1)

    def status_text(self) -> str:
        if not self.card.projects_by_status:
            return tr("No projects yet")
        parts = []
        for status in Status:  # the life-cycle order, not the order the counts came in
            n = self.card.projects_by_status.get(status.value)
            if n:
                info = STATUS_INFO[status]
                parts.append(f"{info.name_zh if language() == 'zh' else info.name_en} {n}")
        return tr("Projects: ") + " · ".join(parts)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit(self.card.plan_id)
        super().mouseReleaseEvent(event)


class Dashboard(QScrollArea):
    """The overview page. `set_cards` fills it; `plan_chosen` says which card was clicked."""

    plan_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.setWidgetResizable(True)
        self.cards: dict[str, PlanCardWidget] = {}
        self._page = QWidget()
        self._page.setObjectName("overview_page")
        self._page.setStyleSheet("#overview_page { background: #f4f1ea; }")
        outer = QVBoxLayout(self._page)
        self.heading = QLabel(f"<h2>{tr('Overview of the plans')}</h2>")
        outer.addWidget(self.heading)
        self.message = QLabel(tr("Computing the plans' progress…"))
        outer.addWidget(self.message)
        self._grid = QGridLayout()
        self._grid.setSpacing(12)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self.setWidget(self._page)

    def set_cards(self, cards: list[PlanCard]) -> None:
        for widget in self.cards.values():
            widget.deleteLater()
        self.cards = {}
        self.message.setText(
            tr("Click a plan to open it on the map.") if cards else tr("No plans yet")
        )
        for i, card in enumerate(cards):
            widget = PlanCardWidget(card)
            widget.clicked.connect(self.plan_chosen)
            self._grid.addWidget(widget, i // CARD_COLUMNS, i % CARD_COLUMNS)
            self.cards[card.plan_id] = widget
        for column in range(CARD_COLUMNS):
            self._grid.setColumnStretch(column, 1)

    def set_failed(self, text: Any) -> None:
        self.message.setText(tr("The overview could not be computed: ") + str(text))


def install_overview(window: Any, *, first: bool) -> Dashboard:
    """Put the dashboard beside the map as the window's central tabs ("Overview", "Map");
    `first` shows the overview at start. Cards are computed on the window's read worker,
    again each time the overview is shown (plans and projects may have changed meanwhile)."""
    from PySide6.QtWidgets import QTabWidget

    dashboard = Dashboard()
    tabs = QTabWidget()
    tabs.setObjectName("central_tabs")
    tabs.setDocumentMode(True)
    # the map page is whatever the window's centre holds: the canvas, or the canvas with the
    # search box above it (map_tools)
    map_page = window.takeCentralWidget() or window.canvas
    tabs.addTab(dashboard, tr("Overview"))
    tabs.addTab(map_page, tr("Map"))
    window.setCentralWidget(tabs)
    window.central_tabs = tabs
    window.map_page = map_page
    window.dashboard = dashboard

    def refresh() -> None:
        from gis_carbon.services.overview import plan_cards

        window._track(
            tr("Computing the overview"),
            lambda feedback, ws: plan_cards(ws, feedback),
            dashboard.set_cards,
            on_error=dashboard.set_failed,
            workspace=True,
        )

    def open_plan(plan_id: str) -> None:
        tabs.setCurrentWidget(map_page)
        window.show_plan(plan_id)

    dashboard.plan_chosen.connect(open_plan)
    tabs.currentChanged.connect(lambda index: refresh() if index == 0 else None)
    tabs.setCurrentWidget(dashboard if first else map_page)
    if first:
        refresh()  # currentChanged does not fire for the first tab shown
    window.refresh_overview = refresh
    return dashboard


__all__ = ["Dashboard", "HeadlineBars", "PlanCardWidget", "install_overview"]
