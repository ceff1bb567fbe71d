"""The repository: model objects in, model objects out, one SQLite workspace file.

Every write runs in one `BEGIN IMMEDIATE` transaction (so a second writer waits instead of
failing half-way), carries the version it was based on (so a stale edit is refused, not
silently applied) and appends to the project history in the same transaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlite_utils import Database

from gis_carbon.errors import NotFoundError, StaleEditError, ValidationError, WorkspaceError
from gis_carbon.model.plan import Baseline, IndicatorValue, Plan, Target
from gis_carbon.model.project import (
    Project,
    validate_geometries,
    validate_project,
)
from gis_carbon.model.storage import (
    FRAME_COLUMNS,
    ChangeEvent,
    HistoryEntry,
    LayerRecord,
    ProjectBrief,
    ProjectLocation,
    RecordHistoryEntry,
    TotalsRow,
)
from gis_carbon.model.types import PROJECT_TYPES
from project_db.rows import (
    LAYERS_FINGERPRINT_SQL,
    find_plan,
    history_entry,
    indicator_value,
    keyset_chunks,
    layer_update_values,
    plan_to_row,
    project_to_row,
    record_change_values,
    record_history_entry,
    refuse_plan_delete,
    row_to_plan,
    row_to_target,
    rows_to_projects,
    stamped_projects,
    target_to_row,
)
from project_db.rows import (
    READ_COLUMNS as _READ_COLUMNS,
)
from project_db.rows import (
    current_author as _author,
)
from project_db.rows import (
    insert_columns as _insert_columns,
)
from project_db.rows import (
    now_stamp as _now,
)
from project_db.rows import (
    row_to_baseline as _row_to_baseline,
)
from project_db.rows import (
    row_to_layer as _row_to_layer,
)
from project_db.sqlite import gpkg_layers
from project_db.sqlite.migrations import (
    ADD_TOTALS_FOR_ID_RANGE,
    BULK_INSERT_TRIGGER,
    apply_migrations,
    known_migrations,
    migrations_applied,
    pending_migrations,
    unknown_migrations,
)

WORKSPACE_ENV = "GIS_CARBON_WORKSPACE"
NEW_FILE_PAGE_SIZE = 8192


def refuse_newer(db: Database, path: Path) -> None:
    """A workspace written by a newer gis-carbon is refused, untouched: this version would
    not know its schema."""
    newer = unknown_migrations(db)
    if newer:
        from importlib.metadata import version

        raise WorkspaceError(
            f"{path.name} was written by a newer gis-carbon (its schema has {newer[-1]});"
            f" this gis-carbon {version('gis-carbon')} knows up to {known_migrations()[-1]}:"
            " update gis-carbon to open it; the file was not changed"
        )


def default_workspace_path() -> Path:
    """The per-user workspace, or the file named by $GIS_CARBON_WORKSPACE."""
    override = os.environ.get(WORKSPACE_ENV)
    if override:
        return Path(override)
    import platformdirs

    folder = Path(platformdirs.user_data_dir("gis-carbon"))
    # The workspace is a GeoPackage (migration 0005) and is named so, for QGIS and GDAL; a
    # workspace made under the old name before that stays where it is.
    earlier = folder / "workspace.gcarbon.sqlite"
    return earlier if earlier.exists() else folder / "workspace.gcarbon.gpkg"


class Workspace:
    """An open workspace file. Use as a context manager, or call close()."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise WorkspaceError(f"no workspace at {self.path}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(self.path)
            conn = self.db.conn
            refuse_newer(self.db, self.path)  # before anything could write to the file
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA foreign_keys = ON")
            # 128 MiB of page cache: the project indexes of a 10⁶-project workspace stay in
            # memory, so bulk inserts don't thrash (the default 2 MiB makes 1M inserts 10×
            # slower than 100k ones).
            conn.execute("PRAGMA cache_size = -131072")
            # A new file gets 8 KiB pages (SQLite's default is 4): a bulk insert touches fewer,
            # shallower b-tree pages (10–13 % faster for 10⁵–10⁶ projects) and a one-project
            # edit writes no measurably more. Only an empty file takes a page size: an existing
            # workspace keeps its own.
            if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
                conn.execute(f"PRAGMA page_size = {NEW_FILE_PAGE_SIZE}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise WorkspaceError(f"{self.path}: cannot switch to WAL (mode {mode})")
            pending = pending_migrations(self.db)
            if pending:
                self._backup_before(pending[0])
                apply_migrations(self.db)
                # The file's header names it a GeoPackage (migration 0005), and GDAL reads
                # that header from the main file, not the WAL: fold it in now, so QGIS opens
                # the workspace as a GeoPackage while the app still has it open.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._sync_project_types()
            self._sync_layer_tables()
        except sqlite3.DatabaseError as exc:
            raise WorkspaceError(f"{self.path} is not a usable workspace: {exc}") from exc

    # ---------------------------------------------------------------- identity
    @property
    def location(self) -> str:
        return str(self.path.resolve())

    @property
    def display_name(self) -> str:
        return self.path.name

    @property
    def layer_folder(self) -> Path:
        """``<workspace>.layers/`` beside the workspace file."""
        return self.path.with_name(self.path.name + ".layers")

    def _backup_before(self, migration: str) -> None:
        """A workspace with data about to be migrated is copied first, beside itself, so an
        older gis-carbon (or a failed migration) still has the file as it was."""
        if not migrations_applied(self.db):
            return  # a new file: nothing to keep
        self.backup(self.path.with_name(f"{self.path.name}.before-{migration}.gpkg"))

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        # A checkpoint folds the WAL back so the file is whole on its own when copied.
        with contextlib.suppress(sqlite3.Error):
            self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def watch(self, on_change: Callable[[ChangeEvent], None]) -> Callable[[], None]:
        """A workspace file has one writer at a time, this window: nothing to watch."""
        return lambda: None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, *, quick: bool = False) -> list[str]:
        from project_db.sqlite.check import storage_problems

        return storage_problems(self.db.conn, quick=quick)

    def backup(self, out: Path) -> Path:
        out = Path(out)
        if out.resolve() == self.path.resolve():
            raise WorkspaceError(f"{out}: a backup cannot replace the workspace itself")
        partial = out.with_name(f".{out.name}.partial")
        partial.unlink(missing_ok=True)
        try:
            # SQLite's online backup: page by page, restarting if another connection writes,
            # so the copy is one consistent state of the file (WAL contents included)
            target = sqlite3.connect(partial)
            try:
                self.db.conn.backup(target, pages=4096)
                target.execute("PRAGMA journal_mode = DELETE")  # a single file, whole
            finally:
                target.close()
            os.replace(partial, out)
        except (sqlite3.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise WorkspaceError(f"cannot write a copy of the workspace to {out}: {exc}") from exc
        return out

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error.

        Nested use joins the outer transaction through a savepoint (db.atomic)."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except sqlite3.IntegrityError as exc:
            # A CHECK or foreign key the model's checks did not catch: still the user's
            # data, so a clear error rather than a crash, and nothing written.
            conn.rollback()
            raise ValidationError(f"the workspace refused the change: {exc}") from exc
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def _sync_layer_tables(self) -> None:
        """Give vector layers stored before the GeoPackage layer tables theirs (once)."""
        missing = gpkg_layers.missing_layer_tables(self.db.conn)
        if not missing:
            return
        with self.transaction() as conn:
            for layer_id, title in missing:
                features = conn.execute(
                    "SELECT geom, properties FROM layer_features WHERE layer_id = ? ORDER BY id",
                    (layer_id,),
                ).fetchall()
                gpkg_layers.write_layer_table(
                    conn, layer_id, title, [(wkb, json.loads(props)) for wkb, props in features]
                )

    def _sync_project_types(self) -> None:
        """Keep the project_types table (the FK target of projects.type) equal to the model's
        table; writes only when something differs, so opening leaves the file untouched."""
        rows = [
            (t.code, t.name_zh, t.name_en, t.capacity_unit, t.energy_unit) for t in PROJECT_TYPES
        ]
        wanted = set(rows)
        stored = set(
            self.db.conn.execute(
                "SELECT code, name_zh, name_en, capacity_unit, energy_unit FROM project_types"
            ).fetchall()
        )
        if wanted <= stored:
            return
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO project_types (code, name_zh, name_en, capacity_unit, energy_unit) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET name_zh=excluded.name_zh,"
                " name_en=excluded.name_en, capacity_unit=excluded.capacity_unit,"
                " energy_unit=excluded.energy_unit",
                [row for row in rows if row not in stored],
            )

    # ---------------------------------------------------------------- meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ---------------------------------------------------------------- plans & targets
    def save_plans(self, plans: Iterable[Plan]) -> None:
        rows = [plan_to_row(p) for p in plans]
        with self.transaction():
            self.db.table("plans").upsert_all(rows, pk="id")

    def save_targets(self, targets: Iterable[Target]) -> None:
        rows = [target_to_row(t) for t in targets]
        with self.transaction():
            self.db.table("targets").upsert_all(rows, pk="id")

    def plans(self) -> list[Plan]:
        return [row_to_plan(r) for r in self.db.query("SELECT * FROM plans ORDER BY id")]

    def plan(self, name_or_id: str) -> Plan:
        return find_plan(self.plans(), name_or_id)

    def targets(self, plan_id: str | None = None) -> list[Target]:
        if plan_id is None:
            rows = self.db.query("SELECT * FROM targets ORDER BY plan_id, rowid")
        else:
            rows = self.db.query(
                "SELECT * FROM targets WHERE plan_id = ? ORDER BY rowid", [plan_id]
            )
        return [row_to_target(r) for r in rows]

    def target(self, target_id: str) -> Target:
        rows = list(self.db.query("SELECT * FROM targets WHERE id = ?", [target_id]))
        if not rows:
            raise NotFoundError(f"no target {target_id!r}")
        return row_to_target(rows[0])

    def save_plan(self, plan: Plan, *, author: str | None = None) -> Plan:
        row = plan_to_row(plan)
        with self.transaction():
            before = self._stored_record("plans", plan.id)
            self.db.table("plans").upsert(row, pk="id")
            self._record_change("plan", plan.id, before, row, author)
        return plan

    def delete_plan(
        self, plan_id: str, *, with_targets: bool = False, author: str | None = None
    ) -> Plan:
        plan = self.plan_by_id(plan_id)
        with self.transaction() as conn:
            children = [
                r[0] for r in conn.execute("SELECT id FROM plans WHERE parent_id = ?", (plan_id,))
            ]
            targets = self.targets(plan_id)
            refuse_plan_delete(plan_id, children, len(targets), with_targets=with_targets)
            for target in targets:
                self._delete_target(conn, target, author)
            conn.execute("UPDATE projects SET plan_id = NULL WHERE plan_id = ?", (plan_id,))
            conn.execute("DELETE FROM plans WHERE id = ?", (plan_id,))
            self._record_change("plan", plan_id, plan_to_row(plan), None, author)
        return plan

    def plan_by_id(self, plan_id: str) -> Plan:
        rows = list(self.db.query("SELECT * FROM plans WHERE id = ?", [plan_id]))
        if not rows:
            raise NotFoundError(f"no plan with id {plan_id!r}")
        return row_to_plan(rows[0])

    def save_target(self, target: Target, *, author: str | None = None) -> Target:
        row = target_to_row(target)
        with self.transaction():
            before = self._stored_record("targets", target.id)
            self.db.table("targets").upsert(row, pk="id")
            self._record_change("target", target.id, before, row, author)
        return target

    def delete_target(self, target_id: str, *, author: str | None = None) -> Target:
        target = self.target(target_id)
        with self.transaction() as conn:
            self._delete_target(conn, target, author)
        return target

    def _delete_target(self, conn: sqlite3.Connection, target: Target, author: str | None) -> None:
        conn.execute("DELETE FROM targets WHERE id = ?", (target.id,))
        self._record_change("target", target.id, target_to_row(target), None, author)

    def _stored_record(self, table: str, record_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query(f"SELECT * FROM {table} WHERE id = ?", [record_id]))
        return dict(rows[0]) if rows else None

    def _record_change(
        self,
        entity: str,
        entity_id: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        author: str | None,
    ) -> None:
        values = record_change_values(entity, entity_id, before, after, author or _author())
        if values is None:
            return  # nothing changed: no history entry
        self.db.conn.execute(
            "INSERT INTO record_history (entity, entity_id, action, before, after, at, author)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )

    def record_history(
        self, entity: str | None = None, entity_id: str | None = None
    ) -> list[RecordHistoryEntry]:
        sql = "SELECT * FROM record_history WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (("entity", entity), ("entity_id", entity_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        return [record_history_entry(r) for r in self.db.query(sql + " ORDER BY id", params)]

    # ---------------------------------------------------------------- existing stock
    def record_baseline(self, baseline: Baseline, *, author: str | None = None) -> Baseline:
        author = author or _author()
        now = _now()
        types = json.dumps(sorted(baseline.types))
        with self.transaction() as conn:
            found = conn.execute(
                "SELECT id FROM baselines WHERE region_code = ? AND types = ? AND year = ?",
                (baseline.region_code, types, baseline.year),
            ).fetchone()
            before = None if found is None else self._baseline_row(conn, found[0])
            conn.execute(
                "INSERT INTO baselines (region_code, types, year, value, unit, source,"
                " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (region_code, types, year) DO UPDATE SET value = excluded.value,"
                " unit = excluded.unit, source = excluded.source,"
                " recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
                (
                    baseline.region_code,
                    types,
                    baseline.year,
                    baseline.value,
                    baseline.unit,
                    baseline.source,
                    now,
                    author,
                ),
            )
            stored_id = conn.execute(
                "SELECT id FROM baselines WHERE region_code = ? AND types = ? AND year = ?",
                (baseline.region_code, types, baseline.year),
            ).fetchone()[0]
            after = self._baseline_row(conn, stored_id)
            self._record_change("baseline", str(stored_id), before, after, author)
        return _row_to_baseline(after)

    def baselines(self, region_code: str | None = None) -> list[Baseline]:
        sql = "SELECT * FROM baselines"
        params: list[Any] = []
        if region_code is not None:
            sql += " WHERE region_code = ?"
            params.append(region_code)
        return [
            _row_to_baseline(r)
            for r in self.db.query(sql + " ORDER BY region_code, year, id", params)
        ]

    def delete_baseline(self, baseline_id: int, *, author: str | None = None) -> Baseline:
        with self.transaction() as conn:
            row = self._baseline_row(conn, baseline_id)
            conn.execute("DELETE FROM baselines WHERE id = ?", (baseline_id,))
            self._record_change("baseline", str(baseline_id), row, None, author)
        return _row_to_baseline(row)

    def _baseline_row(self, conn: sqlite3.Connection, baseline_id: int) -> dict[str, Any]:
        cursor = conn.execute("SELECT * FROM baselines WHERE id = ?", (baseline_id,))
        row = cursor.fetchone()
        if row is None:
            raise NotFoundError(f"no baseline with id {baseline_id}")
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    # ---------------------------------------------------------------- projects
    def add_project(self, project: Project, *, author: str | None = None) -> Project:
        return self.add_projects([project], author=author)[0]

    def add_projects(
        self, projects: Sequence[Project], *, author: str | None = None
    ) -> list[Project]:
        """Insert all or nothing: one transaction for the whole batch."""
        ids, now = self._insert_projects(projects, author=author)
        return stamped_projects(projects, ids, now)

    def insert_projects(
        self, projects: Sequence[Project], *, author: str | None = None
    ) -> list[int]:
        """Bulk insert (imports, benchmarks): like add_projects but returns only the new ids."""
        return self._insert_projects(projects, author=author)[0]

    def _insert_projects(
        self, projects: Sequence[Project], *, author: str | None
    ) -> tuple[list[int], str]:
        author = author or _author()
        now = _now()
        projects = list(projects)
        for project in projects:
            validate_project(project, check_geometry=False)
        validate_geometries(projects)
        if not projects:
            return [], now
        columns = _insert_columns(projects, now, author)
        with self.transaction() as conn:
            # BEGIN IMMEDIATE holds the write lock, so these ids cannot be taken meanwhile.
            first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM projects").fetchone()[0]
            ids = list(range(first, first + len(projects)))
            sql, rows = _insert_statement(ids, columns)
            if len(ids) >= _BULK_ROWS:
                _insert_bulk(conn, sql, rows, ids[0], ids[-1])
            else:
                conn.executemany(sql, rows)
            # The history rows are built by SQLite from the stored rows: one statement, and
            # the record is exactly what was stored.
            conn.execute(
                "INSERT INTO project_history (project_id, action, before, after, at, author) "
                f"SELECT id, 'insert', NULL, {_HISTORY_JSON}, ?, ? FROM projects "
                "WHERE id BETWEEN ? AND ? ORDER BY id",
                (now, author, ids[0], ids[-1]),
            )
        return ids, now

    def update_project(self, project: Project, *, author: str | None = None) -> Project:
        """Store an edited project. Refused with StaleEditError if the stored version moved on."""
        if project.id is None:
            raise ValidationError("cannot update a project that has no id", "id", None)
        validate_project(project)
        author = author or _author()
        now = _now()
        with self.transaction() as conn:
            stored = self._get(conn, project.id)
            if stored.version != project.version:
                raise StaleEditError(
                    f"project {project.id} ({stored.name}) was changed by someone else: it is at"
                    f" version {stored.version}, the edit was based on version {project.version};"
                    " reload it and edit again"
                )
            before = _history_json(conn, project.id)
            row = project_to_row(project)
            for key in ("id", "created_at", "created_by"):
                row.pop(key, None)
            row.update(version=project.version + 1, updated_at=now, updated_by=author)
            assignments = ", ".join(f"{k} = ?" for k in row)
            conn.execute(
                f"UPDATE projects SET {assignments} WHERE id = ? AND version = ?",
                [*row.values(), project.id, project.version],
            )
            self._record(
                conn, project.id, "update", before, _history_json(conn, project.id), now, author
            )
            return self._get(conn, project.id)

    def delete_project(
        self, project_id: int, *, version: int | None = None, author: str | None = None
    ) -> Project:
        author = author or _author()
        now = _now()
        with self.transaction() as conn:
            stored = self._get(conn, project_id)
            if version is not None and stored.version != version:
                raise StaleEditError(
                    f"project {project_id} is at version {stored.version}, not {version}"
                )
            before = _history_json(conn, project_id)
            conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))
            self._record(conn, project_id, "delete", before, None, now, author)
        return stored

    def restore_project(self, project: Project, *, author: str | None = None) -> Project:
        """Put a deleted project back under its old id (undo of a delete)."""
        if project.id is None:
            raise ValidationError("cannot restore a project without its id", "id", None)
        author = author or _author()
        now = _now()
        with self.transaction() as conn:
            exists = conn.execute("SELECT 1 FROM projects WHERE id = ?", (project.id,)).fetchone()
            if exists:
                raise StaleEditError(f"project {project.id} exists already")
            row = project_to_row(project)
            row.update(version=project.version + 1, updated_at=now, updated_by=author)
            row["created_at"] = row.get("created_at") or now
            columns = ", ".join(row)
            conn.execute(
                f"INSERT INTO projects ({columns}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
            self._record(
                conn, project.id, "insert", None, _history_json(conn, project.id), now, author
            )
            return self._get(conn, project.id)

    def replace_projects(self, projects: Sequence[Project], *, author: str | None = None) -> None:
        author = author or _author()
        now = _now()
        with self.transaction() as conn:
            for project in projects:
                if project.id is None:
                    raise ValidationError("replace_projects needs stored projects", "id", None)
                exists = conn.execute(
                    "SELECT 1 FROM projects WHERE id = ?", (project.id,)
                ).fetchone()
                before = _history_json(conn, project.id) if exists else None
                row = project_to_row(project)
                row["created_at"] = row.get("created_at") or now
                row["updated_at"] = row.get("updated_at") or now
                row["updated_by"] = author
                updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "id")
                conn.execute(
                    f"INSERT INTO projects ({', '.join(row)}) VALUES ({_marks(list(row))})"
                    f" ON CONFLICT (id) DO UPDATE SET {updates}",
                    list(row.values()),
                )
                after = _history_json(conn, project.id)
                action = "update" if exists else "insert"
                self._record(conn, project.id, action, before, after, now, author)

    def get_project(self, project_id: int) -> Project:
        return self._get(self.db.conn, project_id)

    def _get(self, conn: sqlite3.Connection, project_id: int) -> Project:
        # The columns a Project holds, not `*`: that would also compute the GeoPackage
        # geometry blobs (virtual columns, migration 0005) only to drop them.
        found = rows_to_projects(conn.execute(_SELECT_PROJECTS + " WHERE id = ?", (project_id,)))
        if not found:
            raise NotFoundError(f"no project with id {project_id}")
        return found[0]

    def projects(
        self,
        *,
        plan_id: str | None = None,
        region_code: str | None = None,
        types: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
    ) -> list[Project]:
        """Projects filtered by plan (its own projects), region (any level) and type/status."""
        where, params = _project_filters(plan_id, region_code, types, statuses)
        sql = _SELECT_PROJECTS
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        return rows_to_projects(self.db.conn.execute(sql, params))

    def project_chunks(self, size: int = 50_000) -> Iterator[list[Project]]:
        """Every project in id order, `size` at a time (keyset pages on the primary key:
        each page is one short query, so no read holds the file across the whole walk)."""
        sql = _SELECT_PROJECTS + " WHERE id > ? ORDER BY id LIMIT ?"
        yield from keyset_chunks(
            lambda after, n: rows_to_projects(self.db.conn.execute(sql, (after, n))), size
        )

    def project_columns(
        self,
        *,
        plan_id: str | None = None,
        region_code: str | None = None,
        types: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
    ) -> dict[str, list[Any]]:
        where, params = _project_filters(plan_id, region_code, types, statuses)
        sql = f"SELECT {', '.join(FRAME_COLUMNS)} FROM projects"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.conn.execute(sql + " ORDER BY id", params).fetchall()
        if not rows:
            return {column: [] for column in FRAME_COLUMNS}
        transposed = zip(*rows, strict=True)  # every row has every column
        return dict(zip(FRAME_COLUMNS, (list(v) for v in transposed), strict=True))

    def count_projects(self) -> int:
        return int(self.db.conn.execute("SELECT count(*) FROM projects").fetchone()[0])

    def projects_by_id(self, ids: Iterable[int]) -> list[Project]:
        wanted = list(ids)
        found: dict[int | None, Project] = {}
        for chunk in _chunks(list(dict.fromkeys(wanted))):
            cursor = self.db.conn.execute(
                _SELECT_PROJECTS + f" WHERE id IN ({_marks(chunk)}) ORDER BY id", chunk
            )
            found.update((p.id, p) for p in rows_to_projects(cursor))
        missing = next((i for i in wanted if i not in found), None)
        if missing is not None:
            raise NotFoundError(f"no project with id {missing}")
        return [found[i] for i in wanted]

    # ---------------------------------------------------------------- evaluator reads
    def grouped_totals(self) -> Iterator[TotalsRow]:
        if self._has_table("project_totals"):
            # Kept current by triggers (migration 0003): ~10⁴ rows for 10⁶ projects.
            cursor = self.db.conn.execute(
                "SELECT county_code, city_code, province_code, type, status, nullif(year, 0),"
                " capacity, energy, n, n_capacity FROM project_totals"
            )
        else:
            # Covered by the index projects_rollup: one index scan, no table reads.
            cursor = self.db.conn.execute(
                "SELECT coalesce(county_code, ''), coalesce(city_code, ''),"
                " coalesce(province_code, ''), type, status, year, total(capacity),"
                " total(energy), count(*), count(capacity) FROM projects"
                " GROUP BY county_code, type, status, year, city_code, province_code"
            )
        return iter(cursor)

    def project_briefs(
        self,
        *,
        counties: Sequence[str] | None = None,
        region: str | None = None,
        types: Iterable[str] | None = None,
        name: str | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[ProjectBrief]:
        if ids is not None:
            # chunked: a park may hold more projects than one statement takes parameters
            return [
                row
                for chunk in _chunks(sorted(set(ids)))
                for row in self._briefs(counties, region, types, name, chunk)
            ]
        return self._briefs(counties, region, types, name, None)

    def _briefs(
        self,
        counties: Sequence[str] | None,
        region: str | None,
        types: Iterable[str] | None,
        name: str | None,
        within: Sequence[int] | None,
    ) -> list[ProjectBrief]:
        where: list[str] = []
        params: list[Any] = []
        if within is not None:
            where.append(f"id IN ({_marks(within)})")
            params.extend(within)
        if counties is not None:
            inside = f"county_code IN ({_marks(counties)})"
            params.extend(counties)
            if region is not None:
                inside = (
                    f"({inside} OR (county_code IS NULL AND (city_code = ? OR province_code = ?)))"
                )
                params.extend([region, region])
            where.append(inside)
        if types is not None:
            type_list = sorted(types)
            where.append(f"type IN ({_marks(type_list)})")
            params.extend(type_list)
        if name is not None:
            where.append("name = ?")
            params.append(name)
        sql = f"SELECT {_BRIEF_COLUMNS} FROM projects"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self.db.conn.execute(sql + " ORDER BY id", params).fetchall()

    def project_ids_intersecting(self, geometry: BaseGeometry) -> list[int]:
        import shapely

        minx, miny, maxx, maxy = geometry.bounds
        rows = self.db.conn.execute(
            "SELECT id, geom FROM projects WHERE max_x >= ? AND min_x <= ? AND max_y >= ?"
            " AND min_y <= ? ORDER BY id",
            (minx, maxx, miny, maxy),
        ).fetchall()
        if not rows:
            return []
        shapes = shapely.from_wkb([g for _, g in rows])
        shapely.prepare(geometry)
        inside = shapely.intersects(geometry, shapes)
        return [pid for (pid, _), hit in zip(rows, inside.tolist(), strict=True) if hit]

    def project_locations(self, ids: Sequence[int]) -> list[ProjectLocation]:
        found: list[ProjectLocation] = []
        for chunk in _chunks(list(ids)):
            cursor = self.db.conn.execute(
                "SELECT id, name, lon, lat, precision FROM projects"
                f" WHERE id IN ({_marks(chunk)}) ORDER BY id",
                chunk,
            )
            found.extend(ProjectLocation._make(r) for r in cursor)
        return found

    def project_attributes(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(list(ids)):
            cursor = self.db.conn.execute(
                f"SELECT id, attributes FROM projects WHERE id IN ({_marks(chunk)})", chunk
            )
            found.update((pid, json.loads(text)) for pid, text in cursor)
        return found

    def project_versions(self, types: Iterable[str]) -> tuple[tuple[int, int], ...]:
        type_list = sorted(types)
        cursor = self.db.conn.execute(
            f"SELECT id, version FROM projects WHERE type IN ({_marks(type_list)}) ORDER BY id",
            type_list,
        )
        return tuple((pid, version) for pid, version in cursor)

    def _has_table(self, name: str) -> bool:
        found = self.db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return found is not None

    def history(self, project_id: int) -> list[HistoryEntry]:
        rows = self.db.query(
            "SELECT * FROM project_history WHERE project_id = ? ORDER BY id", [project_id]
        )
        return [history_entry(r) for r in rows]

    def _record(
        self,
        conn: sqlite3.Connection,
        project_id: int,
        action: str,
        before: str | None,
        after: str | None,
        at: str,
        author: str,
    ) -> None:
        conn.execute(
            "INSERT INTO project_history (project_id, action, before, after, at, author) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (project_id, action, before, after, at, author),
        )

    # ---------------------------------------------------------------- user layers
    def add_layer(
        self,
        layer: LayerRecord,
        features: Iterable[tuple[Any, Mapping[str, Any]]] = (),
    ) -> LayerRecord:
        """Store a layer and its features (shapely geometry in WGS 84, properties) at once."""
        import shapely

        now = _now()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM layers WHERE id = ?", (layer.id,)).fetchone():
                raise ValidationError(
                    f"a layer with id {layer.id!r} exists already", "id", layer.id
                )
            conn.execute(
                "INSERT INTO layers (id, title_zh, title_en, role, kind, source, crs, style,"
                " params, path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    layer.id,
                    layer.title_zh,
                    layer.title_en,
                    layer.role,
                    layer.kind,
                    layer.source,
                    layer.crs,
                    json.dumps(dict(layer.style), ensure_ascii=False),
                    json.dumps(dict(layer.params), ensure_ascii=False),
                    layer.path,
                    now,
                ),
            )
            rows, stored = [], []
            for geometry, properties in features:
                minx, miny, maxx, maxy = geometry.bounds
                wkb = shapely.to_wkb(geometry)
                rows.append(
                    (
                        layer.id,
                        wkb,
                        minx,
                        miny,
                        maxx,
                        maxy,
                        json.dumps(dict(properties), ensure_ascii=False, default=str),
                    )
                )
                stored.append((wkb, properties))
            conn.executemany(
                "INSERT INTO layer_features (layer_id, geom, min_x, min_y, max_x, max_y,"
                " properties) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if layer.kind == "vector":
                gpkg_layers.write_layer_table(conn, layer.id, layer.title_zh, stored)
        return layer.with_created(now)

    def layers(self, role: str | None = None) -> list[LayerRecord]:
        sql = "SELECT * FROM layers"
        params: list[Any] = []
        if role is not None:
            sql += " WHERE role = ?"
            params.append(role)
        return [_row_to_layer(r) for r in self.db.query(sql + " ORDER BY created_at, id", params)]

    def layer(self, layer_id: str) -> LayerRecord:
        rows = list(self.db.query("SELECT * FROM layers WHERE id = ?", [layer_id]))
        if not rows:
            raise NotFoundError(f"no layer {layer_id!r}")
        return _row_to_layer(rows[0])

    def update_layer(self, layer_id: str, **changes: Any) -> LayerRecord:
        """Change a layer's title, role, style or params (e.g. make it an exclusion layer)."""
        values = layer_update_values(changes)
        self.layer(layer_id)
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE layers SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                [*values.values(), layer_id],
            )
        return self.layer(layer_id)

    def delete_layer(self, layer_id: str) -> None:
        self.layer(layer_id)
        with self.transaction() as conn:
            gpkg_layers.drop_layer_table(conn, layer_id)
            conn.execute("DELETE FROM layers WHERE id = ?", (layer_id,))

    def layer_features(self, layer_id: str) -> list[tuple[Any, dict[str, Any]]]:
        """(geometry, properties) pairs of a stored vector layer, in insertion order."""
        import shapely

        self.layer(layer_id)
        cursor = self.db.conn.execute(
            "SELECT geom, properties FROM layer_features WHERE layer_id = ? ORDER BY id",
            (layer_id,),
        )
        return [(shapely.from_wkb(g), json.loads(p)) for g, p in cursor]

    def layer_feature_count(self, layer_id: str) -> int:
        row = self.db.conn.execute(
            "SELECT count(*) FROM layer_features WHERE layer_id = ?", (layer_id,)
        ).fetchone()
        return int(row[0])

    def layers_fingerprint(self) -> tuple[Any, ...]:
        return tuple(self.db.conn.execute(LAYERS_FINGERPRINT_SQL).fetchall())

    # ---------------------------------------------------------------- indicators
    def record_indicator(self, value: IndicatorValue) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO indicator_values (indicator, region_code, year, value, unit, source)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(indicator, region_code, year) DO UPDATE"
                " SET value = excluded.value, unit = excluded.unit, source = excluded.source",
                (
                    value.indicator,
                    value.region_code,
                    value.year,
                    value.value,
                    value.unit,
                    value.source,
                ),
            )

    def indicator_values(
        self, indicator: str | None = None, region_code: str | None = None
    ) -> list[IndicatorValue]:
        sql = "SELECT * FROM indicator_values WHERE 1 = 1"
        params: list[Any] = []
        if indicator is not None:
            sql += " AND indicator = ?"
            params.append(indicator)
        if region_code is not None:
            sql += " AND region_code = ?"
            params.append(region_code)
        sql += " ORDER BY indicator, region_code, year"
        return [indicator_value(r) for r in self.db.query(sql, params)]


