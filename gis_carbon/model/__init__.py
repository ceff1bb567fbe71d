"""The pure domain model: project types, statuses, units, projects, plans and targets.

No Qt, no SQL and no file I/O here (an import-linter contract keeps it so), so every rule
of the domain can be tested without a display or a workspace file.
"""
