"""Undoable edits of projects, and the undo stack that holds them. Pure Python.

A command does its work through a `ProjectStore` — the same services the CLI uses, injected
so the model stays free of SQL (the desktop app passes `gis_carbon.services.store.ProjectCommandStore`).
Each command remembers the project as it was before and after, so undo writes the old state
back (or restores a deleted project under its old id) and redo repeats the edit exactly.

Undo and redo carry the version they expect. Every write bumps a project's version, an undo
included, so the version an inverse must expect is not the one its command saw when it ran:
the stack keeps one `VersionBook` (project id → the version its own last write left) that
every command reads before a write and updates after it. Any sequence of the user's own
adds, edits, moves and deletes therefore undoes to the start and redoes to the end, while a
change made by someone else in between still moves the stored version past the book's, and
the store refuses with StaleEditError; the stack then stays where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shapely.geometry.base import BaseGeometry

from gis_carbon.errors import ValidationError
from gis_carbon.model.project import Project


class ProjectStore(Protocol):
    """What commands need from the workspace (see gis_carbon.services.store for the real one)."""

    def add(self, data: Any) -> Project:
        """Check typed input (a services.ProjectInput) and store a new project."""
        ...

    def edit(self, project_id: int, changes: Mapping[str, Any], expected_version: int) -> Project:
        """Apply typed changes (as services.edit_project) to the stored project."""
        ...

    def delete(self, project_id: int, expected_version: int | None) -> Project:
        """Delete; returns the project as it was."""
        ...

    def restore(self, project: Project) -> Project:
        """Put a deleted project back under its id."""
        ...

    def replace(self, project: Project, expected_version: int) -> Project:
        """Write a whole earlier state back over the stored one (undo of an edit)."""
        ...


class VersionBook(dict[int, int]):
    """Project id → the version the stack's own last write of it left."""

    def expect(self, project: Project) -> int:
        """The version to expect for `project`: the book's, else the one the command saw."""
        return self.get(_id(project), project.version)

    def wrote(self, project: Project) -> Project:
        self[_id(project)] = project.version
        return project


