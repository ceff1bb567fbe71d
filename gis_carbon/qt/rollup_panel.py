"""The targets dock's Roll-up tab: a city plan's summed targets against its districts, and
each target's current value by project type — what `gis-carbon rollup` prints, computed by
the same service (services.progress.rollup) on a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from gis_carbon.qt.i18n import tr


def value_text(target: Any, value: float | None) -> str:
    from gis_carbon.services.progress import value_text as text

    return text(target, value)


def target_text(target: Any) -> str:
    from gis_carbon.services.progress import target_text as text

    return text(target, tr("aspirational"))


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def compute_rollup(ws: Any, plan_id: str, policy: str) -> list[dict[str, Any]]:
    """On a worker: the roll-up rows with each target's by-type breakdown."""
    from gis_carbon.model.types import project_type
    from gis_carbon.services.progress import contributions_by_type, rollup

    rows = []
    for row in rollup(ws, plan_id, policy=policy):
        by_type = contributions_by_type(ws, row.progress)
        rows.append(
            {
                "row": row,
                "by_type": [(project_type(code), value) for code, value in by_type.items()],
            }
        )
    return rows


class RollupPanel(QWidget):
    """Targets of a plan with districts below: each target, its districts' contributions
    (and the district plan's own target), then its value by project type."""

    COLUMNS = ("Target / district", "Code", "Contribution", "Its own plan's target")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr(c) for c in self.COLUMNS])
        self.tree.setColumnWidth(0, 200)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)
        self.show_rows(None, [])

    def show_rows(self, plan_name: str | None, rows: list[dict[str, Any]]) -> None:
        from gis_carbon.qt.i18n import language

        self.tree.clear()
        if not rows:
            self.summary.setText(
                tr("No roll-up: the plan has no summed targets (capacity, count or area).")
                if plan_name
                else ""
            )
            return
        self.summary.setText(
            tr("{plan}: {n} targets summed from its districts").format(plan=plan_name, n=len(rows))
        )
        english = language() == "en"
        for entry in rows:
            progress, target = entry["row"].progress, entry["row"].progress.target
            verdict = progress.verdict.value if english else progress.verdict.name_zh
            top = QTreeWidgetItem(
                [
                    f"{target.name_zh} {target.year}",
                    target_text(target),
                    value_text(target, progress.current),
                    f"{percent_text(progress.percent)} {verdict}",
                ]
            )
            top.setToolTip(0, f"「{target.quote}」")
            self.tree.addTopLevelItem(top)
            for district in entry["row"].districts:
                own = district.own_target
                QTreeWidgetItem(
                    top,
                    [
                        district.region_name,
                        district.region_code,
                        value_text(target, district.value),
                        ""
                        if own is None
                        else f"{target_text(own.target)} → {percent_text(own.percent)}",
                    ],
                )
            if entry["by_type"]:
                group = QTreeWidgetItem(top, [tr("By type")])
                group.setExpanded(True)
                for ptype, value in entry["by_type"]:
                    name = ptype.name_en if english else ptype.name_zh
                    QTreeWidgetItem(group, [name, ptype.code, value_text(target, value), ""])
            top.setExpanded(True)
        for column in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(column)  # whole names; the dock scrolls


def attach(window: Any) -> tuple[RollupPanel, Callable[[], None]]:
    """A Roll-up dock tabbed with the targets, and the function that recomputes it for the
    window's plan and policy on the read worker (called with each evaluation; while the tab
    is hidden it only notes that the roll-up must be computed when shown)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    panel = RollupPanel()
    dock = QDockWidget(tr("Roll-up"), window)
    dock.setObjectName("dock_rollup")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.docks["targets"], dock)
    window.docks["rollup"] = dock
    window.docks["targets"].raise_()
    generation = [0]
    stale = [True]

    def refresh() -> None:
        # only while its tab is shown: a roll-up evaluates every target again, and doing it
        # behind each evaluation kept the worker (and the GIL) busy twice as long
        if not panel.isVisible():
            stale[0] = True
            return
        stale[0] = False
        generation[0] += 1
        mine, plan_id, policy = generation[0], window.plan_id, window.policy()
        if not plan_id:
            panel.show_rows(None, [])
            return
        name = window.plans[plan_id].name if plan_id in window.plans else plan_id

        def work(_feedback: Any, ws: Any) -> tuple[int, list[dict[str, Any]] | None]:
            if mine != generation[0]:
                return mine, None  # superseded while queued
            return mine, compute_rollup(ws, plan_id, policy)

        def done(result: tuple[int, list[dict[str, Any]] | None]) -> None:
            if result[0] == generation[0] and result[1] is not None:
                panel.show_rows(name, result[1])

        window._track(tr("Rolling up districts"), work, done, workspace=True)

    dock.visibilityChanged.connect(lambda shown: refresh() if shown and stale[0] else None)
    return panel, refresh
