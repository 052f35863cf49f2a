"""The database: forward-only migrations, one process per file, integrity checks, backups."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.db import (
    DatabaseError,
    Migration,
    backup_database,
    explain,
    open_database,
    read_migrations,
)

FIRST = Migration(1, "first", "-- why: test\nCREATE TABLE a (x INTEGER);")
SECOND = Migration(2, "second", "-- why: test\nCREATE TABLE b (y INTEGER);")


async def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "db.sqlite3"
    async with open_database(path) as db:
        rows = await db.fetchall("SELECT version, checksum FROM schema_migrations")
    expected = read_migrations()
    assert [(r["version"], r["checksum"]) for r in rows] == [
        (m.version, m.checksum) for m in expected
    ]
    assert {"deliveries", "guild_settings", "config_audit"} <= await tables(path)


async def test_rerun_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with open_database(path, migrations=[FIRST]):
        pass
    async with open_database(path, migrations=[FIRST], apply=False) as db:
        assert db.pending == []
    async with open_database(path, migrations=[FIRST, SECOND], apply=False) as db:
        assert db.pending == ["0002_second.sql"]
    async with open_database(path, migrations=[FIRST, SECOND]) as db:
        count = await db.fetchone("SELECT COUNT(*) AS n FROM schema_migrations")
    assert count is not None and count["n"] == 2


async def test_edited_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with open_database(path, migrations=[FIRST]):
        pass
    edited = Migration(1, "first", FIRST.sql + "\nCREATE TABLE sneaky (z INTEGER);")
    with pytest.raises(DatabaseError, match="was edited after it was applied"):
        async with open_database(path, migrations=[edited]):
            pass
    assert "sneaky" not in await tables(path)


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with open_database(path, migrations=[FIRST, SECOND]):
        pass
    with pytest.raises(DatabaseError, match="newer Hamming"):
        async with open_database(path, migrations=[FIRST]):
            pass


async def test_failed_migration_leaves_nothing_half_applied(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    broken = Migration(2, "broken", "CREATE TABLE c (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(DatabaseError, match=r"0002_broken\.sql failed"):
        async with open_database(path, migrations=[FIRST, broken]):
            pass
    assert "c" not in await tables(path)
    assert "a" in await tables(path)  # the first one was its own transaction and stays
    async with open_database(path, migrations=[FIRST], apply=False) as db:
        assert db.pending == []


async def test_second_process_on_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with open_database(path, migrations=[FIRST]):
        with pytest.raises(DatabaseError, match="already using"):
            async with open_database(path, migrations=[FIRST]):
                pass
    async with open_database(path, migrations=[FIRST]):  # released when the first closed
        pass


async def test_corrupt_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="restore it from a backup"):
        async with open_database(path):
            pass


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite3", migrations=[FIRST]) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO a VALUES (1)")
                raise RuntimeError("boom")
        row = await db.fetchone("SELECT COUNT(*) AS n FROM a")
        assert row is not None and row["n"] == 0


async def test_files_are_private_and_backup_is_consistent(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    copy = tmp_path / "backups" / "copy.sqlite3"
    async with open_database(path, migrations=[FIRST]) as db:
        await db.execute("INSERT INTO a VALUES (42)")
        await db.backup(copy)
    for file in (path, copy):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT x FROM a").fetchall() == [(42,)]


async def test_backup_onto_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with open_database(path, migrations=[FIRST]):
        pass
    with pytest.raises(DatabaseError, match="live database itself"):
        await backup_database(path, path)


def test_every_migration_starts_with_a_why_line() -> None:
    for migration in read_migrations():
        assert migration.sql.startswith("-- why:"), migration.filename


@pytest.mark.parametrize(
    ("sqlite_says", "we_say"),
    [
        ("attempt to write a readonly database", "is read-only"),
        ("database or disk is full", "is full"),
        ("unable to open database file", "cannot open"),
        ("file is not a database", "restore it from a backup"),
    ],
)
def test_sqlite_errors_are_explained_in_plain_words(sqlite_says: str, we_say: str) -> None:
    message = explain(sqlite3.OperationalError(sqlite_says), Path("/data/hamming.sqlite3"))
    assert we_say in message and "/data/hamming.sqlite3" in message


async def test_plain_reads_see_committed_writes_only(tmp_path: Path) -> None:
    """Reads outside a transaction use the reader connection: the last commit, never a
    transaction still in flight."""
    async with open_database(tmp_path / "h.sqlite3", lock=False) as db:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_meta (key, value) VALUES ('k', 'v1')")
            assert await db.fetchone("SELECT value FROM bot_meta WHERE key = 'k'") is not None
            elsewhere = contextvars.Context()  # a task outside this transaction
            outside = asyncio.create_task(
                db.fetchall("SELECT value FROM bot_meta"), context=elsewhere
            )
            assert await outside == []  # the snapshot before this transaction
        row = await db.fetchone("SELECT value FROM bot_meta WHERE key = 'k'")
        assert row is not None and row["value"] == "v1"


async def test_the_memo_is_forgotten_on_commit_only(tmp_path: Path) -> None:
    async with open_database(tmp_path / "h.sqlite3", lock=False) as db:
        _, generation = db.memo_get("k")
        db.memo_put("k", "old", generation)
        assert db.memo_get("k")[0] == "old"
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                tx.forget_after_commit("k")
                raise RuntimeError("rolled back")
        assert db.memo_get("k")[0] == "old"  # nothing changed, nothing forgotten
        async with db.transaction() as tx:
            tx.forget_after_commit("k")
        assert db.memo_get("k")[0] is None


async def test_a_read_that_overlapped_a_commit_is_not_remembered(tmp_path: Path) -> None:
    """Read old value -> writer commits and forgets -> the old value must not be stored."""
    async with open_database(tmp_path / "h.sqlite3", lock=False) as db:
        _, generation = db.memo_get("k")  # a reader starts...
        async with db.transaction() as tx:  # ...a writer commits meanwhile...
            tx.forget_after_commit("k")
        db.memo_put("k", "read before the commit", generation)  # ...the reader finishes
        assert db.memo_get("k")[0] is None
        _, fresh = db.memo_get("k")
        db.memo_put("k", "new", fresh)
        assert db.memo_get("k")[0] == "new"


async def test_work_started_inside_a_transaction_is_not_part_of_it(tmp_path: Path) -> None:
    """A task created inside a transaction (asyncio copies the context into it) writes in its
    own transaction, even after the first one committed, and is not undone by another's."""
    async with open_database(tmp_path / "h.sqlite3", lock=False) as db:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_meta (key, value) VALUES ('outer', '1')")
            inherited = contextvars.copy_context()  # what a timer or task armed here gets
            child = asyncio.create_task(
                db.execute("INSERT INTO bot_meta (key, value) VALUES ('child', '1')")
            )
            await asyncio.sleep(0.05)
            assert not child.done()  # it waits for the write lock: not inside this one
        await child
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO bot_meta (key, value) VALUES ('doomed', '1')")
                late = asyncio.create_task(
                    db.execute("INSERT INTO bot_meta (key, value) VALUES ('late', '1')"),
                    context=inherited,
                )
                seen = asyncio.create_task(
                    db.fetchall("SELECT key FROM bot_meta WHERE key = 'doomed'"),
                    context=inherited,
                )
                assert await seen == []  # a stale transaction routes reads to the reader
                await asyncio.sleep(0.05)
                raise RuntimeError("an unrelated rollback")
        await late
        rows = await db.fetchall("SELECT key FROM bot_meta")
        assert sorted(r["key"] for r in rows) == ["child", "late", "outer"]
