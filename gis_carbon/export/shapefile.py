"""ESRI Shapefile: one file set per geometry kind, `.prj` and `.cpg` always, field names fit
into the DBF's 10 bytes without cutting a character in half (with a `.fields.csv` sidecar
saying which name is which column), and a report of what the format could not hold."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError
from gis_carbon.export.common import (
    COLUMNS_BY_KEY,
    LossReport,
    Selection,
    Steps,
    atomic_file,
    atomic_folder,
    move_into_place,
    projects_frame,
)

DBF_NAME_BYTES = 10
DBF_STRING_BYTES = 254
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

# Encodings a .cpg names and DBF readers (QGIS, ArcGIS) understand.
ENCODINGS = {"utf-8": "UTF-8", "utf8": "UTF-8", "gbk": "GBK", "cp936": "GBK"}

# Geometry families that share one shapefile (a .shp holds one shape type).
_KIND_OF = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}
_KIND_ZH = {"point": "点", "line": "线", "polygon": "面"}

# Columns that are text in the DBF though the model knows them as timestamps.
_TIMESTAMP_COLUMNS = ("created_at", "updated_at")


def shapefile_encoding(encoding: str) -> str:
    try:
        return ENCODINGS[encoding.strip().lower()]
    except KeyError:
        raise ExportError(
            f"shapefile encoding {encoding!r} is not supported; use utf-8 or gbk"
        ) from None


def truncate_bytes(text: str, limit: int, codec: str) -> str:
    """The longest prefix of `text` that encodes in at most `limit` bytes (whole characters)."""
    encoded = text.encode(codec, errors="replace")
    if len(encoded) <= limit:
        return text
    out, used = [], 0
    for char in text:
        size = len(char.encode(codec, errors="replace"))
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)


def field_names(columns: Sequence[str], codec: str) -> dict[str, str]:
    """Column -> DBF field name of at most 10 bytes in `codec`, unique (case-insensitively,
    as DBF readers compare), never ending half-way through a multi-byte character."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        name = truncate_bytes(column, DBF_NAME_BYTES, codec)
        counter = 1
        while name.casefold() in taken or not name:
            suffix = f"_{counter}"
            name = truncate_bytes(column, DBF_NAME_BYTES - len(suffix), codec) + suffix
            counter += 1
        taken.add(name.casefold())
        mapping[column] = name
    return mapping


def _flatten_attributes(frame: Any, projects: Sequence[Any]) -> list[str]:
    """Each key of the projects' free attributes becomes a column of its own (a DBF field
    per key reads better in a GIS than one JSON string cut at 254 bytes)."""
    keys: list[str] = []
    for project in projects:
        for key in project.attributes:
            if key not in keys and key not in frame.columns:
                keys.append(key)
    for key in keys:
        values = [p.attributes.get(key) for p in projects]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            import pandas as pd

            frame[key] = pd.array(values, dtype="Int64")  # stays a number in the DBF
        elif present and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in present
        ):
            frame[key] = [None if v is None else float(v) for v in values]
        else:
            frame[key] = [None if v is None else str(v) for v in values]
    if keys:
        del frame["attributes"]
    return keys


def _fit_values(frame: Any, codec: str, report: LossReport) -> None:
    """Make every value fit its DBF field, reporting what changed."""
    import pandas as pd

    for column in list(frame.columns):
        if column == "geometry":
            continue
        series = frame[column]
        if column in _TIMESTAMP_COLUMNS:
            report.add(f"{column}: 日期时间写为文本 (DBF has no date-time type; ISO 8601 text)")
        if pd.api.types.is_datetime64_any_dtype(series):
            frame[column] = series.dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object)
            report.add(f"{column}: 日期写为文本 (DBF dates hold no time; written as ISO text)")
            continue
        if pd.api.types.is_integer_dtype(series):
            values = series.dropna()
            if len(values) and (values.min() < INT32_MIN or values.max() > INT32_MAX):
                report.add(
                    f"{column}: 整数超出32位 (integers beyond 32 bits written as a 20-digit "
                    "number field; some tools read it as a float)"
                )
            else:
                frame[column] = series.astype("Int32")
            continue
        if series.dtype != object:
            continue
        cut = unencodable = 0
        fitted: list[str | None] = []
        for value in series:
            if value is None or (isinstance(value, float) and value != value):
                fitted.append(None)
                continue
            text = str(value)
            try:
                text.encode(codec)
            except UnicodeEncodeError:
                unencodable += 1
                text = text.encode(codec, errors="replace").decode(codec)
            short = truncate_bytes(text, DBF_STRING_BYTES, codec)
            if short != text:
                cut += 1
            fitted.append(short)
        frame[column] = pd.Series(fitted, index=frame.index, dtype=object)
        if cut:
            report.add(
                f"{column}: {cut} 个值超过254字节被截断 ({cut} value(s) longer than "
                f"{DBF_STRING_BYTES} bytes in {codec} cut at a character boundary)"
            )
        if unencodable:
            report.add(
                f"{column}: {unencodable} 个值含{codec}无法表示的字符，已替换为? "
                f"({unencodable} value(s) had characters {codec} cannot hold, written as ?)"
            )


