"""The process's SQLite connections, and the forward-only migration runner.

Writes go through one connection behind one asyncio lock: it is shared by all tasks, and
without the lock one task's statements could land inside another task's open transaction.
Reads outside a transaction go to a second, read-only connection, so they never wait for a
write and never see one half done (WAL gives each read a committed snapshot).

Each statement is one hop to aiosqlite's worker thread (execute, fetch and close together):
under load every hop waits for the event loop, and three hops per query tripled the wait
(bench/interactions.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
Params = Sequence[Any] | dict[str, Any]


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def read_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise DatabaseError(f"{path.name}: migration files are named NNNN_what.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise DatabaseError("two migration files share a number; each number is used once")
    return migrations


def _run_one(
    conn: sqlite3.Connection, sql: str, params: Params, fetch: str
) -> int | sqlite3.Row | list[sqlite3.Row] | None:
    """One statement on the worker thread: execute, collect what the caller wants, close."""
    cursor = conn.execute(sql, params)
    try:
        if fetch == "one":
            row: sqlite3.Row | None = cursor.fetchone()
            return row
        if fetch == "all":
            return cursor.fetchall()
        if fetch == "lastrowid":
            return int(cursor.lastrowid or 0)
        return cursor.rowcount
    finally:
        cursor.close()


async def _one_hop(
    conn: aiosqlite.Connection, sql: str, params: Params, fetch: str
) -> int | sqlite3.Row | list[sqlite3.Row] | None:
    # aiosqlite's public calls take a hop per step (execute, fetch, close); `_execute` runs
    # our function on its worker thread in one. aiosqlite is pinned in requirements.lock.
    result: int | sqlite3.Row | list[sqlite3.Row] | None = await conn._execute(  # type: ignore[no-untyped-call]
        _run_one, conn._conn, sql, params, fetch
    )
    return result


class Transaction:
    """Statements inside one BEGIN IMMEDIATE ... COMMIT."""

    __slots__ = ("_conn", "open", "owner", "stale_memo_keys")

    def __init__(self, conn: aiosqlite.Connection, owner: asyncio.Task[Any] | None = None) -> None:
        self._conn = conn
        # Only the task that opened it, and only until it ends, may join it: asyncio copies
        # the context (and so `_current_tx`) into every task, timer and APScheduler job
        # created inside, and those outlive the transaction or run beside it.
        self.owner = owner
        self.open = False
        self.stale_memo_keys: list[Hashable] = []

    def forget_after_commit(self, key: Hashable) -> None:
        """Drop the Database's memo of `key` once this transaction has committed."""
        self.stale_memo_keys.append(key)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        changed = await _one_hop(self._conn, sql, params, "rowcount")
        assert isinstance(changed, int)
        return changed

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        row_id = await _one_hop(self._conn, sql, params, "lastrowid")
        assert isinstance(row_id, int)
        return row_id

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row = await _one_hop(self._conn, sql, params, "one")
        assert row is None or isinstance(row, sqlite3.Row)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        rows = await _one_hop(self._conn, sql, params, "all")
        assert isinstance(rows, list)
        return rows


_current_tx: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
    "hamming_current_tx", default=None
)


def _joinable() -> Transaction | None:
    """The transaction this task opened and is still inside, if any."""
    tx = _current_tx.get()
    if tx is not None and tx.open and tx.owner is asyncio.current_task():
        return tx
    return None


def detach_transaction() -> None:
    """Start this task outside any transaction it inherited (scheduler jobs and handlers)."""
    _current_tx.set(None)


