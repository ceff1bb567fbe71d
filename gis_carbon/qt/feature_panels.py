"""The identify panel (every visible layer's features under a click, with their attributes)
and the attribute table of a user vector layer (sortable, filtered, selection shared with
the map)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.qt.i18n import tr

_Index = QModelIndex | QPersistentModelIndex


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ============================================================================ identify
class IdentifyPanel(QWidget):
    """A tree: each layer with features under the click, each feature, its attributes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("Feature / field"), tr("Value")])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel(tr("Click the map with Identify to list what is there."))
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)

    def show_hits(self, groups: list[tuple[str, list[tuple[str, list[tuple[str, str]]]]]]) -> None:
        """[(layer title, [(feature label, [(field, value)])])], top layer first."""
        self.tree.clear()
        features = sum(len(items) for _t, items in groups)
        self.summary.setText(
            tr("{n} features in {m} layers").format(n=features, m=len(groups))
            if groups
            else tr("Nothing here in the visible layers.")
        )
        for title, items in groups:
            layer_item = QTreeWidgetItem([f"{title} ({len(items)})", ""])
            font = layer_item.font(0)
            font.setBold(True)
            layer_item.setFont(0, font)
            self.tree.addTopLevelItem(layer_item)
            for label, fields in items:
                feature_item = QTreeWidgetItem([label, ""])
                layer_item.addChild(feature_item)
                for name, value in fields:
                    row = QTreeWidgetItem([name, value])
                    row.setToolTip(1, value)
                    feature_item.addChild(row)
            layer_item.setExpanded(True)
            for child in (layer_item.child(j) for j in range(layer_item.childCount())):
                if child is not None:
                    child.setExpanded(True)

    def listing(self) -> list[tuple[str, list[str]]]:
        """(layer text, [feature labels]) as shown: for tests."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None:
                children = (item.child(j) for j in range(item.childCount()))
                out.append((item.text(0), [c.text(0) for c in children if c is not None]))
        return out

    def fields_of(self, layer_row: int, feature_row: int) -> dict[str, str]:
        item = self.tree.topLevelItem(layer_row)
        feature = item.child(feature_row) if item is not None else None
        if feature is None:
            return {}
        return {
            feature.child(k).text(0): feature.child(k).text(1)  # type: ignore[union-attr]
            for k in range(feature.childCount())
        }


def feature_label(properties: dict[str, Any], index: int) -> str:
    """A feature's name in lists: its name-like attribute, else #index."""
    for key in ("名称", "name", "NAME", "Name", "名字", "title"):
        if properties.get(key) not in (None, ""):
            return f"{properties[key]}"
    return f"#{index + 1}"


# ============================================================================ attribute table
class FeatureTableModel(QAbstractTableModel):
    """A user layer's features as rows (index column, then every attribute); filtered and
    sorted in Python in one pass, like the project table (no proxy model)."""

    def __init__(self, index: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = index.columns()
        self.cells = [
            [str(i + 1)] + [_text(props.get(c)) for c in self.columns]
            for i, props in enumerate(index.properties)
        ]
        self.raw = [
            [i + 1] + [props.get(c) for c in self.columns]
            for i, props in enumerate(index.properties)
        ]
        self._haystack = [" ".join(row[1:]).casefold() for row in self.cells]
        self.rows: list[int] = list(range(len(self.cells)))  # feature index of each shown row
        self.filter_text = ""
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().casefold()
        self._rebuild()

    def _key(self, column: int) -> Any:
        def key(i: int) -> Any:
            value = self.raw[i][column]
            if isinstance(value, bool) or value is None:
                return (2, "")
            if isinstance(value, int | float):
                return (0, float(value))
            return (1, str(value))

        return key

    def _rebuild(self) -> None:
        needle = self.filter_text
        rows = [i for i in range(len(self.cells)) if not needle or needle in self._haystack[i]]
        rows.sort(
            key=self._key(self.sort_column), reverse=self.sort_order == Qt.SortOrder.DescendingOrder
        )
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = column if 0 <= column <= len(self.columns) else 0
        self.sort_order = order
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_features = [self.rows[i.row()] for i in old]
        self.rows.sort(
            key=self._key(self.sort_column), reverse=order == Qt.SortOrder.DescendingOrder
        )
        row_of = {f: r for r, f in enumerate(self.rows)}
        self.changePersistentIndexList(
            old, [self.index(row_of[f], i.column()) for f, i in zip(old_features, old, strict=True)]
        )
        self.layoutChanged.emit()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 1 + len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr("No.") if section == 0 else self.columns[section - 1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells[self.rows[index.row()]][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(
            self.raw[self.rows[index.row()]][index.column()], int | float
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class AttributeTable(QWidget):
    """One user layer's attribute table; rows selected here are selected on the map and the
    map's selection of the layer's features is selected here."""

    selection_changed = Signal(str, object)  # layer id, frozenset of feature indices

    def __init__(
        self, layer_id: str, title: str, index: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.layer_id = layer_id
        self.title = title
        self.model = FeatureTableModel(index, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(tr("Filter rows…"))
        self.filter.setClearButtonEnabled(True)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._syncing = False
        self._selected: frozenset[int] = frozenset()
        self.filter.textChanged.connect(self._filter_changed)
        self.table.selectionModel().selectionChanged.connect(self._rows_selected)
        self._update_count()

    def _update_count(self) -> None:
        self.count.setText(
            tr("{n} of {m}, {k} selected").format(
                n=self.model.rowCount(), m=len(self.model.cells), k=len(self._selected)
            )
        )

    def _filter_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self.select(self._selected)  # rows filtered out stay selected on the map
        self._update_count()

    def shown_features(self) -> list[int]:
        return list(self.model.rows)

    def selected_features(self) -> frozenset[int]:
        return self._selected

    def select(self, ids: frozenset[int] | set[int], emit: bool = False) -> None:
        self._syncing = not emit
        self._selected = frozenset(ids)
        selection = QItemSelection()
        first = None
        for row, feature in enumerate(self.model.rows):
            if feature in self._selected:
                index = self.model.index(row, 0)
                selection.select(index, index)
                first = first or index
        self.table.selectionModel().select(
            selection,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if first is not None:
            self.table.scrollTo(first)
        self._syncing = False
        self._update_count()

    def _rows_selected(self) -> None:
        if self._syncing:
            return
        shown = {self.model.rows[r.row()] for r in self.table.selectionModel().selectedRows()}
        listed = set(self.model.rows)
        hidden = {f for f in self._selected if f not in listed}
        self._selected = frozenset(shown | hidden)
        self._update_count()
        self.selection_changed.emit(self.layer_id, self._selected)
