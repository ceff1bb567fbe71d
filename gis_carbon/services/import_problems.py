"""What is wrong with a refused ledger, as a table: one row per problem (row, column, value,
reason, suggestion) for a CSV next to the input, and a summary grouped by reason that fits a
terminal ("2,216 rows refused: unknown type 煤电 (1,020 rows), 水电 (…)")."""

from __future__ import annotations

import csv
import difflib
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

SUMMARY_LINES = 15
_WHERE = re.compile(r"^(?P<where>(?:row|feature|line) \d+): (?P<reason>.*)$", re.S)


@dataclass(frozen=True)
class RowProblem:
    where: str  # "row 12" as the spreadsheet numbers it
    column: str | None  # the field the problem is in (type, status, capacity…)
    value: object  # the value as the file holds it
    reason: str  # the message, one line

    @property
    def kind(self) -> str:
        """The reason without its value: what groups problems in the summary."""
        text = self.reason.split(";")[0]
        if self.value is not None:
            text = text.replace(repr(self.value), "").replace(f'"{self.value}"', "")
        return " ".join(text.split()).rstrip(":").strip()

    def suggestion(self) -> str:
        """What to do: a near name for an unknown type or status, or how to map it."""
        if self.column in ("type", "status") and self.value not in (None, ""):
            from gis_carbon.model.types import PROJECT_TYPES, STATUSES

            names = (
                [n for t in PROJECT_TYPES for n in (t.code, t.name_zh, *t.aliases)]
                if self.column == "type"
                else [n for s in STATUSES for n in (s.status.value, s.name_zh)]
            )
            close = difflib.get_close_matches(str(self.value), names, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]}?" if close else ""
            return f"--value-map {self.column}:{self.value}=<code>{hint}"
        return ""


def from_message(problem: str) -> RowProblem:
    """A problem line "row 5: …" as a RowProblem (column and value where the text names them)."""
    match = _WHERE.match(problem)
    where, reason = (match.group("where"), match.group("reason")) if match else ("", problem)
    quoted = re.search(r"""['"]([^'"]{1,80})['"]""", reason)
    column = next(
        (c for c, words in _COLUMN_WORDS.items() if any(w in reason for w in words)), None
    )
    return RowProblem(where, column, quoted.group(1) if quoted else None, reason)


# words of a message → the field it is about (messages of the model's checks)
_COLUMN_WORDS = {
    "type": ("project type", "type (类型)"),
    "status": ("status",),
    "capacity": ("capacity", "装机"),
    "energy": ("energy",),
    "year": ("year",),
    "location": ("location", "latitude", "longitude", "coordinate", "经度", "纬度", "position"),
    "name": ("name",),
}


def summary(problems: list[RowProblem], *, limit: int = SUMMARY_LINES) -> list[str]:
    """At most `limit` lines: the count, then each kind of problem with its values and
    how many rows have each, most frequent first."""
    rows = {p.where for p in problems if p.where}
    lines = [f"{len(rows):,} rows refused ({len(problems):,} problems):"]
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for p in problems:
        by_kind[p.kind][str(p.value) if p.value is not None else ""] += 1
    ranked = sorted(by_kind.items(), key=lambda kv: -sum(kv[1].values()))
    for kind, values in ranked[: limit - 2]:
        shown = ", ".join(
            f"{v} ({n:,} rows)" if v else f"{n:,} rows" for v, n in values.most_common(5)
        )
        more = f", … {len(values) - 5} more values" if len(values) > 5 else ""
        lines.append(f"  {kind}: {shown}{more}")
    if len(ranked) > limit - 2:
        lines.append(f"  … and {len(ranked) - (limit - 2)} more kinds of problem")
    return lines[:limit]


def problems_path(input_path: str | os.PathLike[str]) -> Path:
    path = Path(input_path)
    return path.with_name(path.name + ".problems.csv")


PROBLEM_HEADERS = ("row", "column", "value", "reason", "suggestion")


def _problem_cells(p: RowProblem) -> list[object]:
    return [p.where, p.column or "", "" if p.value is None else p.value, p.reason, p.suggestion()]


def write_problems(problems: list[RowProblem], out: str | os.PathLike[str]) -> Path:
    """Every problem as a row: a .xlsx workbook, else CSV (UTF-8 with BOM, so Excel opens it)."""
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        return _write_problems_xlsx(problems, out)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "reason", "suggestion"])
        for p in problems:
            writer.writerow(
                [p.where, p.column or "", "" if p.value is None else p.value, p.reason,
                 p.suggestion()]
            )  # fmt: skip
    return out


def _write_problems_xlsx(problems: list[RowProblem], out: Path) -> Path:
    from openpyxl import Workbook

    from gis_carbon.export.tabular import append_protected

    book = Workbook()
    sheet = book.active
    sheet.title = "problems"
    sheet.append(list(PROBLEM_HEADERS))
    for p in problems:
        # a value such as "=SUM(…)" from the ledger stays text, not a formula
        append_protected(sheet, [str(v) if not isinstance(v, int | float) else v
                                 for v in _problem_cells(p)])  # fmt: skip
    book.save(out)
    return out


__all__ = ["RowProblem", "from_message", "problems_path", "summary", "write_problems"]