def write_shapefile(
    selection: Selection,
    path: Path,
    steps: Steps,
    *,
    encoding: str = "utf-8",
    as_zip: bool = False,
) -> tuple[list[Path], list[str]]:
    """Write the selection's projects; returns the files written and the loss report."""
    import pyogrio

    codec = shapefile_encoding(encoding)
    path = Path(path)
    if path.suffix.lower() == ".zip":
        as_zip, stem = True, path.stem
    elif path.suffix.lower() == ".shp":
        stem = path.stem
    else:
        raise ExportError(f"a shapefile export needs a .shp or .zip path; got {path.name!r}")
    if path.suffix.lower() == ".shp" and path.is_dir():
        raise ExportError(f"{path} is a folder")
    if not selection.projects:
        raise ExportError("nothing to export: the selection holds no projects")

    report = LossReport()
    frame = projects_frame(selection.projects)
    extra = _flatten_attributes(frame, selection.projects)
    _fit_values(frame, codec, report)
    steps.advance()

    kinds = frame.geometry.geom_type.map(_KIND_OF)
    present = [k for k in ("point", "line", "polygon") if (kinds == k).any()]
    layers = {k: stem if len(present) == 1 else f"{stem}_{k}" for k in present}
    columns = [c for c in frame.columns if c != "geometry"]
    names = field_names(columns, codec)
    renamed = frame.rename(columns=names)

    written: list[Path] = []
    with atomic_folder(path.parent, stem) as tmp:
        for kind, layer in layers.items():
            part = renamed[kinds == kind]
            geom_types = set(part.geometry.geom_type)
            pyogrio.write_dataframe(
                part,
                tmp / f"{layer}.shp",
                driver="ESRI Shapefile",
                encoding=codec,
                promote_to_multi=len(geom_types) > 1,
            )
            steps.advance()
        sidecar = tmp / f"{stem}.fields.csv"
        with sidecar.open("w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["dbf_field", "column", "说明"])
            for column in columns:
                label = (
                    COLUMNS_BY_KEY[column].zh
                    if column in COLUMNS_BY_KEY
                    else ("其他属性" if column in extra else "")
                )
                out.writerow([names[column], column, label])
        if report.lines:
            (tmp / f"{stem}.report.txt").write_text(
                "\n".join(report.lines) + "\n", encoding="utf-8"
            )
        # a .cpg always: GDAL writes one, but say so loudly if it ever stops
        for layer in layers.values():
            if not (tmp / f"{layer}.cpg").exists():
                (tmp / f"{layer}.cpg").write_text(codec, encoding="ascii")
        files = sorted(tmp.iterdir())
        steps.check()
        if as_zip:
            target = path.with_suffix(".zip")
            with atomic_file(target) as zip_tmp:
                with zipfile.ZipFile(zip_tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                    for f in files:
                        archive.write(f, f.name)
                steps.check()
            written = [target]
        else:
            written = move_into_place(files, path.parent)
    if len(present) > 1:
        kinds_zh = "、".join(_KIND_ZH[k] for k in present)
        report.add(
            f"按几何类型分为{len(present)}个文件 ({kinds_zh}; one file set per geometry kind)"
        )
    return written, report.lines
