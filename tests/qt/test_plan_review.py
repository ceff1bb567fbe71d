"""Import a plan document from the window: the review checklist with the sentence and its
value highlighted; only the checked rows become the new plan, and only after OK."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from gis_carbon.services.workspace import open_workspace

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
HONGQIAO = SEEDS / "003_69c018065a6c13fe.txt"


def test_review_a_plan_document_then_add_the_checked_targets(window, qtbot, seeded_path) -> None:
    plans_before = len(window.ws.plans())
    window.import_plan(str(HONGQIAO))
    qtbot.waitUntil(lambda: window.plan_review is not None, timeout=30_000)
    dialog = window.plan_review
    assert dialog.name.text() == "天津市红桥区碳达峰实施方案"
    assert dialog.region.text() == "静海区"  # the window's plan, to be changed by the user
    assert len(window.ws.plans()) == plans_before  # nothing written yet

    rows = dialog.rows
    kinds = [r["kind"] for r in rows]
    first_target = kinds.index("target")
    dialog.table.setCurrentCell(first_target, 1)
    shown = dialog.sentence.toHtml()
    assert "#ffe082" in shown  # the value is highlighted in the sentence
    # keep only the targets; uncheck every project
    for r, kind in enumerate(kinds):
        if kind != "target":
            dialog.table.item(r, 0).setCheckState(Qt.CheckState.Unchecked)
    dialog.region.setText("红桥区")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert window.wait_until_idle(30_000)

    with open_workspace(seeded_path) as ws:
        added = [
            p for p in ws.plans() if p.source_file == HONGQIAO.name and p.id.startswith("plan")
        ]
        assert len(added) == 1
        targets = ws.targets(added[0].id)
        assert len(targets) == kinds.count("target")
        assert added[0].region_code == "120106"
        text = HONGQIAO.read_text(encoding="utf-8")
        assert all(t.quote in text for t in targets)
    assert window.targets_panel.plan.findData(added[0].id) >= 0  # listed in the window


def test_a_review_without_a_region_writes_nothing(window, qtbot, seeded_path) -> None:
    window.import_plan(str(HONGQIAO))
    qtbot.waitUntil(lambda: window.plan_review is not None, timeout=30_000)
    dialog = window.plan_review
    dialog.region.clear()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible() and "区域" in dialog.message.text()
    dialog.region.setText("no such place")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "no such place" in dialog.message.text(), timeout=30_000)
    with open_workspace(seeded_path) as ws:
        assert not [p for p in ws.plans() if p.id.startswith("plan")]
    dialog.reject()
