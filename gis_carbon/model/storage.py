"""The storage port: what services and analysis need from a workspace, as a typed protocol.

Services, the evaluator and the exports see only `WorkspaceStore`; each backend implements it
in its own folder (`project_db/sqlite/` for workspace files, `project_db/postgres/` for team
databases on PostGIS) and
`gis_carbon.services.workspace.open_workspace(target)` picks the backend from the target
string. Besides plain CRUD the port offers the few aggregate reads the evaluator really uses
(grouped totals, brief project rows by region and type, locations), so a backend answers them
with its own indexes instead of the evaluator reading every project.

Pure Python: value types and a Protocol, no SQL (the model's import-linter contract).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

from shapely.geometry.base import BaseGeometry

from gis_carbon.model.plan import Baseline, IndicatorValue, Plan, Target
from gis_carbon.model.project import Project


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a project: who, when, and the stored state before and after."""

    id: int
    project_id: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: str
    author: str


@dataclass(frozen=True)
class RecordHistoryEntry:
    """One change of a plan, target or baseline: who, when, the record before and after."""

    id: int
    entity: str  # plan, target or baseline
    entity_id: str
    action: str  # insert, update or delete
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: str
    author: str


@dataclass(frozen=True)
class LayerRecord:
    """A user layer in the workspace. Vector features are stored with it; a raster is
    referenced by `path` (a GeoTIFF copied into the workspace's layer folder by the importer)."""

    id: str
    title_zh: str
    role: str  # boundary, constraint, resource, infrastructure, reference
    kind: str = "vector"  # vector or raster
    title_en: str = ""
    source: str = ""
    crs: str = "EPSG:4326"
    style: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"constraint": "exclusion"}
    path: str | None = None
    created_at: str | None = None

    def with_created(self, at: str) -> LayerRecord:
        return replace(self, created_at=at)


# The evaluator's two bulk reads return plain row tuples, not NamedTuples: a status over 10⁶
# projects reads 10⁴–10⁶ of them, and building an object per row cost 20 % of the evaluation.

# (county, city, province, type, status, year, capacity, energy, n, n_capacity): projects
# sharing county, type, status and year, with their summed sizes and how many state a
# capacity. Region codes are '' where projects have none; year is None where they have none.
TotalsRow = tuple[str, str, str, str, str, "int | None", float, float, int, int]

# (id, name, type, status, year, capacity, energy, county, city, province) of one project.
ProjectBrief = tuple[
    int,
    str,
    str,
    str,
    "int | None",
    "float | None",
    "float | None",
    "str | None",
    "str | None",
    "str | None",
]


# The columns `project_columns` returns, as stored; `geom` is the geometry as WKB.
FRAME_COLUMNS = (
    "id",
    "name",
    "type",
    "capacity",
    "energy",
    "status",
    "year",
    "province_code",
    "city_code",
    "county_code",
    "precision",
    "quote",
    "plan_id",
    "geom",
)


@dataclass(frozen=True)
class ChangeEvent:
    """A change someone else committed to a shared workspace: which table, the operation,
    the project ids (None: many or not projects, reload everything) and who made it."""

    table: str
    op: str
    ids: tuple[int, ...] | None
    by: str = ""


class ProjectLocation(NamedTuple):
    id: int
    name: str
    lon: float
    lat: float
    precision: str


