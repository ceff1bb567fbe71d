"""The trigger-kept totals (migration 0003) equal a GROUP BY of the projects after any edits."""

from __future__ import annotations

import random

from shapely.geometry import Point

from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status

COUNTIES = ["120118", "120106", "430781"]
TYPES = ["wind", "pv_ground", "storage", "charging"]


def totals(ws):  # type: ignore[no-untyped-def]
    return sorted(
        ws.db.conn.execute(
            "SELECT county_code, type, status, year, n, n_capacity, round(capacity, 6),"
            " round(energy, 6) FROM project_totals"
        ).fetchall()
    )


def grouped(ws):  # type: ignore[no-untyped-def]
    return sorted(
        ws.db.conn.execute(
            "SELECT coalesce(county_code, ''), type, status, coalesce(year, 0), count(*),"
            " count(capacity), round(total(capacity), 6), round(total(energy), 6) FROM projects"
            " GROUP BY 1, 2, 3, 4"
        ).fetchall()
    )


def test_totals_follow_inserts_updates_and_deletes(empty_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = empty_workspace
    rng = random.Random(4)

    def random_project() -> Project:
        county = rng.choice(COUNTIES)
        return Project(
            name=f"p{rng.random()}",
            type=rng.choice(TYPES),
            status=rng.choice(list(Status)),
            geometry=Point(117, 39),
            capacity=rng.choice([None, 1.5, 20.0, 100.0]),
            year=rng.choice([None, 2024, 2025]),
            regions=RegionAssignment(province=county[:2] + "0000", county=county),
        )

    ws.add_projects([random_project() for _ in range(60)])
    assert totals(ws) == grouped(ws) and len(totals(ws)) > 10
    for _ in range(40):
        stored = rng.choice(ws.projects())
        action = rng.random()
        if action < 0.3:
            ws.delete_project(stored.id)
        elif action < 0.8:
            other = random_project()
            ws.update_project(
                stored.with_changes(
                    status=other.status,
                    capacity=other.capacity,
                    year=other.year,
                    regions=other.regions,
                )
            )
        else:
            ws.add_project(random_project())
        assert totals(ws) == grouped(ws)
    for project in ws.projects():
        ws.delete_project(project.id)
    assert totals(ws) == []
