"""UI text: English source strings, Chinese by default from resources/translations/zh_CN.json.

A plain string table rather than Qt .ts/.qm: Qt's `tr()` looks strings up by the C++ class
name as context, which PySide subclasses make fragile, and a .qm is a compiled binary that
must be rebuilt with pyside6-lrelease whenever a string changes. The JSON table is read as
is, works offline, and a test checks every string the UI asks for has a translation.
Qt's own dialog buttons are translated by installing Qt's shipped qtbase_zh_CN.qm.
"""

from __future__ import annotations

import json

from gis_carbon.resources import resource_path

LANGUAGES = ("zh", "en")
TABLE_PATH = resource_path("translations", "zh_CN.json")

_state = {"lang": "zh"}
_table: dict[str, str] = {}
missing: set[str] = set()  # strings asked for in Chinese that the table lacks
_ROLES = ("exclusion", "setback", "resource", "reference", "infrastructure", "boundary",
          "township", "constraint")  # fmt: skip
_FIELDS = ("name", "type", "capacity", "energy", "status", "year", "start_year", "lon", "lat",
           "x", "y", "owner", "notes", "precision", "plan_id", "location")  # fmt: skip
# The UI's source strings are English, except these keys, which name a value of the model
# (a layer kind, a counting policy, a location precision, a siting violation).
ENGLISH_LABELS = {
    "kind:boundary": "Boundary",
    "kind:projects": "Projects",
    "kind:raster": "Raster",
    "kind:vector": "Vector",
    "policy:construction": "Under construction and operating",
    "policy:operating": "Operating only",
    "policy:pipeline": "Whole pipeline (planned, preparing, under construction, operating)",
    "precision:district": "District",
    "precision:exact": "Exact",
    "precision:town": "Town",
    "precision:village": "Village",
    "violation:exclusion": "Exclusion zone",
    "violation:raster": "Raster condition not met",
    "violation:setback": "Setback too short",
    # a layer's role (import wizard, layer list) and a ledger's fields (import wizard)
    **{f"role:{r}": r.capitalize() for r in _ROLES},
    **{f"field:{f}": f.replace("_", " ").capitalize() for f in _FIELDS},
}


def _load() -> dict[str, str]:
    if not _table:
        _table.update(json.loads(TABLE_PATH.read_text(encoding="utf-8")))
    return _table


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {LANGUAGES}")
    _state["lang"] = lang


def language() -> str:
    return _state["lang"]


def tr(text: str) -> str:
    """The UI string in the current language (Chinese by default)."""
    if _state["lang"] == "en":
        return ENGLISH_LABELS.get(text, text)
    translated = _load().get(text)
    if translated is None:
        missing.add(text)
        return text
    return translated


def install_qt_translator(app: object) -> object | None:
    """Qt's own strings (OK/Cancel, file dialogs) in Chinese; returns the translator."""
    if _state["lang"] != "zh":
        return None
    from PySide6.QtCore import QLibraryInfo, QTranslator

    class GapTranslator(QTranslator):
        """The few strings of Qt's own dialogs that qtbase_zh_CN.qm leaves in English."""

        def translate(
            self, context: str, source: str, disambiguation: str | None = None, n: int = -1
        ) -> str:
            return _load().get(f"qt:{context}:{source}", "")

    translator = QTranslator(app)  # type: ignore[arg-type]
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_zh_CN", folder):
        # installed first, asked last: Qt's own translation wins where it has one
        gaps = GapTranslator(app)  # type: ignore[arg-type]
        app.installTranslator(gaps)  # type: ignore[attr-defined]
        app.installTranslator(translator)  # type: ignore[attr-defined]
        translator.gaps = gaps  # type: ignore[attr-defined]
        return translator
    return None
