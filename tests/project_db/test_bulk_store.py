"""The bulk insert path: vectorised row preparation, the enum CHECKs of migration 0004 and
the columns left out of an INSERT when a whole batch has them NULL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon
from sqlite_utils import Database

from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Precision, Status
from project_db.sqlite.migrations import migrations
from project_db.sqlite.workspace import _NULL_BY_DEFAULT, Workspace, _insert_columns, project_to_row

BEFORE_0004 = "0004_projects_enum_checks"
ENUM_COLUMNS = {
    "status": [s.value for s in Status],
    "precision": [p.value for p in Precision],
    "geom_kind": ["point", "line", "polygon"],
}
# the columns the geometry decides, compared with the one-project path (project_to_row)
GEOMETRY_COLUMNS = ("geom", "geom_kind", "min_x", "min_y", "max_x", "max_y", "lon", "lat")


def mixed_batch(n: int) -> list[Project]:
    """Points, multipoints, lines and polygons (some with holes), NULLs in some rows only."""
    tianjin = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})
    shapes = [
        lambda i: ("wind", Point(116.8 + i * 1e-4, 38.8)),
        lambda i: ("pv_ground", MultiPoint([(116.9, 38.7 + i * 1e-5), (116.95, 38.75)])),
        lambda i: ("freight_rail", LineString([(116.9, 38.7), (117.0, 38.8 + i * 1e-5)])),
        lambda i: (
            "pv_fishery",
            Polygon(
                [(116.9, 38.7), (117.0, 38.7), (117.0, 38.8 + i * 1e-5), (116.9, 38.8)],
                [[(116.94, 38.74), (116.96, 38.74), (116.96, 38.76), (116.94, 38.76)]],
            ),
        ),
        lambda i: (
            "forest",
            MultiPolygon(
                [
                    Polygon([(116.0, 38.0), (116.1, 38.0), (116.1, 38.1)]),
                    Polygon([(116.5, 38.5), (116.6, 38.5), (116.6, 38.6 + i * 1e-5)]),
                ]
            ),
        ),
    ]
    batch = []
    for i in range(n):
        ptype, geometry = shapes[i % len(shapes)](i)
        batch.append(
            Project(
                name=f" 批量{i} ",  # stored stripped
                type=ptype,
                status=list(Status)[i % len(Status)],
                geometry=geometry,
                capacity=None if i % 4 == 0 else float(i),
                year=None if i % 3 == 0 else 2020 + i % 10,
                plan_id="jinghai" if i % 2 else None,
                quote="原文" if i % 7 == 0 else None,
                precision=list(Precision)[i % len(Precision)],
                attributes={"批": i} if i % 5 == 0 else {},
                regions=tianjin if i % 2 else RegionAssignment(),
            )
        )
    return batch


def stored_rows(ws: Workspace) -> list[dict]:
    cursor = ws.db.conn.execute("SELECT * FROM projects ORDER BY id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


@pytest.mark.parametrize("n", [7, 2500])  # the per-row trigger path and the bulk path
def test_a_batch_stores_what_one_by_one_row_mapping_computes(seeded: Workspace, n: int) -> None:
    before = seeded.count_projects()
    batch = mixed_batch(n)
    ids = seeded.insert_projects(batch, author="批量")
    rows = {row["id"]: row for row in stored_rows(seeded)}
    assert len(rows) == before + n
    for pid, project in zip(ids, batch, strict=True):
        stored, expected = rows[pid], project_to_row(project)
        for column in GEOMETRY_COLUMNS:
            assert stored[column] == expected[column], (pid, column)
        assert (stored["lon"], stored["lat"]) == project.lonlat
        for column in ("name", "status", "precision", "capacity", "year", "plan_id", "quote"):
            assert stored[column] == expected[column], (pid, column)
        assert stored["attributes"] == expected["attributes"]
        assert stored["regions_touched"] == expected["regions_touched"]
        assert (stored["created_by"], stored["version"]) == ("批量", 1)
    assert rows[ids[0]]["name"] == "批量0"
    history = seeded.history(ids[-1])
    assert len(history) == 1 and history[0].after["name"] == f"批量{n - 1}"


def test_columns_null_in_the_whole_batch_are_stored_as_null(empty_workspace: Workspace) -> None:
    point = Point(116.83, 38.81)
    bare = [
        Project(name=f"无容量{i}", type="gas_station", status=Status.PLANNED, geometry=point)
        for i in range(2100)
    ]
    columns = _insert_columns(bare, "t", "a")
    all_null = {name for name, values in columns.items() if values.count(None) == len(values)}
    assert all_null == _NULL_BY_DEFAULT  # every left-out column is exercised here
    ids = empty_workspace.insert_projects(bare)
    nulls = empty_workspace.db.conn.execute(
        "SELECT " + ", ".join(f"count({c})" for c in sorted(all_null)) + " FROM projects"
    ).fetchone()
    assert set(nulls) == {0}
    loaded = empty_workspace.get_project(ids[5])
    assert (loaded.capacity, loaded.year, loaded.plan_id, loaded.regions.county) == (
        None,
        None,
        None,
        None,
    )
    totals = empty_workspace.db.conn.execute(
        "SELECT county_code, year, n, n_capacity FROM project_totals"
    ).fetchall()
    assert totals == [("", 0, 2100, 0)]


def test_left_out_columns_have_no_default_but_null(empty_workspace: Workspace) -> None:
    # Leaving a column out of an INSERT stores its DEFAULT: only NULL-defaulted ones qualify.
    info = {
        row[1]: (row[3], row[4])  # notnull, dflt_value
        for row in empty_workspace.db.conn.execute("PRAGMA table_info(projects)")
    }
    for column in _NULL_BY_DEFAULT:
        assert info[column] == (0, None), column


def _insert_raw(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute(
        f"INSERT INTO projects ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )


@pytest.mark.parametrize(("column", "values"), list(ENUM_COLUMNS.items()))
def test_enum_checks_accept_exactly_the_values_the_in_lists_accepted(
    empty_workspace: Workspace, column: str, values: list[str]
) -> None:
    template = project_to_row(mixed_batch(1)[0])
    template.update(id=None, version=1, created_at="t", updated_at="t")
    conn = empty_workspace.db.conn
    candidates = [*values, *(v.upper() for v in values), *(v + " " for v in values)]
    candidates += ["", "multipoint", "unknown", None]
    for candidate in candidates:
        # the verdict of 0001's `column IN (…)`, evaluated by SQLite itself
        listed = ", ".join(f"'{v}'" for v in values)
        in_list = conn.execute(f"SELECT ? IN ({listed})", (candidate,)).fetchone()[0]
        try:
            _insert_raw(conn, {**template, column: candidate})
            accepted = True
        except sqlite3.IntegrityError:
            accepted = False
        conn.rollback()
        assert accepted == (in_list == 1), (column, candidate)
    assert empty_workspace.count_projects() == 0


def test_migration_0004_keeps_rows_totals_indexes_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "before_0004.sqlite"
    db = Database(path)
    db.conn.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db, stop_before=BEFORE_0004)
    db.conn.execute(
        "INSERT INTO project_types (code, name_zh, name_en, capacity_unit) VALUES"
        " ('wind', '集中式风电', 'Centralised wind', 'MW'),"
        " ('pv_ground', '地面光伏', 'Ground PV', 'MW'), ('freight_rail', '铁路', 'Rail', 'km'),"
        " ('pv_fishery', '渔光互补', 'Fishery PV', 'MW'), ('forest', '森林', 'Forest', '亩')"
    )
    for i, project in enumerate(mixed_batch(40)):  # through the per-row totals trigger
        row = project_to_row(project.with_changes(plan_id=None))
        row.update(id=10 + 3 * i, version=1 + i % 2, created_at="t0", updated_at="t1")
        _insert_raw(db.conn, row)
    db.conn.commit()
    conn = db.conn
    schema_sql = (
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'projects'"
        " AND type IN ('index', 'trigger') ORDER BY name"
    )
    # The stored columns (0005 adds generated GeoPackage columns, which table_info omits).
    stored = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(projects)"))
    rows_before = conn.execute(f"SELECT {stored} FROM projects ORDER BY id").fetchall()
    totals_before = conn.execute(
        "SELECT * FROM project_totals ORDER BY 1, 2, 3, 4, 5, 6"
    ).fetchall()
    dependants_before = conn.execute(schema_sql).fetchall()
    db.close()

    with Workspace(path) as ws:
        conn = ws.db.conn
        assert BEFORE_0004 in [m.name for m in migrations.applied(ws.db)]
        assert conn.execute(f"SELECT {stored} FROM projects ORDER BY id").fetchall() == rows_before
        totals = conn.execute("SELECT * FROM project_totals ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
        assert totals == totals_before
        assert conn.execute(schema_sql).fetchall() == dependants_before
        assert len(dependants_before) == 6  # 3 indexes, 3 totals triggers
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        table_sql = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'projects'"
        ).fetchone()[0]
        assert " IN (" not in table_sql and "status = 'planned' OR" in table_sql
        # the triggers work on the rebuilt table: a delete and a bulk insert keep the totals
        ws.delete_project(13)
        ws.insert_projects([p.with_changes(plan_id=None) for p in mixed_batch(2000)])
        recomputed = conn.execute(
            "SELECT coalesce(county_code, ''), coalesce(city_code, ''),"
            " coalesce(province_code, ''), type, status, coalesce(year, 0), count(*),"
            " count(capacity), round(total(capacity), 6) FROM projects"
            " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        ).fetchall()
        kept = conn.execute(
            "SELECT county_code, city_code, province_code, type, status, year, n, n_capacity,"
            " round(capacity, 6) FROM project_totals ORDER BY 1, 2, 3, 4, 5, 6"
        ).fetchall()
        assert kept == recomputed


def test_added_projects_are_the_inputs_stamped_with_id_version_and_time(
    seeded: Workspace,
) -> None:
    import dataclasses

    batch = mixed_batch(30)
    added = seeded.add_projects(batch)
    now = added[0].created_at
    expected = [
        p.with_changes(id=a.id, version=1, created_at=now, updated_at=now)
        for p, a in zip(batch, added, strict=True)
    ]
    assert added == expected
    assert [a.id for a in added] == list(range(added[0].id, added[0].id + 30))
    assert all(type(a) is Project for a in added)
    assert batch[0].id is None and batch[0].version == 0  # the inputs are left alone
    with pytest.raises(dataclasses.FrozenInstanceError):
        added[0].capacity = 1.0  # type: ignore[misc]
    # what the listing reads back is the same project, field for field
    listed = {p.id: p for p in seeded.projects(plan_id="jinghai")}
    for project in added:
        if project.plan_id == "jinghai":
            stored = listed[project.id]
            assert stored.geometry.wkb == project.geometry.wkb
            assert stored.with_changes(geometry=project.geometry, name=project.name) == project


def test_a_new_file_gets_8k_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    with Workspace(tmp_path / "new.sqlite") as ws:
        assert ws.db.conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    old = tmp_path / "old.sqlite"
    db = Database(old)  # a file written before: SQLite's default 4 KiB pages
    migrations.apply(db, stop_before=BEFORE_0004)
    db.close()
    with Workspace(old) as ws:
        ws.insert_projects([p.with_changes(plan_id=None) for p in mixed_batch(2100)])
        assert ws.db.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert ws.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert ws.count_projects() == 2100
