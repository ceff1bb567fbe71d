"""The docks around the map: targets, projects, layers, properties, siting."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QTableView,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.model.map_state import LayerState
from gis_carbon.model.project import Project
from gis_carbon.model.types import PROJECT_TYPES, STATUS_INFO, STATUSES, TYPES_BY_CODE
from gis_carbon.model.units import convert, format_number
from gis_carbon.qt.i18n import language, tr
from gis_carbon.qt.measure_text import area_text, geometry_measure_text
from gis_carbon.qt.messages import geometry_name, source_text

POLICIES = ("pipeline", "construction", "operating")
VERDICT_COLOURS = {
    "met": "#2e7d32",
    "on_track": "#1565c0",
    "behind": "#c62828",
    "no_data": "#757575",
}
_Index = QModelIndex | QPersistentModelIndex
# Map layer ids of the workspace's own layers (imported); the others are built in.
USER_LAYER_PREFIX = "user:"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return format_number(round(float(value), 2))


def progress_text(progress: Any) -> str:
    """'500 / 2800 MW（50 / 280 万千瓦）': current against target, base unit then plan unit."""
    target = progress.target
    base = f"{_number(progress.current)} / {_number(target.base_value)} {target.base_unit}"
    if target.unit == target.base_unit or progress.current is None:
        return base
    try:
        in_plan_unit = convert(progress.current, target.base_unit, target.unit)
    except Exception:  # a unit the converter does not know: show the base unit only
        return base
    return f"{base}（{_number(float(in_plan_unit))} / {_number(target.value)} {target.unit}）"


# ============================================================================ targets
class TargetRow(QFrame):
    clicked = Signal(str)

    def __init__(self, progress: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        target = progress.target
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(target.quote)
        name = target.name_zh if language() == "zh" else target.name_en
        aspirational = f" {tr('(aspirational)')}" if target.aspirational else ""
        self.title = QLabel(
            f"<b>{html.escape(name)}</b> · {target.year} {target.comparator.symbol}{aspirational}"
        )
        self.title.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        percent = progress.percent
        self.bar.setValue(0 if percent is None else int(min(100.0, max(0.0, percent)) * 10))
        self.bar.setFormat("—" if percent is None else f"{percent:.1f}%")
        colour = VERDICT_COLOURS.get(progress.verdict.value, "#757575")
        self.bar.setStyleSheet(
            f"QProgressBar::chunk {{ background: {colour}; }}"
            " QProgressBar { text-align: center; }"
        )
        self.value = QLabel(progress_text(progress))
        verdict = progress.verdict.name_zh if language() == "zh" else progress.verdict.value
        self.verdict = QLabel(f"<span style='color:{colour}'>{html.escape(verdict)}</span>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        row = QHBoxLayout()
        row.addWidget(self.value, 1)
        row.addWidget(self.verdict)
        layout.addLayout(row)

    def set_chosen(self, chosen: bool) -> None:
        self.setStyleSheet("TargetRow { background: #fff3cd; }" if chosen else "")

    def mousePressEvent(self, event: Any) -> None:
        self.clicked.emit(self.progress.target.id)


class PendingTargets(QWidget):
    """Targets waiting for data: a list (why each has none in its tooltip) and one entry row
    for the chosen indicator: the year and the value in its unit."""

    def __init__(self, pending: list[Any], on_enter: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.targets = {p.target.id: p.target for p in pending}
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([tr("Target"), tr("Year"), tr("Goal")])
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        items = []
        for p in pending:
            t = p.target
            name = t.name_zh if language() == "zh" else t.name_en
            goal = f"{t.comparator.symbol}{format_number(t.value)} {t.unit}"
            item = QTreeWidgetItem([name, str(t.year), goal])
            item.setData(0, Qt.ItemDataRole.UserRole, t.id)
            item.setToolTip(0, f"{t.quote}\n\n{p.reason or ''}".strip())
            items.append(item)
        self.list.addTopLevelItems(items)
        self.list.setMinimumHeight(min(260, 24 + 22 * len(items)))
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(QDate.currentDate().year() - 1)
        self.value = QLineEdit()
        self.unit = QLabel()
        self.enter = QPushButton(tr("Enter"))
        self.hint = QLabel(tr("Choose an indicator above to enter its value"))
        self.hint.setStyleSheet("color: #757575;")
        self.target_id: str | None = None
        self.value.textChanged.connect(lambda _t: self._update_enter())
        self.enter.clicked.connect(
            lambda: on_enter(self.target_id, self.year.value(), self.value.text().strip())
        )
        self.value.returnPressed.connect(self.enter.click)
        self.list.currentItemChanged.connect(self._chosen)
        entry = QHBoxLayout()
        entry.addWidget(self.year)
        entry.addWidget(self.value, 1)
        entry.addWidget(self.unit)
        entry.addWidget(self.enter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)
        layout.addLayout(entry)
        self._chosen(None)

    def choose(self, target_id: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == target_id:
                self.list.setCurrentItem(item)

    def _chosen(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        target = self.targets.get(item.data(0, Qt.ItemDataRole.UserRole)) if item else None
        entering = target is not None and target.metric.value == "indicator"
        self.target_id = target.id if entering and target is not None else None
        if target is not None and entering:
            self.year.setValue(min(target.year, QDate.currentDate().year() - 1))
            self.value.setPlaceholderText(tr("value in {unit}").format(unit=target.unit))
            self.unit.setText(target.unit)
        for widget in (self.year, self.value):
            widget.setEnabled(entering)
        self.hint.setVisible(not entering)
        self._update_enter()

    def _update_enter(self) -> None:
        self.enter.setEnabled(self.target_id is not None and bool(self.value.text().strip()))


class TargetsPanel(QWidget):
    """Per plan: a progress bar per target, the status policy switch and the chart."""

    plan_changed = Signal(str)
    policy_changed = Signal(str)
    target_chosen = Signal(object)  # TargetProgress or None
    indicator_entered = Signal(str, int, str)  # target id, year, value as typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = QComboBox()
        self.policy = QComboBox()
        for policy in POLICIES:
            self.policy.addItem(tr(f"policy:{policy}"), policy)
        self.state = QLabel()
        self.state.setStyleSheet("color: #555;")
        self.rows: dict[str, TargetRow] = {}
        self._shown_widgets: list[QWidget] = []
        self.progress: list[Any] = []
        self.chosen: str | None = None
        self.list_widget = QWidget()
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(4)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list_widget)
        self.chart = QLabel(tr("Chart: computing…"))
        self.chart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart.setMinimumHeight(150)
        self._chart_pixmap: QPixmap | None = None
        self.edit_plans = QPushButton(tr("Edit plans…"))
        self.edit_plans.setToolTip(tr("Plans and targets: add, revise, delete"))
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Plan")))
        top.addWidget(self.plan, 1)
        top.addWidget(self.edit_plans)
        top2 = QHBoxLayout()
        top2.addWidget(QLabel(tr("Count")))
        top2.addWidget(self.policy, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(top2)
        layout.addWidget(self.state)
        layout.addWidget(scroll, 3)
        layout.addWidget(self.chart, 2)
        self.plan.currentIndexChanged.connect(
            lambda: self.plan_changed.emit(self.plan.currentData() or "")
        )
        self.policy.currentIndexChanged.connect(
            lambda: self.policy_changed.emit(self.policy.currentData())
        )

    def set_plans(self, plans: list[Any], current: str | None) -> None:
        self.plan.blockSignals(True)
        self.plan.clear()
        for plan in plans:
            self.plan.addItem(
                plan.name if language() == "zh" else f"{plan.region_name} ({plan.id})", plan.id
            )
        index = self.plan.findData(current) if current else 0
        self.plan.setCurrentIndex(max(0, index))
        self.plan.blockSignals(False)

    def set_busy(self, text: str) -> None:
        self.state.setText(text)

    def show_progress(self, progress: list[Any]) -> None:
        """Targets with data first (capacity targets on top: the map's projects move them),
        then every target waiting for data under 待录入数据, each with a way to enter it."""
        self.progress = list(progress)
        for widget in self._shown_widgets:
            widget.setParent(None)
            widget.deleteLater()
        self._shown_widgets = []
        self.rows.clear()
        with_data = [p for p in self.progress if p.verdict.value != "no_data"]
        pending = [p for p in self.progress if p.verdict.value == "no_data"]
        with_data.sort(key=lambda p: p.target.metric.value != "capacity_sum")
        widgets: list[QWidget] = []
        for item in with_data:
            widgets.append(self._row(item))
        if pending:
            # One light list and one entry row, not a widget set per target: building ~40
            # rows of bars, spin boxes and buttons held the GUI thread for 100+ ms.
            header = QToolButton()
            header.setCheckable(True)
            header.setChecked(True)
            header.setArrowType(Qt.ArrowType.DownArrow)
            header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            header.setText(tr("Waiting for data ({n})").format(n=len(pending)))
            header.setStyleSheet("QToolButton { border: none; font-weight: bold; }")
            header.toggled.connect(self._toggle_pending)
            self.pending_header = header
            self.pending_group = PendingTargets(pending, self._enter_indicator)
            self.pending_group.list.currentItemChanged.connect(
                lambda item, _old: self.choose(
                    item.data(0, Qt.ItemDataRole.UserRole) if item else None
                )
            )
            widgets += [header, self.pending_group]
        for i, widget in enumerate(widgets):
            self.list_layout.insertWidget(i, widget)
        self._shown_widgets = widgets
        self.state.setText(
            tr("{n} targets, {m} waiting for data").format(n=len(self.progress), m=len(pending))
            if pending
            else tr("{n} targets").format(n=len(self.progress))
        )
        if self.chosen in self.rows:
            self.rows[self.chosen].set_chosen(True)

    def _row(self, item: Any) -> TargetRow:
        row = TargetRow(item)
        row.clicked.connect(self.choose)
        self.rows[item.target.id] = row
        return row

    def _toggle_pending(self, expanded: bool) -> None:
        self.pending_group.setVisible(expanded)
        self.pending_header.setArrowType(
            Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        )

    def _enter_indicator(self, target_id: str, year: int, value: str) -> None:
        self.indicator_entered.emit(target_id, year, value)

    def choose(self, target_id: str | None) -> None:
        for tid, row in self.rows.items():
            row.set_chosen(tid == target_id)
        self.chosen = target_id
        chosen = next((p for p in self.progress if p.target.id == target_id), None)
        self.target_chosen.emit(chosen)

    def value_text(self, target_id: str) -> str:
        return self.rows[target_id].value.text()

    def set_chart(self, image: Any) -> None:
        if image is None:
            self.chart.setText(tr("Chart not available"))
            self._chart_pixmap = None
            return
        self._chart_pixmap = QPixmap.fromImage(image)
        self._scale_chart()

    def _scale_chart(self) -> None:
        if self._chart_pixmap is not None:
            self.chart.setPixmap(
                self._chart_pixmap.scaled(
                    max(100, self.chart.width()),
                    max(100, self.chart.height()),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._scale_chart()


# ============================================================================ projects
def capacity_text(project: Project) -> str:
    ptype = project.project_type
    if project.capacity is None:
        return ""
    text = f"{_number(project.capacity)} {ptype.capacity_unit}"
    if project.energy is not None:
        text += f" / {_number(project.energy)} {ptype.energy_unit}"
    return text


_SORT_KEYS: tuple[Any, ...] = (  # per column of ProjectTableModel.COLUMNS
    lambda p: p.id,
    lambda p: p.name,
    lambda p: p.type,
    lambda p: -1.0 if p.capacity is None else p.capacity,
    lambda p: STATUS_INFO[p.status].rank,
    lambda p: p.year or 0,
    lambda p: p.regions.county or "",
)


class ProjectTableModel(QAbstractTableModel):
    """The project table's rows: all projects, filtered and sorted in Python in one pass.

    No QSortFilterProxyModel: it calls back into Python for every row it filters and every
    comparison it sorts, 50–150 ms per change for a few thousand projects on the GUI
    thread; a list comprehension and `sorted` take a few milliseconds."""

    COLUMNS = ("ID", "Name", "Type", "Capacity", "Status", "Year", "County")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all_projects: list[Project] = []
        self.projects: list[Project] = []  # the rows shown: filtered, sorted
        self.region_names: dict[str, str] = {}
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.region_code: str | None = None
        self.type_code: str | None = None
        self.status: str | None = None
        self.search = ""

    def set_projects(self, projects: list[Project], ordered_by_id: bool = False) -> None:
        """`ordered_by_id`: the list is in id order already (a workspace read), so the
        default view (no filter, by ID ascending) needs no sort — sorting 10⁶ rows took
        ~150 ms on the GUI thread."""
        # a workspace read hands over a list of its own: kept, not copied (10⁶: ~35 ms)
        self.all_projects = projects if ordered_by_id else list(projects)
        self._rebuild(ordered_by_id)

    def set_filter(self, **values: Any) -> None:
        for key, value in values.items():
            if key not in ("region_code", "type_code", "status", "search"):
                raise TypeError(f"unknown project filter {key!r}")
            setattr(self, key, value or ("" if key == "search" else None))
        self._rebuild()

    def accepts(self, project: Project) -> bool:
        if self.region_code:
            r = project.regions  # not .codes: it builds a tuple per call, 10k times per filter
            if self.region_code not in (r.county, r.city, r.province, r.township):
                return False
        if self.type_code and project.type != self.type_code:
            return False
        if self.status and project.status.value != self.status:
            return False
        if self.search:
            haystack = " ".join(
                (project.name, project.owner, project.notes, TYPES_BY_CODE[project.type].name_zh)
            ).casefold()
            return self.search.casefold() in haystack
        return True

    def _rebuild(self, ordered_by_id: bool = False) -> None:
        filtering = bool(self.region_code or self.type_code or self.status or self.search)
        default_order = self.sort_column == 0 and self.sort_order == Qt.SortOrder.AscendingOrder
        if ordered_by_id and default_order and not filtering:
            rows = self.all_projects  # as they are: sorting only reorders both alike
        else:
            rows = (
                [p for p in self.all_projects if self.accepts(p)]
                if filtering
                else list(self.all_projects)
            )
            self._sort_list(rows)
        self.beginResetModel()
        self.projects = rows
        self.endResetModel()

    def _sort_list(self, rows: list[Project]) -> None:
        """Sort by the column, ties by id; one cheap key per column (10k rows: ~5 ms)."""
        reverse = self.sort_order == Qt.SortOrder.DescendingOrder
        rows.sort(key=_SORT_KEYS[0], reverse=reverse)
        if self.sort_column:
            rows.sort(key=_SORT_KEYS[self.sort_column], reverse=reverse)  # stable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The header's sort (QTableView calls it); keeps the selection on its projects."""
        self.sort_column = column if 0 <= column < len(self.COLUMNS) else 0
        self.sort_order = order
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [self.projects[i.row()].id for i in old]
        self._sort_list(self.projects)
        row_of = {p.id: r for r, p in enumerate(self.projects)}
        self.changePersistentIndexList(
            old, [self.index(row_of[pid], i.column()) for pid, i in zip(old_ids, old, strict=True)]
        )
        self.layoutChanged.emit()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.projects)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        project = self.projects[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            ptype = project.project_type
            info = STATUS_INFO[project.status]
            zh = language() == "zh"
            values = (
                project.id,
                project.name,
                ptype.name_zh if zh else ptype.name_en,
                capacity_text(project),
                info.name_zh if zh else info.name_en,
                "" if project.year is None else project.year,
                self.region_names.get(project.regions.county or "", project.regions.county or ""),
            )
            return values[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 2:
            return QColor(TYPES_BY_CODE[project.type].colour)
        return None


class ProjectsPanel(QWidget):
    selection_changed = Signal(object)  # frozenset of ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ProjectTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.region = QComboBox()
        self.type = QComboBox()
        self.type.addItem(tr("All types"), None)
        for ptype in PROJECT_TYPES:
            self.type.addItem(ptype.name_zh if language() == "zh" else ptype.name_en, ptype.code)
        self.status = QComboBox()
        self.status.addItem(tr("All statuses"), None)
        for info in STATUSES:
            self.status.addItem(
                info.name_zh if language() == "zh" else info.name_en, info.status.value
            )
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search name, owner, notes…"))
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        filters = QHBoxLayout()
        for widget in (self.region, self.type, self.status):
            filters.addWidget(widget, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.count)
        layout.addLayout(row)
        layout.addWidget(self.table)
        self.region.currentIndexChanged.connect(self._filters_changed)
        self.type.currentIndexChanged.connect(self._filters_changed)
        self.status.currentIndexChanged.connect(self._filters_changed)
        self.search.textChanged.connect(self._filters_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._syncing = False

    def set_regions(self, regions: list[tuple[str, str]], current: str | None) -> None:
        """(code, label) choices: plans' regions and the counties projects lie in."""
        self.region.blockSignals(True)
        self.region.clear()
        self.region.addItem(tr("All regions"), None)
        for code, label in regions:
            self.region.addItem(label, code)
        self.region.setCurrentIndex(max(0, self.region.findData(current)) if current else 0)
        self.region.blockSignals(False)
        # the same region still chosen: the rows stay (filtering and sorting 10⁶ of them
        # again took up to 0.7 s on the GUI thread at every reload)
        if self.region.currentData() != self.model.region_code:
            self._filters_changed()

    def set_projects(
        self, projects: list[Project], region_names: dict[str, str], ordered_by_id: bool = False
    ) -> None:
        selected = self.selected_ids()
        self.model.region_names = region_names
        self.model.set_projects(projects, ordered_by_id)
        self.select(selected, emit=False)
        self._update_count()

    def set_region_names(self, region_names: dict[str, str]) -> None:
        """Names for the county column (boundaries loaded): the rows stay as they are."""
        model = self.model
        model.region_names = region_names
        column = model.COLUMNS.index("County")
        if model.rowCount():
            model.dataChanged.emit(
                model.index(0, column), model.index(model.rowCount() - 1, column)
            )

    def _filters_changed(self) -> None:
        # the model resets on a new filter, which clears the view's selection: keep it (a
        # reload refreshes the region list, which lands here, and must not lose it)
        selected = self.selected_ids()
        self.model.set_filter(
            region_code=self.region.currentData(),
            type_code=self.type.currentData(),
            status=self.status.currentData(),
            search=self.search.text(),
        )
        self.select(selected, emit=False)
        self._update_count()

    def _update_count(self) -> None:
        self.count.setText(
            tr("{n} of {m}").format(n=self.model.rowCount(), m=len(self.model.all_projects))
        )

    def selected_ids(self) -> frozenset[int]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        ids = (self.model.projects[r.row()].id for r in rows)
        return frozenset(i for i in ids if i is not None)  # stored projects always have one

    def select(self, ids: frozenset[int] | set[int], emit: bool = False) -> None:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        self._syncing = not emit
        selection = QItemSelection()
        first = None
        # nothing to find: no walk over every row (10⁶ of them at each reload)
        for row, project in enumerate(self.model.projects if ids else ()):
            if project.id in ids:
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

    def _selection_changed(self) -> None:
        if not self._syncing:
            self.selection_changed.emit(self.selected_ids())


# ============================================================================ layers
class LayersPanel(QWidget):
    """The layer tree: check to show, drag order with ↑/↓, opacity, colour, zoom to layer."""

    visibility_changed = Signal(str, bool)
    opacity_changed = Signal(str, float)
    order_changed = Signal(str, int)  # layer id, new index (0 = top)
    colour_changed = Signal(str, str)
    zoom_requested = Signal(str)
    remove_requested = Signal(str)  # a user layer's map id, after the user confirmed
    table_requested = Signal(str)  # open the layer's attribute table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("Layer"), tr("Kind")])
        self.tree.setRootIsDecorated(False)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.up = QPushButton("↑")
        self.down = QPushButton("↓")
        self.zoom = QPushButton(tr("Zoom to layer"))
        self.colour = QPushButton(tr("Colour…"))
        buttons = QHBoxLayout()
        for button in (self.up, self.down, self.zoom, self.colour):
            buttons.addWidget(button)
        # Only the workspace's own (imported) layers can be removed; the button says why
        # it is disabled for the built-in ones.
        self.remove = QPushButton(tr("Remove layer"))
        self.remove.setEnabled(False)
        self.remove.setToolTip(tr("Only imported layers can be removed"))
        self.table = QPushButton(tr("Attribute table"))
        self.table.setToolTip(tr("The layer's features and their attributes"))
        remove_row = QHBoxLayout()
        remove_row.addWidget(self.table)
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel(tr("Opacity")))
        opacity_row.addWidget(self.opacity, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(opacity_row)
        layout.addLayout(buttons)
        layout.addLayout(remove_row)
        self._filling = False
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.opacity.valueChanged.connect(self._opacity)
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(+1))
        self.zoom.clicked.connect(self._zoom_to_current)
        self.colour.clicked.connect(self._pick_colour)
        self.remove.clicked.connect(self._confirm_remove)
        self.table.clicked.connect(self._table_for_current)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._table_for_current())
        self.layers: list[LayerState] = []

    def set_layers(self, layers: list[LayerState]) -> None:
        current = self.current_id()
        self._filling = True
        self.layers = list(layers)
        self.tree.clear()
        for layer in layers:
            # an imported layer shows its role (禁止区, 退让区 …), the others their kind
            role = layer.style.get("role_label")
            kind = tr(f"role:{role}") if role else tr(f"kind:{layer.kind}")
            item = QTreeWidgetItem([layer.title(language()), kind])
            item.setData(0, Qt.ItemDataRole.UserRole, layer.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                0, Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
            )
            self.tree.addTopLevelItem(item)
            if layer.id == current:
                self.tree.setCurrentItem(item)
        self.tree.resizeColumnToContents(0)
        self._filling = False
        self._update_remove()

    def current_id(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, Qt.ItemDataRole.UserRole))

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if not self._filling:
            self.visibility_changed.emit(
                str(item.data(0, Qt.ItemDataRole.UserRole)),
                item.checkState(0) == Qt.CheckState.Checked,
            )

    def _current_changed(self) -> None:
        layer_id = self.current_id()
        layer = next((x for x in self.layers if x.id == layer_id), None)
        if layer is not None:
            self.opacity.blockSignals(True)
            self.opacity.setValue(round(layer.opacity * 100))
            self.opacity.blockSignals(False)
        self._update_remove()

    def _update_remove(self) -> None:
        layer_id = self.current_id()
        removable = layer_id is not None and layer_id.startswith(USER_LAYER_PREFIX)
        self.remove.setEnabled(removable)
        self.remove.setToolTip(
            tr("Remove the layer and its features from the workspace")
            if removable
            else tr("Only imported layers can be removed")
        )

    def _confirm_remove(self) -> None:
        layer_id = self.current_id()
        layer = next((x for x in self.layers if x.id == layer_id), None)
        if layer is None or not layer.id.startswith(USER_LAYER_PREFIX):
            return
        answer = QMessageBox.question(
            self,
            tr("Remove layer"),
            tr(
                "Remove the layer “{title}” and its features from the workspace? Projects "
                "stay; if it is a township layer, their townships are assigned again. "
                "This cannot be undone."
            ).format(title=layer.title(language())),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_requested.emit(layer.id)

    def _table_for_current(self) -> None:
        layer_id = self.current_id()
        if layer_id is not None:
            self.table_requested.emit(layer_id)

    def _opacity(self, value: int) -> None:
        layer_id = self.current_id()
        if layer_id:
            self.opacity_changed.emit(layer_id, value / 100.0)

    def _move(self, step: int) -> None:
        layer_id = self.current_id()
        if layer_id is None:
            return
        index = [x.id for x in self.layers].index(layer_id)
        new = max(0, min(len(self.layers) - 1, index + step))
        if new != index:
            self.order_changed.emit(layer_id, new)

    def _zoom_to_current(self) -> None:
        layer_id = self.current_id()
        if layer_id:
            self.zoom_requested.emit(layer_id)

    def _pick_colour(self) -> None:
        layer_id = self.current_id()
        if layer_id is None:
            return
        dialog = QColorDialog(self)
        dialog.colorSelected.connect(lambda c: self.colour_changed.emit(layer_id, c.name()))
        dialog.open()


# ============================================================================ properties
class PropertiesPanel(QWidget):
    edit_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.edit = QPushButton(tr("Edit…"))
        self.delete = QPushButton(tr("Delete"))
        self.project_id: int | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit)
        buttons.addWidget(self.delete)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addLayout(buttons)
        self.edit.clicked.connect(
            lambda: self.project_id and self.edit_requested.emit(self.project_id)
        )
        self.delete.clicked.connect(
            lambda: self.project_id and self.delete_requested.emit(self.project_id)
        )
        self.show_nothing()

    def show_nothing(self) -> None:
        self.project_id = None
        self.browser.setHtml(f"<p style='color:#666'>{html.escape(tr('Nothing selected'))}</p>")
        self.edit.setEnabled(False)
        self.delete.setEnabled(False)

    def show_project(self, project: Project, region_names: dict[str, str]) -> None:
        self.project_id = project.id
        ptype = project.project_type
        info = STATUS_INFO[project.status]
        zh = language() == "zh"
        lon, lat = project.lonlat
        regions = " › ".join(region_names.get(c, c) for c in project.regions.codes)
        rows = [
            ("ID", str(project.id)),
            (tr("Name"), project.name),
            (tr("Type"), ptype.name_zh if zh else ptype.name_en),
            (tr("Capacity"), capacity_text(project)),
            (tr("Status"), info.name_zh if zh else info.name_en),
            (tr("Commissioning year"), "" if project.year is None else str(project.year)),
            (tr("Owner"), project.owner),
            (tr("Region"), regions),
            (
                tr("Location"),
                f"{lon:.5f}°E {lat:.5f}°N · {geometry_name(project.geometry.geom_type)}",
            ),
            (tr("Precision"), tr(f"precision:{project.precision.value}")),
            (tr("Source"), source_text(project.source)),
            (tr("Version"), str(project.version)),
            (tr("Notes"), project.notes),
        ]
        body = "".join(
            f"<tr><th align='left' valign='top'>{html.escape(k)}</th>"
            f"<td>{html.escape(v or '')}</td></tr>"
            for k, v in rows
        )
        quote = (
            (
                f"<p><b>{html.escape(tr('Plan sentence'))}</b><br>"
                f"<i>{html.escape(project.quote)}</i></p>"
            )
            if project.quote
            else ""
        )
        self.browser.setHtml(f"<table cellspacing=4>{body}</table>{quote}")
        self.edit.setEnabled(True)
        self.delete.setEnabled(True)

    def show_region(self, code: str, name: str, chain: str) -> None:
        self.project_id = None
        self.browser.setHtml(
            f"<h3>{html.escape(name)}</h3><p>{html.escape(tr('Code'))}: "
            f"{html.escape(code)}</p><p>{html.escape(chain)}</p>"
        )
        self.edit.setEnabled(False)
        self.delete.setEnabled(False)


