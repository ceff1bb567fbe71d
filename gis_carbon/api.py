"""The Python API for analysts: a workspace as pandas and geopandas frames and folium maps.

    >>> import gis_carbon as gc
    >>> with gc.open("plans.gpkg") as ws:               # doctest: +SKIP
    ...     wind = ws.projects(plan="静海区", types="wind")
    ...     ws.status(plan="静海区")[["name_zh", "percent", "verdict"]]

`open` works like `rasterio.open`: it returns an open workspace, also a context manager.
Everything goes through gis_carbon.services, as the command line does: the same checks,
the same figures, the same history (written by author "api" unless told otherwise), and
errors that are GisCarbonError subclasses with one line naming what is wrong.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from gis_carbon.errors import WorkspaceError

if TYPE_CHECKING:
    import folium
    import geopandas

    from gis_carbon.model.project import Project
    from gis_carbon.model.storage import WorkspaceStore as Store
    from gis_carbon.services.frames import FrameImport

API_AUTHOR = "api"

# status() columns, in order, as `status --json` names them (by_policy flattened).
STATUS_COLUMNS = (
    "plan_id",
    "plan_name",
    "target_id",
    "name_zh",
    "name_en",
    "metric",
    "year",
    "comparator_symbol",
    "plan_value",
    "plan_unit",
    "value",
    "unit",
    "policy",
    "as_of",
    "current",
    "current_plan_unit",
    "percent",
    "gap",
    "verdict",
    "verdict_zh",
    "operating_percent",
    "pipeline_percent",
    "reason",
    "quote",
)


class StatusFrame(pd.DataFrame):
    """A DataFrame of target progress that shows itself in a notebook as a readable table
    (target as the plan writes it, a bar for the percentage, the verdict in Chinese, the
    quoted sentence on hover). Selecting columns gives a plain DataFrame."""

    def _repr_html_(self) -> str:
        if not set(STATUS_COLUMNS) <= set(self.columns):
            return str(super()._repr_html_())
        rows = []
        for row in self.itertuples(index=False):
            percent = row.percent
            bar = (
                "—"
                if percent is None or pd.isna(percent)
                else (
                    f"<div style='background:#e5e5e5;width:80px;height:8px;display:inline-block'>"
                    f"<div style='background:#2c7fb8;height:8px;width:{min(float(percent), 100):.0f}%'>"
                    f"</div></div> {float(percent):.1f}%"
                )
            )
            value = "" if row.plan_value is None else f"{row.plan_value:g}"
            target = f"{row.comparator_symbol}{value} {row.plan_unit or row.unit or ''}"
            current = "—" if pd.isna(row.current_plan_unit) else f"{row.current_plan_unit:g}"
            rows.append(
                f"<tr title='{html.escape(str(row.quote or ''), quote=True)}'>"
                f"<td>{html.escape(str(row.plan_name))}</td>"
                f"<td>{html.escape(str(row.name_zh))}</td><td>{row.year}</td>"
                f"<td>{html.escape(target)}</td><td>{current}</td><td>{bar}</td>"
                f"<td>{html.escape(str(row.verdict_zh))} ({html.escape(str(row.verdict))})</td>"
                "</tr>"
            )
        head = "".join(
            f"<th>{h}</th>"
            for h in ("方案 plan", "目标 target", "年份", "目标值", "现值 current", "%", "判断")
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


class Workspace:
    """An open gis-carbon workspace (a GeoPackage file). Made by `gis_carbon.open`.

    Read projects, plans, targets and progress as frames; add and edit projects; draw a
    plan on a folium map. Close it with `close()` or use it in a `with` block."""

    def __init__(self, store: Store, *, author: str = API_AUTHOR) -> None:
        self._store: Store | None = store
        self.author = author

    # ------------------------------------------------------------ lifecycle
    @property
    def location(self) -> str:
        """The workspace: its file's path (or a server URL)."""
        return self._open().location

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._store is None

    def close(self) -> None:
        """Close the file (the WAL is folded back, so the file can be copied whole)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._store is None else "open"
        where = "" if self._store is None else f" {self._store.location}"
        return f"<gis_carbon.Workspace {state}{where}>"

    def _open(self) -> Store:
        if self._store is None:
            raise WorkspaceError("the workspace is closed")
        return self._store

    # ------------------------------------------------------------ reading
    def projects(
        self,
        plan: str | None = None,
        region: str | None = None,
        types: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
    ) -> geopandas.GeoDataFrame:
        """The projects as a GeoDataFrame in EPSG:4326, one row per project (ordered by id).

        plan: a plan id or region name (静海区): the projects in its region, as
            `gis-carbon projects --plan` lists them.
        region: a region code (GB/T 2260) at any level, instead of a plan.
        types, status: a code or Chinese name, or several (wind, 渔光互补; operating, 在建).

        Columns: id, name, type and type_zh (categoricals), capacity (float, in
        capacity_unit: MW for generation), energy and energy_unit, status and status_zh
        (categoricals), year (nullable Int64), county_code, county_name, precision, quote,
        plan_id, geometry (as stored)."""
        from gis_carbon.services.frames import projects_geodataframe

        return projects_geodataframe(
            self._open(), plan=plan, region=region, types=types, statuses=status
        )

    def plans(self) -> pd.DataFrame:
        """The plans: id, name, region code and name, parent plan, document number, date."""
        from gis_carbon.services.frames import plan_rows

        return pd.DataFrame(plan_rows(self._open()))

    def targets(self, plan: str | None = None) -> pd.DataFrame:
        """The targets of a plan (id or region name), or of all: the value as the plan
        writes it, metric, year, comparator and the verbatim sentence (quote)."""
        from gis_carbon.services.frames import target_rows

        frame = pd.DataFrame(target_rows(self._open(), plan))
        progress_columns = ["current", "percent", "gap", "gap_unit", "verdict"]
        progress_columns += ["baseline", "new", "parts_text"]
        return frame.drop(columns=[c for c in progress_columns if c in frame.columns])

    def status(
        self,
        plan: str | None = None,
        count: str = "pipeline",
        year: int | None = None,
        as_of: int | None = None,
    ) -> StatusFrame:
        """Progress of each target, the figures of `gis-carbon status --json`.

        plan: a plan id or region name (default: every plan).
        count: which projects count for percent, gap and verdict: "operating",
            "construction" (operating and under construction) or "pipeline" (all planned).
        year: only the targets of that year; as_of: count only projects commissioned by
            then (default: each target's own year).

        Columns: STATUS_COLUMNS; `percent`, `gap` and `verdict` under `count`, and
        operating_percent / pipeline_percent beside."""
        from gis_carbon.services.progress import status_json, status_rows

        store = self._open()
        plans = None if plan is None else [store.plan(plan)]
        rows = status_rows(store, plans, count=count, year=year, as_of=as_of)
        records = []
        for row in rows:
            data = status_json(row)
            data["plan_id"] = row["plan"].id
            for policy in ("operating", "pipeline"):
                data[f"{policy}_percent"] = data["by_policy"][policy]["percent"]
            records.append({column: data.get(column) for column in STATUS_COLUMNS})
        frame = pd.DataFrame.from_records(records, columns=list(STATUS_COLUMNS))
        for column in ("percent", "gap", "current", "current_plan_unit"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
        return StatusFrame(frame)

    def history(self, project_id: int) -> pd.DataFrame:
        """The change history of a project, oldest first: at (UTC), author, action (insert,
        update, delete, restore), and the project before and after as dicts."""
        entries = self._open().history(project_id)
        columns = ["at", "author", "action", "before", "after"]
        return pd.DataFrame([{c: getattr(e, c) for c in columns} for e in entries], columns=columns)

    # ------------------------------------------------------------ writing
    def add_projects(
        self,
        frame: pd.DataFrame,
        key: str | None = None,
        author: str | None = None,
    ) -> FrameImport:
        """Add projects from a DataFrame with lon/lat columns (WGS 84 degrees) or a
        GeoDataFrame in any CRS (converted to WGS 84), with the checks of `import`.

        Columns are found as `import` finds them (name/项目名称, type/类型,
        capacity/装机容量, status, year, precision, owner, notes, plan_id …); capacities are
        numbers in the type's unit (MW for generation) or text with a unit ("10万千瓦").
        key: a column ("id", "name" …) whose value finds an existing project to update
            instead of adding a duplicate.
        All or nothing: any bad row raises InputRowsError (a GisCarbonError) naming each
        bad row and column, and nothing is written. Returns the ids added, changed and
        unchanged."""
        from gis_carbon.services.frames import add_frame

        return add_frame(self._open(), frame, key=key, author=author or self.author)

    def edit_project(
        self,
        id: int,
        *,
        expected_version: int | None = None,
        author: str | None = None,
        **fields: Any,
    ) -> Project:
        """Change fields of project `id`: name, type, status, capacity ("300 MW" or a number
        in the type's unit), energy, year, start_year, lon/lat or wkt, owner, notes,
        precision, attributes. `expected_version` refuses the edit (StaleEditError) if the
        stored project has moved on since that version. Returns the stored project."""
        from gis_carbon.services.projects import edit_project

        return edit_project(
            self._open(),
            id,
            fields,
            expected_version=expected_version,
            author=author or self.author,
        )

    # ------------------------------------------------------------ maps
    def map(self, plan: str | None = None) -> folium.Map:
        """A folium.Map of the projects of a plan (or all): coloured by type, approximate
        locations as dashed circles, the plan's region outline, a popup per project with
        its quoted sentence, and the plan's targets with their progress in a panel."""
        from gis_carbon.services.frames import project_map

        targets = self.status(plan=plan).to_dict("records")
        return project_map(self._open(), self.projects(plan=plan), targets, plan)


def open(path: str | os.PathLike[str] | None = None, *, author: str | None = None) -> Workspace:
    """Open the workspace at `path` (created and seeded with the five plans if new), or the
    per-user default / $GIS_CARBON_WORKSPACE, the one the `gis-carbon` command uses.

    author: who the change history names for edits made through it (default "api")."""
    from gis_carbon.services.workspace import open_workspace

    return Workspace(open_workspace(path), author=author or API_AUTHOR)


__all__ = ["API_AUTHOR", "STATUS_COLUMNS", "StatusFrame", "Workspace", "open"]
