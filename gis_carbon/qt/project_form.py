"""The project form: opens after a geometry is drawn (or to edit a project) and checks the
input as it is typed with the same parser the CLI uses, so "12,5 MW" is refused with the
UnitError's own message before anything is stored. A point's longitude and latitude can be
typed over (decimal or 116°55′48″E, the CLI's coordinate parser)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.errors import GisCarbonError
from gis_carbon.feedback import RecordingFeedback
from gis_carbon.model.project import Project, geometry_kind
from gis_carbon.model.types import PROJECT_TYPES, STATUSES, TYPES_BY_CODE, ProjectType
from gis_carbon.qt.i18n import language, tr
from gis_carbon.qt.measure_text import geometry_measure_text
from gis_carbon.qt.messages import error_text
from gis_carbon.services.projects import ProjectInput, project_from_input


def type_label(ptype: ProjectType) -> str:
    return ptype.name_zh if language() == "zh" else ptype.name_en


class ProjectForm(QDialog):
    """Non-blocking: call open(); `accepted_input` carries the ProjectInput when OK is pressed."""

    accepted_input = Signal(object)  # ProjectInput (new) or (project, changes dict) (edit)

    def __init__(
        self, geometry: Any, parent: QWidget | None = None, project: Project | None = None
    ) -> None:
        super().__init__(parent)
        self.drawn_geometry = geometry
        self.project = project
        self.setWindowTitle(tr("Edit project") if project else tr("New project"))
        self.setMinimumWidth(420)
        kind = geometry_kind(geometry)
        self.name = QLineEdit()
        self.type = QComboBox()
        for ptype in PROJECT_TYPES:
            if ptype.allows(kind):
                self.type.addItem(type_label(ptype), ptype.code)
        self.capacity = QLineEdit()
        self.capacity_unit = QLabel()
        self.energy = QLineEdit()
        self.energy_unit = QLabel()
        self.status = QComboBox()
        for info in STATUSES:
            self.status.addItem(
                info.name_zh if language() == "zh" else info.name_en, info.status.value
            )
        self.year = QLineEdit()
        self.year.setPlaceholderText("2025")
        self.owner = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(60)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.location = QLabel(self._location_text())
        self.location.setStyleSheet("color: #555;")
        # a point's coordinates, editable; as drawn until the user types over them
        self.lon, self.lat = QLineEdit(), QLineEdit()
        self._drawn_lonlat = ("", "")
        if geometry.geom_type == "Point":
            self._drawn_lonlat = (f"{geometry.x:.6f}", f"{geometry.y:.6f}")
            for edit, text, example in zip(
                (self.lon, self.lat), self._drawn_lonlat, ("116°55′48″E", "38°56′24″N"), strict=True
            ):
                edit.setText(text)
                edit.setToolTip(f"{text} / {example}")

        form = QFormLayout()
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Type"), self.type)
        row = QHBoxLayout()
        row.addWidget(self.capacity, 1)
        row.addWidget(self.capacity_unit)
        form.addRow(tr("Capacity"), row)
        row2 = QHBoxLayout()
        row2.addWidget(self.energy, 1)
        row2.addWidget(self.energy_unit)
        form.addRow(tr("Energy (storage)"), row2)
        form.addRow(tr("Status"), self.status)
        form.addRow(tr("Commissioning year"), self.year)
        form.addRow(tr("Owner"), self.owner)
        form.addRow(tr("Notes"), self.notes)
        if geometry.geom_type == "Point":
            form.addRow(tr("Longitude"), self.lon)
            form.addRow(tr("Latitude"), self.lat)
        else:
            form.addRow(tr("Location"), self.location)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        if project is not None:
            self._fill(project)
        for widget in (
            self.name,
            self.capacity,
            self.energy,
            self.year,
            self.owner,
            self.lon,
            self.lat,
        ):
            widget.textChanged.connect(self.validate)
        self.type.currentIndexChanged.connect(self._type_changed)
        self.status.currentIndexChanged.connect(self.validate)
        self._type_changed()

    # ---------------------------------------------------------------- content
    def _location_text(self) -> str:
        if self.drawn_geometry.geom_type == "Point":
            return f"{self.drawn_geometry.x:.6f}°E, {self.drawn_geometry.y:.6f}°N (WGS 84)"
        return geometry_measure_text(self.drawn_geometry)

    def _fill(self, project: Project) -> None:
        self.name.setText(project.name)
        index = self.type.findData(project.type)
        if index >= 0:
            self.type.setCurrentIndex(index)
        ptype = project.project_type
        if project.capacity is not None:
            self.capacity.setText(f"{project.capacity:g} {ptype.capacity_unit}")
        if project.energy is not None:
            self.energy.setText(f"{project.energy:g} {ptype.energy_unit}")
        self.status.setCurrentIndex(max(0, self.status.findData(project.status.value)))
        self.year.setText("" if project.year is None else str(project.year))
        self.owner.setText(project.owner)
        self.notes.setPlainText(project.notes)

    def _type_changed(self) -> None:
        ptype = TYPES_BY_CODE[self.type.currentData()]
        self.capacity_unit.setText(ptype.capacity_unit or "—")
        self.capacity.setEnabled(ptype.capacity_unit is not None)
        self.capacity.setPlaceholderText(
            f"300 {ptype.capacity_unit}" if ptype.capacity_unit else ""
        )
        self.energy_unit.setText(ptype.energy_unit or "—")
        self.energy.setEnabled(ptype.energy_unit is not None)
        self.energy.setPlaceholderText(f"200 {ptype.energy_unit}" if ptype.energy_unit else "")
        self.validate()

    def typed_location(self) -> tuple[str, str] | None:
        """The longitude and latitude typed over the drawn point's; None while unchanged (the
        drawn geometry is kept at full precision)."""
        typed = (self.lon.text().strip(), self.lat.text().strip())
        return None if typed == self._drawn_lonlat else typed

    def project_input(self) -> ProjectInput:
        ptype = TYPES_BY_CODE[self.type.currentData()]
        typed = self.typed_location()
        return ProjectInput(
            name=self.name.text().strip(),
            type=ptype.code,
            status=self.status.currentData(),
            capacity=self.capacity.text().strip() or None if ptype.capacity_unit else None,
            energy=self.energy.text().strip() or None if ptype.energy_unit else None,
            year=self.year.text().strip() or None,
            lon=None if typed is None else typed[0],
            lat=None if typed is None else typed[1],
            wkt=self.drawn_geometry.wkt if typed is None else None,
            owner=self.owner.text().strip(),
            notes=self.notes.toPlainText().strip(),
        )

    def changes(self) -> dict[str, Any]:
        data = self.project_input()
        moved = {"lon": data.lon, "lat": data.lat} if self.typed_location() else {}
        return {
            **moved,
            "name": data.name,
            "type": data.type,
            "status": data.status,
            "capacity": data.capacity,
            "energy": data.energy,
            "year": data.year,
            "owner": data.owner,
            "notes": data.notes,
        }

    def validate(self) -> bool:
        """Check what is typed; show the first problem and keep OK disabled until fixed (and
        the parser's notes, such as 60″ carried into the minute, in the same place)."""
        notes = RecordingFeedback()
        try:
            project_from_input(self.project_input(), feedback=notes)
        except GisCarbonError as exc:
            self.message.setStyleSheet("color: #b71c1c;")
            self.message.setText(error_text(exc))
            ok = False
        else:
            self.message.setStyleSheet("color: #555;")
            self.message.setText("\n".join(notes.notes))
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok

    def _accept(self) -> None:
        if not self.validate():
            return
        if self.project is None:
            self.accepted_input.emit(self.project_input())
        else:
            self.accepted_input.emit((self.project, self.changes()))
        self.accept()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.validate():
            return
        super().keyPressEvent(event)
