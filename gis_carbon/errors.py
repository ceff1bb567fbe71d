"""One root exception class, like rasterio: every error the app raises on purpose is a
GisCarbonError, so the CLI and GUI can catch it, show its message and keep running."""

from __future__ import annotations


class GisCarbonError(Exception):
    """Root of every error gis-carbon raises deliberately."""


class UnitError(GisCarbonError, ValueError):
    """A quantity, number or unit that cannot be read. ``value`` is the offending text."""

    def __init__(self, message: str, value: object = None) -> None:
        super().__init__(message)
        self.value = value


class ValidationError(GisCarbonError, ValueError):
    """A project, plan or target that breaks a rule of the domain (bad type, year, geometry)."""

    def __init__(self, message: str, field: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class NotFoundError(GisCarbonError, LookupError):
    """A plan, project, target, region or layer that the workspace does not hold."""


class StaleEditError(GisCarbonError):
    """An edit based on an old version of a project: someone else changed it first."""


class WorkspaceError(GisCarbonError):
    """The workspace file cannot be opened, migrated or written."""


class PermissionDeniedError(GisCarbonError):
    """A change the team database does not allow this user (a viewer editing, an editor
    outside their regions, a non-admin changing plans or rights)."""


class CoordinateError(GisCarbonError, ValueError):
    """A coordinate or CRS that cannot be used (NaN, out of range, unknown CRS)."""


class InputFileError(GisCarbonError):
    """An input file that cannot be imported; the message names the file, row and reason."""


class ExportError(GisCarbonError):
    """An export that could not be written; nothing half-written is left behind."""


class Cancelled(GisCarbonError):
    """The user cancelled a long task (import, export, evaluation…); nothing was written.
    Every task's own cancellation error subclasses it, so callers catch this one class."""


class GisCarbonWarning(UserWarning):
    """Root of the warnings gis-carbon issues (approximate datum, lossy export...)."""
