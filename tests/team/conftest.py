"""A real PostgreSQL + PostGIS server for the team-mode tests, started by the tests.

`initdb` into a temp folder as the unprivileged `postgres` user, a free port on 127.0.0.1,
password logins from a libpq password file ($PGPASSFILE); stopped and removed at the end.
Each test gets its own database, copied from a template that `team init` set up once.
Without root (or PostGIS) the tests are skipped with a line saying what to install.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from project_db.postgres.cluster import Cluster, start_cluster, unavailable_reason

TEMPLATE = "gis_carbon_template"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    import tempfile

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"team mode tests need a PostgreSQL server: {reason}")
    # not under pytest's tmp folder: that one is root's own (0700), closed to `postgres`
    folder = Path(tempfile.mkdtemp(prefix="gis-carbon-pg-"))
    cluster = start_cluster(folder, database=TEMPLATE)
    before = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(cluster.passfile)
    try:
        from gis_carbon.services.team import init_team

        init_team(cluster.url(database=TEMPLATE))
        yield cluster
    finally:
        if before is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = before
        cluster.stop()


def new_database(cluster: Cluster, *, template: str | None = TEMPLATE) -> str:
    """A fresh database (a copy of the seeded team template, or empty with PostGIS)."""
    import psycopg
    from psycopg import sql

    name = f"team_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(cluster.url(database="postgres"), autocommit=True) as conn:
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    if template is None:
        with psycopg.connect(cluster.url(database=name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    return cluster.url(database=name)


@pytest.fixture
def team_url(pg_cluster: Cluster) -> str:
    """A team database of its own: schema, rights and the five plans, as `team init` left it."""
    return new_database(pg_cluster)


@pytest.fixture
def team_ws(team_url: str):
    from gis_carbon.services import open_workspace

    ws = open_workspace(team_url, create=False, seed=False)
    yield ws
    ws.close()


def psql(cluster: Cluster, url: str, command: str) -> str:
    """Run one command through the real psql client; returns its output (stdout+stderr)."""
    import subprocess

    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-X", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSFILE": str(cluster.passfile)},
        timeout=60,
    )
    return done.stdout + done.stderr


def as_user(cluster: Cluster, url: str, user: str) -> str:
    """The same database's URL for another login (its password is in the password file)."""
    return url.replace(f"//{cluster.url().split('//')[1].split('@')[0]}@", f"//{user}@")


def seeded_file(tmp_path: Path) -> Path:
    from gis_carbon.services import open_workspace

    path = tmp_path / "same.gcarbon.gpkg"
    open_workspace(path).close()
    return path
