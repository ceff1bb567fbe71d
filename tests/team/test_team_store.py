"""The storage port on PostgreSQL/PostGIS: stale edits, transactions, rights, live updates."""

from __future__ import annotations

import threading
import time

import pytest
from shapely.geometry import Point

from gis_carbon.errors import PermissionDeniedError, StaleEditError, ValidationError
from gis_carbon.model.project import Project
from gis_carbon.model.types import Status
from project_db.seed_data import seed_project_records, seed_targets

from .conftest import as_user, psql

pytestmark = pytest.mark.team


def _pv(name: str, lon: float = 117.05, lat: float = 38.85) -> Project:
    from gis_carbon.services.regions import with_regions

    return with_regions(
        Project(
            name=name, type="pv", status=Status.PLANNED, geometry=Point(lon, lat), capacity=10.0
        )
    )


def test_team_init_seeds_the_five_plans(team_ws) -> None:
    assert [p.region_name for p in team_ws.plans()][:1]
    assert len(team_ws.plans()) == 5
    assert len(team_ws.targets()) == len(seed_targets())
    assert team_ws.count_projects() == len(seed_project_records())
    assert team_ws.location.startswith("postgresql://postgres@127.0.0.1:")


def test_a_stale_edit_is_refused_with_the_files_message(team_ws) -> None:
    project = team_ws.get_project(1)
    team_ws.update_project(project.with_changes(capacity=120.0))
    with pytest.raises(StaleEditError, match=r"was changed by someone else: it is at version 2"):
        team_ws.update_project(project.with_changes(capacity=130.0))
    assert team_ws.get_project(1).capacity == 120.0
    assert [h.action for h in team_ws.history(1)] == ["insert", "update"]


def test_a_failed_batch_writes_none_of_its_rows(team_ws) -> None:
    before = team_ws.count_projects()
    good = _pv("好的项目")
    with pytest.raises(ValidationError), team_ws.transaction():
        team_ws.add_projects([good, good.with_changes(name="第二个")])
        team_ws.save_targets(
            [
                team_ws.targets()[0].__class__(
                    **{**team_ws.targets()[0].__dict__, "plan_id": "no-such-plan"}
                )
            ]
        )
    assert team_ws.count_projects() == before


