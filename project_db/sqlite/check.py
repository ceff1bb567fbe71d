"""What `gis-carbon check` asks of a SQLite workspace file: SQLite's own checks, the
GeoPackage requirements that matter to GIS readers, and the app's stored invariants (the
totals table equals the projects, every project has its history). One line per problem."""

from __future__ import annotations

import sqlite3

from project_db.sqlite.migrations import _TOTALS_KEY

_GPKG_TABLES = ("gpkg_spatial_ref_sys", "gpkg_contents", "gpkg_geometry_columns")
_GPKG_VIEWS = ("projects_point", "projects_line", "projects_polygon", "plan_targets")


def storage_problems(conn: sqlite3.Connection, *, quick: bool = False) -> list[str]:
    """Problems found; [] for a sound file. `quick` runs the checks that take a moment on a
    large file (quick_check and the totals) and skips the full integrity check."""
    problems: list[str] = []
    pragma = "quick_check" if quick else "integrity_check"
    try:
        found = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        return [f"the file is damaged: {exc}"]
    if found != ["ok"]:
        problems += [f"integrity: {line}" for line in found[:20]]
        return problems  # the rest would only repeat the damage
    problems += _totals(conn)
    if quick:
        return problems
    problems += [
        f"foreign key: {table} row {rowid} refers to a missing {parent}"
        for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check")
    ]
    problems += _geopackage(conn)
    problems += _history(conn)
    problems += _undecodable_text(conn)
    return problems


def _undecodable_text(conn: sqlite3.Connection, *, most: int = 20) -> list[str]:
    """Text that is not UTF-8: a flipped byte inside a value passes SQLite's integrity check
    (the pages are sound) but would stop every read of that row with a decode error."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'rtree_%'"
        )
    ]
    columns_of = {
        table: [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')] for table in tables
    }
    problems: list[str] = []
    previous = conn.text_factory
    conn.text_factory = bytes  # read the raw bytes; decoding is what is being checked
    try:
        for table, columns in columns_of.items():
            if not columns:
                continue
            kinds = ", ".join(f'typeof("{c}")' for c in columns)
            values = ", ".join(f'"{c}"' for c in columns)
            query = f'SELECT rowid, {kinds}, {values} FROM "{table}"'
            try:
                rows = conn.execute(query)
            except sqlite3.OperationalError:  # a WITHOUT ROWID table or a view-like module
                continue
            for row in rows:
                kind_of = row[1 : 1 + len(columns)]
                for column, kind, value in zip(
                    columns, kind_of, row[1 + len(columns) :], strict=True
                ):
                    if kind != b"text":
                        continue
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError:
                        problems.append(
                            f"damaged text: {table} row {row[0]} column {column} is not UTF-8"
                        )
                        if len(problems) >= most:
                            return problems
    finally:
        conn.text_factory = previous
    return problems


def _totals(conn: sqlite3.Connection) -> list[str]:
    """project_totals (kept by triggers) against a GROUP BY over the projects."""
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'project_totals'"
    ).fetchone():
        return []
    key = _TOTALS_KEY.format(r="projects")
    expected = {
        tuple(row[:6]): row[6:]
        for row in conn.execute(
            f"SELECT {key}, count(*), count(capacity), total(capacity), total(energy)"
            " FROM projects GROUP BY 1, 2, 3, 4, 5, 6"
        )
    }
    stored = {
        tuple(row[:6]): row[6:]
        for row in conn.execute(
            "SELECT county_code, city_code, province_code, type, status, year, n, n_capacity,"
            " capacity, energy FROM project_totals"
        )
    }
    problems = []
    for group in sorted(set(expected) | set(stored), key=str):
        want, have = expected.get(group), stored.get(group)
        if want is None or have is None or not _same(want, have):
            county, _city, _province, ptype, status, year = group
            problems.append(
                f"totals: {county or '(no county)'} {ptype} {status} {year or '(no year)'}"
                f" stored {_describe(have)}, the projects give {_describe(want)}"
            )
    return problems


def _same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(abs(x - y) <= 1e-6 * max(1.0, abs(x)) for x, y in zip(a, b, strict=True))


def _describe(row: tuple[float, ...] | None) -> str:
    return "nothing" if row is None else f"{int(row[0])} project(s), {row[2]:g} capacity"


def _geopackage(conn: sqlite3.Connection) -> list[str]:
    problems = []
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    for table in _GPKG_TABLES:
        if table not in names:
            problems.append(f"GeoPackage: table {table} is missing")
    if problems:
        return problems
    for (table,) in conn.execute(
        "SELECT table_name FROM gpkg_contents WHERE table_name NOT IN"
        " (SELECT name FROM sqlite_master WHERE type IN ('table', 'view'))"
    ):
        problems.append(f"GeoPackage: gpkg_contents names {table}, which does not exist")
    for (table,) in conn.execute(
        "SELECT table_name FROM gpkg_geometry_columns WHERE table_name NOT IN"
        " (SELECT table_name FROM gpkg_contents)"
    ):
        problems.append(f"GeoPackage: geometry column of {table} has no gpkg_contents row")
    for view in _GPKG_VIEWS:
        try:
            conn.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            problems.append(f"GeoPackage: layer {view} cannot be read: {exc}")
    return problems


def _history(conn: sqlite3.Connection) -> list[str]:
    missing = conn.execute(
        "SELECT id, name FROM projects p WHERE NOT EXISTS"
        " (SELECT 1 FROM project_history h WHERE h.project_id = p.id) ORDER BY id LIMIT 21"
    ).fetchall()
    lines = [f"history: project {pid} ({name}) has no history" for pid, name in missing[:20]]
    if len(missing) > 20:
        lines.append("history: … and more projects without history")
    return lines
