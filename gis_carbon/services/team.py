"""Team mode: setting up a shared PostgreSQL/PostGIS workspace, its members' rights, and
offline work on a region's copy (checkout → edit anywhere → sync).

A checkout is a normal workspace file holding a region's projects with their server ids,
plus, in its meta table, where it came from and each project's state at checkout (the
base). `sync` compares three states per project: the file's (local), the server's and the
base. Changed on one side only: that side wins, in one server transaction and one local
one. Changed on both sides (differently): a conflict, listed field by field and left alone
on both sides, until `prefer` says which side wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis_carbon.errors import NotFoundError, ValidationError, WorkspaceError
from gis_carbon.model.project import Project
from gis_carbon.model.storage import WorkspaceStore
from project_db import is_team_location

CHECKOUT_META = "team.checkout"
BASE_META = "team.base"
PREFERENCES = ("local", "server")


def _wkt(geometry: Any) -> str:
    import shapely

    # 6 decimals: well below a survey's precision, and stable across both backends' WKB
    return str(shapely.to_wkt(geometry, rounding_precision=6))


# The fields a sync compares and reports (a project's identity and bookkeeping aside), each
# with how its value becomes plain JSON.
_STATE: dict[str, Any] = {
    "name": None,
    "type": None,
    "status": lambda s: s.value,
    "capacity": None,
    "energy": None,
    "year": None,
    "start_year": None,
    "owner": None,
    "notes": None,
    "precision": lambda p: p.value,
    "attributes": dict,
    "plan_id": None,
    "source": None,
    "quote": None,
    "geometry": _wkt,
}
STATE_FIELDS = tuple(_STATE)


def project_state(project: Project) -> dict[str, Any]:
    """A project's user-visible fields as JSON values."""
    return {
        name: (plain(value) if plain else value)
        for name, plain in _STATE.items()
        for value in (getattr(project, name),)
    }


# -------------------------------------------------------------------- set-up and rights
def init_team(url: str) -> tuple[list[str], int]:
    """Create (or bring forward) the team schema and seed the five plans if new; returns
    the migrations applied and the number of projects the database holds."""
    from gis_carbon.services.workspace import open_workspace
    from project_db.postgres.team import init_team as create_schema

    _require_team(url)
    applied = create_schema(url)
    with open_workspace(url) as ws:
        return applied, ws.count_projects()


def grant(
    url: str,
    user: str,
    role: str,
    regions: Sequence[str] = (),
    *,
    password: str | None = None,
) -> Any:
    """Make `user` a viewer, an editor of `regions` (region codes, checked) or an admin."""
    from gis_carbon.geo.boundaries import region
    from project_db.postgres.team import grant as grant_rights

    _require_team(url)
    for code in regions:
        try:
            region(code)
        except (NotFoundError, ValueError) as exc:
            raise ValidationError(f"--region {code}: {exc}", "region", code) from exc
    return grant_rights(url, user, role, list(regions), password=password)


def revoke(url: str, user: str) -> None:
    from project_db.postgres.team import revoke as revoke_rights

    _require_team(url)
    revoke_rights(url, user)


def members(url: str) -> list[Any]:
    from project_db.postgres.team import members as list_members

    _require_team(url)
    return list_members(url)


def _require_team(url: str) -> None:
    if not is_team_location(url):
        raise WorkspaceError(
            f"{url}: team commands work on a team database (postgresql://USER@HOST:PORT/DB),"
            " not on a workspace file"
        )


# -------------------------------------------------------------------- checkout
@dataclass
class CheckoutResult:
    path: Path
    projects: int
    plans: int
    layers: int


def checkout(server: WorkspaceStore, region_code: str, out: Path) -> CheckoutResult:
    """Copy `region_code`'s projects (any level: a county, city or province), every plan,
    target, baseline and vector layer into a new workspace file at `out`, recording the
    server and each project's state at checkout."""
    from gis_carbon.geo.boundaries import region
    from project_db.postgres.copy import copy_to_file

    out = Path(out)
    if out.exists():
        raise WorkspaceError(f"{out} exists already: check out into a new file")
    try:
        region(region_code)
    except (NotFoundError, ValueError) as exc:
        raise ValidationError(f"--region {region_code}: {exc}", "region", region_code) from exc
    copy_to_file(server, out, region=region_code, base=_base_meta)
    from gis_carbon.services.workspace import open_workspace

    with open_workspace(out, create=False, seed=False) as local:
        return CheckoutResult(out, local.count_projects(), len(local.plans()), len(local.layers()))


