"""The use cases, shared by the CLI and the GUI.

Each submodule is one area (workspace and projects, geography, progress, exports, siting);
they take a `Workspace` and plain values, check them, and return model objects or plain data.
"""

from gis_carbon.services.projects import (
    ProjectInput,
    add_project,
    delete_project,
    edit_project,
    parse_capacity_for_type,
    project_from_input,
)
from gis_carbon.services.workspace import open_workspace, seed_workspace

__all__ = [
    "ProjectInput",
    "add_project",
    "delete_project",
    "edit_project",
    "open_workspace",
    "parse_capacity_for_type",
    "project_from_input",
    "seed_workspace",
]
