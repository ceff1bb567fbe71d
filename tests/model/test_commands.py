"""Undoable commands against a real seeded workspace, through the CLI's services."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from gis_carbon.errors import StaleEditError, ValidationError
from gis_carbon.model.commands import (
    AddProject,
    DeleteProject,
    EditProject,
    MoveProject,
    UndoStack,
)
from gis_carbon.services import ProjectInput
from gis_carbon.services.store import ProjectCommandStore

# 沿庄镇 (静海区) as Amap shows it (GCJ-02), and a point in 津市市 (Hunan).
YANZHUANG_GCJ = (116.832979, 38.815994)


def _yanzhuang() -> tuple[float, float]:
    from gis_carbon.geo.chinese_coords import gcj02_to_wgs84

    lon, lat = gcj02_to_wgs84(*YANZHUANG_GCJ)
    return float(lon), float(lat)


def _wind(name: str = "沿庄风电场", capacity: str = "300 MW") -> ProjectInput:
    lon, lat = _yanzhuang()
    return ProjectInput(
        name=name, type="wind", capacity=capacity, status="planned", year=2025, lon=lon, lat=lat
    )


def test_add_undo_redo_keeps_one_id_and_records_history(seeded) -> None:
    before = seeded.count_projects()
    stack = UndoStack()
    command = stack.push(AddProject(ProjectCommandStore(seeded), _wind()))
    added = command.added
    assert added is not None and added.regions.county == "120118"  # 静海区, by geometry
    assert seeded.count_projects() == before + 1
    assert stack.undo_text() == "添加项目 沿庄风电场"

    stack.undo()
    assert seeded.count_projects() == before
    assert not stack.can_undo() and stack.can_redo()

    stack.redo()
    assert seeded.count_projects() == before + 1
    assert seeded.get_project(added.id).capacity == 300.0  # the same id came back
    actions = [h.action for h in seeded.history(added.id)]
    assert actions == ["insert", "delete", "insert"]


def test_edit_and_undo_restore_the_previous_values(seeded) -> None:
    stack = UndoStack()
    project = stack.push(AddProject(ProjectCommandStore(seeded), _wind())).added
    stack.push(
        EditProject(
            ProjectCommandStore(seeded), project, {"capacity": "45万千瓦", "status": "在建"}
        )
    )
    edited = seeded.get_project(project.id)
    assert (edited.capacity, edited.status.value) == (450.0, "construction")
    stack.undo()
    restored = seeded.get_project(project.id)
    assert (restored.capacity, restored.status.value) == (300.0, "planned")
    stack.redo()
    assert seeded.get_project(project.id).capacity == 450.0


def test_bad_capacity_is_refused_and_nothing_is_recorded(seeded) -> None:
    stack = UndoStack()
    before = seeded.count_projects()
    with pytest.raises(Exception, match="12,5"):
        stack.push(AddProject(ProjectCommandStore(seeded), _wind(capacity="12,5 MW")))
    assert seeded.count_projects() == before
    assert not stack.can_undo()


def test_delete_then_undo_brings_the_seeded_project_back(seeded) -> None:
    victim = seeded.projects(plan_id="jinghai")[0]
    stack = UndoStack()
    stack.push(DeleteProject(ProjectCommandStore(seeded), victim))
    assert victim.id not in {p.id for p in seeded.projects()}
    stack.undo()
    back = seeded.get_project(victim.id)
    assert (back.name, back.capacity, back.regions.county) == (
        victim.name,
        victim.capacity,
        victim.regions.county,
    )


def test_move_reassigns_the_region_and_undo_moves_it_back(seeded) -> None:
    stack = UndoStack()
    project = stack.push(AddProject(ProjectCommandStore(seeded), _wind())).added
    jinshi = Point(111.88, 29.61)  # 津市市, Hunan
    stack.push(MoveProject(ProjectCommandStore(seeded), seeded.get_project(project.id), jinshi))
    assert seeded.get_project(project.id).regions.county == "430781"
    stack.undo()
    moved_back = seeded.get_project(project.id)
    assert moved_back.regions.county == "120118"
    assert moved_back.lonlat == pytest.approx(_yanzhuang())


def test_undo_after_someone_else_edited_is_refused_and_the_stack_stays(seeded) -> None:
    from gis_carbon.services import edit_project

    stack = UndoStack()
    project = stack.push(AddProject(ProjectCommandStore(seeded), _wind())).added
    stack.push(EditProject(ProjectCommandStore(seeded), project, {"capacity": "310 MW"}))
    edit_project(seeded, project.id, {"owner": "another user"})  # outside the stack
    with pytest.raises(StaleEditError):
        stack.undo()
    assert stack.index == 2
    assert seeded.get_project(project.id).capacity == 310.0


def test_empty_stack_says_so() -> None:
    stack = UndoStack()
    with pytest.raises(ValidationError, match="nothing to undo"):
        stack.undo()
    with pytest.raises(ValidationError, match="nothing to redo"):
        stack.redo()
