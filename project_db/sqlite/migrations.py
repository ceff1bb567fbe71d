"""The workspace schema as one append-only set of migrations.

Never edit or reorder a migration that has shipped: add a new one. Old workspace files are
brought forward by applying only the migrations they lack.

Every migration spells its value lists literally, as they were when it shipped: a migration
that read the model's live enums would give a new workspace a different schema from an old
one migrated by the same code. Adding a status, precision, metric or comparator is therefore
a new migration, one call of `rebuild_check` with the new list, e.g.

    @migrations(name="0010_status_converted")
    def _status_converted(db: Database) -> None:
        rebuild_check(db, "projects", "status", (*STATUSES_0001, "converted"))

(tests/project_db/test_migration_history.py fails while the model holds a value that a new
workspace's CHECK refuses.) A project type needs no migration: `projects.type` references the
`project_types` table, which opening a workspace keeps equal to the model's type table.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from project_db.sqlite.gpkg_layers import GPKG_HEADER_4326

migrations = Migrations("gis_carbon")


# The value lists as 0001_core shipped them (and 0004 re-checked them). Never change these:
# a new value is a new migration (see the module's docstring).
METRICS_0001 = (
    "capacity_sum",
    "count",
    "ratio",
    "coverage_radius",
    "area_share",
    "area_sum",
    "milestone",
    "indicator",
)
COMPARATORS_0001 = ("ge", "gt", "le", "lt", "approx", "eq")
STATUSES_0001 = (
    "planned",
    "preparatory",
    "construction",
    "partial",
    "operating",
    "shelved",
    "cancelled",
    "retired",
)
PRECISIONS_0001 = ("exact", "village", "town", "district")


def _in(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


@migrations(name="0001_core")
def _core(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE project_types (
            code TEXT PRIMARY KEY,
            name_zh TEXT NOT NULL,
            name_en TEXT NOT NULL,
            capacity_unit TEXT,
            energy_unit TEXT
        )"""
    )
    db.execute(
        """
        CREATE TABLE plans (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            region_code TEXT NOT NULL,
            region_name TEXT NOT NULL,
            parent_id TEXT REFERENCES plans(id),
            doc_number TEXT,
            date TEXT,
            source_file TEXT,
            base_year INTEGER CHECK (base_year IS NULL OR base_year BETWEEN 1950 AND 2100),
            note TEXT
        )"""
    )
    db.execute(
        f"""
        CREATE TABLE targets (
            id TEXT PRIMARY KEY,
            plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            region_code TEXT NOT NULL,
            metric TEXT NOT NULL CHECK (metric IN ({_in(METRICS_0001)})),
            name_zh TEXT NOT NULL,
            name_en TEXT NOT NULL,
            year INTEGER NOT NULL CHECK (year BETWEEN 1950 AND 2100),
            value REAL NOT NULL CHECK (value > -1e15 AND value < 1e15),
            unit TEXT NOT NULL,
            comparator TEXT NOT NULL CHECK (comparator IN ({_in(COMPARATORS_0001)})),
            aspirational INTEGER NOT NULL DEFAULT 0 CHECK (aspirational IN (0, 1)),
            scope TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scope)),
            params TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(params)),
            quote TEXT NOT NULL CHECK (length(quote) > 0),
            source_file TEXT NOT NULL,
            section TEXT,
            note TEXT
        )"""
    )
    db.execute(
        f"""
        CREATE TABLE projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            type TEXT NOT NULL REFERENCES project_types(code),
            status TEXT NOT NULL CHECK (status IN ({_in(STATUSES_0001)})),
            capacity REAL CHECK (capacity IS NULL OR (capacity >= 0 AND capacity < 1e12)),
            energy REAL CHECK (energy IS NULL OR (energy >= 0 AND energy < 1e12)),
            year INTEGER CHECK (year IS NULL OR year BETWEEN 1950 AND 2100),
            start_year INTEGER CHECK (start_year IS NULL OR start_year BETWEEN 1950 AND 2100),
            owner TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            precision TEXT NOT NULL CHECK (precision IN ({_in(PRECISIONS_0001)})),
            attributes TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(attributes)),
            plan_id TEXT REFERENCES plans(id) ON DELETE SET NULL,
            source TEXT NOT NULL DEFAULT '',
            quote TEXT,
            geom BLOB NOT NULL,
            geom_kind TEXT NOT NULL CHECK (geom_kind IN ('point', 'line', 'polygon')),
            -- bbox and representative point: NaN is stored as NULL and inf fails the ranges
            min_x REAL NOT NULL CHECK (min_x BETWEEN -180 AND 180),
            min_y REAL NOT NULL CHECK (min_y BETWEEN -90 AND 90),
            max_x REAL NOT NULL CHECK (max_x BETWEEN min_x AND 180),
            max_y REAL NOT NULL CHECK (max_y BETWEEN min_y AND 90),
            lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
            lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
            province_code TEXT,
            city_code TEXT,
            county_code TEXT,
            township_code TEXT,
            regions_touched TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(regions_touched)),
            version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            updated_by TEXT NOT NULL DEFAULT ''
        )"""
    )
    # Covers the roll-up GROUP BY (region, type, status, year → sum of capacity).
    db.execute(
        "CREATE INDEX projects_rollup ON projects "
        "(county_code, type, status, year, capacity, energy)"
    )
    db.execute("CREATE INDEX projects_plan ON projects (plan_id)")
    db.execute("CREATE INDEX projects_bbox ON projects (min_x, max_x, min_y, max_y)")
    db.execute(
        """
        CREATE TABLE project_history (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            before TEXT CHECK (before IS NULL OR json_valid(before)),
            after TEXT CHECK (after IS NULL OR json_valid(after)),
            at TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX project_history_project ON project_history (project_id, id)")
    db.execute(
        """
        CREATE TABLE indicator_values (
            id INTEGER PRIMARY KEY,
            indicator TEXT NOT NULL,
            region_code TEXT NOT NULL,
            year INTEGER NOT NULL CHECK (year BETWEEN 1950 AND 2100),
            value REAL NOT NULL CHECK (value > -1e15 AND value < 1e15),
            unit TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            UNIQUE (indicator, region_code, year)
        )"""
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")


@migrations(name="0002_layers")
def _layers(db: Database) -> None:
    # User layers added to the workspace (imports, constraint layers); the predefined
    # boundary layers live in layers/ and are not copied here.
    db.execute(
        """
        CREATE TABLE layers (
            id TEXT PRIMARY KEY,
            title_zh TEXT NOT NULL,
            title_en TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN
                ('boundary', 'constraint', 'resource', 'infrastructure', 'reference')),
            kind TEXT NOT NULL CHECK (kind IN ('vector', 'raster')),
            source TEXT NOT NULL DEFAULT '',
            crs TEXT NOT NULL DEFAULT 'EPSG:4326',
            style TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(style)),
            params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
            data BLOB,
            path TEXT,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE layer_features (
            id INTEGER PRIMARY KEY,
            layer_id TEXT NOT NULL REFERENCES layers(id) ON DELETE CASCADE,
            geom BLOB NOT NULL,
            min_x REAL NOT NULL, min_y REAL NOT NULL, max_x REAL NOT NULL, max_y REAL NOT NULL,
            properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties))
        )"""
    )
    db.execute("CREATE INDEX layer_features_layer ON layer_features (layer_id)")


_TOTALS_KEY = (
    "coalesce({r}.county_code, ''), coalesce({r}.city_code, ''), coalesce({r}.province_code, ''),"
    " {r}.type, {r}.status, coalesce({r}.year, 0)"
)


@migrations(name="0003_project_totals")
def _project_totals(db: Database) -> None:
    # Capacity totals by (region, type, status, year), kept current by triggers, so that
    # evaluating every target reads ~10⁴ summary rows instead of grouping 10⁶ projects.
    # Unknown codes are '' and an unknown year is 0 (NULLs never conflict in a key).
    db.execute(
        """
        CREATE TABLE project_totals (
            county_code TEXT NOT NULL,
            city_code TEXT NOT NULL,
            province_code TEXT NOT NULL,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            year INTEGER NOT NULL,
            n INTEGER NOT NULL,
            n_capacity INTEGER NOT NULL,
            capacity REAL NOT NULL,
            energy REAL NOT NULL,
            PRIMARY KEY (county_code, city_code, province_code, type, status, year)
        ) WITHOUT ROWID"""
    )
    key_columns = "county_code, city_code, province_code, type, status, year"
    add = (
        f"INSERT INTO project_totals ({key_columns}, n, n_capacity, capacity, energy)"
        f" VALUES ({_TOTALS_KEY.format(r='NEW')}, 1, NEW.capacity IS NOT NULL,"
        " coalesce(NEW.capacity, 0), coalesce(NEW.energy, 0))"
        f" ON CONFLICT ({key_columns}) DO UPDATE SET n = n + 1,"
        " n_capacity = n_capacity + excluded.n_capacity,"
        " capacity = capacity + excluded.capacity, energy = energy + excluded.energy;"
    )
    match = (
        "county_code = coalesce(OLD.county_code, '') AND city_code = coalesce(OLD.city_code, '')"
        " AND province_code = coalesce(OLD.province_code, '') AND type = OLD.type"
        " AND status = OLD.status AND year = coalesce(OLD.year, 0)"
    )
    remove = (
        "UPDATE project_totals SET n = n - 1, n_capacity = n_capacity - (OLD.capacity IS NOT NULL),"
        " capacity = capacity - coalesce(OLD.capacity, 0),"
        f" energy = energy - coalesce(OLD.energy, 0) WHERE {match};"
        f" DELETE FROM project_totals WHERE {match} AND n <= 0;"
    )
    db.execute(f"CREATE TRIGGER project_totals_insert AFTER INSERT ON projects BEGIN {add} END")
    db.execute(f"CREATE TRIGGER project_totals_delete AFTER DELETE ON projects BEGIN {remove} END")
    db.execute(
        "CREATE TRIGGER project_totals_update AFTER UPDATE OF county_code, city_code,"
        f" province_code, type, status, year, capacity, energy ON projects BEGIN {remove} {add} END"
    )
    db.execute(
        f"INSERT INTO project_totals ({key_columns}, n, n_capacity, capacity, energy)"
        f" SELECT {_TOTALS_KEY.format(r='projects')}, count(*), count(capacity),"
        " total(capacity), total(energy) FROM projects GROUP BY 1, 2, 3, 4, 5, 6"
    )


# Bulk inserts (imports of 10⁵–10⁶ projects) would pay the per-row totals trigger (about
# half the insert time). Inside their one transaction they drop it, insert, add the new
# rows' totals in one GROUP BY and re-create it; a failure rolls all of that back.
BULK_INSERT_TRIGGER = "project_totals_insert"
ADD_TOTALS_FOR_ID_RANGE = (
    "INSERT INTO project_totals (county_code, city_code, province_code, type, status, year,"
    f" n, n_capacity, capacity, energy) SELECT {_TOTALS_KEY.format(r='projects')}, count(*),"
    " count(capacity), total(capacity), total(energy) FROM projects WHERE id BETWEEN ? AND ?"
    " GROUP BY 1, 2, 3, 4, 5, 6 ON CONFLICT (county_code, city_code, province_code, type,"
    " status, year) DO UPDATE SET n = n + excluded.n, n_capacity = n_capacity +"
    " excluded.n_capacity, capacity = capacity + excluded.capacity,"
    " energy = energy + excluded.energy"
)


def apply_migrations(db: Database) -> None:
    migrations.apply(db)


def pending_migrations(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]


def migrations_applied(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def known_migrations() -> list[str]:
    """The migrations this version of gis-carbon knows, in order."""
    return [m.name for m in migrations._migrations]


def unknown_migrations(db: Database) -> list[str]:
    """Migrations the file says were applied that this version does not know: the file was
    written by a newer gis-carbon (read only; nothing is written)."""
    known = set(known_migrations())
    return [m.name for m in migrations.applied(db) if m.name not in known]


def _one_of(column: str, values: Iterable[str]) -> str:
    """`column IN ('a', 'b', …)` written as an OR chain: the same truth table (NULL stays NULL,
    the comparison uses the column's collation), evaluated without a temporary table."""
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


@migrations(name="0004_projects_enum_checks")
def _projects_enum_checks(db: Database) -> None:
    # SQLite checks `status IN ('planned', …)` (more than two constants) by building a
    # temporary b-tree of the list for every row it checks: with status, precision and
    # geom_kind that was ~10 µs of the ~25 µs a bulk insert spent per project. The same CHECKs
    # as OR chains cost ~0.1 µs. A CHECK cannot be altered in place, so the table is rebuilt
    # (SQLite's "12-step" procedure, inside this migration's one transaction): every stored
    # row is re-checked on the way, and its indexes and triggers are re-created unchanged.
    db.execute(
        f"""
        CREATE TABLE projects_0004 (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            type TEXT NOT NULL REFERENCES project_types(code),
            status TEXT NOT NULL CHECK {_one_of("status", STATUSES_0001)},
            capacity REAL CHECK (capacity IS NULL OR (capacity >= 0 AND capacity < 1e12)),
            energy REAL CHECK (energy IS NULL OR (energy >= 0 AND energy < 1e12)),
            year INTEGER CHECK (year IS NULL OR year BETWEEN 1950 AND 2100),
            start_year INTEGER CHECK (start_year IS NULL OR start_year BETWEEN 1950 AND 2100),
            owner TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            precision TEXT NOT NULL CHECK {_one_of("precision", PRECISIONS_0001)},
            attributes TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(attributes)),
            plan_id TEXT REFERENCES plans(id) ON DELETE SET NULL,
            source TEXT NOT NULL DEFAULT '',
            quote TEXT,
            geom BLOB NOT NULL,
            geom_kind TEXT NOT NULL CHECK {_one_of("geom_kind", ("point", "line", "polygon"))},
            -- bbox and representative point: NaN is stored as NULL and inf fails the ranges
            min_x REAL NOT NULL CHECK (min_x BETWEEN -180 AND 180),
            min_y REAL NOT NULL CHECK (min_y BETWEEN -90 AND 90),
            max_x REAL NOT NULL CHECK (max_x BETWEEN min_x AND 180),
            max_y REAL NOT NULL CHECK (max_y BETWEEN min_y AND 90),
            lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
            lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
            province_code TEXT,
            city_code TEXT,
            county_code TEXT,
            township_code TEXT,
            regions_touched TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(regions_touched)),
            version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            updated_by TEXT NOT NULL DEFAULT ''
        )"""
    )
    # Indexes and triggers go with the old table: keep their exact text to re-create them.
    dependants = db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'projects' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(projects)").fetchall())
    db.execute(f"INSERT INTO projects_0004 ({columns}) SELECT {columns} FROM projects ORDER BY id")
    db.execute("DROP TABLE projects")
    db.execute("ALTER TABLE projects_0004 RENAME TO projects")
    for (sql,) in dependants:
        db.execute(sql)


# The GeoPackage 1.3 core tables, as the standard (OGC 12-128r18, Annex C) writes them: to
# the letter, validators compare the column defaults as text.
_GPKG_CORE = (
    """
    CREATE TABLE gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL PRIMARY KEY,
        organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL,
        definition TEXT NOT NULL,
        description TEXT
    )""",
    """
    CREATE TABLE gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY,
        data_type TEXT NOT NULL,
        identifier TEXT UNIQUE,
        description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE,
        min_y DOUBLE,
        max_x DOUBLE,
        max_y DOUBLE,
        srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
    )""",
    """
    CREATE TABLE gpkg_geometry_columns (
        table_name TEXT NOT NULL,
        column_name TEXT NOT NULL,
        geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL,
        z TINYINT NOT NULL,
        m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
    )""",
)
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
# The GeoPackage geometry header (2D WGS 84, no envelope) as an SQL blob literal.
_GPKG_HEADER_4326 = f"X'{GPKG_HEADER_4326.hex().upper()}'"
# kind → (the layer's type, its WKB type code, little-endian). Every layer is one Multi*
# type (a GeoPackage layer holds one type or its subtypes; Point is not a subtype of
# MultiPoint), so a single part is wrapped as a collection of one: byte order 01, the multi
# type, count 1, then the part's own WKB.
_GPKG_LAYERS = {
    "point": ("MULTIPOINT", "04000000"),
    "line": ("MULTILINESTRING", "05000000"),
    "polygon": ("MULTIPOLYGON", "06000000"),
}
_GPKG_TITLES = {"point": "项目（点）", "line": "项目（线）", "polygon": "项目（面）"}


@migrations(name="0005_geopackage")
def _geopackage(db: Database) -> None:
    # The workspace is itself a GeoPackage: QGIS, ogrinfo and any GDAL reader open it and see
    # the projects as three layers. The projects keep their WKB column; each layer is a view
    # over a VIRTUAL generated column holding the GeoPackage geometry blob (no storage, and
    # GDAL and validate_gpkg read the geometry type from the column's declared type).
    # A later migration that rebuilds `projects` must re-create these generated columns: they
    # are not listed by PRAGMA table_info.
    db.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    db.execute("PRAGMA user_version = 10300")  # GeoPackage 1.3
    for sql in _GPKG_CORE:
        db.execute(sql)
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES "
        "('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', "
        "'undefined cartesian coordinate reference system'), "
        "('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', "
        "'undefined geographic coordinate reference system'), "
        f"('WGS 84 geodetic', 4326, 'EPSG', 4326, '{_WGS84_WKT}', "
        "'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')"
    )
    for kind, (multi, multi_code) in _GPKG_LAYERS.items():
        db.execute(
            f"ALTER TABLE projects ADD COLUMN gpkg_{kind} {multi} GENERATED ALWAYS AS ("
            f"CASE WHEN geom_kind = '{kind}' THEN CAST({_GPKG_HEADER_4326} || CASE "
            f"WHEN substr(geom, 2, 4) = X'{multi_code}' THEN geom "
            f"ELSE X'01{multi_code}01000000' || geom END AS BLOB) END) VIRTUAL"
        )
        db.execute(
            f"""
            CREATE VIEW projects_{kind} AS
            SELECT p.id AS fid, p.name AS name, p.type AS type, t.name_zh AS type_zh,
                   t.name_en AS type_en, p.status AS status, p.capacity AS capacity,
                   t.capacity_unit AS capacity_unit, p.energy AS energy,
                   t.energy_unit AS energy_unit, p.year AS year, p.start_year AS start_year,
                   p.owner AS owner, p.precision AS precision,
                   p.province_code AS province_code, p.city_code AS city_code,
                   p.county_code AS county_code, p.township_code AS township_code,
                   p.plan_id AS plan_id, p.source AS source, p.quote AS quote,
                   p.notes AS notes, p.version AS version, p.updated_at AS updated_at,
                   p.gpkg_{kind} AS geom
            FROM projects p JOIN project_types t ON t.code = p.type
            WHERE p.geom_kind = '{kind}'"""
        )
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
            " VALUES (?, 'features', ?, ?, 4326)",
            [f"projects_{kind}", _GPKG_TITLES[kind], f"gis-carbon projects ({kind}s)"],
        )
        db.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)",
            [f"projects_{kind}", multi],
        )
    # The plans' targets, each with its sentence, as an attribute table. Registering one
    # also tells GDAL (LIST_ALL_TABLES=AUTO) to list only what gpkg_contents names, so QGIS
    # shows these four layers and not the bookkeeping tables.
    db.execute(
        """
        CREATE VIEW plan_targets AS
        SELECT t.rowid AS fid, t.id AS target_id, p.id AS plan_id, p.name AS plan,
               t.region_code AS region_code, t.name_zh AS name_zh, t.name_en AS name_en,
               t.metric AS metric, t.year AS year, t.comparator AS comparator,
               t.value AS value, t.unit AS unit, t.aspirational AS aspirational,
               t.quote AS quote, t.source_file AS source_file, t.section AS section
        FROM targets t JOIN plans p ON p.id = t.plan_id"""
    )
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description)"
        " VALUES ('plan_targets', 'attributes', '规划目标', 'targets of the carbon-peak plans,"
        " each with the sentence it comes from')"
    )


