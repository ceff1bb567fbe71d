"""English UI: no raw value keys such as "kind:vector" reach the user."""

from __future__ import annotations

import json
import re

from gis_carbon.qt import i18n


def test_every_value_key_has_an_english_label() -> None:
    table = json.loads(i18n.TABLE_PATH.read_text(encoding="utf-8"))
    keys = {k for k in table if re.fullmatch(r"[a-z_]+:[a-z_]+", k)}
    assert keys == set(i18n.ENGLISH_LABELS)
    previous = i18n.language()
    try:
        i18n.set_language("en")
        assert i18n.tr("kind:vector") == "Vector"
        assert i18n.tr("precision:town") == "Town"
        assert i18n.tr("Zoom to layer") == "Zoom to layer"
        i18n.set_language("zh")
        assert i18n.tr("kind:vector") == "矢量"
    finally:
        i18n.set_language(previous)
