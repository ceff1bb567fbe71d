"""`gis-carbon team …` on the installed entry point, against the test server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from project_db.seed_data import seed_project_records

from .conftest import new_database

pytestmark = pytest.mark.team

CLI = [str(Path(sys.executable).with_name("gis-carbon"))]


def _run(pg_cluster, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "PGPASSFILE": str(pg_cluster.passfile)},
        timeout=300,
    )


def test_init_grant_members_and_the_same_plans_as_a_file(pg_cluster, tmp_path: Path) -> None:
    url = new_database(pg_cluster, template=None)  # empty: PostGIS only
    done = _run(pg_cluster, "--workspace", url, "plans")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"gis-carbon: error: {url} has no gis-carbon schema yet: an admin runs"
        f" `gis-carbon --workspace {url} team init` first"
    )
    done = _run(pg_cluster, "--workspace", url, "team", "init")
    assert done.returncode == 0, done.stderr
    shipped = len(seed_project_records())
    assert (
        f"team workspace ready (0001_team_schema, 0002_team_rights); {shipped} projects"
        in done.stdout
    )
    again = _run(pg_cluster, "--workspace", url, "team", "init")
    assert "schema up to date" in again.stdout

    file_plans = _run(pg_cluster, "--workspace", str(tmp_path / "w.gcarbon.gpkg"), "plans")
    team_plans = _run(pg_cluster, "--workspace", url, "plans")
    assert team_plans.stdout == file_plans.stdout and "静海区" in team_plans.stdout

    done = _run(
        pg_cluster,
        "--workspace",
        url,
        "team",
        "grant",
        "wang_li",
        "--role",
        "editor",
        "--region",
        "120118",
        "--password-stdin",
        stdin="pa:ss\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wang_li: editor of 120118"
    members = _run(pg_cluster, "--workspace", url, "team", "members")
    lines = members.stdout.splitlines()
    assert lines[0].split() == ["user", "role", "regions", "granted", "by"]
    assert any(line.split()[:3] == ["wang_li", "editor", "120118"] for line in lines)
    assert any(line.split()[:2] == ["postgres", "admin"] for line in lines)
    # the password reached the server hashed, never as text
    import psycopg

    with psycopg.connect(pg_cluster.url(database="postgres")) as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = 'wang_li'"
        ).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and "pa:ss" not in stored

    bad = _run(
        pg_cluster,
        "--workspace",
        url,
        "team",
        "grant",
        "x",
        "--role",
        "editor",
        "--region",
        "129999",
    )
    assert bad.returncode == 2 and bad.stderr.startswith("gis-carbon: error: --region 129999")
    assert bad.stderr.count("\n") == 1


def test_an_unreachable_server_is_one_line(pg_cluster) -> None:
    from project_db.postgres.cluster import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/gis_carbon"
    done = _run(pg_cluster, "--workspace", url, "status", "--plan", "静海区")
    assert done.returncode == 2
    assert done.stderr.startswith(f"gis-carbon: error: {url}: cannot connect:")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_password_in_the_url_is_never_shown(pg_cluster, team_url: str) -> None:
    from gis_carbon.services import open_workspace

    with open_workspace(team_url, create=False, seed=False) as ws:
        password_url = team_url.replace("postgres@", "postgres:wrong-secret@")
    done = _run(pg_cluster, "--workspace", password_url, "plans")
    assert done.returncode == 2 and "wrong-secret" not in done.stderr
    assert "password authentication failed" in done.stderr
    assert ws.location == team_url
