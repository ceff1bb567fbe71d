"""The import wizard: what `gis-carbon import` offers, in the window.

A table (CSV/XLSX) or a vector file (Shapefile or its zip, GeoPackage, GeoJSON, KML) goes in
either as projects — first rows previewed, columns mapped to fields (pre-filled by the
detection), the type and status values mapped to codes (unknown ones marked), an optional
key column for a re-import (its diff shown), every refused row listed and saved as Excel,
import profiles saved and loaded — or as a layer with a name, a role, a CRS, coordinates
and an encoding, checked by a dry run first.

Everything slow (reading the file, the dry runs) runs on the window's worker; the import
itself runs where the window runs imports (a child process, progress and Cancel in the
status bar). The wizard only collects `import_file` options: `wizard.import_options()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from gis_carbon.qt.dialog_support import ask_path, one_line
from gis_carbon.qt.i18n import language, tr
from gis_carbon.qt.messages import message_text

PAGE_FILE, PAGE_COLUMNS, PAGE_VALUES, PAGE_CHECK, PAGE_LAYER = range(5)
PREVIEW_ROWS = 10
IMPORT_FILTERS = (
    "(*.csv *.xlsx *.shp *.zip *.gpkg *.geojson *.json *.kml *.kmz *.tif *.tiff);;* (*)"
)
# The roles a layer may take: (import_file role, layer name it implies or None).
LAYER_ROLES: tuple[tuple[str, str | None], ...] = (
    ("exclusion", None),
    ("setback", None),
    ("resource", None),
    ("reference", None),
    ("infrastructure", None),
    ("boundary", None),
    ("township", "township"),
)
ENCODINGS = ("", "utf-8", "gbk")  # "" = as the file says (.cpg), else detected
COORDS = ("", "gcj02", "bd09")  # "" = WGS 84 / CGCS2000 as stored
GK3_ZONES = range(25, 46)
GK6_ZONES = range(13, 24)
UNKNOWN_BRUSH = QBrush(QColor("#f8d7da"))


def crs_choices() -> list[tuple[str, str]]:
    """(the --crs value, its label): as the file says, geographic CRSs, CGCS2000 GK zones."""
    choices = [
        ("", tr("As the file says")),
        ("EPSG:4326", "WGS 84 (EPSG:4326)"),
        ("EPSG:4490", "CGCS2000 (EPSG:4490)"),
    ]
    for zone in GK3_ZONES:
        choices.append((f"gk3:{zone}", tr("CGCS2000 3° Gauss–Krüger zone {z} ({m}°E)").format(
            z=zone, m=3 * zone)))  # fmt: skip
    for zone in GK6_ZONES:
        choices.append((f"gk6:{zone}", tr("CGCS2000 6° Gauss–Krüger zone {z} ({m}°E)").format(
            z=zone, m=6 * zone - 3)))  # fmt: skip
    return choices


def _combo(items: list[tuple[str, str]], name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for data, label in items:
        combo.addItem(label, data)
    return combo


def _select_data(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def _cell(value: Any) -> str:
    from gis_carbon.model.units import format_number

    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_number(value)
    return "" if value is None else str(value)


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    return table


class ImportWizard(QWizard):
    """Collects the options of one import; `import_options()` once accepted."""

    def __init__(
        self,
        parent: QWidget | None,
        workspace: str,
        runner: Any,
        *,
        plan_id: str | None = None,
        path: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("import_wizard")
        self.setWindowTitle(tr("Import"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.workspace = workspace
        self.runner = runner
        self.plan_id = plan_id
        self.preview: Any = None
        self.preview_key: tuple[str, str] | None = None
        self.file_page = FilePage(path)
        self.columns_page = ColumnsPage()
        self.values_page = ValuesPage()
        self.check_page = CheckPage()
        self.layer_page = LayerPage()
        for page_id, page in (
            (PAGE_FILE, self.file_page),
            (PAGE_COLUMNS, self.columns_page),
            (PAGE_VALUES, self.values_page),
            (PAGE_CHECK, self.check_page),
            (PAGE_LAYER, self.layer_page),
        ):
            self.setPage(page_id, page)
        self.setStartId(PAGE_FILE)
        self.resize(860, 620)

    # ---------------------------------------------------------------- what the pages chose
    def path(self) -> str:
        return self.file_page.path_edit.text().strip()

    def encoding(self) -> str | None:
        return self.file_page.encoding.currentData() or None

    def as_layer(self) -> bool:
        return self.file_page.layer_radio.isChecked()

    def import_options(self) -> dict[str, Any]:
        """The `import_file` keyword options the pages describe (without path and dry_run)."""
        options: dict[str, Any] = {"encoding": self.encoding()}
        if self.as_layer():
            options.update(self.layer_page.options())
        else:
            options.update(self.columns_page.options())
            options["value_map"] = self.values_page.value_map()
            options["plan_id"] = self.plan_id
        return {k: v for k, v in options.items() if v not in (None, {}, "")}

    def start(
        self, name: str, fn: Any, on_done: Any, on_error: Any, on_progress: Any = None
    ) -> Any:
        return self.runner.start(
            name,
            fn,
            workspace=self.workspace,
            on_done=on_done,
            on_error=on_error,
            on_progress=on_progress,
        )


class FilePage(QWizardPage):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.setTitle(tr("File to import"))
        self.setSubTitle(
            tr("A ledger (CSV, Excel) or a vector file (Shapefile or its zip, GeoPackage, "
               "GeoJSON, KML), as projects or as a map layer.")
        )  # fmt: skip
        self.path_edit = QLineEdit(path)
        self.path_edit.setObjectName("import_path")
        self.browse = QPushButton(tr("Browse…"))
        self.browse.setObjectName("import_browse")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse)
        self.projects_radio = QRadioButton(tr("As projects (a ledger: one project per row)"))
        self.projects_radio.setObjectName("as_projects")
        self.layer_radio = QRadioButton(tr("As a layer (constraints, resources, references)"))
        self.layer_radio.setObjectName("as_layer")
        self.projects_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.projects_radio)
        group.addButton(self.layer_radio)
        self.encoding = _combo(
            [(e, tr("As the file says, else detected") if not e else e.upper()) for e in ENCODINGS],
            "import_encoding",
        )
        form = QFormLayout(self)
        form.addRow(tr("File"), row)
        form.addRow(tr("Import"), self.projects_radio)
        form.addRow("", self.layer_radio)
        form.addRow(tr("Text encoding"), self.encoding)
        self.browse.clicked.connect(self._browse)
        self.path_edit.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        path = ask_path(self, tr("Import"), tr("Spatial data and ledgers") + " " + IMPORT_FILTERS)
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return Path(self.path_edit.text().strip()).is_file()

    def nextId(self) -> int:
        return PAGE_LAYER if self.layer_radio.isChecked() else PAGE_COLUMNS


class ColumnsPage(QWizardPage):
    """The first rows, each field's column (detected, changeable), key and options."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Columns"))
        self.setSubTitle(tr("Which column holds each field; the detection chose these."))
        self.status_label = QLabel()
        self.status_label.setObjectName("columns_status")
        self.status_label.setWordWrap(True)
        self.table = _table([], "preview_table")
        self.table.setMaximumHeight(210)
        self.field_combos: dict[str, QComboBox] = {}
        fields = QWidget()
        self.fields_form = QFormLayout(fields)
        self.fields_form.setContentsMargins(0, 0, 0, 0)
        from gis_carbon.services.import_setup import project_fields

        fields_ = project_fields()

        for name in fields_:
            combo = QComboBox()
            combo.setObjectName(f"field_{name}")
            self.field_combos[name] = combo
        half = (len(fields_) + 1) // 2
        grid = QHBoxLayout()
        for part in (fields_[:half], fields_[half:]):
            form = QFormLayout()
            for name in part:
                form.addRow(tr(f"field:{name}"), self.field_combos[name])
            grid.addLayout(form)
        self.key = QComboBox()
        self.key.setObjectName("key_column")
        self.default_status = QComboBox()
        self.default_status.setObjectName("default_status")
        self.skip_invalid = QCheckBox(tr("Import the valid rows, list the others"))
        self.skip_invalid.setObjectName("skip_invalid")
        self.save_profile = QPushButton(tr("Save profile…"))
        self.save_profile.setObjectName("save_profile")
        self.load_profile = QPushButton(tr("Load profile…"))
        self.load_profile.setObjectName("load_profile")
        options = QFormLayout()
        options.addRow(tr("Key column (re-import)"), self.key)
        options.addRow(tr("Status when the ledger has none"), self.default_status)
        options.addRow("", self.skip_invalid)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_profile)
        buttons.addWidget(self.save_profile)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table)
        layout.addLayout(grid)
        layout.addLayout(options)
        layout.addLayout(buttons)
        self.save_profile.clicked.connect(self._save_profile)
        self.load_profile.clicked.connect(self._load_profile)
        self.pending_profile: Any = None

    def wizard_(self) -> ImportWizard:
        return self.wizard()  # type: ignore[return-value]

    def initializePage(self) -> None:
        wizard = self.wizard_()
        key = (wizard.path(), wizard.encoding() or "")
        if wizard.preview is not None and wizard.preview_key == key:
            return
        wizard.preview = None
        wizard.preview_key = key
        self.status_label.setText(tr("Reading {name}…").format(name=Path(key[0]).name))
        from gis_carbon.services.import_setup import preview_file

        path, encoding = key[0], key[1] or None
        wizard.start(
            tr("Reading"),
            lambda _feedback, _ws: preview_file(path, encoding=encoding, rows=PREVIEW_ROWS),
            self._show_preview,
            lambda exc: self.status_label.setText(one_line(exc)),
        )

    def _show_preview(self, preview: Any) -> None:
        from gis_carbon.model.types import STATUSES

        wizard = self.wizard_()
        wizard.preview = preview
        self.status_label.setText(
            tr("{name}: {n} rows, {c} columns; the first {k} shown").format(
                name=preview.path.name, n=preview.row_count, c=len(preview.columns),
                k=min(PREVIEW_ROWS, preview.row_count))
        )  # fmt: skip
        self.table.setColumnCount(len(preview.columns))
        self.table.setHorizontalHeaderLabels(preview.columns)
        self.table.setRowCount(len(preview.rows))
        for r, row in enumerate(preview.rows):
            for c, column in enumerate(preview.columns):
                self.table.setItem(r, c, QTableWidgetItem(_cell(row.get(column))))
        self.table.resizeColumnsToContents()
        for name, combo in self.field_combos.items():
            combo.clear()
            combo.addItem(tr("(none)"), "")
            for column in preview.columns:
                combo.addItem(column, column)
            _select_data(combo, preview.mapping.get(name, ""))
        self.key.clear()
        self.key.addItem(tr("(none: add every row)"), "")
        for column in preview.columns:
            self.key.addItem(column, column)
        self.default_status.clear()
        self.default_status.addItem(tr("(default: planned 规划)"), "")
        for info in STATUSES:
            label = info.name_zh if language() == "zh" else info.name_en
            self.default_status.addItem(f"{label} ({info.status.value})", info.status.value)
        if self.pending_profile is not None:
            self.apply_profile(self.pending_profile)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wizard_().preview is not None

    def mapping(self) -> dict[str, str]:
        return {n: c.currentData() for n, c in self.field_combos.items() if c.currentData()}

    def options(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping(),
            "key": self.key.currentData() or None,
            "default_status": self.default_status.currentData() or None,
            "skip_invalid": self.skip_invalid.isChecked() or None,
        }

    def profile(self) -> Any:
        from gis_carbon.services.import_setup import ImportProfile

        wizard = self.wizard_()
        return ImportProfile(
            mapping=self.mapping(),
            value_map=wizard.values_page.value_map(),
            default_status=self.default_status.currentData() or None,
            key=self.key.currentData() or None,
            skip_invalid=self.skip_invalid.isChecked(),
            encoding=wizard.encoding(),
        )

    def apply_profile(self, profile: Any) -> None:
        for name, combo in self.field_combos.items():
            if name in profile.mapping:
                _select_data(combo, profile.mapping[name])
        _select_data(self.key, profile.key or "")
        _select_data(self.default_status, profile.default_status or "")
        self.skip_invalid.setChecked(bool(profile.skip_invalid))
        self.wizard_().values_page.pending = dict(profile.value_map)

    def _save_profile(self) -> None:
        from gis_carbon.services.import_setup import save_profile

        path = ask_path(self, tr("Save profile"), tr("Import profile") + " (*.json)", save=True)
        if not path:
            return
        path = path if path.lower().endswith(".json") else path + ".json"
        try:
            save_profile(self.profile(), path)
        except OSError as exc:
            self.status_label.setText(one_line(exc))
            return
        self.status_label.setText(tr("Profile saved to {path}").format(path=path))

    def _load_profile(self) -> None:
        from gis_carbon.errors import GisCarbonError
        from gis_carbon.services.import_setup import load_profile

        path = ask_path(self, tr("Load profile"), tr("Import profile") + " (*.json)")
        if not path:
            return
        try:
            profile = load_profile(path)
        except GisCarbonError as exc:
            self.status_label.setText(one_line(exc))
            return
        self.apply_profile(profile)
        self.status_label.setText(tr("Profile loaded from {path}").format(path=path))