def _base_meta(
    server_location: str, region_code: str, projects: Iterable[Project]
) -> dict[str, str]:
    """The meta rows a checkout file carries: where from, and every project's base."""
    from project_db.rows import now_stamp

    return {
        CHECKOUT_META: json.dumps(
            {"server": server_location, "region": region_code, "at": now_stamp()},
            ensure_ascii=False,
        ),
        BASE_META: _dump_base({p.id: (p.version, project_state(p)) for p in projects if p.id}),
    }


def _dump_base(base: dict[int, tuple[int, dict[str, Any]]]) -> str:
    return json.dumps(
        {str(pid): {"version": v, "state": s} for pid, (v, s) in sorted(base.items())},
        ensure_ascii=False,
        sort_keys=True,
    )


def _load_base(
    local: WorkspaceStore,
) -> tuple[dict[str, Any], dict[int, tuple[int, dict[str, Any]]]]:
    info = local.get_meta(CHECKOUT_META)
    if info is None:
        raise WorkspaceError(
            f"{local.display_name} is not a checkout of a team database (made by"
            " `gis-carbon checkout`): nothing to sync"
        )
    raw = json.loads(local.get_meta(BASE_META) or "{}")
    return json.loads(info), {int(k): (v["version"], v["state"]) for k, v in raw.items()}


# -------------------------------------------------------------------- sync
@dataclass(frozen=True)
class FieldConflict:
    field: str
    local: Any
    server: Any
    base: Any


@dataclass(frozen=True)
class Conflict:
    project_id: int
    name: str
    reason: str  # edited on both sides, deleted here / edited there, …
    fields: tuple[FieldConflict, ...]


@dataclass
class SyncReport:
    server: str
    pushed_updates: list[int] = field(default_factory=list)
    pushed_new: list[tuple[int, int]] = field(default_factory=list)  # (local id, server id)
    pushed_deletes: list[int] = field(default_factory=list)
    pulled: list[int] = field(default_factory=list)
    pulled_deletes: list[int] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)  # conflicts settled by `prefer`

    def as_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "pushed": {
                "updated": self.pushed_updates,
                "added": [{"local_id": a, "server_id": b} for a, b in self.pushed_new],
                "deleted": self.pushed_deletes,
            },
            "pulled": {"updated": self.pulled, "deleted": self.pulled_deletes},
            "resolved": self.resolved,
            "conflicts": [
                {
                    "project_id": c.project_id,
                    "name": c.name,
                    "reason": c.reason,
                    "fields": [f.__dict__ for f in c.fields],
                }
                for c in self.conflicts
            ],
        }


def sync(path: Path, *, prefer: str | None = None, author: str | None = None) -> SyncReport:
    """Push the checkout's local changes to its server and pull the server's, in one
    transaction on each side; conflicts are reported and left alone unless `prefer`."""
    from gis_carbon.services.workspace import open_workspace

    if prefer is not None and prefer not in PREFERENCES:
        raise ValidationError(f"--prefer {prefer}: say local or server", "prefer", prefer)
    with open_workspace(Path(path), create=False, seed=False) as local:
        info, base = _load_base(local)
        with open_workspace(info["server"], create=False, seed=False) as server:
            return _sync(local, server, info, base, prefer, author)