@runtime_checkable
class WorkspaceStore(Protocol):
    """An open workspace. Every multi-row write runs in one transaction; edits carry the
    version they were based on and a stale one is refused (StaleEditError)."""

    @property
    def location(self) -> str:
        """What `open_workspace(location)` reopens: a file path today (a URL for a server)."""
        ...

    @property
    def display_name(self) -> str:
        """A short name for titles and messages (the file name)."""
        ...

    @property
    def layer_folder(self) -> Path:
        """Where imported rasters are kept, beside the workspace."""
        ...

    # -- lifecycle
    def close(self) -> None: ...
    def watch(self, on_change: Callable[[ChangeEvent], None]) -> Callable[[], None]:
        """Call `on_change` (from another thread) after each change others commit; returns
        the function that stops watching. A store nobody else writes returns a no-op."""
        ...

    def __enter__(self) -> WorkspaceStore: ...
    def __exit__(self, *exc: object) -> None: ...
    def transaction(self) -> AbstractContextManager[object]:
        """One write transaction; nested use joins the outer one. Rolled back on any error."""
        ...

    def check(self, *, quick: bool = False) -> list[str]:
        """The storage's own problems, one line each ([] when sound); `quick` is the part
        fast enough to run whenever the workspace opens."""
        ...

    def backup(self, out: Path) -> Path:
        """A consistent copy of the whole workspace as a new workspace file at `out`, taken
        while others may be writing (nothing half-written is left at `out` on failure)."""
        ...

    # -- settings
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...

    # -- plans and targets
    def save_plans(self, plans: Iterable[Plan]) -> None: ...
    def save_targets(self, targets: Iterable[Target]) -> None: ...
    def plans(self) -> list[Plan]: ...
    def plan(self, name_or_id: str) -> Plan: ...
    def targets(self, plan_id: str | None = None) -> list[Target]: ...
    def target(self, target_id: str) -> Target: ...
    def save_plan(self, plan: Plan, *, author: str | None = None) -> Plan:
        """Insert or replace one plan, with a history entry."""
        ...

    def delete_plan(
        self, plan_id: str, *, with_targets: bool = False, author: str | None = None
    ) -> Plan:
        """Refused (ValidationError) while the plan has targets or child plans, unless
        `with_targets` (its targets go in the same transaction)."""
        ...

    def save_target(self, target: Target, *, author: str | None = None) -> Target: ...
    def delete_target(self, target_id: str, *, author: str | None = None) -> Target: ...
    def record_history(
        self, entity: str | None = None, entity_id: str | None = None
    ) -> list[RecordHistoryEntry]: ...

    # -- existing stock (存量)
    def record_baseline(self, baseline: Baseline, *, author: str | None = None) -> Baseline:
        """Insert, or replace the value of the same region, types and year."""
        ...

    def baselines(self, region_code: str | None = None) -> list[Baseline]: ...
    def delete_baseline(self, baseline_id: int, *, author: str | None = None) -> Baseline: ...

    # -- projects
    def add_project(self, project: Project, *, author: str | None = None) -> Project: ...
    def add_projects(
        self, projects: Sequence[Project], *, author: str | None = None
    ) -> list[Project]: ...
    def insert_projects(
        self, projects: Sequence[Project], *, author: str | None = None
    ) -> list[int]: ...
    def update_project(self, project: Project, *, author: str | None = None) -> Project: ...
    def delete_project(
        self, project_id: int, *, version: int | None = None, author: str | None = None
    ) -> Project: ...
    def restore_project(self, project: Project, *, author: str | None = None) -> Project: ...
    def replace_projects(self, projects: Sequence[Project], *, author: str | None = None) -> None:
        """Store these projects under their own ids and versions, inserting or overwriting
        (a team checkout and its sync, a backup): one transaction, a history entry each."""
        ...

    def get_project(self, project_id: int) -> Project: ...
    def projects(
        self,
        *,
        plan_id: str | None = None,
        region_code: str | None = None,
        types: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
    ) -> list[Project]: ...
    def project_chunks(self, size: int = 50_000) -> Iterator[list[Project]]:
        """Every project, in id order, `size` at a time: a reader can show each chunk while
        the next is read (the desktop app opening a workspace of 10⁶ projects)."""
        ...

    def projects_by_id(self, ids: Iterable[int]) -> list[Project]:
        """Projects in the order given; NotFoundError names the first id not stored."""
        ...

    def project_columns(
        self,
        *,
        plan_id: str | None = None,
        region_code: str | None = None,
        types: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
    ) -> dict[str, list[Any]]:
        """FRAME_COLUMNS → one list per column, ordered by id, of the projects passing the
        filters of `projects`; for data frames: no Project object per row."""
        ...

    def count_projects(self) -> int: ...
    def history(self, project_id: int) -> list[HistoryEntry]: ...

    # -- aggregate reads for the evaluator
    def grouped_totals(self) -> Iterable[TotalsRow]:
        """Read once, in any order (a backend may stream them)."""
        ...

    def project_briefs(
        self,
        *,
        counties: Sequence[str] | None = None,
        region: str | None = None,
        types: Iterable[str] | None = None,
        name: str | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[ProjectBrief]:
        """Brief rows ordered by id: in `counties` (or, with `region`, without a county but
        with that city or province), of `types`, named `name`, among `ids`; None means no
        filter."""
        ...

    def project_ids_intersecting(self, geometry: BaseGeometry) -> list[int]:
        """Ids of the projects whose geometry intersects `geometry` (WGS 84), ordered."""
        ...

    def project_locations(self, ids: Sequence[int]) -> list[ProjectLocation]: ...
    def project_attributes(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]: ...
    def project_versions(self, types: Iterable[str]) -> tuple[tuple[int, int], ...]:
        """(id, version) of every project of these types: a cheap change stamp."""
        ...

    # -- user layers
    def add_layer(
        self,
        layer: LayerRecord,
        features: Iterable[tuple[BaseGeometry, Mapping[str, Any]]] = (),
    ) -> LayerRecord: ...
    def layers(self, role: str | None = None) -> list[LayerRecord]: ...
    def layer(self, layer_id: str) -> LayerRecord: ...
    def update_layer(self, layer_id: str, **changes: Any) -> LayerRecord: ...
    def delete_layer(self, layer_id: str) -> None: ...
    def layer_features(self, layer_id: str) -> list[tuple[Any, dict[str, Any]]]: ...
    def layer_feature_count(self, layer_id: str) -> int: ...
    def layers_fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a layer is added, removed, re-parameterised or refilled."""
        ...

    # -- recorded indicators
    def record_indicator(self, value: IndicatorValue) -> None: ...
    def indicator_values(
        self, indicator: str | None = None, region_code: str | None = None
    ) -> list[IndicatorValue]: ...