class Database:
    """The process's connections: one for writes (behind one lock), one for plain reads."""

    def __init__(
        self, conn: aiosqlite.Connection, path: Path, reader: aiosqlite.Connection
    ) -> None:
        self._conn = conn
        self._reader = reader
        self.path = path
        self._lock = asyncio.Lock()
        self.pending: list[str] = []  # migrations not applied (only when opened with apply=False)
        self._memo: dict[Hashable, object] = {}
        self._memo_generation = 0

    # A read-through memo for small rows read on nearly every interaction and rarely written
    # (a server's zone and roles): at 1,000 members pressing at once, each query saved is a
    # hop to the reader's thread saved per member. Writers forget an entry once they commit;
    # a read that overlapped any forget does not store what it read, so it can't be stale.

    def memo_get(self, key: Hashable) -> tuple[object | None, int]:
        """(the remembered value or None, the generation to pass back to memo_put)."""
        return self._memo.get(key), self._memo_generation

    def memo_put(self, key: Hashable, value: object, generation: int) -> None:
        if generation == self._memo_generation:
            self._memo[key] = value

    def memo_forget(self, key: Hashable) -> None:
        self._memo.pop(key, None)
        self._memo_generation += 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """All-or-nothing writes; nested use joins the outer transaction."""
        outer = _joinable()
        if outer is not None:
            yield outer
            return
        async with self._lock:
            tx = Transaction(self._conn, asyncio.current_task())
            token = _current_tx.set(tx)
            await tx.execute("BEGIN IMMEDIATE")
            tx.open = True
            try:
                yield tx
            except BaseException:
                # SQLite may already have rolled back (e.g. SQLITE_FULL): a second ROLLBACK
                # would replace the real error with "no transaction is active".
                if self._conn.in_transaction:
                    await tx.execute("ROLLBACK")
                raise
            else:
                await tx.execute("COMMIT")
                for key in tx.stale_memo_keys:
                    self.memo_forget(key)
            finally:
                tx.open = False
                _current_tx.reset(token)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        tx = _joinable()
        if tx is not None:
            return await tx.fetchone(sql, params)
        # No lock: the reader is only ever used one statement at a time, outside any
        # transaction, and aiosqlite's queue runs its statements in order.
        return await Transaction(self._reader).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        tx = _joinable()
        if tx is not None:
            return await tx.fetchall(sql, params)
        return await Transaction(self._reader).fetchall(sql, params)

    async def ping(self) -> bool:
        try:
            row = await self.fetchone("SELECT 1")
        except (sqlite3.Error, ValueError):
            return False
        return row is not None

    async def backup(self, destination: Path) -> None:
        await backup_database(self.path, destination)


async def backup_database(source: Path, destination: Path) -> None:
    """A consistent copy via SQLite's online backup; safe while the bot writes.

    The source is opened read-only and must already be a Hamming database: a mistyped
    DATABASE_PATH must not create an empty database and "back it up" as if all were well.
    """
    source, source_uri = _backup_source(source)
    try:
        async with aiosqlite.connect(source_uri, uri=True) as src:
            await src.execute("PRAGMA busy_timeout = 5000")
            async with src.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ) as cursor:
                is_hamming = await cursor.fetchone() is not None
            if not is_hamming:
                raise DatabaseError(
                    f"{source} is not a Hamming database (it has no schema_migrations table);"
                    " check DATABASE_PATH (nothing was written)"
                )
            destination, created = _prepare_backup_path(source, destination)
            try:
                async with aiosqlite.connect(destination) as dst:
                    await src.backup(dst)
                    # The copy inherits WAL mode; one self-contained file is what a backup
                    # should be (no -wal/-shm beside it, opens read-only anywhere).
                    await dst.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error as exc:
                if created:  # no half-written or empty "backup" left behind
                    destination.unlink(missing_ok=True)
                raise DatabaseError(
                    f"cannot write the backup to {destination} ({exc}); choose a new file in a"
                    " folder the bot's user can write"
                ) from None
    except sqlite3.Error as exc:
        raise DatabaseError(explain(exc, source)) from None
    os.chmod(destination, 0o600)


def _backup_source(source: Path) -> tuple[Path, str]:
    """The existing source file and its read-only SQLite URI."""
    source = source.expanduser()
    if not source.is_file():
        raise DatabaseError(
            f"{source} does not exist; set DATABASE_PATH to the bot's database (nothing was"
            " written)"
        )
    # mode=ro: SQLite never creates (or changes) the file; as_uri() escapes ? and # in paths.
    return source, f"{source.resolve().as_uri()}?mode=ro"


def _prepare_backup_path(source: Path, destination: Path) -> tuple[Path, bool]:
    """The resolved destination, created owner-only; and whether this call created it."""
    destination = destination.expanduser().resolve()
    if destination == source.resolve():
        raise DatabaseError("the backup path is the live database itself; choose another path")
    if destination.is_dir():
        raise DatabaseError(f"{destination} is a folder; give a file name for the backup")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"cannot create the folder {destination.parent} ({exc.strerror or exc}); choose a"
            " backup path in a folder the bot's user can write"
        ) from None
    created = not destination.exists()
    try:
        _create_private_file(destination)
    except OSError as exc:
        raise DatabaseError(
            f"cannot write {destination} ({exc.strerror or exc}); choose a backup path the"
            " bot's user can write"
        ) from None
    return destination, created


def _create_private_file(path: Path) -> None:
    # Created owner-only before SQLite opens it: SQLite gives -wal/-shm files the same mode.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