def _sync(
    local: WorkspaceStore,
    server: WorkspaceStore,
    info: dict[str, Any],
    base: dict[int, tuple[int, dict[str, Any]]],
    prefer: str | None,
    author: str | None,
) -> SyncReport:
    region_code = info["region"]
    report = SyncReport(server=info["server"])
    mine = {p.id: p for p in local.projects() if p.id is not None}
    theirs = {p.id: p for p in server.projects(region_code=region_code) if p.id is not None}
    # a project moved out of the region on the server is still the server's business
    stray = [pid for pid in base if pid not in theirs]
    if stray:
        found = _present(server, stray)
        theirs.update({p.id: p for p in found if p.id is not None})

    to_push: list[Project] = []  # updates, based on the server's version
    to_delete_on_server: list[tuple[int, int]] = []  # (id, server version)
    to_pull: list[Project] = []
    to_delete_here: list[int] = []
    new_base: dict[int, tuple[int, dict[str, Any]]] = {}

    for pid in sorted(set(base) | set(theirs)):
        here, there = mine.get(pid), theirs.get(pid)
        if pid not in base:  # new on the server since the checkout
            if there is not None:
                to_pull.append(there)
                report.pulled.append(pid)
            continue
        base_version, base_state = base[pid]
        local_state = None if here is None else project_state(here)
        server_state = None if there is None else project_state(there)
        local_changed = local_state != base_state
        server_changed = there is None or there.version != base_version
        if local_changed and server_changed and local_state == server_state:
            server_changed = local_changed = False  # the same change on both sides
            if there is not None:
                to_pull.append(there)
        if local_changed and server_changed:
            conflict = _conflict(pid, here, there, local_state, server_state, base_state)
            if prefer is None:
                report.conflicts.append(conflict)
                new_base[pid] = (base_version, base_state)  # stays a conflict
                continue
            report.resolved.append(pid)
            if prefer == "server":
                local_changed = False
            else:
                server_changed = False
        if local_changed:
            if here is None:
                if there is not None:
                    to_delete_on_server.append((pid, there.version))
                    report.pushed_deletes.append(pid)
            elif there is None:
                raise AssertionError("resolved above")  # pragma: no cover
            else:
                to_push.append(here.with_changes(version=there.version))
                report.pushed_updates.append(pid)
        elif server_changed:
            if there is None:
                if here is not None:
                    to_delete_here.append(pid)
                report.pulled_deletes.append(pid)
            else:
                to_pull.append(there)
                report.pulled.append(pid)
        elif there is not None:
            new_base[pid] = (there.version, server_state or {})

    added_here = [p for pid, p in mine.items() if pid not in base]

    # 1. the server, in one transaction: a refusal (rights, a stale version) rolls it all back
    with server.transaction():
        pushed = [server.update_project(p, author=author) for p in to_push]
        for pid, version in to_delete_on_server:
            server.delete_project(pid, version=version, author=author)
        created = server.add_projects(
            [p.with_changes(id=None, version=1) for p in added_here], author=author
        )
    report.pushed_new = [
        (int(old.id or 0), int(new.id or 0)) for old, new in zip(added_here, created, strict=True)
    ]

    # 2. the file, in one transaction: the server's state of everything that went through
    with local.transaction():
        for pid in to_delete_here + [int(p.id or 0) for p in added_here]:
            local.delete_project(pid, author=author)
        local.replace_projects([*to_pull, *pushed, *created], author=author)
        for p in [*to_pull, *pushed, *created]:
            new_base[int(p.id or 0)] = (p.version, project_state(p))
        for pid in to_delete_here:
            new_base.pop(pid, None)
        local.save_plans(server.plans())
        local.save_targets(server.targets())
        local.set_meta(BASE_META, _dump_base(new_base))
    return report


def _present(server: WorkspaceStore, ids: Sequence[int]) -> list[Project]:
    found = []
    for pid in ids:
        try:
            found.append(server.get_project(pid))
        except NotFoundError:
            continue
    return found


def _conflict(
    pid: int,
    here: Project | None,
    there: Project | None,
    local_state: dict[str, Any] | None,
    server_state: dict[str, Any] | None,
    base_state: dict[str, Any],
) -> Conflict:
    if here is None:
        reason = "deleted here, edited on the server"
    elif there is None:
        reason = "edited here, deleted on the server"
    else:
        reason = "edited on both sides"
    fields = tuple(
        FieldConflict(
            name,
            None if local_state is None else local_state[name],
            None if server_state is None else server_state[name],
            base_state[name],
        )
        for name in STATE_FIELDS
        if (local_state or {}).get(name) != (server_state or {}).get(name)
        or (local_state is None) != (server_state is None)
    )
    name = (here or there).name if (here or there) is not None else base_state["name"]  # type: ignore[union-attr]
    return Conflict(pid, name, reason, fields)


def default_checkout_name(region_code: str) -> Path:
    return Path(os.getcwd()) / f"checkout-{region_code}.gcarbon.gpkg"
