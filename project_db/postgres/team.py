"""The team database's administration: its schema (`team init`) and its members' rights.

Rights live in the database, not only in the app: a login role per member, one of three
group roles (viewer, editor, admin: table privileges) and a team_members row whose regions
the row-level-security policies read (migrations 0002). A password, when set, is hashed on
this machine (SCRAM-SHA-256, as psql's \\password does) before it reaches the server, so it
is never sent, logged or stored in clear text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gis_carbon.errors import PermissionDeniedError, ValidationError, WorkspaceError
from project_db.postgres.migrations import GROUP_ROLES, ROLES_0002, apply_migrations
from project_db.rows import now_stamp


@dataclass(frozen=True)
class Member:
    user: str
    role: str
    regions: tuple[str, ...]
    granted_at: str
    granted_by: str


def _connect(url: str) -> Any:
    import psycopg

    from project_db.postgres.workspace import redact

    try:
        return psycopg.connect(url, autocommit=True, application_name="gis-carbon team")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkspaceError(f"{redact(url)}: cannot connect: {first}") from exc


def init_team(url: str) -> list[str]:
    """Create or bring forward the schema; the connecting user (the database's owner or a
    superuser) becomes the team's first admin. Returns the migrations applied."""
    with _connect(url) as conn:
        applied = apply_migrations(conn)
        user = conn.info.user
        conn.execute(
            "INSERT INTO team_members (role_name, role, regions, granted_at, granted_by)"
            " VALUES (%s, 'admin', '{}', %s, %s) ON CONFLICT (role_name) DO NOTHING",
            (user, now_stamp(), user),
        )
    return applied


def grant(
    url: str,
    user: str,
    role: str,
    regions: Sequence[str] = (),
    *,
    password: str | None = None,
) -> Member:
    """Make `user` a viewer, editor (of `regions`) or admin; creates the login role if new."""
    import psycopg
    from psycopg import sql

    if role not in ROLES_0002:
        raise ValidationError(
            f"unknown role {role!r} (known: {', '.join(ROLES_0002)})", "role", role
        )
    if not user or not user.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ValidationError(
            f"user name {user!r}: letters, digits, '_', '-' and '.' only", "user", user
        )
    if role == "editor" and not regions:
        raise ValidationError(
            f"an editor edits the projects of some regions: give --region CODE for {user}",
            "region",
            None,
        )
    with _connect(url) as conn:
        admin = conn.info.user
        try:
            with conn.transaction():
                exists = conn.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)
                ).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(user)))
                if password is not None:
                    hashed = conn.pgconn.encrypt_password(
                        password.encode(), user.encode(), b"scram-sha-256"
                    ).decode()
                    conn.execute(
                        sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                            sql.Identifier(user), sql.Literal(hashed)
                        )
                    )
                for other, group in GROUP_ROLES.items():
                    statement = "GRANT {} TO {}" if other == role else "REVOKE {} FROM {}"
                    conn.execute(
                        sql.SQL(statement).format(sql.Identifier(group), sql.Identifier(user))
                    )
                row = conn.execute(
                    "INSERT INTO team_members (role_name, role, regions, granted_at, granted_by)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (role_name) DO UPDATE SET"
                    " role = excluded.role, regions = excluded.regions,"
                    " granted_at = excluded.granted_at, granted_by = excluded.granted_by"
                    " RETURNING role_name, role, regions, granted_at, granted_by",
                    (user, role, list(regions), now_stamp(), admin),
                ).fetchone()
        except psycopg.errors.InsufficientPrivilege as exc:
            raise PermissionDeniedError(
                f"{admin} may not grant rights: {exc.diag.message_primary}"
                " (an admin with CREATEROLE, or the database's owner, grants them)"
            ) from exc
    assert row is not None
    return Member(row[0], row[1], tuple(row[2]), row[3], row[4])


def revoke(url: str, user: str) -> None:
    """Take `user` out of the team (the login role itself is kept: it may serve others)."""
    import psycopg
    from psycopg import sql

    with _connect(url) as conn:
        try:
            with conn.transaction():
                found = conn.execute(
                    "DELETE FROM team_members WHERE role_name = %s RETURNING role_name", (user,)
                ).fetchone()
                if found is None:
                    raise ValidationError(f"{user} is not a member of this team", "user", user)
                for group in GROUP_ROLES.values():
                    conn.execute(
                        sql.SQL("REVOKE {} FROM {}").format(
                            sql.Identifier(group), sql.Identifier(user)
                        )
                    )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise PermissionDeniedError(
                f"{conn.info.user} may not revoke rights: {exc.diag.message_primary}"
            ) from exc


def members(url: str) -> list[Member]:
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT role_name, role, regions, granted_at, granted_by FROM team_members"
            " ORDER BY role_name"
        ).fetchall()
    return [Member(r[0], r[1], tuple(r[2]), r[3], r[4]) for r in rows]
