"""Persistence: one SQLite workspace file (migrations, repository, seed data)."""

from project_db.sqlite.workspace import HistoryEntry, LayerRecord, Workspace, default_workspace_path

__all__ = ["HistoryEntry", "LayerRecord", "Workspace", "default_workspace_path"]
