"""What every reader returns: located records with where they came from, and the problems
found in them. Readers never raise on the first bad row: they collect every problem so the
user fixes the file once; the import service refuses the whole file if any remain."""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.errors import InputFileError
from gis_carbon.io.crs_detect import CrsChoice


@dataclass
class Record:
    where: str  # "row 5" (as Excel numbers it), "feature 3"
    properties: dict[str, Any]
    geometry: BaseGeometry | None = None  # WGS 84; None: no location in the input


@dataclass
class ReadResult:
    path: Path
    format: str  # "ESRI Shapefile", "GPKG", "LIBKML", "XLSX", "CSV", …
    columns: list[str]
    records: list[Record]
    problems: list[str] = field(default_factory=list)  # "row 5: latitude 'nan' is not finite"
    crs: CrsChoice | None = None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


class InputRowsError(InputFileError):
    """An input whose rows or features break rules; ``problems`` lists every one of them."""

    def __init__(self, path: Path, problems: list[str], *, limit: int = 20) -> None:
        problems = sorted(problems, key=_problem_order)
        shown = problems[:limit]
        more = f"; … and {len(problems) - limit} more" if len(problems) > limit else ""
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{path.name}: {count}, nothing imported: " + "; ".join(shown) + more)
        self.path = path
        self.problems = list(problems)


_LABEL = re.compile(r"^(row|feature|line) (\d+):")


def _problem_order(problem: str) -> tuple[int, int]:
    """Problems in file order: by row/feature number, file-level ones last."""
    match = _LABEL.match(problem)
    return (0, int(match.group(2))) if match else (1, 0)


def plain_value(value: Any) -> Any:
    """A JSON-friendly Python value from numpy/pandas/openpyxl cells; NaN/NaT → None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        try:
            text = isoformat()
        except ValueError:  # NaT
            return None
        return None if text == "NaT" else text
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


# C0 control characters but tab, line feed and carriage return, and DEL: a NUL or a form
# feed in a name is an artefact of the file, never something to store.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(cells: list[tuple[str, dict[str, Any]]]) -> str | None:
    """Remove control characters from the text cells of (where, cells) rows in place; the
    note that says where, or None when there were none."""
    hits: list[str] = []
    for where, values in cells:
        for key, value in values.items():
            if isinstance(value, str) and _CONTROL.search(value):
                values[key] = _CONTROL.sub("", value).strip() or None
                hits.append(f"{where} {key}")
    if not hits:
        return None
    more = f", … and {len(hits) - 10} more" if len(hits) > 10 else ""
    return (
        f"control characters (NUL …) removed from {len(hits)} cell(s): "
        + ", ".join(hits[:10])
        + more
    )
