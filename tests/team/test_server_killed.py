"""A server process killed in the middle of an import leaves none of the import's rows."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from shapely.geometry import Point

from gis_carbon.errors import WorkspaceError
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status

pytestmark = [pytest.mark.team, pytest.mark.slow]


def _wait_for_server(url: str, seconds: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_sigkill_of_the_importing_backend_leaves_no_rows(team_url: str) -> None:
    import psycopg

    from gis_carbon.services import open_workspace

    regions = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})
    batch = [
        Project(
            name=f"台账项目{i}",
            type="pv",
            status=Status.PLANNED,
            geometry=Point(116.8 + (i % 400) * 0.0005, 38.8 + (i // 400) * 0.0005),
            capacity=1.0,
            regions=regions,
        )
        for i in range(100_000)
    ]
    ws = open_workspace(team_url, create=False, seed=False)
    before = ws.count_projects()
    pid = ws.conn.info.backend_pid
    failure: list[BaseException] = []

    def run_import() -> None:
        try:
            ws.insert_projects(batch, author="import:ledger.xlsx")
        except BaseException as exc:  # the test inspects it
            failure.append(exc)

    worker = threading.Thread(target=run_import)
    worker.start()
    killed = False
    with psycopg.connect(team_url, autocommit=True) as watcher:
        deadline = time.monotonic() + 60
        while worker.is_alive() and time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT query FROM pg_stat_activity WHERE pid = %s AND state = 'active'", (pid,)
            ).fetchone()
            if row and row[0].startswith("COPY"):
                time.sleep(0.2)  # well into the rows
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.01)
    worker.join(60)
    assert killed, "the import finished before the test could kill it"
    assert failure and isinstance(failure[0], WorkspaceError)
    assert len(str(failure[0]).splitlines()) == 1
    ws.conn.close()
    _wait_for_server(team_url)  # the server recovers from the crash by itself
    with open_workspace(team_url, create=False, seed=False) as again:
        assert again.count_projects() == before
        assert again.check() == []