def test_eight_concurrent_editors_lose_no_update(team_url: str) -> None:
    """Eight connections edit the same three projects 25 times each; every edit either
    lands (the count attribute goes up by one) or is refused as stale, never lost."""
    from gis_carbon.services import open_workspace

    landed = [0] * 8
    refused = [0] * 8

    def editor(k: int) -> None:
        with open_workspace(team_url, create=False, seed=False) as ws:
            for i in range(25):
                pid = 1 + (i + k) % 3
                while True:
                    p = ws.get_project(pid)
                    count = int(p.attributes.get("edits", 0))
                    try:
                        ws.update_project(
                            p.with_changes(attributes={**p.attributes, "edits": count + 1})
                        )
                    except StaleEditError:
                        refused[k] += 1
                        continue
                    landed[k] += 1
                    break

    threads = [threading.Thread(target=editor, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with open_workspace(team_url, create=False, seed=False) as ws:
        counts = [int(ws.get_project(pid).attributes.get("edits", 0)) for pid in (1, 2, 3)]
        versions = [ws.get_project(pid).version for pid in (1, 2, 3)]
    assert sum(landed) == 200
    assert sum(counts) == 200  # every landed edit is there
    assert [v - 1 for v in versions] == counts
    assert sum(refused) > 0  # they did collide


def test_an_editor_edits_only_their_region_in_the_app_and_in_psql(pg_cluster, team_url) -> None:
    from gis_carbon.services import open_workspace
    from gis_carbon.services.team import grant

    grant(team_url, "jinghai_engineer", "editor", ["120118"], password="s3cret:jh")
    pg_cluster.add_password("jinghai_engineer", "s3cret:jh")
    editor_url = as_user(pg_cluster, team_url, "jinghai_engineer")
    with open_workspace(team_url, create=False, seed=False) as admin:
        jinghai = next(p for p in admin.projects() if p.regions.county == "120118")
        hongqiao = next(p for p in admin.projects() if p.regions.county == "120106")
    with open_workspace(editor_url, create=False, seed=False) as ws:
        assert ws.user == "jinghai_engineer"
        changed = ws.update_project(jinghai.with_changes(notes="checked on site"))
        assert changed.version == jinghai.version + 1
        with pytest.raises(
            PermissionDeniedError, match=r"may edit projects in 120118 only.*120106"
        ):
            ws.update_project(hongqiao.with_changes(notes="not mine"))
        with pytest.raises(PermissionDeniedError):
            ws.add_project(_pv("红桥的新项目", 117.15, 39.17))  # located in 红桥区
        with pytest.raises(PermissionDeniedError):
            ws.save_plan(ws.plans()[0].__class__(**{**ws.plans()[0].__dict__, "note": "x"}))
    out = psql(
        pg_cluster, editor_url, f"UPDATE projects SET notes = 'psql' WHERE id = {hongqiao.id}"
    )
    assert "UPDATE 0" in out
    out = psql(
        pg_cluster, editor_url, f"UPDATE projects SET notes = 'psql' WHERE id = {jinghai.id}"
    )
    assert "UPDATE 1" in out
    out = psql(
        pg_cluster,
        editor_url,
        f"UPDATE projects SET county_code = '120106' WHERE id = {jinghai.id}",
    )
    assert "row-level security" in out
    with open_workspace(team_url, create=False, seed=False) as admin:
        assert admin.get_project(hongqiao.id).notes == hongqiao.notes
        assert admin.get_project(jinghai.id).notes == "psql"


def test_a_viewer_reads_and_cannot_write(pg_cluster, team_url) -> None:
    from gis_carbon.services import open_workspace
    from gis_carbon.services.team import grant

    grant(team_url, "planner_view", "viewer", password="v1ew")
    pg_cluster.add_password("planner_view", "v1ew")
    with open_workspace(
        as_user(pg_cluster, team_url, "planner_view"), create=False, seed=False
    ) as ws:
        assert ws.count_projects() == len(seed_project_records())
        project = ws.get_project(1)
        with pytest.raises(PermissionDeniedError, match="planner_view may view, not edit"):
            ws.update_project(project.with_changes(notes="x"))


def test_a_colleagues_commit_reaches_a_watcher_within_a_second(team_url) -> None:
    from gis_carbon.services import open_workspace

    seen: list = []
    arrived = threading.Event()
    with (
        open_workspace(team_url, create=False, seed=False) as mine,
        open_workspace(team_url, create=False, seed=False) as colleague,
    ):
        stop = mine.watch(lambda event: (seen.append(event), arrived.set()))
        try:
            project = colleague.get_project(5)
            started = time.monotonic()
            colleague.update_project(project.with_changes(notes="live"))
            assert arrived.wait(1.0)
            elapsed = time.monotonic() - started
            own = mine.get_project(6)
            arrived.clear()
            mine.update_project(own.with_changes(notes="mine"))  # not echoed to myself
            assert not arrived.wait(0.5)
        finally:
            stop()
    assert seen[0].table == "projects" and seen[0].op == "update" and seen[0].ids == (5,)
    assert seen[0].by == "postgres"
    assert elapsed < 1.0


def test_an_imported_projects_history_keeps_its_inserted_state(team_ws) -> None:
    """A bulk insert stores no `after` for its history rows: history() still shows the
    state as inserted, also once the project has been edited since."""
    (pid,) = team_ws.insert_projects([_pv("台账导入光伏")], author="import:ledger.xlsx")
    fresh = team_ws.history(pid)
    assert [(h.action, h.author) for h in fresh] == [("insert", "import:ledger.xlsx")]
    assert fresh[0].after["name"] == "台账导入光伏" and fresh[0].after["capacity"] == 10.0
    project = team_ws.get_project(pid)
    team_ws.update_project(project.with_changes(name="改名后的光伏", capacity=12.5))
    inserted, updated = team_ws.history(pid)
    assert inserted.after["name"] == "台账导入光伏" and inserted.after["capacity"] == 10.0
    assert inserted.after == updated.before
    assert updated.after["name"] == "改名后的光伏"
    team_ws.delete_project(pid)
    assert team_ws.history(pid)[0].after["name"] == "台账导入光伏"
