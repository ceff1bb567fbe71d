"""Team mode reads every project in keyset chunks as the file does (the desktop app shows
a big workspace while it loads): the same projects as projects(), in id order."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status

pytestmark = pytest.mark.team


def test_project_chunks_on_the_server_equal_projects_in_id_order(team_ws) -> None:
    region = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})
    team_ws.insert_projects(
        [
            Project(
                name=f"测试光伏{i:03d}",
                type="pv_ground",
                status=Status.PLANNED,
                geometry=Point(116.9 + i / 1000, 38.8),
                capacity=float(i + 1),
                regions=region,
            )
            for i in range(45)
        ],
        author="tester",
    )
    whole = team_ws.projects()
    chunks = list(team_ws.project_chunks(10))
    assert [len(c) for c in chunks[:-1]] == [10] * (len(chunks) - 1)
    assert [p for chunk in chunks for p in chunk] == whole
    assert [p.id for p in whole] == sorted(p.id for p in whole)
    assert sum(p.name.startswith("测试光伏") for p in whole) == 45
