"""A user's vector layer as a GeoPackage feature table, so QGIS sees it beside the projects.

The app reads a layer from ``layer_features`` (WKB + JSON properties, one table for all
layers). A GeoPackage feature table needs declared column types (validate_gpkg, Req 5), which
a view over JSON cannot give, so each vector layer is also written once as a real table
``layer_<id>``: typed columns, GeoPackage geometry blobs, registered in gpkg_contents. Layer
features never change after the import (only a layer's role, style and params do), so the two
copies cannot drift; both go in the same transaction and leave together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

# 2D WGS 84, no envelope: magic "GP", version 0, flags 0x01 (little-endian), srs_id 4326.
GPKG_HEADER_4326 = b"GP\x00\x01\xe6\x10\x00\x00"
_RESERVED = {"fid", "geom"}
# Python value type → the column type it allows; a column takes the widest its values need.
_SQL_TYPES = {bool: "INTEGER", int: "INTEGER", float: "REAL"}
_WIDER = {("INTEGER", "REAL"): "REAL", ("REAL", "INTEGER"): "REAL"}


def table_name(layer_id: str) -> str:
    return f"layer_{layer_id}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _columns(rows: list[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """Property key → (column name, SQL type), in first-seen order. SQLite's names are
    case-insensitive and fid/geom are taken, so clashing keys get a numeric suffix."""
    types: dict[str, str | None] = {}
    for row in rows:
        for key, value in row.items():
            if value is None:
                types.setdefault(key, None)
                continue
            kind = _SQL_TYPES.get(type(value), "TEXT")
            before = types.get(key)
            types[key] = (
                kind if before is None or before == kind else _WIDER.get((before, kind), "TEXT")
            )
    columns: dict[str, tuple[str, str]] = {}
    used = set(_RESERVED)
    for key, sql_type in types.items():
        name, n = str(key), 1
        while name.casefold() in used:
            n += 1
            name = f"{key}_{n}"
        used.add(name.casefold())
        columns[key] = (name, sql_type or "TEXT")  # a column of NULLs only: TEXT
    return columns


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "TEXT" and not isinstance(value, str):
        return str(value)
    return value


def write_layer_table(
    conn: sqlite3.Connection,
    layer_id: str,
    title: str,
    features: Iterable[tuple[bytes, Mapping[str, Any]]],
) -> None:
    """Create and fill ``layer_<id>`` from (WKB, properties) pairs, and register it."""
    rows = list(features)
    columns = _columns([properties for _wkb, properties in rows])
    table = table_name(layer_id)
    conn.execute(
        f"CREATE TABLE {_quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
        " geom GEOMETRY"
        + "".join(f", {_quote(name)} {kind}" for name, kind in columns.values())
        + ")"
    )
    names = ["geom", *(name for name, _ in columns.values())]
    conn.executemany(
        f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))})"
        f" VALUES ({', '.join('?' for _ in names)})",
        (
            (
                GPKG_HEADER_4326 + bytes(wkb),
                *(_cell(properties.get(key), kind) for key, (_, kind) in columns.items()),
            )
            for wkb, properties in rows
        ),
    )
    taken = conn.execute("SELECT 1 FROM gpkg_contents WHERE identifier = ?", (title,)).fetchone()
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
        " VALUES (?, 'features', ?, ?, 4326)",
        (table, f"{title}（{layer_id}）" if taken else title, f"gis-carbon layer {layer_id}"),
    )
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', 4326, 0, 0)", (table,)
    )


def drop_layer_table(conn: sqlite3.Connection, layer_id: str) -> None:
    table = table_name(layer_id)
    conn.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (table,))
    conn.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (table,))
    conn.execute(f"DROP TABLE IF EXISTS {_quote(table)}")


def missing_layer_tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(id, title) of the vector layers without their GeoPackage table (made before it)."""
    return conn.execute(
        "SELECT id, title_zh FROM layers WHERE kind = 'vector' AND 'layer_' || id NOT IN"
        " (SELECT table_name FROM gpkg_contents) ORDER BY created_at, id"
    ).fetchall()