# -------------------------------------------------------------------- row mapping
# A project's state as history keeps it, built by SQLite from the stored row; the geometry
# is the stored WKB in hex, so the record is lossless.
_HISTORY_JSON = (
    "json_object('id', id, 'name', name, 'type', type, 'status', status, 'capacity', capacity,"
    " 'energy', energy, 'year', year, 'start_year', start_year, 'owner', owner, 'notes', notes,"
    " 'precision', precision, 'attributes', json(attributes), 'plan_id', plan_id,"
    " 'source', source, 'quote', quote, 'lon', lon, 'lat', lat, 'wkb', hex(geom),"
    " 'province', province_code, 'city', city_code, 'county', county_code,"
    " 'township', township_code, 'version', version, 'updated_at', updated_at,"
    " 'updated_by', updated_by)"
)


def _history_json(conn: sqlite3.Connection, project_id: int) -> str:
    row = conn.execute(f"SELECT {_HISTORY_JSON} FROM projects WHERE id = ?", (project_id,))
    return str(row.fetchone()[0])


_BRIEF_COLUMNS = (
    "id, name, type, status, year, capacity, energy, county_code, city_code, province_code"
)
_IDS_PER_QUERY = 500  # well below SQLite's 999 host parameters of older builds


# A region code matches a project at any of its levels.
_REGION_LEVELS = ("province_code", "city_code", "county_code", "township_code")