_CHECK_CLAUSE = r"CHECK\s*(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))"


def rebuild_check(db: Database, table: str, column: str, values: Iterable[str]) -> None:
    """Give `column` of `table` the CHECK `column IN values` (as an OR chain, see 0004).

    A CHECK cannot be altered in place, so the table is rebuilt by SQLite's 12-step procedure
    from its own stored CREATE statement with only that column's CHECK replaced: generated
    columns, other constraints, indexes, triggers and the views over it come back as they
    were, and every stored row is checked against the new list on the way."""
    rebuild_checks(db, table, {column: _one_of(column, values)})


def rebuild_checks(db: Database, table: str, checks: dict[str, str]) -> None:
    """Give each column of `checks` the CHECK written there (an expression in parentheses),
    in one rebuild of `table` (see rebuild_check)."""
    import re

    found = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if found is None:
        raise ValueError(f"no table {table!r}")
    rebuilt = found[0]
    for column, clause in checks.items():
        definition = re.compile(
            rf"(\n\s*{re.escape(column)}\s+[A-Z]+(?:\s+NOT\s+NULL)?\s+){_CHECK_CLAUSE}"
        )
        if len(definition.findall(rebuilt)) != 1:
            raise ValueError(f"{table}.{column} has no single CHECK to replace")
        head = definition.search(rebuilt)
        assert head is not None
        rebuilt = rebuilt[: head.start()] + f"{head.group(1)}CHECK {clause}" + rebuilt[head.end() :]
    temporary = f"{table}_rebuilt"
    # the stored name may be quoted: a table renamed by ALTER TABLE reads CREATE TABLE "name"
    rebuilt, renamed = re.subn(
        rf"""^CREATE TABLE\s+[\["`]?{re.escape(table)}[\]"`]?""",
        f"CREATE TABLE {temporary}",
        rebuilt,
    )
    if renamed != 1:
        raise ValueError(f"cannot read the CREATE statement of {table!r}")
    # Indexes and triggers on the table, and every view (a view may read it), keep their
    # exact text to be re-created after the swap.
    dependants = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND"
        " ((tbl_name = ? AND type IN ('index', 'trigger')) OR type = 'view')",
        [table],
    ).fetchall()
    for kind, name, _sql in dependants:
        if kind == "view":
            db.execute(f"DROP VIEW [{name}]")
    db.execute(rebuilt)
    # stored columns only: generated ones (hidden 2 and 3) are computed again
    stored = [
        row[1] for row in db.execute(f"PRAGMA table_xinfo([{table}])").fetchall() if row[6] == 0
    ]
    names = ", ".join(f"[{c}]" for c in stored)
    db.execute(f"INSERT INTO {temporary} ({names}) SELECT {names} FROM [{table}]")
    db.execute(f"DROP TABLE [{table}]")
    db.execute(f"ALTER TABLE {temporary} RENAME TO [{table}]")
    for _kind, _name, sql in sorted(dependants, key=lambda d: d[0] != "view"):
        db.execute(sql)


