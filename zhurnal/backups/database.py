"""The consistent online copy of the database and its loading back, by engine (issue 13 item 5).

SQLite: the sqlite3 online backup API, consistent while Zhurnal runs (WAL included), gzipped.
PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot, compressed by pg_dump), loaded
back by ``pg_restore`` piped into ``psql`` in one transaction: all or nothing. Both need
the client tools of the server's major version (``postgresql-client``, README).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .errors import BackupError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
FILES = {SQLITE: "database.sqlite3.gz", POSTGRESQL: "database.dump"}
CHUNK = 1 << 20


def engine() -> str:
    """The engine of the default database, as the manifest names it."""
    if connection.vendor == "sqlite":
        return SQLITE
    if connection.vendor == "postgresql":
        return POSTGRESQL
    raise BackupError(f"backups of a {connection.vendor} database are not supported")


def last_migrations() -> dict[str, str]:
    """The schema's last applied migration of every app (the manifest's ``migrations``)."""
    last: dict[str, str] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        last[app] = max(name, last.get(app, ""))
    return last


def unknown_migrations(migrations: dict[str, str]) -> list[str]:
    """The migrations of a backup this code does not have (it was made by a newer Zhurnal)."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in sorted(migrations.items()) if (app, name) not in known]


def dump(work: Path) -> Path:
    """Copy the database into ``work``; returns the file (``FILES[engine()]``)."""
    kind = engine()
    target = work / FILES[kind]
    if kind == SQLITE:
        _sqlite_dump(target)
    else:
        _pg_dump(target)
    return target


def check_engine(kind: str) -> None:
    """Refuse a backup made on another engine (BackupError)."""
    if kind != engine():
        raise BackupError(
            f"the backup is of a {kind} database and this server runs on {engine()}: "
            "restore it on a server with the same database engine"
        )


def load(path: Path, kind: str) -> None:
    """Replace the whole current database by the copy at ``path`` (made on ``kind``)."""
    check_engine(kind)
    if kind == SQLITE:
        _sqlite_load(path)
    else:
        _pg_load(path)


def _sqlite_dump(target: Path) -> None:
    if connection.in_atomic_block:
        # The online backup cannot read a database its own connection is writing: it would
        # wait for ever.
        raise BackupError("a backup cannot be made inside a transaction")
    connection.ensure_connection()
    raw = target.with_suffix("")  # database.sqlite3
    copy = sqlite3.connect(raw)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    with raw.open("rb") as source, gzip.open(target, "wb", compresslevel=6) as out:
        shutil.copyfileobj(source, out, CHUNK)
    raw.unlink()


def _sqlite_load(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="zhurnal-restore-") as work:
        raw = Path(work) / "database.sqlite3"
        with gzip.open(path, "rb") as source, raw.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        copy = sqlite3.connect(raw)
        try:
            connection.ensure_connection()
            # The backup API replaces every page of the live database in one step.
            copy.backup(connection.connection)
        finally:
            copy.close()
    connection.close()


def _pg_args() -> tuple[list[str], dict[str, str]]:
    """Connection arguments of the PostgreSQL client tools for the default database."""
    params = connection.settings_dict
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            args += [option, str(params[key])]
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "major version (Debian: apt-get install postgresql-client)"
        )
    return path


def _pg_dump(target: Path) -> None:
    args, env = _pg_args()
    command = [_tool("pg_dump"), "--format=custom", "--file", str(target), *args]
    # The arguments are the configured database's, never a user's input.
    result = subprocess.run(  # noqa: S603
        [*command, "--dbname", connection.settings_dict["NAME"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[-2000:]}")


def _pg_load(path: Path) -> None:
    args, env = _pg_args()
    connection.ensure_connection()
    tables = connection.introspection.table_names()
    connection.close()  # nothing of ours may hold a lock on the tables dropped below
    quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
    # One transaction: the tables of today's schema go (a newer migration's table would
    # otherwise survive an older backup), the backup's are created and filled, and COMMIT is
    # sent only once pg_restore has read the whole dump — if it stops half-way, psql ends
    # without COMMIT and the database is as it was.
    prelude = "BEGIN;\n" + (f"DROP TABLE IF EXISTS {quoted} CASCADE;\n" if tables else "")
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        psql = subprocess.Popen(  # noqa: S603 -- the configured database's arguments
            [
                *(_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"),
                *args,
                *("--dbname", connection.settings_dict["NAME"]),
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
        )
        restore = subprocess.Popen(  # noqa: S603 -- the operator's backup file
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file", "-", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        try:
            psql.stdin.write(prelude.encode())
            shutil.copyfileobj(restore.stdout, psql.stdin, CHUNK)
            if restore.wait() == 0:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error (and rolled back): its message is read below
        finally:
            restore.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
        restore_status, psql_status = restore.wait(), psql.wait()
        for status, errors, tool in (
            (restore_status, restore_errors, "pg_restore"),
            (psql_status, psql_errors, "psql"),
        ):
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-2000:]
            if status != 0 or (tool == "psql" and "ERROR" in message):
                raise BackupError(f"{tool} failed, the database was not changed: {message}")
    connection.close()