def _project_filters(
    plan_id: str | None,
    region_code: str | None,
    types: Iterable[str] | None,
    statuses: Iterable[str] | None,
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses and parameters of the projects listings' filters."""
    where: list[str] = []
    params: list[Any] = []
    if plan_id is not None:
        where.append("plan_id = ?")
        params.append(plan_id)
    if region_code is not None:
        where.append("(" + " OR ".join(f"{level} = ?" for level in _REGION_LEVELS) + ")")
        params.extend([region_code] * len(_REGION_LEVELS))
    for column, values in (("type", types), ("status", statuses)):
        if values is not None:
            chosen = list(values)
            where.append(f"{column} IN ({_marks(chosen)})")
            params.extend(chosen)
    return where, params


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _IDS_PER_QUERY):
        yield ids[start : start + _IDS_PER_QUERY]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


_BULK_ROWS = 2000  # below this the per-row totals trigger is cheaper than a re-creation


def _insert_bulk(
    conn: sqlite3.Connection, sql: str, rows: Iterable[tuple[Any, ...]], first: int, last: int
) -> None:
    """executemany without the per-row totals trigger (see migrations.BULK_INSERT_TRIGGER);
    the caller's transaction makes the drop, insert, totals and re-creation one unit."""
    found = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (BULK_INSERT_TRIGGER,),
    ).fetchone()
    if found is None:  # an older schema without totals
        conn.executemany(sql, rows)
        return
    conn.execute(f"DROP TRIGGER {BULK_INSERT_TRIGGER}")
    conn.executemany(sql, rows)
    conn.execute(ADD_TOTALS_FOR_ID_RANGE, (first, last))
    conn.execute(found[0])


# Nullable columns of projects without a DEFAULT: left out of an INSERT, they are NULL.
_NULL_BY_DEFAULT = frozenset(
    {
        "capacity",
        "energy",
        "year",
        "start_year",
        "plan_id",
        "quote",
        "province_code",
        "city_code",
        "county_code",
        "township_code",
    }
)


def _insert_statement(
    ids: list[int], columns: dict[str, list[Any]]
) -> tuple[str, Iterator[tuple[Any, ...]]]:
    """The INSERT for a batch and its rows. sqlite3 looks every None up among its adapters
    before binding it (0.4 µs a value, more than SQLite spends on a column), so a column that
    is NULL in every row of the batch is left out: it is NULL all the same."""
    kept = {
        name: values
        for name, values in columns.items()
        if name not in _NULL_BY_DEFAULT or values.count(None) < len(values)
    }
    names = ["id", *kept]
    sql = f"INSERT INTO projects ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    # rows made as executemany binds them: 10⁶ live tuples would only feed the cyclic GC
    return sql, zip(ids, *kept.values(), strict=True)


_SELECT_PROJECTS = f"SELECT {', '.join(_READ_COLUMNS)}, geom FROM projects"
