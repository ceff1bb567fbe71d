"""The plan editor: the workspace's plans as a tree, the chosen plan's fields, its targets in
a table edited in place, and the full sentence of the chosen target.

A thin adapter: every change becomes an undoable command (gis_carbon.model.plan_commands)
handed to `run_command`, which the main window runs on its edit worker; the window calls
`reload` when the workspace changed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.model.plan import Comparator, Metric, Plan, Target
from gis_carbon.model.plan_commands import AddTarget, DeleteTarget, EditPlan, EditTarget
from gis_carbon.model.units import format_number
from gis_carbon.qt.i18n import language, tr
from gis_carbon.qt.messages import error_text

# The targets table: (header, how a target shows, the edit_target key a typed cell changes)
COLUMNS: tuple[tuple[str, Callable[[Target], str], str | None], ...] = (
    ("Name", lambda t: t.name_zh if language() == "zh" else t.name_en, "name"),
    ("Metric", lambda t: t.metric.value, None),
    ("Value", lambda t: f"{format_number(t.value)} {t.unit}".strip(), "value"),
    ("Comparator", lambda t: t.comparator.value, "comparator"),
    ("Year", lambda t: str(t.year), "year"),
    ("Types", lambda t: ",".join(t.scope), "types"),
    ("Aspirational", lambda t: "力争" if t.aspirational else "", None),
)


class PlanEditor(QDialog):
    def __init__(
        self,
        run_command: Callable[[Any], None],
        store: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Plans and targets"))
        self.resize(1150, 720)
        self.run_command = run_command
        self.store = store
        self.plans: dict[str, Plan] = {}
        self.targets: list[Target] = []
        self.plan_id: str | None = None
        self._filling = False

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("Plan"), tr("Region")])
        self.tree.currentItemChanged.connect(self._plan_chosen)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setMinimumWidth(320)

        self.name = QLineEdit()
        self.region = QLabel()
        self.date = QLineEdit()
        self.date.setPlaceholderText("YYYY-MM-DD")
        self.base_year = QLineEdit()
        self.base_year.setPlaceholderText("2020")
        self.doc_number = QLineEdit()
        self.save_plan = QPushButton(tr("Save plan"))
        self.save_plan.clicked.connect(self._save_plan)
        form = QFormLayout()
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Region"), self.region)
        form.addRow(tr("Date"), self.date)
        form.addRow(tr("Base year"), self.base_year)
        form.addRow(tr("Document number"), self.doc_number)
        form.addRow("", self.save_plan)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c[0]) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_quote(row))

        self.quote = QPlainTextEdit()
        self.quote.setPlaceholderText(tr("The plan's sentence, verbatim"))
        self.save_quote = QPushButton(tr("Save sentence"))
        self.save_quote.clicked.connect(self._save_quote)
        self.add_button = QPushButton(tr("Add target…"))
        self.add_button.clicked.connect(self._add_target)
        self.delete_button = QPushButton(tr("Delete target"))
        self.delete_button.clicked.connect(self._delete_target)
        self.message = QLabel()
        self.message.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_quote)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addWidget(self.table, 3)
        right_layout.addWidget(QLabel(tr("Sentence")))
        right_layout.addWidget(self.quote, 1)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        layout.addWidget(close)

    # ------------------------------------------------------------------ showing
    def reload(self, plans: list[Plan], targets: list[Target], plan_id: str | None = None) -> None:
        """Show the workspace's plans and targets (after any change)."""
        self.plans = {p.id: p for p in plans}
        self.all_targets = list(targets)
        chosen = plan_id or self.plan_id or (plans[0].id if plans else None)
        self.tree.blockSignals(True)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for plan in sorted(plans, key=lambda p: (p.parent_id is not None, p.id)):
            parent = items.get(plan.parent_id or "")
            item = QTreeWidgetItem([plan.name, plan.region_name])
            item.setData(0, Qt.ItemDataRole.UserRole, plan.id)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[plan.id] = item
        self.tree.expandAll()
        self.tree.blockSignals(False)
        if chosen in items:
            self.tree.setCurrentItem(items[chosen])
            self._show_plan(chosen)

    def _plan_chosen(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        if item is not None:
            self._show_plan(str(item.data(0, Qt.ItemDataRole.UserRole)))

    def _show_plan(self, plan_id: str) -> None:
        plan = self.plans[plan_id]
        self.plan_id = plan_id
        self.name.setText(plan.name)
        self.region.setText(f"{plan.region_name} ({plan.region_code})")
        self.date.setText(plan.date or "")
        self.base_year.setText("" if plan.base_year is None else str(plan.base_year))
        self.doc_number.setText(plan.doc_number or "")
        self.targets = [t for t in self.all_targets if t.plan_id == plan_id]
        self._filling = True
        self.table.setRowCount(len(self.targets))
        for row, target in enumerate(self.targets):
            for column, (_header, show, key) in enumerate(COLUMNS):
                cell = QTableWidgetItem(show(target))
                if key is None:
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                cell.setToolTip(target.quote)
                self.table.setItem(row, column, cell)
        self._filling = False
        self._show_quote(self.table.currentRow())

    def _show_quote(self, row: int) -> None:
        target = self.targets[row] if 0 <= row < len(self.targets) else None
        self.quote.setPlainText("" if target is None else target.quote)
        self.save_quote.setEnabled(target is not None)
        self.delete_button.setEnabled(target is not None)

    def show_error(self, exc: BaseException) -> None:
        self.message.setText(f"<span style='color:#b00020'>{html.escape(error_text(exc))}</span>")
        if self.plan_id:  # put back what the table shows
            self._show_plan(self.plan_id)

    # ------------------------------------------------------------------ editing
    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        target = self.targets[item.row()]
        _header, show, key = COLUMNS[item.column()]
        text = item.text().strip()
        if key is None or text == show(target):
            return
        field = {"name": "name_zh" if language() == "zh" else "name_en"}.get(key, key)
        self.message.clear()
        self.run_command(EditTarget(self.store, target, {field: text}))

    def _save_quote(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.targets):
            return
        target = self.targets[row]
        text = self.quote.toPlainText().strip()
        if text != target.quote:
            self.run_command(EditTarget(self.store, target, {"quote": text}))

    def _save_plan(self) -> None:
        if self.plan_id is None:
            return
        plan = self.plans[self.plan_id]
        changes = {
            "name": self.name.text(),
            "date": self.date.text() or None,
            "base_year": self.base_year.text() or None,
            "doc_number": self.doc_number.text(),
        }
        if (
            changes["name"] != plan.name
            or changes["date"] != plan.date
            or changes["base_year"] != (str(plan.base_year) if plan.base_year else None)
            or changes["doc_number"] != (plan.doc_number or "")
        ):
            self.run_command(EditPlan(self.store, plan, changes))

    def _add_target(self) -> None:
        if self.plan_id is None:
            return
        dialog = NewTargetDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.run_command(AddTarget(self.store, {"plan": self.plan_id, **dialog.fields()}))

    def _delete_target(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.targets):
            self.run_command(DeleteTarget(self.store, self.targets[row]))


class NewTargetDialog(QDialog):
    """The fields of a new target: metric, value in the plan's unit, year, types, sentence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Add target"))
        self.metric_choice = QComboBox()
        for metric in Metric:
            self.metric_choice.addItem(metric.value, metric.value)
        self.value = QLineEdit()
        self.value.setPlaceholderText("280万千瓦")
        self.year = QLineEdit()
        self.year.setPlaceholderText("2025")
        self.comparator = QComboBox()
        for comparator in Comparator:
            self.comparator.addItem(f"{comparator.symbol} {comparator.value}", comparator.value)
        self.types = QLineEdit()
        self.types.setPlaceholderText("wind,pv_ground / renewable")
        self.indicator = QLineEdit()
        self.quote = QPlainTextEdit()
        form = QFormLayout()
        form.addRow(tr("Metric"), self.metric_choice)
        form.addRow(tr("Value"), self.value)
        form.addRow(tr("Year"), self.year)
        form.addRow(tr("Comparator"), self.comparator)
        form.addRow(tr("Types"), self.types)
        form.addRow(tr("Indicator"), self.indicator)
        form.addRow(tr("Sentence"), self.quote)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def fields(self) -> dict[str, Any]:
        return {
            "metric_name": self.metric_choice.currentData(),
            "value": self.value.text().strip(),
            "year": self.year.text().strip(),
            "comparator_name": self.comparator.currentData(),
            "types": self.types.text().strip() or None,
            "indicator": self.indicator.text().strip() or None,
            "quote": self.quote.toPlainText().strip(),
        }