# ============================================================================ siting
class SitingPanel(QWidget):
    """Constraint warnings for the geometry being placed or drawn, its area in 亩 and
    hectares (or its length), the usable area and the capacity hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser()
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        self.report: Any = None
        self.show_text(tr("Place or draw a project to check its site."))

    def show_text(self, text: str, geometry: Any = None) -> None:
        """A message, under the drawn geometry's area or length when there is one."""
        self.report = None
        figures = self._geometry_html(geometry)
        self.browser.setHtml(f"{figures}<p style='color:#555'>{html.escape(text)}</p>")

    @staticmethod
    def _geometry_html(geometry: Any) -> str:
        text = geometry_measure_text(geometry)
        return f"<p><b>{html.escape(text)}</b></p>" if text else ""

    def show_report(self, report: Any, geometry: Any = None) -> None:
        self.report = report
        parts: list[str] = []
        if report.footprint_m2 > 0:
            parts.append(
                f"<p><b>{html.escape(tr('Footprint'))}: {html.escape(area_text(report.footprint_m2))}"
                "</b></p>"
            )
        else:
            parts.append(self._geometry_html(geometry))
        if not report.violations:
            parts.append(
                f"<p style='color:#2e7d32'><b>{html.escape(tr('No constraint violated'))}</b></p>"
            )
        else:
            parts.append(
                f"<p style='color:#c62828'><b>{html.escape(tr('Site warnings'))}"
                f" ({len(report.violations)})</b></p><ul>"
            )
            for v in report.violations:
                detail = f"{v.share * 100:.0f}%"
                if v.overlap_m2 > 0:
                    detail = f"{area_text(v.overlap_m2)} ({detail})"
                if v.distance_m is not None and v.required_m is not None:
                    detail = f"{v.distance_m:.0f} m < {v.required_m:.0f} m; {detail}"
                parts.append(
                    f"<li>{html.escape(tr(f'violation:{v.kind}'))}: "
                    f"{html.escape(v.layer_title)} — {html.escape(detail)}</li>"
                )
            parts.append("</ul>")
        if report.footprint_m2 > 0 and report.violations:
            parts.append(
                f"<p>{html.escape(tr('Usable area'))}: {html.escape(area_text(report.usable_m2))}</p>"
            )
        if report.capacity_mw is not None:
            parts.append(
                "<p>"
                + html.escape(
                    tr("Capacity hint: {mw} MW on {area} at {density} MW/km² ({source})").format(
                        mw=f"{report.capacity_mw:,.1f}",
                        area=area_text(report.capacity_area_m2),
                        density=f"{report.power_density_mw_per_km2:g}",
                        source=report.power_density_source,
                    )
                )
                + "</p>"
            )
        hit = report.nearest_substation
        if hit is not None:
            name = getattr(hit, "name", "")
            distance = getattr(hit, "distance_m", None)
            if distance is not None:
                parts.append(
                    f"<p>{html.escape(tr('Nearest substation'))}: "
                    f"{html.escape(str(name))} {distance / 1000:.1f} km</p>"
                )
        for note in report.notes[:4]:
            parts.append(f"<p style='color:#666'>{html.escape(str(note))}</p>")
        self.browser.setHtml("".join(parts))
