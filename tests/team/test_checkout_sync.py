"""Offline work on a region's checkout, synced back: nothing lost, conflicts listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Point

from gis_carbon.cli import main
from gis_carbon.model.project import Project
from gis_carbon.model.types import Status

pytestmark = pytest.mark.team


def _open(location):
    from gis_carbon.services import open_workspace

    return open_workspace(location, create=False, seed=False)


def test_checkout_edit_both_sides_and_sync(team_url: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "jinghai.gcarbon.gpkg"
    with _open(team_url) as team:
        in_jinghai = len(team.projects(region_code="120118"))
    assert main(["checkout", team_url, str(out), "--region", "120118"]) == 0
    assert f"checked out {in_jinghai} projects of 120118, 5 plans" in capsys.readouterr().out

    with _open(out) as local:
        ids = [p.id for p in local.projects()]
        assert len(ids) == in_jinghai >= 27 and all(
            p.regions.county == "120118" for p in local.projects()
        )
        a, b, c, d = (local.get_project(i) for i in ids[:4])
        local.update_project(a.with_changes(capacity=150.0))  # conflict: server edits a too
        local.update_project(b.with_changes(notes="offline note"))  # pushed
        local.delete_project(d.id)  # deleted offline, pushed
        from gis_carbon.services.regions import with_regions

        new_local = local.add_project(
            with_regions(
                Project(
                    name="离线新增光伏",
                    type="pv",
                    status=Status.PLANNED,
                    geometry=Point(116.95, 38.93),
                    capacity=8.0,
                )
            )
        )
    with _open(team_url) as server:
        server.update_project(server.get_project(a.id).with_changes(capacity=90.0, notes="srv"))
        server.update_project(server.get_project(c.id).with_changes(status=Status.OPERATING))
        before_b = server.get_project(b.id).version

    code = main(["sync", str(out)])
    text = capsys.readouterr().out
    assert code == 1
    assert "pushed 1 edited, 1 new and 1 deleted; pulled 1 changed and 0 deleted" in text
    assert "1 conflicts, left alone on both sides" in text
    conflict_rows = [line for line in text.splitlines() if line.startswith(str(a.id) + " ")]
    assert any("capacity" in r and "150" in r and "90" in r for r in conflict_rows)
    assert any("notes" in r and "srv" in r for r in conflict_rows)

    with _open(team_url) as server:
        assert server.get_project(b.id).notes == "offline note"
        assert server.get_project(b.id).version == before_b + 1
        assert server.get_project(a.id).capacity == 90.0  # never overwritten
        assert [p.name for p in server.projects(region_code="120118")].count("离线新增光伏") == 1
        assert d.id not in [p.id for p in server.projects()]
    with _open(out) as local:
        assert local.get_project(c.id).status is Status.OPERATING  # pulled
        assert local.get_project(a.id).capacity == 150.0  # still mine
        assert "离线新增光伏" in [p.name for p in local.projects()]
        assert new_local.id not in [p.id for p in local.projects() if p.name != "离线新增光伏"]

    # nothing new: the conflict is still the only thing listed
    assert main(["sync", "--json", str(out)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [c["project_id"] for c in report["conflicts"]] == [a.id]
    fields = {f["field"]: f for f in report["conflicts"][0]["fields"]}
    assert fields["capacity"] == {
        "field": "capacity",
        "local": 150.0,
        "server": 90.0,
        "base": a.capacity,
    }
    assert report["pushed"]["updated"] == [] and report["pulled"]["updated"] == []

    assert main(["sync", "--prefer", "local", str(out)]) == 0
    assert "1 conflicts settled for local" in capsys.readouterr().out
    with _open(team_url) as server:
        settled = server.get_project(a.id)
        assert settled.capacity == 150.0 and settled.notes == a.notes
    assert main(["sync", str(out)]) == 0
    assert "pushed 0 edited, 0 new and 0 deleted; pulled 0 changed" in capsys.readouterr().out


def test_sync_refused_by_rights_changes_nothing(
    pg_cluster, team_url: str, tmp_path: Path, capsys
) -> None:
    from gis_carbon.services.team import checkout, grant

    from .conftest import as_user

    grant(team_url, "field_engineer", "editor", ["120118"], password="f1eld")
    pg_cluster.add_password("field_engineer", "f1eld")
    editor_url = as_user(pg_cluster, team_url, "field_engineer")
    out = tmp_path / "hongqiao.gcarbon.gpkg"
    with _open(editor_url) as server:
        checkout(server, "120106", out)
    with _open(out) as local:
        first = local.projects()[0]
        local.update_project(first.with_changes(notes="not my district"))
    assert main(["sync", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "field_engineer may edit projects in 120118 only" in err
    with _open(team_url) as server:
        assert server.get_project(first.id).notes == first.notes
    with _open(out) as local:
        assert local.get_project(first.id).notes == "not my district"  # kept for later


def test_checkout_of_an_unknown_region_is_one_line(team_url: str, tmp_path: Path, capsys) -> None:
    assert main(["checkout", team_url, str(tmp_path / "x.gpkg"), "--region", "999999"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gis-carbon: error: --region 999999") and err.count("\n") == 1
    assert not (tmp_path / "x.gpkg").exists()
