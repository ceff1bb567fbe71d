"""Ledgers (项目台账) as CSV or XLSX: find the header, read the rows, map the columns.

Excel ledgers from Chinese offices often carry a title row merged across the sheet, then a
header of two rows where a merged parent (坐标, 装机容量) spans its children (经度, 纬度;
风电, 光伏). The header here is the first row with two or more distinct texts; when merged
cells cross it into the next row, the next row is part of the header and each column's name
is parent and child joined ("坐标/经度"). Rows are numbered as Excel shows them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis_carbon.errors import InputFileError
from gis_carbon.io.encoding import (
    check_no_replacement,
    decode_strict,
    detect_encoding,
    normalise_encoding,
)
from gis_carbon.io.records import ReadResult, Record, plain_value, strip_control_characters

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")

# Field → header keywords, most specific first. A header matches a keyword exactly, or
# contains it (keywords of three or fewer ASCII letters only match exactly).
COLUMN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "name": ("项目名称", "工程名称", "名称", "name", "project"),
    "type": ("项目类型", "项目类别", "类型", "类别", "type"),
    "capacity": ("装机容量", "装机规模", "建设规模", "容量", "规模", "capacity"),
    "energy": ("储能容量", "储能规模", "energy"),
    "status": ("建设状态", "项目状态", "状态", "进展", "status"),
    "year": (
        "投产年份",
        "投产时间",
        "并网时间",
        "并网年份",
        "投运时间",
        "建成时间",
        "年份",
        "year",
    ),
    "start_year": ("开工年份", "开工时间", "start_year"),
    "lon": ("经度", "longitude", "lon", "lng"),
    "lat": ("纬度", "latitude", "lat"),
    "x": ("X坐标", "东坐标", "横坐标", "easting", "x"),
    "y": ("Y坐标", "北坐标", "纵坐标", "northing", "y"),
    "owner": ("业主单位", "建设单位", "业主", "投资主体", "owner"),
    "notes": ("备注", "说明", "notes", "remark"),
    "precision": ("定位精度", "位置精度", "precision"),
    "plan_id": ("所属方案", "plan_id", "plan"),
}
FIELDS = tuple(COLUMN_KEYWORDS)

# "装机容量(MW)", "装机容量（万千瓦）", "规模/MW": the unit in a header.
_HEADER_UNIT = re.compile(
    r"^(?P<base>.*?)\s*(?:[(（\[【](?P<paren>[^)）\]】]+)[)）\]】]|/(?P<slash>[^/]+))\s*$"
)
# "容量MW", "装机 万千瓦": a unit written straight after a Chinese name, without brackets
_HEADER_BARE_UNIT = re.compile(
    r"^(?P<base>.*?[\u4e00-\u9fff])\s*(?P<bare>[A-Za-z]+|万千瓦|千瓦|万亩|亩|万平方米|平方米|公顷)$"
)


@dataclass
class Table:
    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (row number as the user sees it, column → value)
    encoding: str | None = None
    header_rows: tuple[int, ...] = ()
    notes: list[str] = field(default_factory=list)


def header_unit(header: str) -> tuple[str, str | None]:
    """('装机容量', 'MW') from '装机容量(MW)'; the unit only when model.units knows it."""
    from gis_carbon.errors import UnitError
    from gis_carbon.model import units

    match = _HEADER_UNIT.match(header.strip()) or _HEADER_BARE_UNIT.match(header.strip())
    if not match:
        return header.strip(), None
    groups = match.groupdict()
    text = (groups.get("paren") or groups.get("slash") or groups.get("bare") or "").strip()
    try:
        units.unit(text)
    except (UnitError, KeyError, ValueError):
        return header.strip(), None
    return match["base"].strip(), text


# The apostrophe a CSV export (or an older Excel export) put before text starting with
# = + - @ so that a spreadsheet would not run it: not part of the value.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@])")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = _NEUTRALISED.sub("", value.strip())
        return value or None
    return value


def read_table(path: Path, *, encoding: str | None = None) -> Table:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    readers = {".xlsx": _read_xlsx, ".xlsm": _read_xlsx}
    if suffix in readers:
        table = readers[suffix](path)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(path, encoding)
    else:
        raise InputFileError(f"{path.name}: unknown table format {suffix!r} (CSV or XLSX)")
    note = strip_control_characters([(f"row {n}", values) for n, values in table.rows])
    if note:
        table.notes.append(note)
    return table


def _unique(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(columns):
        name = name or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_csv(path: Path, encoding: str | None) -> Table:
    data = path.read_bytes()
    codec = normalise_encoding(encoding) if encoding else detect_encoding(data, what=path.name)
    text = decode_strict(data, codec, what=path.name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    lines = [(i + 1, row) for i, row in enumerate(reader)]
    lines = [(n, [c.strip() for c in row]) for n, row in lines if any(c.strip() for c in row)]
    if not lines:
        raise InputFileError(f"{path.name}: the file is empty")
    header_at, header = next(((n, r) for n, r in lines if len({c for c in r if c}) >= 2), lines[0])
    columns = _unique(header)
    rows = []
    for number, row in lines:
        if number <= header_at:
            continue
        values = {c: _clean(row[i]) if i < len(row) else None for i, c in enumerate(columns)}
        rows.append((number, values))
    return Table(path, columns, rows, encoding=codec, header_rows=(header_at,))


def _read_xlsx(path: Path) -> Table:
    import zipfile

    from openpyxl import load_workbook

    from gis_carbon.io.archives import inspect_archive

    inspect_archive(path)  # an .xlsx is a zip: the same bomb checks before openpyxl inflates it
    try:
        book = load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    sheet = book.worksheets[0]
    notes = [f"read sheet {sheet.title!r}"] if len(book.worksheets) > 1 else []
    # every merged range's value fills its cells, as a reader sees the sheet
    merged_value: dict[tuple[int, int], Any] = {}
    vertical_merge: set[tuple[int, int]] = set()
    horizontal_rows: set[int] = set()
    for rng in sheet.merged_cells.ranges:
        top_left = sheet.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged_value[(r, c)] = top_left
                if rng.max_row > rng.min_row:
                    vertical_merge.add((r, c))
        if rng.max_col > rng.min_col:
            horizontal_rows.add(rng.min_row)

    def value(r: int, c: int) -> Any:
        if (r, c) in merged_value:
            return merged_value[(r, c)]
        return sheet.cell(r, c).value

    max_row, max_col = sheet.max_row, sheet.max_column

    def texts(r: int) -> list[str]:
        return [str(_clean(value(r, c)) or "") for c in range(1, max_col + 1)]

    header_at = None
    for r in range(1, min(max_row, 30) + 1):
        if len({t for t in texts(r) if t}) >= 2:
            header_at = r
            break
    if header_at is None:
        raise InputFileError(f"{path.name}: no header row found in sheet {sheet.title!r}")
    parent = texts(header_at)
    # a two-row header: a parent merged across columns, or cells merged down into the next row
    two_rows = header_at + 1 <= max_row and (
        header_at in horizontal_rows
        or any((header_at + 1, c) in vertical_merge for c in range(1, max_col + 1))
    )
    if two_rows:
        child = texts(header_at + 1)
        names = []
        for c in range(max_col):
            down = (header_at + 1, c + 1) in vertical_merge
            if down or not child[c] or child[c] == parent[c]:
                names.append(parent[c])
            elif not parent[c]:
                names.append(child[c])
            else:
                names.append(f"{parent[c]}/{child[c]}")
        header_rows: tuple[int, ...] = (header_at, header_at + 1)
    else:
        names = parent
        header_rows = (header_at,)
    columns = _unique(names)
    for column in columns:
        check_no_replacement(column, what=f"{path.name} header")
    rows = []
    for r in range(header_rows[-1] + 1, max_row + 1):
        values = {columns[c]: _clean(value(r, c + 1)) for c in range(max_col)}
        if all(v is None for v in values.values()):
            continue
        rows.append((r, values))
    book.close()
    return Table(path, columns, rows, header_rows=header_rows, notes=notes)


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def detect_mapping(columns: list[str], given: dict[str, str] | None = None) -> dict[str, str]:
    """Field → column. ``given`` (from --map name=列名) wins; the rest from COLUMN_KEYWORDS."""
    mapping: dict[str, str] = {}
    for fld, column in (given or {}).items():
        if fld not in COLUMN_KEYWORDS:
            raise InputFileError(
                f"--map {fld}=…: unknown field {fld!r}; fields: {', '.join(FIELDS)}"
            )
        if column not in columns:
            raise InputFileError(
                f"--map {fld}={column}: no column {column!r}; columns: {', '.join(columns)}"
            )
        mapping[fld] = column
    taken = set(mapping.values())
    bases = {c: _normal(header_unit(c)[0]) for c in columns}
    # the last part of a two-row header decides ("坐标/经度" is a longitude column)
    leaves = {c: _normal(header_unit(c.rsplit("/", 1)[-1])[0]) for c in columns}
    for exact in (True, False):
        for fld, keywords in COLUMN_KEYWORDS.items():
            if fld in mapping:
                continue
            for keyword in keywords:
                key = _normal(keyword)
                short = key.isascii() and len(key) <= 3
                hit = next(
                    (
                        c
                        for c in columns
                        if c not in taken
                        and (key in (bases[c], leaves[c]) if exact or short else key in bases[c])
                    ),
                    None,
                )
                if hit is not None:
                    mapping[fld] = hit
                    taken.add(hit)
                    break
    return mapping


def table_records(
    table: Table,
    mapping: dict[str, str],
    *,
    crs: str | None = None,
    coords: str | None = None,
) -> ReadResult:
    """Records located from the mapped 经度/纬度 (decimals or DMS) or X/Y columns.

    Rows without any coordinate get no geometry (the caller decides whether that is a
    problem); a row with a bad coordinate is a problem naming its Excel row number."""
    import shapely

    from gis_carbon.errors import CoordinateError
    from gis_carbon.feedback import RecordingFeedback
    from gis_carbon.geo.coordinates import parse_coordinate
    from gis_carbon.io.crs_detect import check_degrees_plausible, resolve_crs
    from gis_carbon.io.geometry import check_and_convert

    name = table.path.name
    labels = [f"row {number}" for number, _ in table.rows]
    records = [
        Record(label, {k: plain_value(v) for k, v in values.items()})
        for label, (_, values) in zip(labels, table.rows, strict=True)
    ]
    problems: list[str] = []
    notes = list(table.notes)
    geographic = "lon" in mapping and "lat" in mapping
    projected = "x" in mapping and "y" in mapping
    if not geographic and not projected:
        return ReadResult(
            table.path,
            table.path.suffix.upper().lstrip("."),
            table.columns,
            records,
            problems,
            None,
            table.encoding,
            notes,
        )
    xcol, ycol = (mapping["lon"], mapping["lat"]) if geographic else (mapping["x"], mapping["y"])
    points: list[Any] = [None] * len(records)
    located: list[int] = []
    carried = RecordingFeedback()  # the parser's notes: 60″ carried into the minute
    carried_rows: list[str] = []
    for i, (_row_number, values) in enumerate(table.rows):
        x_raw, y_raw = values.get(xcol), values.get(ycol)
        if x_raw is None and y_raw is None:
            continue  # no location: not invented here
        try:
            if geographic:
                before = len(carried.notes)
                x, y = (
                    parse_coordinate(x_raw, "lon", carried),
                    parse_coordinate(y_raw, "lat", carried),
                )
                if len(carried.notes) > before:
                    carried_rows.append(labels[i])
            else:
                x, y = _number(x_raw, xcol), _number(y_raw, ycol)
        except CoordinateError as exc:
            problems.append(f"{labels[i]}: {exc}")
            continue
        points[i] = shapely.Point(x, y)
        located.append(i)
    if carried_rows:
        shown = ", ".join(carried_rows[:10]) + ("…" if len(carried_rows) > 10 else "")
        notes.append(
            f"{len(carried.notes)} DMS seconds written as 60″ carried into the minute ({shown})"
        )
    sample = float(points[located[0]].x) if located else None
    choice = resolve_crs(
        what=name,
        user_crs=crs,
        coords=coords,
        declared=None,
        sample_easting=sample,
        assumed_geographic=geographic,
    )
    if located:
        check_degrees_plausible([float(points[i].x) for i in located[:50]], choice, name)
    converted, geometry_problems, _ = check_and_convert(
        [points[i] for i in located], [labels[i] for i in located], choice.crs
    )
    problems.extend(geometry_problems)
    for i, geometry in zip(located, converted, strict=True):
        records[i].geometry = geometry
    fmt = "XLSX" if table.path.suffix.lower() in (".xlsx", ".xlsm") else "CSV"
    return ReadResult(
        table.path,
        fmt,
        table.columns,
        records,
        problems,
        choice,
        table.encoding,
        notes + choice.notes,
    )


def _number(value: Any, column: str) -> float:
    import math

    from gis_carbon.errors import CoordinateError

    try:
        number = float(str(value).strip().replace(" ", ""))
    except ValueError:
        raise CoordinateError(f"{column} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise CoordinateError(f"{column} {value!r} is not a finite number")
    return number