def _prepare_database_path(path: Path) -> Path:
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _create_private_file(path)
    except OSError as exc:
        raise DatabaseError(
            f"cannot create {path} ({exc.strerror or exc}); set DATABASE_PATH to a file in a"
            " folder the bot's user can write"
        ) from None
    return path


class InstanceLock:
    """An advisory lock beside the database: two bots on one file would double every post."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._file: TextIO | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DatabaseError(
                f"another Hamming process (pid {holder}) is already using {self.path.parent}/"
                f"{self.path.stem}; stop it first (two bots on one database post everything twice)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def explain(exc: sqlite3.Error, path: Path) -> str:
    """A plain sentence for what SQLite said, and what to do about it."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return (
            f"{path} is read-only ({exc}); give the bot's user write access to the file and"
            " its folder (SQLite also writes -wal and -shm files beside it)"
        )
    if "disk is full" in text or "database or disk is full" in text:
        return f"the disk holding {path} is full ({exc}); free some space and start again"
    if "unable to open" in text:
        return f"cannot open {path} ({exc}); check that its folder exists and is writable"
    return f"{path} is not a usable SQLite database ({exc}); restore it from a backup"


async def _configure(conn: aiosqlite.Connection, path: Path) -> None:
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit survives power loss, so a delivery marked done stays done.
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(explain(exc, path)) from None


async def _open_reader(path: Path) -> aiosqlite.Connection:
    """The read-only connection for plain reads (opened after the migrations ran)."""
    reader = await aiosqlite.connect(path, isolation_level=None)
    reader.row_factory = sqlite3.Row
    await reader.execute("PRAGMA busy_timeout = 5000")
    await reader.execute("PRAGMA query_only = ON")
    return reader


async def quick_check(conn: aiosqlite.Connection, path: Path) -> None:
    try:
        async with conn.execute("PRAGMA quick_check") as cursor:
            rows = [row[0] for row in await cursor.fetchall()]
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(explain(exc, path)) from None
    if rows != ["ok"]:
        raise DatabaseError(
            f"{path} failed its integrity check ({'; '.join(rows[:3])}); restore it from a backup"
        )


async def applied_migrations(conn: aiosqlite.Connection) -> dict[int, str]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
    )
    async with conn.execute("SELECT version, checksum FROM schema_migrations") as cursor:
        return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}


def pending_migrations(applied: dict[int, str], available: list[Migration]) -> list[Migration]:
    """What to apply; refuses an edited migration or a database newer than the code."""
    known = {m.version: m for m in available}
    unknown = sorted(set(applied) - set(known))
    if unknown:
        raise DatabaseError(
            f"the database has migration {unknown[-1]:04d}, which this code does not know: it was"
            " written by a newer Hamming; run that version or restore a backup from this version"
        )
    for version, checksum in applied.items():
        if known[version].checksum != checksum:
            raise DatabaseError(
                f"migration {known[version].filename} was edited after it was applied; migrations"
                " only go forward: restore the file and add a new numbered migration instead"
            )
    return [m for m in available if m.version not in applied]


async def migrate(conn: aiosqlite.Connection, available: list[Migration]) -> list[Migration]:
    """Apply each pending migration in its own transaction; returns what was applied."""
    todo = pending_migrations(await applied_migrations(conn), available)
    for migration in todo:
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_migrations (version, name, checksum) VALUES "
            f"({migration.version}, '{migration.name}', '{migration.checksum}');\n"
            "COMMIT;"
        )
        try:
            await conn.executescript(script)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise DatabaseError(f"migration {migration.filename} failed: {exc}") from None
        log.info("applied migration %s", migration.filename)
    return todo


@asynccontextmanager
async def open_database(
    path: Path,
    *,
    migrations: list[Migration] | None = None,
    lock: bool = True,
    apply: bool = True,
) -> AsyncIterator[Database]:
    """Open (creating if needed), lock, check and migrate the database.

    With `apply=False` nothing is migrated; the pending ones are listed on the Database.
    """
    path = _prepare_database_path(path)
    instance_lock = InstanceLock(path)
    if lock:
        instance_lock.acquire()
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _configure(conn, path)
            await quick_check(conn, path)
            available = read_migrations() if migrations is None else migrations
            if apply:
                await migrate(conn, available)
                pending: list[Migration] = []
            else:
                pending = pending_migrations(await applied_migrations(conn), available)
            reader = await _open_reader(path)
            try:
                database = Database(conn, path, reader)
                database.pending = [m.filename for m in pending]
                yield database
            finally:
                await reader.close()
        finally:
            await conn.close()
    finally:
        instance_lock.release()
