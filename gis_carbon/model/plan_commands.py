"""Undoable edits of plans and targets, for the same UndoStack as project edits. Pure Python.

Each command remembers the record before and after, so undo writes the earlier record back
(or deletes what was added, or puts back what was deleted) through a `PlanStore` — the
services the CLI uses, injected so the model stays free of SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from gis_carbon.errors import ValidationError
from gis_carbon.model.commands import Command
from gis_carbon.model.plan import Plan, Target


class PlanStore(Protocol):
    def add_target(self, fields: Mapping[str, Any]) -> Target:
        """Check typed fields (as services.plans.add_target takes them) and store a target."""
        ...

    def edit_target(self, target_id: str, changes: Mapping[str, Any]) -> Target: ...
    def put_target(self, target: Target) -> Target:
        """Write a whole target back (undo of an edit or a delete, redo of an add)."""
        ...

    def delete_target(self, target_id: str) -> Target: ...
    def edit_plan(self, plan_id: str, changes: Mapping[str, Any]) -> Plan: ...
    def put_plan(self, plan: Plan) -> Plan: ...


def _ran(value: Any, what: str) -> Any:
    if value is None:
        raise ValidationError(f"cannot {what}", "command", None)
    return value


class AddTarget(Command):
    def __init__(self, store: PlanStore, fields: Mapping[str, Any]) -> None:
        self.store = store
        self.fields = dict(fields)
        self.added: Target | None = None

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return "添加目标"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return "Add target"

    def do(self) -> None:
        self.added = self.store.add_target(self.fields)

    def undo(self) -> None:
        self.store.delete_target(_ran(self.added, "undo an add that never ran").id)

    def redo(self) -> None:
        self.added = self.store.put_target(_ran(self.added, "redo an add that never ran"))


class EditTarget(Command):
    def __init__(self, store: PlanStore, before: Target, changes: Mapping[str, Any]) -> None:
        self.store = store
        self.before = before
        self.changes = dict(changes)
        self.after: Target | None = None

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"编辑目标 {self.before.name_zh}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Edit target {self.before.name_en}"

    def do(self) -> None:
        self.after = self.store.edit_target(self.before.id, self.changes)

    def undo(self) -> None:
        self.store.put_target(self.before)

    def redo(self) -> None:
        self.store.put_target(_ran(self.after, "redo an edit that never ran"))


class DeleteTarget(Command):
    def __init__(self, store: PlanStore, target: Target) -> None:
        self.store = store
        self.target = target

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"删除目标 {self.target.name_zh}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Delete target {self.target.name_en}"

    def do(self) -> None:
        self.target = self.store.delete_target(self.target.id)

    def undo(self) -> None:
        self.target = self.store.put_target(self.target)


class EditPlan(Command):
    def __init__(self, store: PlanStore, before: Plan, changes: Mapping[str, Any]) -> None:
        self.store = store
        self.before = before
        self.changes = dict(changes)
        self.after: Plan | None = None

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"编辑方案 {self.before.name}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Edit plan {self.before.name}"

    def do(self) -> None:
        self.after = self.store.edit_plan(self.before.id, self.changes)

    def undo(self) -> None:
        self.store.put_plan(self.before)

    def redo(self) -> None:
        self.store.put_plan(_ran(self.after, "redo an edit that never ran"))


__all__ = ["AddTarget", "DeleteTarget", "EditPlan", "EditTarget", "PlanStore"]
