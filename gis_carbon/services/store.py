"""The workspace side of undoable commands: the same services the CLI uses.

The undo tests (tests/model/test_commands.py) use it without a display.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gis_carbon.model.plan import Plan, Target
from gis_carbon.model.project import Project
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.services import plans as plan_services
from gis_carbon.services import projects as project_services
from gis_carbon.services.workspace import open_workspace


class ProjectCommandStore:
    """`gis_carbon.model.commands.ProjectStore` over an open workspace."""

    def __init__(self, ws: WorkspaceStore, author: str | None = None) -> None:
        self.ws = ws
        self.author = author

    def add(self, data: Any) -> Project:
        return project_services.add_project(self.ws, data, author=self.author)

    def edit(self, project_id: int, changes: Mapping[str, Any], expected_version: int) -> Project:
        return project_services.edit_project(
            self.ws,
            project_id,
            dict(changes),
            expected_version=expected_version,
            author=self.author,
        )

    def delete(self, project_id: int, expected_version: int | None) -> Project:
        return project_services.delete_project(
            self.ws, project_id, expected_version=expected_version, author=self.author
        )

    def restore(self, project: Project) -> Project:
        return self.ws.restore_project(project, author=self.author)

    def replace(self, project: Project, expected_version: int) -> Project:
        # The earlier state keeps its own regions: they were assigned from its geometry.
        return self.ws.update_project(
            project.with_changes(version=expected_version), author=self.author
        )


class ProjectCommandPathStore:
    """The same store for a worker thread: each operation opens its own connection to the
    workspace file (an sqlite3 connection must stay on the thread that opened it)."""

    def __init__(self, path: Any, author: str | None = None) -> None:
        self.path = path
        self.author = author

    def _run(self, method: str, *args: Any) -> Any:
        with open_workspace(self.path, create=False, seed=False) as ws:
            return getattr(ProjectCommandStore(ws, self.author), method)(*args)

    def add(self, data: Any) -> Project:
        return self._run("add", data)

    def edit(self, project_id: int, changes: Mapping[str, Any], expected_version: int) -> Project:
        return self._run("edit", project_id, changes, expected_version)

    def delete(self, project_id: int, expected_version: int | None) -> Project:
        return self._run("delete", project_id, expected_version)

    def restore(self, project: Project) -> Project:
        return self._run("restore", project)

    def replace(self, project: Project, expected_version: int) -> Project:
        return self._run("replace", project, expected_version)


class PlanCommandPathStore:
    """`gis_carbon.model.plan_commands.PlanStore` over the services, opening the workspace
    for each operation (it runs on the edit worker, like ProjectCommandPathStore)."""

    def __init__(self, location: Any, author: str | None = None) -> None:
        self.location = location
        self.author = author

    def add_target(self, fields: Mapping[str, Any]) -> Target:
        with open_workspace(self.location, create=False, seed=False) as ws:
            return plan_services.add_target(ws, **dict(fields), author=self.author)

    def edit_target(self, target_id: str, changes: Mapping[str, Any]) -> Target:
        with open_workspace(self.location, create=False, seed=False) as ws:
            return plan_services.edit_target(ws, target_id, changes, author=self.author)

    def put_target(self, target: Target) -> Target:
        with open_workspace(self.location, create=False, seed=False) as ws:
            return ws.save_target(target, author=self.author)

    def delete_target(self, target_id: str) -> Target:
        with open_workspace(self.location, create=False, seed=False) as ws:
            return plan_services.delete_target(ws, target_id, author=self.author)

    def edit_plan(self, plan_id: str, changes: Mapping[str, Any]) -> Plan:
        with open_workspace(self.location, create=False, seed=False) as ws:
            return plan_services.edit_plan(ws, plan_id, changes, author=self.author)

    def put_plan(self, plan: Plan) -> Plan:
        with open_workspace(self.location, create=False, seed=False) as ws:
            return ws.save_plan(plan, author=self.author)
