"""Undo and redo over any sequence of the user's own edits: hypothesis picks sequences of
add / edit / move / reshape / delete on a real workspace; undoing everything gives back the
workspace as it was, redoing everything the workspace as it was after the edits. A change by
someone else in between is still refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from gis_carbon.errors import StaleEditError
from gis_carbon.model.commands import AddProject, DeleteProject, EditProject, MoveProject, UndoStack
from gis_carbon.services import ProjectInput
from gis_carbon.services.projects import edit_project
from gis_carbon.services.store import ProjectCommandStore
from gis_carbon.services.workspace import open_workspace

# points and squares inside 静海区 (WGS 84)
LON, LAT = 116.95, 38.85

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add_point", "add_area", "edit", "move", "reshape", "delete"]),
        st.integers(min_value=0, max_value=5),  # which of the session's projects
        st.integers(min_value=1, max_value=90),  # a size or an offset
    ),
    min_size=1,
    max_size=9,
)


def _state(ws) -> dict[int, tuple[object, ...]]:  # type: ignore[no-untyped-def]
    """What the user sees of every project (not versions or timestamps)."""
    return {
        p.id: (
            p.name,
            p.type,
            p.capacity,
            p.status.value,
            p.year,
            shapely.to_wkb(p.geometry, hex=True),
            p.regions.county,
        )
        for p in ws.projects()
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("undo") / "template.gcarbon.gpkg"
    open_workspace(path, seed=False).close()
    return path


def _apply(stack: UndoStack, store: ProjectCommandStore, ws, op: str, which: int, n: int) -> None:  # type: ignore[no-untyped-def]
    projects = ws.projects()
    if op in ("add_point", "add_area") or not projects:
        square = Polygon.from_bounds(LON, LAT, LON + n / 2000, LAT + n / 2000)
        data = (
            ProjectInput(
                name=f"风电{n}", type="wind", capacity=f"{n} MW", lon=LON + n / 1000, lat=LAT
            )
            if op != "add_area"
            else ProjectInput(name=f"光伏{n}", type="pv_ground", capacity=f"{n} MW", wkt=square.wkt)
        )
        stack.push(AddProject(store, data))
        return
    project = projects[which % len(projects)]
    if op == "edit":
        stack.push(EditProject(store, project, {"capacity": f"{n + 1} MW", "status": "在建"}))
    elif op == "delete":
        stack.push(DeleteProject(store, project))
    elif op == "move" or project.geometry.geom_type == "Point":
        stack.push(MoveProject(store, project, Point(LON + n / 500, LAT + n / 700)))
    else:  # reshape an area
        stack.push(MoveProject(store, project, project.geometry.buffer(n / 100000).envelope))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=OPERATIONS)
def test_any_sequence_undoes_to_the_start_and_redoes_to_the_end(
    template: Path, tmp_path: Path, operations: list[tuple[str, int, int]]
) -> None:
    path = tmp_path / f"ws-{abs(hash(tuple(operations)))}.gcarbon.gpkg"
    shutil.copyfile(template, path)
    with open_workspace(path, seed=False) as ws:
        store = ProjectCommandStore(ws)
        stack = UndoStack()
        start = _state(ws)
        for op, which, n in operations:
            _apply(stack, store, ws, op, which, n)
        end = _state(ws)
        while stack.can_undo():
            stack.undo()
        assert _state(ws) == start
        while stack.can_redo():
            stack.redo()
        assert _state(ws) == end
        while stack.can_undo():
            stack.undo()
        assert _state(ws) == start
    path.unlink()


def test_a_change_by_someone_else_is_still_refused(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "ws.gcarbon.gpkg"
    shutil.copyfile(template, path)
    with open_workspace(path, seed=False) as ws:
        stack = UndoStack()
        store = ProjectCommandStore(ws)
        added = stack.push(
            AddProject(
                store, ProjectInput(name="风电", type="wind", capacity="10 MW", lon=LON, lat=LAT)
            )
        ).added  # type: ignore[attr-defined]
        stack.push(EditProject(store, ws.get_project(added.id), {"capacity": "20 MW"}))
        # a colleague, through a connection of their own
        with open_workspace(path, seed=False) as other:
            edit_project(other, added.id, {"capacity": "99 MW"}, author="colleague")
        before = _state(ws)
        with pytest.raises(StaleEditError, match="someone else"):
            stack.undo()
        assert _state(ws) == before  # nothing written
        assert stack.can_undo() and stack.index == 2  # the stack stays where it was
