"""The team workspace: the storage port on PostgreSQL + PostGIS, through psycopg 3.

One database shared by a district's engineers and planners. The same model objects and the
same row mapping as the workspace file (project_db/rows.py); what differs is the server's:
- every write is one transaction; an edit locks its row (SELECT … FOR UPDATE) and carries
  the version it was based on, so of two concurrent edits the second is refused as stale;
- bulk inserts go through COPY;
- rights are the database's: row-level security limits an editor to their regions (also in
  psql); a refused change is a PermissionDeniedError naming the user and the project;
- after each commit the server NOTIFYs (see migrations.NOTIFY_CHANNEL): `watch` listens.

Connection strings follow libpq: `postgresql://USER@HOST:PORT/DB`, `service=…`, with
passwords from ~/.pgpass, $PGPASSFILE or the service file; a password written in the URL is
used to connect but never kept in `location` (which the GUI stores in its recent list).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleEditError,
    ValidationError,
    WorkspaceError,
)
from gis_carbon.model.plan import Baseline, IndicatorValue, Plan, Target
from gis_carbon.model.project import Project, validate_geometries, validate_project
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
from project_db.postgres.migrations import (
    NOTIFY_CHANNEL,
    known_migrations,
    pending_migrations,
    unknown_migrations,
)
from project_db.rows import (
    LAYERS_FINGERPRINT_SQL,
    READ_COLUMNS,
    find_plan,
    history_entry,
    indicator_value,
    insert_columns,
    keyset_chunks,
    layer_update_values,
    now_stamp,
    plan_to_row,
    project_to_row,
    record_change_values,
    record_history_entry,
    refuse_plan_delete,
    row_to_baseline,
    row_to_layer,
    row_to_plan,
    row_to_target,
    rows_to_projects,
    stamped_projects,
    target_to_row,
)

if TYPE_CHECKING:
    import psycopg

# A project's state as history keeps it: the same keys as the workspace file's record.
_HISTORY_JSON = (
    "json_build_object('id', id, 'name', name, 'type', type, 'status', status,"
    " 'capacity', capacity, 'energy', energy, 'year', year, 'start_year', start_year,"
    " 'owner', owner, 'notes', notes, 'precision', precision,"
    " 'attributes', attributes::json, 'plan_id', plan_id, 'source', source, 'quote', quote,"
    " 'lon', lon, 'lat', lat, 'wkb', upper(encode(ST_AsBinary(geom, 'NDR'), 'hex')),"
    " 'province', province_code, 'city', city_code, 'county', county_code,"
    " 'township', township_code, 'version', version, 'updated_at', updated_at,"
    " 'updated_by', updated_by)::text"
)
_SELECT_PROJECTS = f"SELECT {', '.join(READ_COLUMNS)}, ST_AsBinary(geom) AS geom FROM projects"
_BRIEF_COLUMNS = (
    "id, name, type, status, year, capacity, energy, county_code, city_code, province_code"
)
_REGION_LEVELS = ("province_code", "city_code", "county_code", "township_code")
# the projects columns a COPY writes, in order (geom as hex EWKB with SRID 4326)
_COPY_COLUMNS = (
    "id",
    "name",
    "type",
    "status",
    "capacity",
    "energy",
    "year",
    "start_year",
    "owner",
    "notes",
    "precision",
    "attributes",
    "plan_id",
    "source",
    "quote",
    "geom",
    "geom_kind",
    "lon",
    "lat",
    "province_code",
    "city_code",
    "county_code",
    "township_code",
    "regions_touched",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
)


def redact(url: str) -> str:
    """The connection string without its password (for titles, messages, recent lists)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(url)
    except Exception:  # not parseable: show nothing of it that could be a secret
        return url.split("@")[-1]
    if "password" not in params:
        return url
    params.pop("password")
    if url.startswith(("postgresql://", "postgres://")):
        user = params.get("user", "")
        host = params.get("host", "")
        port = f":{params['port']}" if params.get("port") else ""
        return f"postgresql://{user}{'@' if user else ''}{host}{port}/{params.get('dbname', '')}"
    return make_conninfo("", **{k: str(v) for k, v in params.items() if v is not None})


