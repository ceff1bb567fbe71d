"""A throwaway PostgreSQL + PostGIS cluster on 127.0.0.1, for the tests and `make team-db`.

`initdb` into a folder owned by the unprivileged `postgres` user (PostgreSQL refuses to run
as root), a free port on the loopback only, password logins over TCP (scram-sha-256) with the
superuser's password in a libpq password file (`PGPASSFILE`), never in a URL, and
`CREATE EXTENSION postgis` in a fresh database. Stopped with `pg_ctl stop`, folder removed.

    python -m project_db.postgres.cluster start .team-db   # prints the URL and PGPASSFILE
    python -m project_db.postgres.cluster stop .team-db
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gis_carbon.errors import WorkspaceError

SERVER_USER = "postgres"
DATABASE = "gis_carbon"
WHAT_TO_INSTALL = (
    "team mode needs a PostgreSQL server with PostGIS: as root, apt-get install postgresql"
    " postgresql-15-postgis-3 (make test does), and a `postgres` system user"
)


def server_bin(program: str) -> str:
    """Debian keeps the server's programs (initdb, pg_ctl) off PATH, in
    /usr/lib/postgresql/<major>/bin: the newest installed major that has PostGIS wins."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{program}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    with_postgis = [
        p
        for p in candidates
        if Path(f"/usr/share/postgresql/{Path(p).parts[-3]}/extension/postgis.control").exists()
    ]
    found = (with_postgis or candidates or [shutil.which(program) or ""])[-1]
    if not found:
        raise WorkspaceError(f"{program} not found: {WHAT_TO_INSTALL}")
    return found


def unavailable_reason() -> str | None:
    """Why a cluster cannot be started here (None when it can)."""
    try:
        initdb = server_bin("initdb")
    except WorkspaceError as exc:
        return str(exc)
    major = Path(initdb).parts[-3]
    if not Path(f"/usr/share/postgresql/{major}/extension/postgis.control").exists():
        return f"PostGIS is not installed for PostgreSQL {major}: {WHAT_TO_INSTALL}"
    if os.geteuid() != 0 and _current_user() != SERVER_USER:
        return (
            "starting a PostgreSQL server needs root (to run it as the unprivileged"
            f" `{SERVER_USER}` user) or running as `{SERVER_USER}` itself"
        )
    try:
        import pwd

        pwd.getpwnam(SERVER_USER)
    except KeyError:
        return f"no `{SERVER_USER}` system user: {WHAT_TO_INSTALL}"
    return None


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        args = ["runuser", "-u", SERVER_USER, "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


@dataclass
class Cluster:
    """A running server: its folder, port and the password file that logs its superuser in."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def passfile(self) -> Path:
        return self.folder / "pgpass"

    def url(self, user: str = SERVER_USER, database: str = DATABASE) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def add_password(self, user: str, password: str) -> None:
        """A line in the password file (libpq's .pgpass format): host:port:db:user:password."""
        escaped = password.replace("\\", "\\\\").replace(":", "\\:")
        with self.passfile.open("a", encoding="utf-8") as f:
            f.write(f"127.0.0.1:{self.port}:*:{user}:{escaped}\n")
        self.passfile.chmod(0o600)

    def create_database(self, name: str) -> str:
        """A new database with PostGIS; returns its URL."""
        import psycopg
        from psycopg import sql

        env_before = os.environ.get("PGPASSFILE")
        os.environ["PGPASSFILE"] = str(self.passfile)
        try:
            with psycopg.connect(self.url(database="postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            with psycopg.connect(self.url(database=name), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        finally:
            if env_before is None:
                os.environ.pop("PGPASSFILE", None)
            else:
                os.environ["PGPASSFILE"] = env_before
        return self.url(database=name)

    def stop(self, *, remove: bool = True) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            _as_server_user([server_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"])
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)

    def is_running(self) -> bool:
        try:
            _as_server_user([server_bin("pg_ctl"), "-D", str(self.data), "status"])
        except (subprocess.CalledProcessError, FileNotFoundError):
            return False
        return True


def start_cluster(folder: Path, *, database: str = DATABASE) -> Cluster:
    """initdb into `folder` (new or empty), start the server on a free loopback port and
    create `database` with PostGIS. Raises WorkspaceError with what to install when it can't."""
    reason = unavailable_reason()
    if reason:
        raise WorkspaceError(reason)
    import pwd

    entry = pwd.getpwnam(SERVER_USER)
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    pwfile = folder / "initdb-password"
    pwfile.write_text(password + "\n", encoding="utf-8")
    socket_dir = folder / "socket"
    socket_dir.mkdir(exist_ok=True)
    for path in (folder, pwfile, socket_dir):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o755)  # the tests' user reads the log; the data folder stays 0700
    cluster = Cluster(folder, free_port())
    try:
        _as_server_user(
            [
                server_bin("initdb"),
                "-D",
                str(cluster.data),
                "-U",
                SERVER_USER,
                "-E",
                "UTF8",
                "--no-locale",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
            ]
        )
        pwfile.unlink()
        _as_server_user(
            [
                server_bin("pg_ctl"),
                "-D",
                str(cluster.data),
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {cluster.port} -k {socket_dir} -c listen_addresses=127.0.0.1"
                " -c fsync=off -c max_connections=100",
                "start",
            ]
        )
    except subprocess.CalledProcessError as exc:
        log = folder / "server.log"
        detail = (exc.stderr or "").strip() or (log.read_text()[-500:] if log.exists() else "")
        shutil.rmtree(folder, ignore_errors=True)
        raise WorkspaceError(f"cannot start PostgreSQL in {folder}: {detail}") from exc
    cluster.add_password(SERVER_USER, password)
    cluster.create_database(database)
    (folder / "port").write_text(str(cluster.port), encoding="utf-8")
    return cluster


def running_cluster(folder: Path) -> Cluster | None:
    """The cluster `start_cluster` left in `folder`, if it is still running."""
    folder = Path(folder).resolve()
    port_file = folder / "port"
    if not port_file.exists():
        return None
    cluster = Cluster(folder, int(port_file.read_text(encoding="utf-8")))
    return cluster if cluster.is_running() else None


def main(argv: list[str] | None = None) -> int:
    """`start FOLDER` (or print the running one's URL) and `stop FOLDER`, for make team-db."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("start", "stop"):
        print("usage: python -m project_db.postgres.cluster start|stop FOLDER", file=sys.stderr)
        return 2
    action, folder = args[0], Path(args[1])
    cluster = running_cluster(folder)
    if action == "stop":
        if cluster is None:
            print(f"no team database running in {folder}")
        else:
            cluster.stop()
            print(f"stopped the team database in {folder}")
        return 0
    try:
        if cluster is None:
            shutil.rmtree(folder, ignore_errors=True)
            cluster = start_cluster(folder)
    except WorkspaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"team database running: {cluster.url()}")
    print("its superuser's password is in a libpq password file; in each shell:")
    print(f"  export PGPASSFILE={cluster.passfile}")
    print(f"  gis-carbon --workspace {cluster.url()} team init")
    print(f"stop it with: make team-db-stop (data in {cluster.folder})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