class Command:
    """One undoable edit. `do` runs first when pushed; `undo`/`redo` afterwards."""

    text_zh: str = ""
    text_en: str = ""
    _versions: VersionBook | None = None

    @property
    def versions(self) -> VersionBook:
        """The stack's book once pushed; a command run on its own keeps one of its own."""
        if self._versions is None:
            self._versions = VersionBook()
        return self._versions

    def attach(self, versions: VersionBook) -> None:
        self._versions = versions

    def do(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        self.do()

    @property
    def project_ids(self) -> tuple[int, ...]:
        """The projects this command touched, so views can refresh or reselect them."""
        return ()


class AddProject(Command):
    def __init__(self, store: ProjectStore, data: Any) -> None:
        self.store = store
        self.data = data
        self.added: Project | None = None  # as stored by the latest do/redo

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"添加项目 {self.data.name}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Add project {self.data.name}"

    def do(self) -> None:
        self.added = self.versions.wrote(self.store.add(self.data))

    def undo(self) -> None:
        added = _require(self.added, "undo an add that never ran")
        # the project as the stack last wrote it: a later edit may have been undone onto it
        self.added = self.store.delete(_id(added), self.versions.expect(added))
        self.versions.pop(_id(added), None)

    def redo(self) -> None:
        # Restoring keeps the id the first add gave it, so history reads as one project.
        added = _require(self.added, "redo an add that never ran")
        self.added = self.versions.wrote(self.store.restore(added))

    @property
    def project_ids(self) -> tuple[int, ...]:
        return () if self.added is None else (_id(self.added),)


class EditProject(Command):
    """Typed changes (keys as in services.ProjectInput) to one project."""

    def __init__(self, store: ProjectStore, before: Project, changes: Mapping[str, Any]) -> None:
        if before.id is None:
            raise ValidationError("cannot edit a project that has no id", "id", None)
        self.store = store
        self.before = before
        self.changes = dict(changes)
        self.after: Project | None = None

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"编辑项目 {self.before.name}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Edit project {self.before.name}"

    def do(self) -> None:
        expected = self.versions.expect(self.before)
        self.after = self.versions.wrote(self.store.edit(_id(self.before), self.changes, expected))

    def undo(self) -> None:
        after = _require(self.after, "undo an edit that never ran")
        self.versions.wrote(self.store.replace(self.before, self.versions.expect(after)))

    def redo(self) -> None:
        # the state the edit made, written back whole: the same values and regions as then
        after = _require(self.after, "redo an edit that never ran")
        self.after = self.versions.wrote(self.store.replace(after, self.versions.expect(after)))

    @property
    def project_ids(self) -> tuple[int, ...]:
        return (_id(self.before),)


class MoveProject(EditProject):
    """A new geometry (moved point, reshaped line or polygon); regions are re-assigned."""

    def __init__(self, store: ProjectStore, before: Project, geometry: BaseGeometry) -> None:
        super().__init__(store, before, {"wkt": geometry.wkt})

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"移动项目 {self.before.name}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Move project {self.before.name}"


class DeleteProject(Command):
    def __init__(self, store: ProjectStore, project: Project) -> None:
        if project.id is None:
            raise ValidationError("cannot delete a project that has no id", "id", None)
        self.store = store
        self.project = project

    @property
    def text_zh(self) -> str:  # type: ignore[override]
        return f"删除项目 {self.project.name}"

    @property
    def text_en(self) -> str:  # type: ignore[override]
        return f"Delete project {self.project.name}"

    def do(self) -> None:
        self.project = self.store.delete(_id(self.project), self.versions.expect(self.project))
        self.versions.pop(_id(self.project), None)

    def undo(self) -> None:
        self.project = self.versions.wrote(self.store.restore(self.project))

    @property
    def project_ids(self) -> tuple[int, ...]:
        return (_id(self.project),)


def _id(project: Project) -> int:
    if project.id is None:
        raise ValidationError("the store returned a project without an id", "id", None)
    return project.id


def _require(value: Project | None, what: str) -> Project:
    if value is None:
        raise ValidationError(f"cannot {what}", "command", None)
    return value


@dataclass
class UndoStack:
    """Commands done so far; `index` is how many of them are in effect.

    Pushing runs the command; if it raises, nothing is recorded. Pushing after an undo drops
    the undone commands (no branches). Listeners are called after every change."""

    limit: int = 200
    commands: list[Command] = field(default_factory=list)
    index: int = 0
    clean_index: int = 0
    listeners: list[Callable[[UndoStack], None]] = field(default_factory=list)

    versions: VersionBook = field(default_factory=VersionBook)

    def push(self, command: Command) -> Command:
        command.attach(self.versions)
        command.do()
        del self.commands[self.index :]
        self.commands.append(command)
        if len(self.commands) > self.limit:
            dropped = len(self.commands) - self.limit
            del self.commands[:dropped]
            self.clean_index -= dropped
        self.index = len(self.commands)
        self._changed()
        return command

    def can_undo(self) -> bool:
        return self.index > 0

    def can_redo(self) -> bool:
        return self.index < len(self.commands)

    def undo(self) -> Command:
        if not self.can_undo():
            raise ValidationError("nothing to undo", "undo", None)
        command = self.commands[self.index - 1]
        command.undo()  # raises (e.g. StaleEditError) before the index moves
        self.index -= 1
        self._changed()
        return command

    def redo(self) -> Command:
        if not self.can_redo():
            raise ValidationError("nothing to redo", "redo", None)
        command = self.commands[self.index]
        command.redo()
        self.index += 1
        self._changed()
        return command

    def undo_text(self, lang: str = "zh") -> str:
        return _text(self.commands[self.index - 1], lang) if self.can_undo() else ""

    def redo_text(self, lang: str = "zh") -> str:
        return _text(self.commands[self.index], lang) if self.can_redo() else ""

    def clear(self) -> None:
        self.commands.clear()
        self.versions.clear()
        self.index = self.clean_index = 0
        self._changed()

    def set_clean(self) -> None:
        self.clean_index = self.index

    def is_clean(self) -> bool:
        return self.index == self.clean_index

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener(self)


def _text(command: Command, lang: str) -> str:
    return command.text_zh if lang == "zh" else command.text_en


__all__ = [
    "AddProject",
    "Command",
    "DeleteProject",
    "EditProject",
    "MoveProject",
    "ProjectStore",
    "UndoStack",
    "VersionBook",
]
