"""Reading vector files: Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, DXF.

GDAL (through pyogrio) reads the formats; this module decides what GDAL is told: the text
encoding of a shapefile (its ``.cpg``, else detected), Chinese KML field names kept as they
are (``LIBKML_LAUNDER_FIELD_NAMES=NO``), and archives extracted here, after their safety
checks, so GDAL never opens a zip itself.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from gis_carbon.errors import InputFileError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.io.archives import DEFAULT_LIMITS, ArchiveLimits, extract_archive, remove_tree
from gis_carbon.io.crs_detect import CrsChoice, check_degrees_plausible, resolve_crs
from gis_carbon.io.encoding import REPLACEMENT_CHARACTER, check_no_replacement, shapefile_encoding
from gis_carbon.io.geometry import check_and_convert
from gis_carbon.io.records import ReadResult, Record, plain_value, strip_control_characters

# Suffix → what it is. Archives are unpacked first; the rest go to GDAL.
VECTOR_SUFFIXES = {
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "LIBKML",
    ".dxf": "DXF",
}
ARCHIVE_SUFFIXES = (".zip", ".kmz")

# LIBKML adds rendering fields to every placemark; they are styling, not data.
_KML_STYLE_FIELDS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")
_KML_EMPTY_FIELDS = ("id", "description", "timestamp", "begin", "end")
_DXF_STYLE_FIELDS = ("SubClasses", "Linetype", "EntityHandle", "RawCodeValues")

_GDAL_CONFIG = {"LIBKML_LAUNDER_FIELD_NAMES": "NO", "OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"}


def _find_dataset(folder: Path, archive: Path) -> Path:
    """The one dataset an extracted archive holds (a KMZ's doc.kml comes first)."""
    found = [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix.lower() in VECTOR_SUFFIXES and "__MACOSX" not in p.parts
    ]
    kml = [p for p in found if p.suffix.lower() == ".kml"]
    if archive.suffix.lower() == ".kmz" and kml:
        doc = [p for p in kml if p.name.lower() == "doc.kml"]
        return (doc or kml)[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputFileError(
            f"{archive.name}: the archive holds no shapefile, GeoPackage, GeoJSON, KML or DXF"
        )
    names = ", ".join(p.relative_to(folder).as_posix() for p in found[:8])
    raise InputFileError(
        f"{archive.name}: the archive holds several datasets ({names}); unzip it and import one"
    )


def read_vector(
    path: Path,
    *,
    crs: str | None = None,
    coords: str | None = None,
    encoding: str | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    feedback: Feedback = NO_FEEDBACK,
) -> ReadResult:
    """Read every feature, check it, convert it to WGS 84; problems are collected, not raised."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        folder = Path(tempfile.mkdtemp(prefix="gis-carbon-import-"))
        try:
            extract_archive(path, folder, limits)
            dataset = _find_dataset(folder, path)
            result = _read_dataset(
                dataset,
                crs=crs,
                coords=coords,
                encoding=encoding,
                shown_as=f"{path.name}/{dataset.relative_to(folder).as_posix()}",
                feedback=feedback,
            )
        finally:
            remove_tree(folder)
        result.path = path
        return result
    if suffix not in VECTOR_SUFFIXES:
        raise InputFileError(f"{path.name}: unknown vector format {suffix!r}")
    return _read_dataset(
        path, crs=crs, coords=coords, encoding=encoding, shown_as=path.name, feedback=feedback
    )


def _read_dataset(
    path: Path,
    *,
    crs: str | None,
    coords: str | None,
    encoding: str | None,
    shown_as: str,
    feedback: Feedback,
) -> ReadResult:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    fmt = VECTOR_SUFFIXES[path.suffix.lower()]
    pyogrio.set_gdal_config_options(_GDAL_CONFIG)
    read_kwargs: dict[str, Any] = {}
    used_encoding: str | None = None
    if fmt == "ESRI Shapefile":
        if not path.with_suffix(".dbf").exists() and not path.with_suffix(".DBF").exists():
            raise InputFileError(f"{shown_as}: the .dbf beside the .shp is missing")
        used_encoding = shapefile_encoding(path, declared=encoding)
        read_kwargs["encoding"] = used_encoding
    elif fmt == "DXF":
        # GDAL trusts $DWGCODEPAGE, which many Chinese DXF writers leave at ANSI_1252
        used_encoding = _dxf_encoding(path, encoding)
        pyogrio.set_gdal_config_options({"DXF_ENCODING": _GDAL_CODEC[used_encoding]})
    elif encoding:
        read_kwargs["encoding"] = encoding
        used_encoding = encoding
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
        if not layers:
            raise InputFileError(f"{shown_as}: holds no layer")
        # KML folders are one dataset split for display; other formats: the first layer.
        chosen = layers if fmt == "LIBKML" else layers[:1]
        notes = []
        if len(layers) > 1 and fmt != "LIBKML":
            notes.append(f"{shown_as} has {len(layers)} layers; imported {layers[0]!r}")
        info = pyogrio.read_info(path, layer=chosen[0], **read_kwargs)  # KML folders share a CRS
        frames = []
        for n, name in enumerate(chosen):
            feedback.progress(0.8 * n / len(chosen), f"reading {shown_as} {name}")
            frames.append(pyogrio.read_dataframe(path, layer=name, **read_kwargs))
    except (DataSourceError, DataLayerError, FieldError, GeometryError, OSError) as exc:
        raise InputFileError(f"{shown_as}: cannot be read as {fmt}: {exc}") from None
    except RuntimeError as exc:  # GDAL errors that pyogrio does not map
        raise InputFileError(f"{shown_as}: cannot be read as {fmt}: {exc}") from None

    import pandas as pd

    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    declared = info.get("crs")
    if fmt == "DXF":
        declared = None  # DXF has no CRS; GDAL reports none or a guess
    drop = {*_KML_STYLE_FIELDS} if fmt == "LIBKML" else set(_DXF_STYLE_FIELDS)
    if fmt == "LIBKML":
        drop |= {c for c in _KML_EMPTY_FIELDS if c in frame and frame[c].isna().all()}
    columns = [c for c in frame.columns if c != "geometry" and c not in drop]
    for column in columns:
        check_no_replacement(str(column), what=f"{shown_as} field name")

    geometries = list(frame.geometry.values)
    labels = [f"feature {i + 1}" for i in range(len(frame))]
    problems: list[str] = []
    records: list[Record] = []
    for i, row in enumerate(frame[columns].itertuples(index=False, name=None)):
        props = {str(k): plain_value(v) for k, v in zip(columns, row, strict=True)}
        for key, value in props.items():
            if isinstance(value, str) and REPLACEMENT_CHARACTER in value:
                problems.append(
                    f"{labels[i]}: field {key} holds U+FFFD (wrong encoding; use --encoding)"
                )
        records.append(Record(labels[i], props))
    sample = _first_x(geometries)
    choice: CrsChoice = resolve_crs(
        what=shown_as, user_crs=crs, coords=coords, declared=declared, sample_easting=sample
    )
    if sample is not None:
        check_degrees_plausible([sample], choice, shown_as)
    feedback.progress(0.8, f"checking {len(geometries)} geometries")
    converted, geometry_problems, repaired = check_and_convert(geometries, labels, choice.crs)
    problems.extend(geometry_problems)
    for record, geometry in zip(records, converted, strict=True):
        record.geometry = geometry
    cleaned = strip_control_characters([(r.where, r.properties) for r in records])
    if cleaned:
        notes.append(cleaned)
    if repaired:  # each repair named, with what changed (shown: the first 20)
        more = f"; … and {len(repaired) - 20} more" if len(repaired) > 20 else ""
        notes.append(
            f"{len(repaired)} invalid geometries repaired: " + "; ".join(repaired[:20]) + more
        )
    return ReadResult(
        path=path,
        format=fmt,
        columns=[str(c) for c in columns],
        records=records,
        problems=problems,
        crs=choice,
        encoding=used_encoding,
        notes=notes + choice.notes,
    )


_GDAL_CODEC = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "CP936"}


def _dxf_encoding(path: Path, declared: str | None) -> str:
    from gis_carbon.io.encoding import detect_encoding, normalise_encoding

    if declared:
        codec = normalise_encoding(declared)
        if codec not in _GDAL_CODEC:
            raise InputFileError(
                f"{path.name}: --encoding {declared} is not supported for DXF (utf-8 or gbk)"
            )
        return codec
    with path.open("rb") as handle:
        sample = handle.read(32 * 1024 * 1024)
    cut = sample.rfind(b"\n")  # never split a multi-byte character at the end of the sample
    return detect_encoding(sample[: cut + 1] if cut > 0 else sample, what=path.name)


def _first_x(geometries: list[Any]) -> float | None:
    import shapely

    for geometry in geometries:
        if geometry is None or geometry.is_empty:
            continue
        coords = shapely.get_coordinates(geometry)
        if len(coords) and math.isfinite(float(coords[0, 0])):
            return float(coords[0, 0])
    return None
