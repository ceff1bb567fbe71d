"""The export dialog: what `gis-carbon export` offers, in the window.

The chosen type wins — a name typed without the type's extension gets it (HTML + "jinghai"
→ jinghai.html) — and the scope (the plan, a region, the selected projects or everything),
the encoding (Shapefile, CSV), the coordinates (KML/KMZ/CSV/Excel in GCJ-02 for 奥维) and
a shapefile as one zip or as files in a folder are set here. The export itself runs where
the window runs exports (a child process, progress and Cancel in the status bar); the
status bar then names the files really written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.qt.dialog_support import ask_path, one_line
from gis_carbon.qt.i18n import tr

SCOPES = ("plan", "region", "selection", "all")


def written_names(paths: list[Path]) -> str:
    """The files an export wrote, as the status bar names them: each data file (a shapefile
    per geometry kind by its .shp), the folder once."""
    shown = [p for p in paths if p.suffix.lower() not in (".shx", ".dbf", ".prj", ".cpg")]
    shown = [p for p in shown if not p.name.endswith((".fields.csv", ".report.txt"))] or shown
    return ", ".join(p.name for p in shown)


class ExportDialog(QDialog):
    """`dialog.export_request()` → (format, path, options) for services.exports.export."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        plan_id: str | None,
        plan_label: str = "",
        region_code: str = "",
        selected: list[int] | None = None,
    ) -> None:
        from gis_carbon.services.exports import FORMATS

        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle(tr("Export"))
        self.plan_id = plan_id
        self.selected = list(selected or [])
        self.format = QComboBox()
        self.format.setObjectName("export_format")
        for spec in FORMATS.values():
            self.format.addItem(f"{spec.label_zh} ({' '.join(spec.suffixes)})", spec.name)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("export_path")
        self.path_edit.setPlaceholderText(tr("file name; the type's extension is added"))
        self.browse = QPushButton(tr("Browse…"))
        self.browse.setObjectName("export_browse")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse)
        self.target_label = QLabel()
        self.target_label.setObjectName("export_target")
        self.scope_buttons: dict[str, QRadioButton] = {}
        labels = {
            "plan": tr("The plan's region: {plan}").format(plan=plan_label or "—"),
            "region": tr("A region (code)"),
            "selection": tr("The selected projects ({n})").format(n=len(self.selected)),
            "all": tr("Every project"),
        }
        group = QButtonGroup(self)
        scope_box = QVBoxLayout()
        for scope in SCOPES:
            button = QRadioButton(labels[scope])
            button.setObjectName(f"scope_{scope}")
            group.addButton(button)
            scope_box.addWidget(button)
            self.scope_buttons[scope] = button
        self.scope_buttons["plan"].setEnabled(plan_id is not None)
        self.scope_buttons["selection"].setEnabled(bool(self.selected))
        self.scope_buttons["plan" if plan_id else "all"].setChecked(True)
        self.region = QLineEdit(region_code)
        self.region.setObjectName("export_region")
        self.region.setPlaceholderText("120223")
        self.encoding = QComboBox()
        self.encoding.setObjectName("export_encoding")
        self.encoding.addItem("UTF-8", "utf-8")
        self.encoding.addItem(tr("GBK (old ArcGIS, Excel)"), "gbk")
        self.coords = QComboBox()
        self.coords.setObjectName("export_coords")
        self.coords.addItem("WGS 84", "wgs84")
        self.coords.addItem(tr("GCJ-02 (奥维, Amap)"), "gcj02")
        self.as_zip = QRadioButton(tr("One .zip"))
        self.as_zip.setObjectName("shapefile_zip")
        self.as_folder = QRadioButton(tr("Files in the folder"))
        self.as_folder.setObjectName("shapefile_folder")
        self.as_folder.setChecked(True)
        zip_group = QButtonGroup(self)
        zip_group.addButton(self.as_zip)
        zip_group.addButton(self.as_folder)
        zip_row = QHBoxLayout()
        zip_row.addWidget(self.as_folder)
        zip_row.addWidget(self.as_zip)
        zip_row.addStretch(1)
        self.error_label = QLabel()
        self.error_label.setObjectName("export_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Export"))
        form = QFormLayout()
        form.addRow(tr("Type"), self.format)
        form.addRow(tr("File"), path_row)
        form.addRow(tr("Will write"), self.target_label)
        form.addRow(tr("Projects"), scope_box)
        form.addRow(tr("Region code"), self.region)
        form.addRow(tr("Text encoding"), self.encoding)
        form.addRow(tr("Coordinates"), self.coords)
        form.addRow(tr("Shapefile as"), zip_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.browse.clicked.connect(self._browse)
        for signal in (
            self.format.currentIndexChanged,
            self.path_edit.textChanged,
            self.as_zip.toggled,
            self.scope_buttons["region"].toggled,
        ):
            signal.connect(self._update)
        self._update()

    def spec(self) -> Any:
        from gis_carbon.services.exports import export_format

        return export_format(self.format.currentData())

    def scope(self) -> str:
        return next(s for s, b in self.scope_buttons.items() if b.isChecked())

    def target(self) -> Path | None:
        from gis_carbon.services.exports import target_path

        text = self.path_edit.text().strip()
        if not text:
            return None
        return target_path(text, self.format.currentData(), as_zip=self.as_zip.isChecked())

    def _update(self) -> None:
        spec = self.spec()
        self.encoding.setEnabled(len(spec.encodings) > 1)
        if self.encoding.currentData() not in spec.encodings:
            self.encoding.setCurrentIndex(0)
        self.coords.setEnabled(len(spec.coords) > 1)
        if self.coords.currentData() not in spec.coords:
            self.coords.setCurrentIndex(0)
        self.as_zip.setEnabled(spec.name == "shp")
        self.as_folder.setEnabled(spec.name == "shp")
        self.region.setEnabled(self.scope_buttons["region"].isChecked())
        target = self.target()
        self.target_label.setText(str(target) if target else "")
        self.error_label.clear()

    def _browse(self) -> None:
        spec = self.spec()
        filters = f"{spec.label_zh} ({' '.join('*' + s for s in spec.suffixes)})"
        path = ask_path(self, tr("Export"), filters, save=True)
        if path:
            self.path_edit.setText(path)

    def export_request(self) -> tuple[str, Path, dict[str, Any]]:
        """The format, the file to write and export()'s options; ExportError when unusable."""
        from gis_carbon.errors import ExportError

        target = self.target()
        if target is None:
            raise ExportError(tr("Type a file name"))
        if not target.is_absolute():
            raise ExportError(tr("Choose a folder for {name}").format(name=target.name))
        options: dict[str, Any] = {}
        scope = self.scope()
        if scope == "plan":
            options["plan"] = self.plan_id
        elif scope == "region":
            options["region"] = self.region.text().strip()
        elif scope == "selection":
            options["project_ids"] = list(self.selected)
            options["plan"] = self.plan_id
        spec = self.spec()
        if self.encoding.isEnabled():
            options["encoding"] = self.encoding.currentData()
        if self.coords.isEnabled():
            options["coords"] = self.coords.currentData()
        if spec.name == "shp" and self.as_zip.isChecked():
            options["as_zip"] = True
        return spec.name, target, options

    def _accept(self) -> None:
        from gis_carbon.errors import GisCarbonError

        try:
            fmt, target, _options = self.export_request()
            if not target.parent.is_dir():
                raise GisCarbonError(tr("folder {path} does not exist").format(path=target.parent))
        except GisCarbonError as exc:
            self.error_label.setText(one_line(exc))
            return
        del fmt
        self.accept()
