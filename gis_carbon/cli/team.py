"""Team mode: `team init|grant|revoke|members` on a team database, `checkout` and `sync`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gis_carbon.cli import add_command, print_json, print_table
from gis_carbon.errors import ValidationError


def register(subparsers: Any) -> None:
    team = add_command(
        subparsers,
        "team",
        _team_usage,
        "a shared workspace on PostgreSQL/PostGIS: set it up and give members their rights"
        " (--workspace postgresql://USER@HOST:PORT/DB; passwords from ~/.pgpass or"
        " $PGPASSFILE, as libpq does)",
    )
    actions = team.add_subparsers(dest="team_command", metavar="ACTION")

    cmd = add_command(
        actions,
        "init",
        cmd_init,
        "create the team schema (or bring it forward) and seed the five plans; run once by"
        " the database's owner, who becomes the first admin",
    )

    cmd = add_command(
        actions,
        "grant",
        cmd_grant,
        "make USER a viewer, an editor of some regions, or an admin; the database enforces"
        " it (row-level security), in the app and in psql alike",
    )
    cmd.add_argument("user", metavar="USER", help="the member's PostgreSQL login")
    cmd.add_argument("--role", required=True, choices=("viewer", "editor", "admin"))
    cmd.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="CODE",
        help="a region an editor may edit (county, city or province code); repeat for more",
    )
    cmd.add_argument(
        "--password-stdin",
        action="store_true",
        help="set the login's password from the first line of stdin (hashed here with"
        " SCRAM-SHA-256 before it is sent; members keep theirs in ~/.pgpass)",
    )

    cmd = add_command(actions, "revoke", cmd_revoke, "take USER out of the team")
    cmd.add_argument("user", metavar="USER")

    cmd = add_command(actions, "members", cmd_members, "list the members and their rights")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "checkout",
        cmd_checkout,
        "copy a region's projects, with every plan and layer, from a team database into a"
        " new workspace file to work on offline; `sync` sends the changes back",
    )
    cmd.add_argument("server", metavar="URL", help="the team database, postgresql://…")
    cmd.add_argument("out", metavar="OUT.gpkg", help="the new workspace file")
    cmd.add_argument(
        "--region", required=True, metavar="CODE", help="county, city or province code"
    )

    cmd = add_command(
        subparsers,
        "sync",
        cmd_sync,
        "send a checkout's offline changes to its team database and fetch the server's, in"
        " one transaction each; a project changed on both sides is listed field by field and"
        " left alone (exit 1) unless --prefer says which side wins",
    )
    cmd.add_argument("checkout", metavar="CHECKOUT.gpkg", help="a file made by `checkout`")
    cmd.add_argument("--prefer", choices=("local", "server"), help="settle conflicts so")
    cmd.add_argument("--json", action="store_true", help="print JSON")


def _team_usage(args: argparse.Namespace) -> int:
    print("gis-carbon team: say init, grant, revoke or members (see --help)", file=sys.stderr)
    return 2


def _url(args: argparse.Namespace) -> str:
    import os

    from gis_carbon.services.workspace import WORKSPACE_ENV

    url = args.workspace or os.environ.get(WORKSPACE_ENV)
    if not url:
        raise ValidationError(
            "team commands need the team database: --workspace postgresql://USER@HOST:PORT/DB"
        )
    return str(url)


def cmd_init(args: argparse.Namespace) -> int:
    from gis_carbon.services.team import init_team

    applied, projects = init_team(_url(args))
    done = ", ".join(applied) if applied else "schema up to date"
    print(f"team workspace ready ({done}); {projects} projects")
    return 0


def cmd_grant(args: argparse.Namespace) -> int:
    from gis_carbon.services.team import grant

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise ValidationError("--password-stdin: the first line of stdin is empty")
    member = grant(_url(args), args.user, args.role, args.region, password=password)
    where = f" of {', '.join(member.regions)}" if member.regions else ""
    print(f"{member.user}: {member.role}{where}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from gis_carbon.services.team import revoke

    revoke(_url(args), args.user)
    print(f"{args.user}: no longer a member")
    return 0


def cmd_members(args: argparse.Namespace) -> int:
    from gis_carbon.services.team import members

    found = members(_url(args))
    if args.json:
        print_json([m.__dict__ for m in found])
        return 0
    print_table(
        [(m.user, m.role, " ".join(m.regions), m.granted_at, m.granted_by) for m in found],
        ["user", "role", "regions", "granted", "by"],
    )
    return 0


def cmd_checkout(args: argparse.Namespace) -> int:
    from gis_carbon.services.team import checkout
    from gis_carbon.services.workspace import open_workspace

    with open_workspace(args.server, create=False, seed=False) as server:
        result = checkout(server, args.region, Path(args.out))
    print(
        f"checked out {result.projects} projects of {args.region}, {result.plans} plans and"
        f" {result.layers} layers into {result.path}"
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from gis_carbon.services.team import sync

    report = sync(Path(args.checkout), prefer=args.prefer)
    if args.json:
        print_json(report.as_json())
        return 1 if report.conflicts else 0
    print(
        f"pushed {len(report.pushed_updates)} edited, {len(report.pushed_new)} new and"
        f" {len(report.pushed_deletes)} deleted; pulled {len(report.pulled)} changed and"
        f" {len(report.pulled_deletes)} deleted"
        + (
            f"; {len(report.resolved)} conflicts settled for {args.prefer}"
            if report.resolved
            else ""
        )
    )
    if report.conflicts:
        print(f"{len(report.conflicts)} conflicts, left alone on both sides:")
        rows = [
            (
                c.project_id,
                c.name,
                c.reason,
                f.field,
                _cell(f.local),
                _cell(f.server),
                _cell(f.base),
            )
            for c in report.conflicts
            for f in c.fields
        ]
        print_table(rows, ["id", "name", "conflict", "field", "local", "server", "base"])
        print("settle them with: gis-carbon sync --prefer local|server " + str(args.checkout))
        return 1
    return 0


def _cell(value: Any) -> str:
    text = "(deleted)" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "…"