@migrations(name="0008_plan_history_baselines")
def _plan_history_baselines(db: Database) -> None:
    # Plans and targets are user data now (authored, revised from 征求意见稿 to final): every
    # change is kept like a project's, with who and when. Baselines are the existing stock
    # (存量): statistical installed capacity of a region and types at a base year.
    db.execute(
        """
        CREATE TABLE record_history (
            id INTEGER PRIMARY KEY,
            entity TEXT NOT NULL CHECK (entity = 'plan' OR entity = 'target'
                                        OR entity = 'baseline'),
            entity_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action = 'insert' OR action = 'update'
                                        OR action = 'delete'),
            before TEXT CHECK (before IS NULL OR json_valid(before)),
            after TEXT CHECK (after IS NULL OR json_valid(after)),
            at TEXT NOT NULL,
            author TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX record_history_entity ON record_history (entity, entity_id, id)")
    db.execute(
        """
        CREATE TABLE baselines (
            id INTEGER PRIMARY KEY,
            region_code TEXT NOT NULL CHECK (length(region_code) > 0),
            types TEXT NOT NULL CHECK (json_valid(types) AND json_array_length(types) > 0),
            year INTEGER NOT NULL CHECK (year BETWEEN 1950 AND 2100),
            value REAL NOT NULL CHECK (value >= 0 AND value < 1e12),
            unit TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            UNIQUE (region_code, types, year)
        )"""
    )


@migrations(name="0009_project_years_from_1900")
def _project_years_from_1900(db: Database) -> None:
    # Ledgers of existing plants carry commissioning years from long before 1950 (丰满 1941,
    # small hydro of the 1910s): a project's year and start year may be 1900–2100 now.
    rebuild_checks(
        db,
        "projects",
        {
            "year": "(year IS NULL OR year BETWEEN 1900 AND 2100)",
            "start_year": "(start_year IS NULL OR start_year BETWEEN 1900 AND 2100)",
        },
    )
