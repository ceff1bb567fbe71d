"""Reviewing a plan document's proposals before anything is written: a checklist of the
targets and named projects it states, fields editable in place, and the chosen one's
sentence shown in full with its value highlighted. OK adds the checked rows as a new plan
(services.plan_import.accept_rows, on the window's worker)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.qt.i18n import tr
from gis_carbon.qt.messages import error_text

# review-row keys shown as columns, after the check box; the sentence is shown below
COLUMNS = ("kind", "name", "year", "value", "unit", "comparator", "metric", "types", "capacity")
KINDS = {"target": "目标", "project": "项目"}


class PlanReviewDialog(QDialog):
    def __init__(
        self,
        title: str,
        rows: list[dict[str, Any]],
        region: str,
        on_accept: Callable[[list[dict[str, Any]], str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Import plan document"))
        self.resize(1200, 760)
        self.rows = [dict(r) for r in rows]
        self.on_accept = on_accept
        self.name = QLineEdit(title)
        self.region = QLineEdit(region)
        self.region.setPlaceholderText("静海区 / 120118")
        self.table = QTableWidget(len(self.rows), len(COLUMNS) + 1)
        self.table.setHorizontalHeaderLabels(["✓", *(tr(c) for c in COLUMNS)])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, row in enumerate(self.rows):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            check.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(r, 0, check)
            for c, key in enumerate(COLUMNS, start=1):
                value = row.get(key)
                text = KINDS.get(str(value), str(value)) if key == "kind" else _text(value)
                cell = QTableWidgetItem(text)
                if key == "kind":
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(r, c, cell)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_sentence(row))
        self.sentence = QTextBrowser()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.summary = QLabel()
        form = QFormLayout()
        form.addRow(tr("Plan name"), self.name)
        form.addRow(tr("Region"), self.region)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.sentence)
        split.setStretchFactor(0, 3)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        targets = sum(r.get("kind") == "target" for r in self.rows)
        self.summary.setText(
            tr("{t} targets and {p} projects proposed; uncheck what is not a commitment").format(
                t=targets, p=len(self.rows) - targets
            )
        )
        if self.rows:
            self.table.setCurrentCell(0, 1)

    def _show_sentence(self, row: int) -> None:
        """The sentence in full, the proposal's value (or name) highlighted in it."""
        if not 0 <= row < len(self.rows):
            self.sentence.clear()
            return
        data = self.rows[row]
        quote = str(data.get("quote") or "")
        needle = _needle(data, quote)
        if needle:
            at = quote.find(needle)
            shown = (
                html.escape(quote[:at])
                + f"<span style='background:#ffe082;font-weight:bold'>{html.escape(needle)}</span>"
                + html.escape(quote[at + len(needle) :])
            )
        else:
            shown = html.escape(quote)
        section = html.escape(str(data.get("section") or ""))
        self.sentence.setHtml(f"<p style='color:#555'>{section}</p><p>{shown}</p>")

    def edited_rows(self) -> list[dict[str, Any]]:
        """The checked rows with the fields as the user left them."""
        out = []
        for r, row in enumerate(self.rows):
            item = self.table.item(r, 0)
            if item is None or item.checkState() != Qt.CheckState.Checked:
                continue
            edited = dict(row)
            for c, key in enumerate(COLUMNS, start=1):
                cell = self.table.item(r, c)
                if key != "kind" and cell is not None:
                    edited[key] = cell.text().strip()
            out.append(edited)
        return out

    def _accept(self) -> None:
        region = self.region.text().strip()
        if not region:
            self.message.setText(tr("Give the plan's region"))
            return
        self.message.clear()
        self.on_accept(self.edited_rows(), region, self.name.text().strip())

    def show_error(self, exc: BaseException) -> None:
        self.message.setText(f"<span style='color:#b00020'>{html.escape(error_text(exc))}</span>")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _needle(row: dict[str, Any], quote: str) -> str:
    """The words of the sentence the proposal stands on: its number, else its name."""
    import re

    value = row.get("value")
    if row.get("kind") == "target" and value not in (None, ""):
        number = _text(value)
        match = re.search(
            rf"(?<![\d.]){re.escape(number)}\s*{re.escape(str(row.get('unit') or ''))}", quote
        )
        if match:
            return match.group()
        if number in quote:
            return number
    name = str(row.get("name") or "")
    return name if name and name in quote else ""