class TeamWorkspace:
    """An open team database. Use as a context manager, or call close()."""

    def __init__(self, url: str, *, create: bool = False) -> None:
        import psycopg

        self.url = url
        self._location = redact(url)
        try:
            self.conn: psycopg.Connection[Any] = psycopg.connect(
                url, autocommit=True, application_name="gis-carbon"
            )
        except psycopg.Error as exc:
            raise WorkspaceError(f"{self._location}: cannot connect: {_first_line(exc)}") from exc
        try:
            self._check_schema()
            self._sync_project_types()
        except BaseException:
            self.conn.close()
            raise

    def _check_schema(self) -> None:
        newer = unknown_migrations(self.conn)
        if newer:
            raise WorkspaceError(
                f"{self._location} was set up by a newer gis-carbon (its schema has"
                f" {newer[-1]}; this one knows up to {known_migrations()[-1]}): update gis-carbon"
            )
        pending = pending_migrations(self.conn)
        if len(pending) == len(known_migrations()):
            raise WorkspaceError(
                f"{self._location} has no gis-carbon schema yet: an admin runs"
                f" `gis-carbon --workspace {self._location} team init` first"
            )
        if pending:
            raise WorkspaceError(
                f"{self._location} needs {', '.join(pending)}: an admin runs"
                f" `gis-carbon --workspace {self._location} team init` to bring it forward"
            )

    def _sync_project_types(self) -> None:
        """Keep project_types equal to the model's table, when this user may write it (an
        admin's first open after an upgrade does; others use what the admin left)."""
        rows = {
            (t.code, t.name_zh, t.name_en, t.capacity_unit, t.energy_unit) for t in PROJECT_TYPES
        }
        stored = set(
            self.conn.execute(
                "SELECT code, name_zh, name_en, capacity_unit, energy_unit FROM project_types"
            ).fetchall()
        )
        missing = sorted(rows - stored, key=lambda r: r[0])
        if not missing or not self._may("INSERT", "project_types"):
            return
        with self.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO project_types (code, name_zh, name_en, capacity_unit, energy_unit)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (code) DO UPDATE SET"
                " name_zh = excluded.name_zh, name_en = excluded.name_en,"
                " capacity_unit = excluded.capacity_unit, energy_unit = excluded.energy_unit",
                missing,
            )

    def _may(self, privilege: str, table: str) -> bool:
        row = self.conn.execute(
            "SELECT has_table_privilege(current_user, %s, %s)", (table, privilege)
        ).fetchone()
        return bool(row and row[0])

    # ---------------------------------------------------------------- identity
    @property
    def location(self) -> str:
        return self._location

    @property
    def display_name(self) -> str:
        info = self.conn.info
        return f"{info.dbname}@{info.host}:{info.port}"

    @property
    def user(self) -> str:
        return str(self.conn.info.user)

    @property
    def layer_folder(self) -> Path:
        """Rasters are files: kept in this machine's cache, per team database."""
        import platformdirs

        info = self.conn.info
        name = f"{info.host}_{info.port}_{info.dbname}".replace("/", "_")
        return Path(platformdirs.user_cache_dir("gis-carbon")) / "team" / f"{name}.layers"

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TeamWorkspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def watch(self, on_change: Callable[[ChangeEvent], None]) -> Callable[[], None]:
        """LISTEN on a connection of its own, in a daemon thread; `on_change` gets one
        ChangeEvent per notification (others' commits only: this user's own are skipped
        when they come from this workspace's connection)."""
        import psycopg

        stop = threading.Event()
        own_pid = self.conn.info.backend_pid

        def listen() -> None:
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    ready.set()
                    while not stop.is_set():
                        for note in conn.notifies(timeout=0.25):
                            if note.pid == own_pid:
                                continue
                            on_change(_change_event(note.payload))
            except psycopg.Error:
                pass  # the server went away: the window keeps what it shows
            finally:
                ready.set()

        ready = threading.Event()
        thread = threading.Thread(target=listen, name="gis-carbon-listen", daemon=True)
        thread.start()
        ready.wait(10)

        def stop_watching() -> None:
            stop.set()
            thread.join(2)

        return stop_watching

    def check(self, *, quick: bool = False) -> list[str]:
        problems = [f"pending migration {name}" for name in pending_migrations(self.conn)]
        if quick:
            return problems
        for label, sql in (
            ("invalid polygon geometry", "SELECT id FROM projects WHERE NOT ST_IsValid(geom)"),
            (
                "representative point outside WGS 84",
                "SELECT id FROM projects WHERE lon NOT BETWEEN -180 AND 180"
                " OR lat NOT BETWEEN -90 AND 90",
            ),
        ):
            ids = [r[0] for r in self.conn.execute(sql + " ORDER BY id LIMIT 20")]
            if ids:
                problems.append(f"projects with {label}: {', '.join(map(str, ids))}")
        return problems

    def backup(self, out: Path) -> Path:
        """A workspace file holding this database's plans, targets, baselines, layers,
        indicators and projects (ids and versions kept), as one consistent snapshot."""
        from project_db.postgres.copy import copy_to_file

        return copy_to_file(self, Path(out), region=None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction (a savepoint when nested), rolled back on any error; the server's
        refusals become the app's errors."""
        import psycopg

        try:
            with self.conn.transaction():
                yield self.conn
        except psycopg.errors.InsufficientPrivilege as exc:
            raise PermissionDeniedError(
                f"{self.user} {self._rights()}: {exc.diag.message_primary} ({self.display_name})"
            ) from exc
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
            raise ValidationError(
                f"the workspace refused the change: {exc.diag.message_primary}"
            ) from exc
        except psycopg.OperationalError as exc:
            raise WorkspaceError(f"{self._location}: {_first_line(exc)}") from exc

    def _author(self, author: str | None) -> str:
        import os

        return author or os.environ.get("GIS_CARBON_AUTHOR") or self.user

    # ---------------------------------------------------------------- meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ---------------------------------------------------------------- plans & targets
    def _dict_rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql.encode(), params)
            return list(cur.fetchall())

    def _upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        from psycopg import sql

        columns = list(rows[0])
        statement = sql.SQL(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}"
        ).format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            sql.SQL(", ").join(
                sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c))
                for c in columns
                if c != "id"
            ),
        )
        with self.transaction() as conn, conn.cursor() as cur:
            cur.executemany(statement, [[row[c] for c in columns] for row in rows])

    def save_plans(self, plans: Iterable[Plan]) -> None:
        # parents before children: the foreign key is checked row by row
        ordered = sorted(plans, key=lambda p: (p.parent_id is not None, p.id))
        self._upsert("plans", [plan_to_row(p) for p in ordered])

    def save_targets(self, targets: Iterable[Target]) -> None:
        self._upsert("targets", [target_to_row(t) for t in targets])

    def plans(self) -> list[Plan]:
        return [row_to_plan(r) for r in self._dict_rows("SELECT * FROM plans ORDER BY id")]

    def plan(self, name_or_id: str) -> Plan:
        return find_plan(self.plans(), name_or_id)

    def plan_by_id(self, plan_id: str) -> Plan:
        rows = self._dict_rows("SELECT * FROM plans WHERE id = %s", [plan_id])
        if not rows:
            raise NotFoundError(f"no plan with id {plan_id!r}")
        return row_to_plan(rows[0])

    def targets(self, plan_id: str | None = None) -> list[Target]:
        if plan_id is None:
            rows = self._dict_rows("SELECT * FROM targets ORDER BY plan_id, seq")
        else:
            rows = self._dict_rows(
                "SELECT * FROM targets WHERE plan_id = %s ORDER BY seq", [plan_id]
            )
        return [row_to_target(r) for r in rows]

    def target(self, target_id: str) -> Target:
        rows = self._dict_rows("SELECT * FROM targets WHERE id = %s", [target_id])
        if not rows:
            raise NotFoundError(f"no target {target_id!r}")
        return row_to_target(rows[0])

    def save_plan(self, plan: Plan, *, author: str | None = None) -> Plan:
        row = plan_to_row(plan)
        with self.transaction():
            before = self._stored_record("plans", plan.id)
            self._upsert("plans", [row])
            self._record_change("plan", plan.id, before, row, author)
        return plan

    def delete_plan(
        self, plan_id: str, *, with_targets: bool = False, author: str | None = None
    ) -> Plan:
        plan = self.plan_by_id(plan_id)
        with self.transaction() as conn:
            children = [
                r[0] for r in conn.execute("SELECT id FROM plans WHERE parent_id = %s", (plan_id,))
            ]
            targets = self.targets(plan_id)
            refuse_plan_delete(plan_id, children, len(targets), with_targets=with_targets)
            for target in targets:
                conn.execute("DELETE FROM targets WHERE id = %s", (target.id,))
                self._record_change("target", target.id, target_to_row(target), None, author)
            conn.execute("UPDATE projects SET plan_id = NULL WHERE plan_id = %s", (plan_id,))
            conn.execute("DELETE FROM plans WHERE id = %s", (plan_id,))
            self._record_change("plan", plan_id, plan_to_row(plan), None, author)
        return plan

    def save_target(self, target: Target, *, author: str | None = None) -> Target:
        row = target_to_row(target)
        with self.transaction():
            before = self._stored_record("targets", target.id)
            self._upsert("targets", [row])
            self._record_change("target", target.id, before, row, author)
        return target

    def delete_target(self, target_id: str, *, author: str | None = None) -> Target:
        target = self.target(target_id)
        with self.transaction() as conn:
            conn.execute("DELETE FROM targets WHERE id = %s", (target_id,))
            self._record_change("target", target_id, target_to_row(target), None, author)
        return target

    def _stored_record(self, table: str, record_id: str) -> dict[str, Any] | None:
        rows = self._dict_rows(f"SELECT * FROM {table} WHERE id = %s", [record_id])
        if not rows:
            return None
        rows[0].pop("seq", None)  # the server's ordering column, not part of the record
        return rows[0]

    def _record_change(
        self,
        entity: str,
        entity_id: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        author: str | None,
    ) -> None:
        values = record_change_values(entity, entity_id, before, after, self._author(author))
        if values is None:
            return  # nothing changed: no history entry
        self.conn.execute(
            "INSERT INTO record_history (entity, entity_id, action, before, after, at, author)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            values,
        )

    def record_history(
        self, entity: str | None = None, entity_id: str | None = None
    ) -> list[RecordHistoryEntry]:
        sql = "SELECT * FROM record_history WHERE true"
        params: list[Any] = []
        for column, value in (("entity", entity), ("entity_id", entity_id)):
            if value is not None:
                sql += f" AND {column} = %s"
                params.append(value)
        return [record_history_entry(r) for r in self._dict_rows(sql + " ORDER BY id", params)]

    # ---------------------------------------------------------------- existing stock
    def record_baseline(self, baseline: Baseline, *, author: str | None = None) -> Baseline:
        author = self._author(author)
        types = json.dumps(sorted(baseline.types))
        key = (baseline.region_code, types, baseline.year)
        with self.transaction() as conn:
            found = conn.execute(
                "SELECT id FROM baselines WHERE region_code = %s AND types = %s AND year = %s"
                " FOR UPDATE",
                key,
            ).fetchone()
            before = None if found is None else self._baseline_row(found[0])
            stored = conn.execute(
                "INSERT INTO baselines (region_code, types, year, value, unit, source,"
                " recorded_at, recorded_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (region_code, types, year) DO UPDATE SET value = excluded.value,"
                " unit = excluded.unit, source = excluded.source,"
                " recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by"
                " RETURNING id",
                (*key, baseline.value, baseline.unit, baseline.source, now_stamp(), author),
            ).fetchone()
            assert stored is not None
            after = self._baseline_row(stored[0])
            self._record_change("baseline", str(stored[0]), before, after, author)
        return row_to_baseline(after)

    def baselines(self, region_code: str | None = None) -> list[Baseline]:
        sql, params = "SELECT * FROM baselines", []
        if region_code is not None:
            sql += " WHERE region_code = %s"
            params.append(region_code)
        rows = self._dict_rows(sql + " ORDER BY region_code, year, id", params)
        return [row_to_baseline(r) for r in rows]

    def delete_baseline(self, baseline_id: int, *, author: str | None = None) -> Baseline:
        with self.transaction() as conn:
            row = self._baseline_row(baseline_id)
            conn.execute("DELETE FROM baselines WHERE id = %s", (baseline_id,))
            self._record_change("baseline", str(baseline_id), row, None, author)
        return row_to_baseline(row)

    def _baseline_row(self, baseline_id: int) -> dict[str, Any]:
        rows = self._dict_rows("SELECT * FROM baselines WHERE id = %s", [baseline_id])
        if not rows:
            raise NotFoundError(f"no baseline with id {baseline_id}")
        return rows[0]

    # ---------------------------------------------------------------- projects
    def add_project(self, project: Project, *, author: str | None = None) -> Project:
        return self.add_projects([project], author=author)[0]

    def add_projects(
        self, projects: Sequence[Project], *, author: str | None = None
    ) -> list[Project]:
        ids, now = self._insert_projects(projects, author=author)
        return stamped_projects(projects, ids, now)

    def insert_projects(
        self, projects: Sequence[Project], *, author: str | None = None
    ) -> list[int]:
        return self._insert_projects(projects, author=author)[0]

    def _insert_projects(
        self, projects: Sequence[Project], *, author: str | None
    ) -> tuple[list[int], str]:

        author = self._author(author)
        now = now_stamp()
        projects = list(projects)
        if not projects:
            return [], now
        with self.transaction() as conn:
            first = _reserve_ids(conn, len(projects))
            ids = list(range(first, first + len(projects)))
            with conn.cursor() as cur:
                # PostgreSQL refuses COPY into a table whose row-level security applies to
                # this user (a team member): their rows go through a temporary table and
                # one INSERT … SELECT, which the policies check row by row.
                checked = _row_security_active(conn)
                target = "projects_incoming" if checked else "projects"
                if checked:
                    cur.execute(
                        "CREATE TEMP TABLE projects_incoming (LIKE projects) ON COMMIT DROP"
                    )
                with cur.copy(f"COPY {target} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
                    # Checked and converted a chunk at a time while the server is still
                    # storing the chunk before: the two overlap instead of adding up. A
                    # refused project aborts the COPY, and the transaction writes nothing.
                    for start in range(0, len(projects), _COPY_CHUNK):
                        chunk = projects[start : start + _COPY_CHUNK]
                        for project in chunk:
                            validate_project(project, check_geometry=False)
                        validate_geometries(chunk)
                        columns = insert_columns(chunk, now, author)
                        columns["geom"] = [_ewkb_hex(wkb) for wkb in columns["geom"]]
                        columns["id"] = ids[start : start + _COPY_CHUNK]
                        for row in zip(*(columns[c] for c in _COPY_COLUMNS), strict=True):
                            copy.write_row(row)
                if checked:
                    listed = ", ".join(_COPY_COLUMNS)
                    cur.execute(
                        f"INSERT INTO projects ({listed}) SELECT {listed} FROM projects_incoming"
                    )
                # An insert's `after` is not stored: it is the state the next entry records
                # as `before`, or the stored row (history() derives it). Building 10⁵
                # JSON records here doubled the time of a bulk import.
                cur.execute(
                    "INSERT INTO project_history (project_id, action, before, after, at, author)"
                    " SELECT id, 'insert', NULL, NULL, %s, %s FROM generate_series(%s::bigint, %s::bigint) AS id",
                    (now, author, ids[0], ids[-1]),
                )
        return ids, now

    def _locked(self, project_id: int, action: str = "edit") -> Project:
        """The stored project, its row locked until the transaction ends. Row-level
        security hides a row this user may not change from FOR UPDATE, not from reading:
        such a project is refused, by name."""
        found = rows_to_projects(
            self.conn.execute(_SELECT_PROJECTS + " WHERE id = %s FOR UPDATE", (project_id,))
        )
        if not found:
            readable = self.projects_by_id_or_none(project_id)
            if readable is not None:
                raise self._refused(readable, action)
            raise NotFoundError(f"no project with id {project_id}")
        return found[0]

    def projects_by_id_or_none(self, project_id: int) -> Project | None:
        found = rows_to_projects(
            self.conn.execute(_SELECT_PROJECTS + " WHERE id = %s", (project_id,))
        )
        return found[0] if found else None

    def _refused(self, project: Project, action: str) -> PermissionDeniedError:
        where = project.regions.county or project.regions.city or project.regions.province
        return PermissionDeniedError(
            f"{self.user} {self._rights()}: cannot {action} project {project.id}"
            f" ({project.name}), which is in {where or 'no region'}"
        )

    def _rights(self) -> str:
        """What this user may do, in words, for refusals."""
        member = self.conn.execute(
            "SELECT role, regions FROM team_members WHERE role_name = current_user"
        ).fetchone()
        if member is None:
            return "is not a member of this team workspace"
        role, regions = member
        return {
            "viewer": "may view, not edit",
            "editor": f"may edit projects in {', '.join(regions) or 'no region'} only",
        }.get(role, "is an admin")

    def update_project(self, project: Project, *, author: str | None = None) -> Project:
        if project.id is None:
            raise ValidationError("cannot update a project that has no id", "id", None)
        validate_project(project)
        author = self._author(author)
        now = now_stamp()
        with self.transaction() as conn:
            stored = self._locked(project.id)
            if stored.version != project.version:
                raise StaleEditError(
                    f"project {project.id} ({stored.name}) was changed by someone else: it is at"
                    f" version {stored.version}, the edit was based on version {project.version};"
                    " reload it and edit again"
                )
            before = self._history_json(project.id)
            row = _project_row(project)
            for key in ("id", "created_at", "created_by"):
                row.pop(key, None)
            row.update(version=project.version + 1, updated_at=now, updated_by=author)
            assignments = ", ".join(
                f"{k} = ST_GeomFromEWKB(%s)" if k == "geom" else f"{k} = %s" for k in row
            )
            cursor = conn.execute(
                f"UPDATE projects SET {assignments} WHERE id = %s AND version = %s",
                [*row.values(), project.id, project.version],
            )
            if cursor.rowcount == 0:
                raise self._refused(stored, "edit")
            self._record(project.id, "update", before, self._history_json(project.id), now, author)
            return self._get(project.id)

    def delete_project(
        self, project_id: int, *, version: int | None = None, author: str | None = None
    ) -> Project:
        author = self._author(author)
        now = now_stamp()
        with self.transaction() as conn:
            stored = self._locked(project_id, "delete")
            if version is not None and stored.version != version:
                raise StaleEditError(
                    f"project {project_id} is at version {stored.version}, not {version}"
                )
            before = self._history_json(project_id)
            if conn.execute("DELETE FROM projects WHERE id = %s", (project_id,)).rowcount == 0:
                raise self._refused(stored, "delete")
            self._record(project_id, "delete", before, None, now, author)
        return stored

    def restore_project(self, project: Project, *, author: str | None = None) -> Project:
        if project.id is None:
            raise ValidationError("cannot restore a project without its id", "id", None)
        author = self._author(author)
        now = now_stamp()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM projects WHERE id = %s", (project.id,)).fetchone():
                raise StaleEditError(f"project {project.id} exists already")
            row = _project_row(project)
            row.update(version=project.version + 1, updated_at=now, updated_by=author)
            row["created_at"] = row.get("created_at") or now
            self._insert_row(row)
            self._record(project.id, "insert", None, self._history_json(project.id), now, author)
            return self._get(project.id)

    def replace_projects(self, projects: Sequence[Project], *, author: str | None = None) -> None:
        """Store these projects under their own ids and versions, inserting or overwriting
        (a checkout's sync, a backup): one transaction, one history entry each."""
        author = self._author(author)
        now = now_stamp()
        with self.transaction() as conn:
            for project in projects:
                if project.id is None:
                    raise ValidationError("replace_projects needs stored projects", "id", None)
                exists = conn.execute(
                    "SELECT 1 FROM projects WHERE id = %s FOR UPDATE", (project.id,)
                ).fetchone()
                before = self._history_json(project.id) if exists else None
                row = _project_row(project)
                row.update(updated_by=author)
                row["created_at"] = row.get("created_at") or now
                row["updated_at"] = row.get("updated_at") or now
                if exists:
                    row.pop("created_at")
                    assignments = ", ".join(
                        f"{k} = ST_GeomFromEWKB(%s)" if k == "geom" else f"{k} = %s"
                        for k in row
                        if k != "id"
                    )
                    values = [v for k, v in row.items() if k != "id"]
                    done = conn.execute(
                        f"UPDATE projects SET {assignments} WHERE id = %s", [*values, project.id]
                    ).rowcount
                    if done == 0:
                        raise self._refused(project, "edit")
                else:
                    self._insert_row(row)
                after = self._history_json(project.id)
                self._record(
                    project.id, "update" if exists else "insert", before, after, now, author
                )
            # identity values given explicitly do not move the sequence: keep it ahead
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('projects', 'id'),"
                " greatest((SELECT coalesce(max(id), 0) FROM projects), 1))"
            )

    def _insert_row(self, row: dict[str, Any]) -> None:
        columns = ", ".join(row)
        marks = ", ".join("ST_GeomFromEWKB(%s)" if k == "geom" else "%s" for k in row)
        self.conn.execute(f"INSERT INTO projects ({columns}) VALUES ({marks})", list(row.values()))

    def get_project(self, project_id: int) -> Project:
        return self._get(project_id)

    def _get(self, project_id: int) -> Project:
        found = rows_to_projects(
            self.conn.execute(_SELECT_PROJECTS + " WHERE id = %s", (project_id,))
        )
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
        where, params = _project_filters(plan_id, region_code, types, statuses)
        sql = _SELECT_PROJECTS + (" WHERE " + " AND ".join(where) if where else "")
        return rows_to_projects(self.conn.execute((sql + " ORDER BY id").encode(), params))

    def project_chunks(self, size: int = 50_000) -> Iterator[list[Project]]:
        """Every project in id order, `size` at a time (keyset pages on the primary key)."""
        sql = (_SELECT_PROJECTS + " WHERE id > %s ORDER BY id LIMIT %s").encode()
        yield from keyset_chunks(
            lambda after, n: rows_to_projects(self.conn.execute(sql, (after, n))), size
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
        selected = ", ".join(
            "ST_AsBinary(geom) AS geom" if c == "geom" else c for c in FRAME_COLUMNS
        )
        sql = f"SELECT {selected} FROM projects" + (
            " WHERE " + " AND ".join(where) if where else ""
        )
        rows = self.conn.execute((sql + " ORDER BY id").encode(), params).fetchall()
        if not rows:
            return {column: [] for column in FRAME_COLUMNS}
        return dict(zip(FRAME_COLUMNS, (list(v) for v in zip(*rows, strict=True)), strict=True))

    def count_projects(self) -> int:
        row = self.conn.execute("SELECT count(*) FROM projects").fetchone()
        return int(row[0]) if row else 0

    def projects_by_id(self, ids: Iterable[int]) -> list[Project]:
        wanted = list(ids)
        unique = list(dict.fromkeys(wanted))
        found = {
            p.id: p
            for p in rows_to_projects(
                self.conn.execute(_SELECT_PROJECTS + " WHERE id = ANY(%s) ORDER BY id", (unique,))
            )
        }
        missing = next((i for i in wanted if i not in found), None)
        if missing is not None:
            raise NotFoundError(f"no project with id {missing}")
        return [found[i] for i in wanted]

    def history(self, project_id: int) -> list[HistoryEntry]:
        rows = self._dict_rows(
            "SELECT * FROM project_history WHERE project_id = %s ORDER BY id", [project_id]
        )
        for i, row in enumerate(rows):
            if row["action"] == "insert" and row["after"] is None:
                # stored without it by a bulk insert: the next change's `before`, or now
                later = rows[i + 1]["before"] if i + 1 < len(rows) else None
                current = self._history_json(project_id)
                row["after"] = later or (None if current == "null" else current)
        return [history_entry(r, _real_json) for r in rows]

    def _history_json(self, project_id: int) -> str:
        row = self.conn.execute(
            f"SELECT {_HISTORY_JSON} FROM projects WHERE id = %s", (project_id,)
        ).fetchone()
        return str(row[0]) if row else "null"

    def _record(
        self,
        project_id: int,
        action: str,
        before: str | None,
        after: str | None,
        at: str,
        author: str,
    ) -> None:
        self.conn.execute(
            "INSERT INTO project_history (project_id, action, before, after, at, author)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (project_id, action, before, after, at, author),
        )

    # ---------------------------------------------------------------- evaluator reads
    def grouped_totals(self) -> Iterator[TotalsRow]:
        # an index-only scan of projects_rollup, hashed by the server
        cursor = self.conn.execute(
            "SELECT coalesce(county_code, ''), coalesce(city_code, ''),"
            " coalesce(province_code, ''), type, status, year,"
            " coalesce(sum(capacity), 0)::float8, coalesce(sum(energy), 0)::float8,"
            " count(*)::int, count(capacity)::int FROM projects"
            " GROUP BY county_code, type, status, year, city_code, province_code"
        )
        return iter(cursor.fetchall())

    def project_briefs(
        self,
        *,
        counties: Sequence[str] | None = None,
        region: str | None = None,
        types: Iterable[str] | None = None,
        name: str | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[ProjectBrief]:
        where: list[str] = []
        params: list[Any] = []
        if ids is not None:
            where.append("id = ANY(%s)")
            params.append(sorted(set(ids)))
        if counties is not None:
            inside = "county_code = ANY(%s)"
            params.append(list(counties))
            if region is not None:
                inside = f"({inside} OR (county_code IS NULL AND (city_code = %s OR province_code = %s)))"
                params.extend([region, region])
            where.append(inside)
        if types is not None:
            where.append("type = ANY(%s)")
            params.append(sorted(types))
        if name is not None:
            where.append("name = %s")
            params.append(name)
        sql = f"SELECT {_BRIEF_COLUMNS} FROM projects"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self.conn.execute((sql + " ORDER BY id").encode(), params).fetchall()

    def project_ids_intersecting(self, geometry: BaseGeometry) -> list[int]:
        import shapely

        rows = self.conn.execute(
            "SELECT id FROM projects WHERE ST_Intersects(geom, ST_GeomFromWKB(%s, 4326))"
            " ORDER BY id",
            (shapely.to_wkb(geometry),),
        )
        return [r[0] for r in rows]

    def project_locations(self, ids: Sequence[int]) -> list[ProjectLocation]:
        rows = self.conn.execute(
            "SELECT id, name, lon, lat, precision FROM projects WHERE id = ANY(%s) ORDER BY id",
            (list(ids),),
        )
        return [ProjectLocation._make(r) for r in rows]

    def project_attributes(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, attributes FROM projects WHERE id = ANY(%s)", (list(ids),)
        )
        return {pid: json.loads(text) for pid, text in rows}

    def project_versions(self, types: Iterable[str]) -> tuple[tuple[int, int], ...]:
        rows = self.conn.execute(
            "SELECT id, version FROM projects WHERE type = ANY(%s) ORDER BY id", (sorted(types),)
        )
        return tuple((pid, version) for pid, version in rows)

    # ---------------------------------------------------------------- user layers
    def add_layer(
        self,
        layer: LayerRecord,
        features: Iterable[tuple[Any, Mapping[str, Any]]] = (),
    ) -> LayerRecord:
        import shapely

        now = now_stamp()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM layers WHERE id = %s", (layer.id,)).fetchone():
                raise ValidationError(
                    f"a layer with id {layer.id!r} exists already", "id", layer.id
                )
            conn.execute(
                "INSERT INTO layers (id, title_zh, title_en, role, kind, source, crs, style,"
                " params, path, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
            with (
                conn.cursor() as cur,
                cur.copy("COPY layer_features (layer_id, geom, properties) FROM STDIN") as copy,
            ):
                for geometry, properties in features:
                    wkb = shapely.to_wkb(
                        shapely.set_srid(geometry, 4326), hex=True, include_srid=True
                    )
                    copy.write_row(
                        (
                            layer.id,
                            wkb,
                            json.dumps(dict(properties), ensure_ascii=False, default=str),
                        )
                    )
        return layer.with_created(now)

    def layers(self, role: str | None = None) -> list[LayerRecord]:
        sql, params = "SELECT * FROM layers", []
        if role is not None:
            sql += " WHERE role = %s"
            params.append(role)
        return [row_to_layer(r) for r in self._dict_rows(sql + " ORDER BY created_at, id", params)]

    def layer(self, layer_id: str) -> LayerRecord:
        rows = self._dict_rows("SELECT * FROM layers WHERE id = %s", [layer_id])
        if not rows:
            raise NotFoundError(f"no layer {layer_id!r}")
        return row_to_layer(rows[0])

    def update_layer(self, layer_id: str, **changes: Any) -> LayerRecord:
        values = layer_update_values(changes)
        self.layer(layer_id)
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE layers SET {', '.join(f'{k} = %s' for k in values)} WHERE id = %s",
                [*values.values(), layer_id],
            )
        return self.layer(layer_id)

    def delete_layer(self, layer_id: str) -> None:
        self.layer(layer_id)
        with self.transaction() as conn:
            conn.execute("DELETE FROM layers WHERE id = %s", (layer_id,))

    def layer_features(self, layer_id: str) -> list[tuple[Any, dict[str, Any]]]:
        import shapely

        self.layer(layer_id)
        rows = self.conn.execute(
            "SELECT ST_AsBinary(geom), properties FROM layer_features WHERE layer_id = %s"
            " ORDER BY id",
            (layer_id,),
        ).fetchall()
        return [(shapely.from_wkb(g), json.loads(p)) for g, p in rows]

    def layer_feature_count(self, layer_id: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM layer_features WHERE layer_id = %s", (layer_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    def layers_fingerprint(self) -> tuple[Any, ...]:
        return tuple(self.conn.execute(LAYERS_FINGERPRINT_SQL).fetchall())

    # ---------------------------------------------------------------- indicators
    def record_indicator(self, value: IndicatorValue) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO indicator_values (indicator, region_code, year, value, unit, source)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (indicator, region_code, year)"
                " DO UPDATE SET value = excluded.value, unit = excluded.unit,"
                " source = excluded.source",
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
        sql = "SELECT * FROM indicator_values WHERE true"
        params: list[Any] = []
        if indicator is not None:
            sql += " AND indicator = %s"
            params.append(indicator)
        if region_code is not None:
            sql += " AND region_code = %s"
            params.append(region_code)
        return [
            indicator_value(r)
            for r in self._dict_rows(sql + " ORDER BY indicator, region_code, year", params)
        ]


def _project_row(project: Project) -> dict[str, Any]:
    """project_to_row for the server: the geometry as EWKB (SRID 4326), no bbox columns
    (PostGIS indexes the geometry itself)."""
    import shapely

    row = project_to_row(project)
    for key in ("min_x", "min_y", "max_x", "max_y"):
        row.pop(key)
    row["geom"] = shapely.to_wkb(shapely.set_srid(project.geometry, 4326), include_srid=True)
    if row.get("id") is None:
        row.pop("id", None)
    return row


def _project_filters(
    plan_id: str | None,
    region_code: str | None,
    types: Iterable[str] | None,
    statuses: Iterable[str] | None,
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if plan_id is not None:
        where.append("plan_id = %s")
        params.append(plan_id)
    if region_code is not None:
        where.append("(" + " OR ".join(f"{level} = %s" for level in _REGION_LEVELS) + ")")
        params.extend([region_code] * len(_REGION_LEVELS))
    for column, values in (("type", types), ("status", statuses)):
        if values is not None:
            where.append(f"{column} = ANY(%s)")
            params.append(list(values))
    return where, params


# PostgreSQL's JSON writes a double that holds a whole number without its ".0" (100, not
# 100.0): read back, the history's real columns are floats again, as in the file's.
_REAL_KEYS = ("capacity", "energy", "lon", "lat")


def _real_json(text: str | None) -> dict[str, Any] | None:
    return _real_numbers(json.loads(text)) if text else None


def _real_numbers(record: dict[str, Any]) -> dict[str, Any]:
    for key in _REAL_KEYS:
        if isinstance(record.get(key), int):
            record[key] = float(record[key])
    return record


_COPY_CHUNK = 10_000  # projects checked and converted per step of a COPY
_ID_LOCK = 4710_2026  # pg_advisory_lock key: one session reserves a block of ids at a time


def _reserve_ids(conn: Any, n: int) -> int:
    """The first of `n` consecutive project ids, taken from the identity sequence as one
    block (nextval once per row cost 0.3 s for 10⁵). Sequences are not transactional, so
    the two steps are made atomic by a session advisory lock among gis-carbon writers."""
    conn.execute("SELECT pg_advisory_lock(%s)", (_ID_LOCK,))
    try:
        row = conn.execute("SELECT nextval(pg_get_serial_sequence('projects', 'id'))").fetchone()
        first = int(row[0])
        if n > 1:
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('projects', 'id'), %s)", (first + n - 1,)
            )
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_ID_LOCK,))
    return first


def _ewkb_hex(wkb: bytes | bytearray) -> str:
    """Little-endian WKB as PostGIS's hex EWKB with SRID 4326: the type word gains the
    SRID flag (0x20000000, in its last byte) and the SRID follows it. 10× faster than
    decoding the geometries again to let shapely write EWKB."""
    text = wkb.hex()
    flags = int(text[8:10], 16) | 0x20
    return f"{text[:8]}{flags:02x}e6100000{text[10:]}"


def _row_security_active(conn: Any) -> bool:
    row = conn.execute("SELECT row_security_active('projects')").fetchone()
    return bool(row and row[0])


def _change_event(payload: str) -> ChangeEvent:
    try:
        data = json.loads(payload)
    except ValueError:
        return ChangeEvent(table="", op="", ids=None)
    ids = data.get("ids")
    return ChangeEvent(
        table=str(data.get("table", "")),
        op=str(data.get("op", "")),
        ids=None if ids is None else tuple(int(i) for i in ids),
        by=str(data.get("by", "")),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
