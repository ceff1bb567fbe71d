"""The targets panel lists every target: those without data under 待录入数据, where an
indicator's value can be typed in and then counts like `record-indicator`."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from gis_carbon.cli import main
from gis_carbon.qt.panels import IndicatorEntry


def test_waiting_targets_are_listed_and_a_typed_value_reaches_status(
    window, qtbot, seeded_path, capsys
) -> None:
    panel = window.targets_panel
    waiting = [p for p in window.progress if p.verdict.value == "no_data"]
    assert waiting, "静海区 has indicator targets without recorded values"
    # every target of the plan has a row: none hidden
    assert set(panel.rows) == {p.target.id for p in window.progress}
    assert panel.pending_header.text() == f"待录入数据（{len(waiting)}）"
    assert panel.pending_group.isVisibleTo(panel)
    assert f"{len(waiting)} 项待录入数据" in panel.state.text()

    entries = panel.pending_group.findChildren(IndicatorEntry)
    indicator_targets = [p.target for p in waiting if p.target.metric.value == "indicator"]
    assert len(entries) == len(indicator_targets)
    entry = entries[0]
    target = next(t for t in indicator_targets if t.id == entry.target_id)
    assert not entry.enter.isEnabled()
    entry.year.setValue(2024)
    qtbot.keyClicks(entry.value, "42")
    assert entry.enter.isEnabled()
    qtbot.mouseClick(entry.enter, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(
            p.target.id == target.id and p.verdict.value != "no_data" for p in window.progress
        ),
        timeout=60_000,
    )
    assert target.id not in {p.target.id for p in window.progress if p.verdict.value == "no_data"}
    # the CLI sees the same value
    assert main(["--workspace", str(seeded_path), "status", "--plan", "静海区", "--json"]) == 0
    status = {s["target_id"]: s for s in json.loads(capsys.readouterr().out)}
    assert status[target.id]["current"] is not None
    assert status[target.id]["verdict"] != "no_data"

    # collapsing the group hides it, and the header says so with its arrow
    panel.pending_header.click()
    assert not panel.pending_group.isVisibleTo(panel)
    assert panel.pending_header.arrowType() == Qt.ArrowType.RightArrow