class ValuesPage(QWizardPage):
    """Each distinct value of the type and status columns, what it reads as, what to map it to."""

    HEADERS = ("Field", "Value in the file", "Rows", "Reads as", "Map to")

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Values"))
        self.setSubTitle(
            tr("Values the app does not know are marked; map each to a type or status.")
        )
        self.summary = QLabel()
        self.summary.setObjectName("values_summary")
        self.table = _table([tr(h) for h in self.HEADERS], "value_table")
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        self.rows: list[tuple[str, str, QComboBox]] = []
        self.pending: dict[str, dict[str, str]] = {}

    def initializePage(self) -> None:
        from gis_carbon.services.import_setup import MAPPED_VALUE_FIELDS, known_code, value_choices

        wizard: ImportWizard = self.wizard()  # type: ignore[assignment]
        kept = {**self.pending, **self.value_map()}
        self.pending = {}
        mapping = wizard.columns_page.mapping()
        preview = wizard.preview
        self.rows = []
        self.table.setRowCount(0)
        unknown = 0
        for field_name in MAPPED_VALUE_FIELDS:
            column = mapping.get(field_name)
            if not column:
                continue
            choices = value_choices(field_name)
            names = {code: (zh if language() == "zh" else en) for code, zh, en in choices}
            for value, count in preview.distinct.get(column, []):
                code = known_code(field_name, value)
                row = self.table.rowCount()
                self.table.insertRow(row)
                cells = [tr(f"field:{field_name}"), value, str(count)]
                cells.append(f"{names[code]} ({code})" if code else tr("unknown"))
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if code is None:
                        item.setBackground(UNKNOWN_BRUSH)
                    self.table.setItem(row, c, item)
                combo = QComboBox()
                combo.setObjectName(f"map_{field_name}_{value}")
                combo.addItem(tr("(as read)") if code else tr("(choose)"), "")
                for choice, label in names.items():
                    combo.addItem(f"{label} ({choice})", choice)
                _select_data(combo, kept.get(field_name, {}).get(value, ""))
                self.table.setCellWidget(row, 4, combo)
                self.rows.append((field_name, value, combo))
                unknown += code is None
        self.table.resizeColumnsToContents()
        self.summary.setText(
            tr("{n} values, {u} unknown").format(n=len(self.rows), u=unknown)
            if self.rows
            else tr("No type or status column is mapped.")
        )

    def combo_for(self, field_name: str, value: str) -> QComboBox:
        for name, found, combo in self.rows:
            if (name, found) == (field_name, value):
                return combo
        raise KeyError(f"no {field_name} value {value!r} in the value table")

    def value_map(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for field_name, value, combo in self.rows:
            if combo.currentData():
                out.setdefault(field_name, {})[value] = combo.currentData()
        return out


class CheckPage(QWizardPage):
    """A dry run of the import as set up: what it would add and change, or every problem."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Check"))
        self.setSubTitle(tr("Nothing is written yet. Finish imports what is shown here."))
        self.result_label = QLabel()
        self.result_label.setObjectName("check_result")
        self.result_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel = QPushButton(tr("Cancel check"))
        self.cancel.setObjectName("cancel_check")
        self.again = QPushButton(tr("Check again"))
        self.again.setObjectName("check_again")
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel)
        row.addWidget(self.again)
        self.diff = QTreeWidget()
        self.diff.setObjectName("diff_tree")
        self.diff.setHeaderLabels([tr("Change"), tr("Project"), tr("Details")])
        self.problems = _table(
            [tr("Row"), tr("Column"), tr("Value"), tr("Problem"), tr("Suggestion")],
            "problem_table",
        )
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.save_problems = QPushButton(tr("Save as Excel…"))
        self.save_problems.setObjectName("save_problems")
        layout = QVBoxLayout(self)
        layout.addWidget(self.result_label)
        layout.addLayout(row)
        layout.addWidget(self.diff, 1)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.save_problems, 0, Qt.AlignmentFlag.AlignLeft)
        self.result: Any = None
        self.problem_rows: list[Any] = []
        self.task: Any = None
        self.cancel.clicked.connect(self._cancel)
        self.again.clicked.connect(lambda: self.initializePage())
        self.save_problems.clicked.connect(self._save_problems)

    def initializePage(self) -> None:
        from gis_carbon.services.imports import import_file

        wizard: ImportWizard = self.wizard()  # type: ignore[assignment]
        self.result, self.problem_rows = None, []
        self.diff.clear()
        self.problems.setRowCount(0)
        self.diff.hide()
        self.problems.hide()
        self.save_problems.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.cancel.show()
        self.result_label.setText(tr("Checking…"))
        path, options = wizard.path(), wizard.import_options()

        def work(feedback: Any, ws: Any) -> Any:
            return import_file(ws, path, dry_run=True, feedback=feedback, **options)

        self.task = wizard.start(
            tr("Checking"),
            work,
            self._checked,
            self._failed,
            lambda fraction, _m: self.progress.setValue(int(fraction * 1000)),
        )
        self.completeChanged.emit()

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _finished(self) -> None:
        self.task = None
        self.progress.hide()
        self.cancel.hide()

    def _checked(self, result: Any) -> None:
        self._finished()
        self.result = result
        if result.diff is not None:
            self._show_diff(result.diff)
        else:
            self.result_label.setText(
                tr("{n} projects would be imported from {name}.").format(
                    n=result.count, name=result.path.name)
            )  # fmt: skip
        if result.refused:
            self._show_problems(result.refused)
            self.result_label.setText(
                self.result_label.text() + " " + tr("{n} rows are left out (listed below).")
                .format(n=len({p.where for p in result.refused}))
            )  # fmt: skip
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self._finished()
        self.result_label.setText(one_line(exc))
        rows = getattr(exc, "rows", None)
        if rows:
            self._show_problems(rows)
        self.completeChanged.emit()

    def _show_diff(self, diff: dict[str, list[Any]]) -> None:
        self.result_label.setText(
            tr("{a} added, {c} changed, {u} unchanged, {m} missing from the file").format(
                a=len(diff["added"]), c=len(diff["changed"]), u=len(diff["unchanged"]),
                m=len(diff["missing"]))
        )  # fmt: skip
        for name in diff["added"]:
            QTreeWidgetItem(self.diff, [tr("added"), str(name), ""])
        for entry in diff["changed"]:
            details = "; ".join(
                f"{tr(f'field:{f}')}: {_cell(old)} → {_cell(new)}"
                for f, (old, new) in entry["changes"].items()
            )
            QTreeWidgetItem(self.diff, [tr("changed"), f"{entry['id']} {entry['name']}", details])
        if diff["unchanged"]:
            QTreeWidgetItem(self.diff, [tr("unchanged"), str(len(diff["unchanged"])), ""])
        for entry in diff["missing"]:
            QTreeWidgetItem(
                self.diff, [tr("missing"), f"{entry['id']} {entry['name']}", tr("kept")]
            )
        self.diff.resizeColumnToContents(0)
        self.diff.resizeColumnToContents(1)
        self.diff.show()

    def _show_problems(self, rows: list[Any]) -> None:
        self.problem_rows = list(rows)
        self.problems.setRowCount(len(rows))
        for r, problem in enumerate(rows):
            # the reason and the row in the UI's language; value and suggestion as written
            cells = [message_text(problem.where), problem.column or "", _cell(problem.value),
                     message_text(problem.reason), problem.suggestion()]  # fmt: skip
            for c, text in enumerate(cells):
                self.problems.setItem(r, c, QTableWidgetItem(str(text)))
        self.problems.resizeColumnsToContents()
        self.problems.show()
        self.save_problems.show()

    def _save_problems(self) -> None:
        from gis_carbon.services.import_problems import write_problems

        path = ask_path(self, tr("Save as Excel"), "Excel (*.xlsx)", save=True)
        if not path:
            return
        path = path if path.lower().endswith(".xlsx") else path + ".xlsx"
        try:
            write_problems(self.problem_rows, path)
        except OSError as exc:
            self.result_label.setText(one_line(exc))
            return
        self.result_label.setText(tr("Problems saved to {path}").format(path=path))

    def isComplete(self) -> bool:
        return self.result is not None and (self.result.count > 0 or self.result.diff is not None)

    def nextId(self) -> int:
        return -1


class LayerPage(QWizardPage):
    """Name, role, CRS, coordinates and a dry-run preview of a layer import."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Layer"))
        self.setSubTitle(
            tr("Exclusion and setback layers are checked whenever a project is sited.")
        )
        self.name = QLineEdit()
        self.name.setObjectName("layer_name")
        self.role = _combo([(r, tr(f"role:{r}")) for r, _ in LAYER_ROLES], "layer_role")
        self.distance = QDoubleSpinBox()
        self.distance.setObjectName("setback_distance")
        self.distance.setRange(1, 100_000)
        self.distance.setValue(500)
        self.distance.setSuffix(" m")
        self.crs = _combo(crs_choices(), "layer_crs")
        self.coords = _combo(
            [
                ("", tr("WGS 84 / CGCS2000 (as stored)")),
                ("gcj02", tr("GCJ-02 (Amap, Tencent)")),
                ("bd09", tr("BD-09 (Baidu)")),
            ],
            "layer_coords",
        )
        self.preview_button = QPushButton(tr("Preview (dry run)"))
        self.preview_button.setObjectName("layer_preview")
        self.preview_label = QLabel(tr("Not checked yet."))
        self.preview_label.setObjectName("layer_preview_text")
        self.preview_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(tr("Layer name"), self.name)
        form.addRow(tr("Role"), self.role)
        form.addRow(tr("Setback distance"), self.distance)
        form.addRow(tr("Coordinate system"), self.crs)
        form.addRow(tr("Coordinates from"), self.coords)
        form.addRow("", self.preview_button)
        form.addRow(tr("Preview"), self.preview_label)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.preview_button.clicked.connect(self.run_preview)
        self.name.textChanged.connect(self.completeChanged)
        self.checked: Any = None

    def initializePage(self) -> None:
        wizard: ImportWizard = self.wizard()  # type: ignore[assignment]
        if not self.name.text():
            self.name.setText(Path(wizard.path()).stem)
        self._role_changed()

    def _role_changed(self) -> None:
        role = self.role.currentData()
        self.distance.setEnabled(role == "setback")
        implied = dict(LAYER_ROLES).get(role)
        self.name.setEnabled(implied is None)
        self.checked = None
        self.preview_label.setText(tr("Not checked yet."))

    def options(self) -> dict[str, Any]:
        role = self.role.currentData()
        implied = dict(LAYER_ROLES).get(role)
        return {
            "as_layer": implied or self.name.text().strip(),
            "role": None if implied else role,
            "distance_m": self.distance.value() if role == "setback" else None,
            "crs": self.crs.currentData() or None,
            "coords": self.coords.currentData() or None,
        }

    def run_preview(self) -> None:
        from gis_carbon.services.imports import import_file

        wizard: ImportWizard = self.wizard()  # type: ignore[assignment]
        path, options = wizard.path(), wizard.import_options()
        self.preview_label.setText(tr("Checking…"))
        self.preview_button.setEnabled(False)

        def work(feedback: Any, ws: Any) -> Any:
            return import_file(ws, path, dry_run=True, feedback=feedback, **options)

        wizard.start(tr("Checking"), work, self._previewed, self._failed)

    def _previewed(self, result: Any) -> None:
        self.preview_button.setEnabled(True)
        self.checked = result
        bounds = result.bounds or (0.0, 0.0, 0.0, 0.0)
        lines = [
            tr("{n} features · {crs} · {enc}").format(
                n=result.count, crs=result.crs or "?", enc=(result.encoding or "?").upper()
            ),
            tr("extent {x0:.4f}–{x1:.4f}°E, {y0:.4f}–{y1:.4f}°N").format(
                x0=bounds[0], y0=bounds[1], x1=bounds[2], y1=bounds[3]
            ),
            *result.notes[:3],
        ]
        self.preview_label.setText("\n".join(lines))
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.preview_button.setEnabled(True)
        self.checked = None
        self.preview_label.setText(one_line(exc))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.options()["as_layer"])

    def nextId(self) -> int:
        return -1
