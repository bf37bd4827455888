"""A throwaway PostgreSQL server for tests and benchmarks, started from Debian's server binaries.

pytest-postgresql's executor runs initdb, pg_ctl start/status/stop. PostgreSQL refuses to run as
root, and the tests run as root here and in CI, so every pg_ctl call goes through a two-line
wrapper that switches to the `postgres` system account (created by Debian's package) with
runuser; as any other user it calls pg_ctl directly. The data folder lives in its own directory
under /tmp owned by that account: pytest's own temporary folders are root-only (0700).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

# Test speed, not durability: the server is thrown away afterwards. fsync=off makes CREATE
# DATABASE and each commit cheap; a killed *client* still has its transaction rolled back.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
RUN_AS = "postgres"


def find_pg_ctl() -> str | None:
    """pg_ctl of the newest installed server (STUDYBOT_TEST_PG_CTL to choose another)."""
    chosen = os.environ.get("STUDYBOT_TEST_PG_CTL")
    if chosen:
        return chosen
    found = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    return max(found, key=lambda p: int(Path(p).parts[-3])) if found else None


def _wrapper(home: Path, pg_ctl: str) -> str:
    script = home / "pg_ctl"
    if os.geteuid() == 0:
        body = f'exec runuser -u {RUN_AS} -- "{pg_ctl}" "$@"\n'
    else:
        body = f'exec "{pg_ctl}" "$@"\n'
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


class Server:
    """A running server. `schema()` gives a URL whose connections work in a new, empty schema
    (dropped afterwards): as isolated as a new database for our tables, and about 0.4 s faster
    per test than CREATE DATABASE. `database()` makes a whole new database."""

    SHARED = "studybot_tests"

    def __init__(self, executor):
        self.executor = executor
        self.host, self.port, self.user = executor.host, executor.port, executor.user
        self._count = 0

    def url(self, dbname: str, schema: str | None = None) -> str:
        url = f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"
        # libpq's `options` sets search_path for every connection, so alembic_version and our
        # tables are created in, and read from, that schema.
        return url + (f"?options=-csearch_path%3D{schema}" if schema else "")

    def _admin(self, dbname: str = "postgres"):
        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True)

    @contextmanager
    def schema(self) -> Iterator[str]:
        self._count += 1
        name = f"s_{os.getpid()}_{self._count}"
        with self._admin(self.SHARED) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        try:
            yield self.url(self.SHARED, name)
        finally:
            with self._admin(self.SHARED) as conn:
                # A connection a failed test left inside a transaction would make the drop wait
                # for ever; fail loudly instead.
                conn.execute("SET lock_timeout = '60s'")
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))

    def wait_ready(self, timeout: float = 60) -> None:
        """The port opens before recovery ends ("the database system is starting up")."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._admin().close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create(self, prefix: str = "t") -> str:
        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            # FORCE ends connections a test left open (or a killed child's, not yet noticed).
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextmanager
    def database(self, prefix: str = "t") -> Iterator[str]:
        name = self.create(prefix)
        try:
            yield self.url(name)
        finally:
            self.drop(name)


@contextmanager
def running_server(pg_ctl: str) -> Iterator[Server]:
    from port_for import get_port
    from pytest_postgresql.executors import PostgreSQLExecutor

    home = Path(tempfile.mkdtemp(prefix="studybot-pg-"))
    try:
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(RUN_AS)
            except KeyError:
                raise RuntimeError(
                    f"PostgreSQL cannot run as root and there is no {RUN_AS!r} account: "
                    "install Debian's postgresql package (make postgres)"
                ) from None
            os.chown(home, account.pw_uid, account.pw_gid)
        executor = PostgreSQLExecutor(
            executable=_wrapper(home, pg_ctl),
            host="127.0.0.1",
            port=get_port(None),
            datadir=str(home / "data"),
            unixsocketdir=str(home),
            logfile=str(home / "server.log"),
            startparams="-w",
            dbname="postgres",
            user="postgres",
            postgres_options=FAST,
        )
        executor.start()
        try:
            server = Server(executor)
            server.wait_ready()
            with server._admin() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(Server.SHARED)))
            yield server
        finally:
            executor.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
