"""The plan editor in the window: a target revised in its table, undone and redone with the
window's Ctrl+Z / Ctrl+Shift+Z (pressed in the editor), and a bad value refused in the dialog with nothing written."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gis_carbon.qt.plan_editor import COLUMNS
from gis_carbon.services.workspace import open_workspace

VALUE = next(i for i, c in enumerate(COLUMNS) if c[2] == "value")
JINGHAI_RENEWABLES = "jinghai.renewables_capacity.2025"


def _settle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.busy(), timeout=60_000)
    assert window.wait_until_idle(60_000)


def _stored_target(path, target_id):
    with open_workspace(path, seed=False) as ws:
        return ws.target(target_id)


def test_edit_a_target_in_place_then_undo_and_redo(window, qtbot, seeded_path) -> None:
    window.targets_panel.edit_plans.click()
    editor = window.plan_editor
    assert editor is not None and editor.isVisible()
    assert editor.plan_id == "jinghai"
    row = next(i for i, t in enumerate(editor.targets) if t.id == JINGHAI_RENEWABLES)
    editor.table.setCurrentCell(row, 0)
    assert "280" in editor.quote.toPlainText()  # the sentence shown in full
    assert editor.table.item(row, VALUE).text() == "280 万千瓦"

    editor.table.item(row, VALUE).setText("300万千瓦")
    _settle(window, qtbot)
    assert _stored_target(seeded_path, JINGHAI_RENEWABLES).value == 300
    row = next(i for i, t in enumerate(editor.targets) if t.id == JINGHAI_RENEWABLES)
    assert editor.table.item(row, VALUE).text() == "300 万千瓦"
    renewables = next(p for p in window.progress if p.target.id == JINGHAI_RENEWABLES)
    assert renewables.target.base_value == 3000.0

    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _settle(window, qtbot)
    assert _stored_target(seeded_path, JINGHAI_RENEWABLES).value == 280
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    _settle(window, qtbot)
    assert _stored_target(seeded_path, JINGHAI_RENEWABLES).value == 300
    with open_workspace(seeded_path, seed=False) as ws:
        actions = [e.action for e in ws.record_history("target", JINGHAI_RENEWABLES)]
    assert actions[-3:] == ["update", "update", "update"]


def test_a_bad_value_is_refused_in_the_editor(window, qtbot, seeded_path) -> None:
    window.open_plan_editor()
    editor = window.plan_editor
    row = next(i for i, t in enumerate(editor.targets) if t.id == JINGHAI_RENEWABLES)
    editor.table.item(row, VALUE).setText("12,5 万千瓦")
    _settle(window, qtbot)
    assert "12,5" in editor.message.text()
    assert _stored_target(seeded_path, JINGHAI_RENEWABLES).value == 280
    # the table shows the stored value again
    row = next(i for i, t in enumerate(editor.targets) if t.id == JINGHAI_RENEWABLES)
    assert editor.table.item(row, VALUE).text() == "280 万千瓦"
