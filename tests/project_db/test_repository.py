"""The workspace file: migrations, round trips, constraints, transactions, history."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, Polygon

from gis_carbon.errors import NotFoundError, StaleEditError, ValidationError, WorkspaceError
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Precision, Status
from project_db.sqlite.migrations import migrations
from project_db.sqlite.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def wind_farm(name: str = "测试风电场", capacity: float = 300.0, **changes) -> Project:
    project = Project(
        name=name,
        type="wind",
        status=Status.PLANNED,
        geometry=Point(116.83, 38.81),
        capacity=capacity,
        year=2025,
        attributes={"town": "沿庄镇", "hub_height_m": 120},
        regions=RegionAssignment(province="120000", county="120118", touched={"120118": 1.0}),
    )
    return project.with_changes(**changes)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migrations_create_every_table_on_an_empty_file(tmp_path: Path) -> None:
    with Workspace(tmp_path / "new.sqlite") as ws:
        tables = set(ws.db.table_names())
        applied = [m.name for m in migrations.applied(ws.db)]
        journal = ws.db.conn.execute("PRAGMA journal_mode").fetchone()[0]
        fks = ws.db.conn.execute("PRAGMA foreign_keys").fetchone()[0]
    assert {
        "plans",
        "targets",
        "projects",
        "project_history",
        "indicator_values",
        "project_types",
        "layers",
        "layer_features",
    } <= tables
    assert applied[:2] == ["0001_core", "0002_layers"]
    assert applied == [m.name for m in migrations._migrations]
    assert journal == "wal"
    assert fks == 1


def test_an_old_workspace_is_migrated_forward_keeping_its_rows(tmp_path: Path) -> None:
    from sqlite_utils import Database

    path = tmp_path / "old.sqlite"
    db = Database(path)
    migrations.apply(db, stop_before="0002_layers")  # a file written by the first release
    db.execute(
        "INSERT INTO project_types (code, name_zh, name_en, capacity_unit) "
        "VALUES ('wind', '集中式风电', 'Centralised wind', 'MW')"
    )
    db.conn.commit()
    db.close()
    with Workspace(path) as ws:
        stored = ws.add_project(wind_farm())
        assert "layers" in ws.db.table_names()
        assert [m.name for m in migrations.applied(ws.db)] == [
            m.name for m in migrations._migrations
        ]
    with Workspace(path) as ws:
        assert ws.get_project(stored.id).name == "测试风电场"


def test_a_file_that_is_not_a_workspace_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    before = file_digest(path)
    with pytest.raises(WorkspaceError, match=r"notes\.sqlite"):
        Workspace(path)
    assert file_digest(path) == before


def test_a_project_round_trips_exactly(empty_workspace: Workspace) -> None:
    polygon = Polygon([(116.9, 38.7), (116.95, 38.7), (116.95, 38.74), (116.9, 38.74)])
    original = wind_farm(
        name="大郝庄渔光互补",
        geometry=polygon,
        capacity=20.0,
        type="pv_fishery",
        precision=Precision.VILLAGE,
        owner="某能源公司",
        notes="备注 ${x} <b>",
        quote="重点推动……",
        source="plan:002",
    )
    stored = empty_workspace.add_project(original)
    loaded = empty_workspace.get_project(stored.id)
    assert loaded.geometry.equals_exact(polygon, tolerance=0)
    assert loaded.geometry.wkb == polygon.wkb  # WKB: lossless, bit for bit
    assert (loaded.name, loaded.type, loaded.capacity, loaded.year) == (
        "大郝庄渔光互补",
        "pv_fishery",
        20.0,
        2025,
    )
    assert loaded.attributes == {"town": "沿庄镇", "hub_height_m": 120}
    assert loaded.regions.county == "120118"
    assert loaded.regions.touched == {"120118": 1.0}
    assert loaded.precision is Precision.VILLAGE
    assert loaded.notes == "备注 ${x} <b>"
    assert loaded.version == 1 and loaded.created_at


def test_a_line_project_keeps_its_vertices(empty_workspace: Workspace) -> None:
    line = LineString([(116.91, 38.70), (116.93, 38.72), (116.98, 38.73)])
    stored = empty_workspace.add_project(
        wind_farm(name="唐官屯货运专线", type="freight_rail", geometry=line, capacity=12.5)
    )
    assert list(empty_workspace.get_project(stored.id).geometry.coords) == list(line.coords)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("capacity", -1.0),
        ("capacity", float("inf")),
        ("year", 3000),
        ("status", "dreaming"),
        ("type", "nuclear_fusion"),
        ("lon", float("inf")),
        ("lat", float("nan")),
        ("min_x", 200.0),
        ("name", "   "),
        ("attributes", "{not json"),
        ("precision", "somewhere"),
    ],
)
def test_check_constraints_reject_bad_rows(
    empty_workspace: Workspace, column: str, value: object
) -> None:
    good = empty_workspace.add_project(wind_farm())
    conn = empty_workspace.db.conn
    stored = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(projects)"))
    cursor = conn.execute(f"SELECT {stored} FROM projects WHERE id = ?", (good.id,))
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    row.pop("id")
    row[column] = value
    with pytest.raises(sqlite3.IntegrityError):
        empty_workspace.db.conn.execute(
            f"INSERT INTO projects ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
    empty_workspace.db.conn.rollback()
    assert empty_workspace.count_projects() == 1


def test_a_batch_that_fails_half_way_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace(path) as ws:
        ws.add_project(wind_farm(name="已有项目"))
    before = file_digest(path)
    batch = [wind_farm(name=f"项目{i}") for i in range(50)]
    batch[37] = wind_farm(name="坏项目", capacity=-5.0)
    with Workspace(path) as ws:
        with pytest.raises(ValidationError, match="capacity"):
            ws.add_projects(batch)
        assert ws.count_projects() == 1
    assert file_digest(path) == before
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_a_stale_edit_is_refused_and_the_newer_edit_kept(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace(path) as ws:
        stored = ws.add_project(wind_farm())
    # Two people open the same project; the first saves, the second's save is refused.
    with Workspace(path) as alice, Workspace(path) as bob:
        mine = alice.get_project(stored.id)
        theirs = bob.get_project(stored.id)
        saved = alice.update_project(mine.with_changes(capacity=350.0))
        assert saved.version == 2
        with pytest.raises(StaleEditError, match="version 2"):
            bob.update_project(theirs.with_changes(capacity=999.0))
    with Workspace(path) as ws:
        assert ws.get_project(stored.id).capacity == 350.0


def test_history_records_every_change_with_before_and_after(empty_workspace: Workspace) -> None:
    stored = empty_workspace.add_project(wind_farm(), author="张工")
    updated = empty_workspace.update_project(
        stored.with_changes(status=Status.CONSTRUCTION), author="李工"
    )
    empty_workspace.delete_project(updated.id, author="王工")
    history = empty_workspace.history(stored.id)
    assert [(h.action, h.author) for h in history] == [
        ("insert", "张工"),
        ("update", "李工"),
        ("delete", "王工"),
    ]
    assert history[0].before is None and history[0].after["capacity"] == 300.0
    assert history[1].before["status"] == "planned"
    assert history[1].after["status"] == "construction"
    assert history[2].before["version"] == 2 and history[2].after is None
    with pytest.raises(NotFoundError, match=str(stored.id)):
        empty_workspace.get_project(stored.id)


def test_a_deleted_project_can_be_restored_under_its_id(empty_workspace: Workspace) -> None:
    stored = empty_workspace.add_project(wind_farm())
    deleted = empty_workspace.delete_project(stored.id)
    restored = empty_workspace.restore_project(deleted)
    assert restored.id == stored.id and restored.capacity == 300.0
    assert [h.action for h in empty_workspace.history(stored.id)] == ["insert", "delete", "insert"]


_WRITER = textwrap.dedent(
    """
    import sys
    from shapely.geometry import Point
    from gis_carbon.model.project import Project
    from gis_carbon.model.types import Status
    from project_db.sqlite.workspace import Workspace

    ws = Workspace(sys.argv[1])
    batch = [Project(name=f"p{i}", type="wind", status=Status.PLANNED,
                     geometry=Point(117, 39), capacity=1.0) for i in range(100)]
    while True:
        ws.add_projects(batch)
        print("committed", flush=True)
    """
)


def test_a_writer_killed_mid_transaction_leaves_only_whole_transactions(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    Workspace(path).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, env=env, text=True
    )
    assert writer.stdout is not None
    for _ in range(5):  # let it commit a few batches, then kill it while it writes the next
        assert writer.stdout.readline().strip() == "committed"
    time.sleep(0.01)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    with Workspace(path) as ws:
        assert ws.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = ws.count_projects()
        history = ws.db.conn.execute("SELECT count(*) FROM project_history").fetchone()[0]
    assert count >= 500 and count % 100 == 0
    assert history == count


def _totals(ws: Workspace) -> list[tuple]:
    return ws.db.conn.execute(
        "SELECT county_code, type, status, year, n, round(capacity, 6) FROM project_totals"
        " ORDER BY 1, 2, 3, 4"
    ).fetchall()


def _totals_recomputed(ws: Workspace) -> list[tuple]:
    return ws.db.conn.execute(
        "SELECT coalesce(county_code, ''), type, status, coalesce(year, 0), count(*),"
        " round(total(capacity), 6) FROM projects GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    ).fetchall()


def test_a_bulk_insert_keeps_the_totals_and_the_trigger(empty_workspace: Workspace) -> None:
    empty_workspace.add_project(wind_farm(name="先有的"))  # small batch: through the trigger
    batch = [
        wind_farm(
            name=f"批量{i}",
            capacity=float(i % 7),
            year=2020 + i % 6,
            status=Status.OPERATING if i % 3 else Status.PLANNED,
        )
        for i in range(3000)
    ]
    ids = empty_workspace.insert_projects(batch)
    assert len(ids) == 3000 and ids[0] == 2
    assert _totals(empty_workspace) == _totals_recomputed(empty_workspace)
    # the trigger is back: a later single insert still updates the totals
    empty_workspace.add_project(wind_farm(name="后来的", capacity=1.5))
    assert _totals(empty_workspace) == _totals_recomputed(empty_workspace)
    assert len(empty_workspace.history(ids[-1])) == 1


def test_a_bulk_insert_that_fails_inside_sqlite_restores_everything(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace(path) as ws:
        ws.add_project(wind_farm())
    before = file_digest(path)
    batch = [wind_farm(name=f"批量{i}") for i in range(2500)]
    batch[-1] = wind_farm(name="太大", capacity=5e12)  # passes the model, fails the CHECK
    with Workspace(path) as ws:
        with pytest.raises(ValidationError, match="CHECK constraint"):
            ws.insert_projects(batch)
        trigger = ws.db.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'project_totals_insert'"
        ).fetchone()[0]
        assert trigger == 1 and ws.count_projects() == 1
    assert file_digest(path) == before


def test_listing_reads_the_same_projects_as_one_by_one(empty_workspace: Workspace) -> None:
    polygon = Polygon([(116.9, 38.7), (116.95, 38.7), (116.95, 38.74)])
    stored = empty_workspace.add_projects(
        [
            wind_farm(name="甲"),
            wind_farm(
                name="乙",
                type="pv_ground",
                geometry=polygon,
                capacity=None,
                attributes={},
                status=Status.OPERATING,
                precision=Precision.TOWN,
            ),
            wind_farm(name="丙", regions=RegionAssignment(), year=None),
        ]
    )
    listed = empty_workspace.projects()
    one_by_one = [empty_workspace.get_project(p.id) for p in stored]
    assert listed == one_by_one
    assert [p.geometry.wkb for p in listed] == [p.geometry.wkb for p in stored]
    listed[0].attributes["town"] = "改了"  # a caller's change stays its own
    assert empty_workspace.projects()[0].attributes["town"] == "沿庄镇"
