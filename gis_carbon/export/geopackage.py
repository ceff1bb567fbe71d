"""GeoPackage: one file, the projects as a feature table (EPSG:4326), the plans and targets
as attribute tables (no geometry), written as GeoPackage 1.2 so that older GDAL releases
(and their validate_gpkg) read it without warnings, and left with no -wal/-shm beside it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gis_carbon.errors import ExportError
from gis_carbon.export.common import (
    Selection,
    Steps,
    atomic_file,
    plans_table,
    projects_frame,
    targets_table,
)

GPKG_VERSION = "1.2"
PROJECTS_LAYER = "projects"
PLANS_TABLE = "plans"
TARGETS_TABLE = "targets"


def write_geopackage(
    selection: Selection, path: Path, steps: Steps
) -> tuple[list[Path], list[str]]:
    import pandas as pd
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ExportError(f"a GeoPackage export needs a .gpkg path; got {path.name!r}")
    notes: list[str] = []
    with atomic_file(path) as tmp:
        frame = projects_frame(selection.projects)
        steps.advance()
        options = {"VERSION": GPKG_VERSION}
        if len(frame):
            geom_types = set(frame.geometry.geom_type)
            pyogrio.write_dataframe(
                frame,
                tmp,
                layer=PROJECTS_LAYER,
                driver="GPKG",
                dataset_options=options,
                layer_options={"DESCRIPTION": selection.title},
                # a mixed layer is declared GEOMETRY, which every reader accepts
                geometry_type=None if len(geom_types) == 1 else "Unknown",
            )
            options = {}
        else:
            notes.append("没有项目 (no projects in the selection; projects layer omitted)")
        steps.advance()
        for name, rows in (
            (PLANS_TABLE, plans_table(selection.plans)),
            (TARGETS_TABLE, targets_table(selection.targets, selection.progress)),
        ):
            if not rows:
                continue
            table = pd.DataFrame.from_records(rows)
            for column in ("base_year", "year"):
                if column in table:
                    table[column] = pd.array(table[column].tolist(), dtype="Int64")
            pyogrio.write_dataframe(
                table, tmp, layer=name, driver="GPKG", dataset_options=options or None
            )
            options = {}
        steps.advance()
        if not tmp.exists():
            raise ExportError("nothing to export: no projects, plans or targets selected")
        # GDAL leaves the file in rollback-journal mode; make sure, and fold anything pending.
        with sqlite3.connect(tmp) as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
        steps.check()
    return [path], notes
