"""The stores' shared row helpers: a row to a dataclass and back, placeholders, upserts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.db import open_database
from bot.rows import (
    from_row,
    get_guild_settings,
    marks,
    optional_time,
    to_row,
    upsert,
    upsert_sql,
)


@dataclass(frozen=True, slots=True)
class Thing:
    id: int
    name: str
    active: bool
    seen_at: datetime | None


def _row(**values: object) -> sqlite3.Row:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    columns = ", ".join(f"? AS {name}" for name in values)
    row = conn.execute(f"SELECT {columns}", tuple(values.values())).fetchone()
    assert isinstance(row, sqlite3.Row)
    return row


def test_from_row_reads_fields_by_name_through_converters() -> None:
    row = _row(seen_at=1_700_000_000, extra="ignored", name="a", id=7, active=1)
    thing = from_row(Thing, row, active=bool, seen_at=optional_time)
    assert thing == Thing(7, "a", True, datetime.fromtimestamp(1_700_000_000, UTC))
    assert from_row(Thing, _row(id=1, name="b", active=0, seen_at=None), active=bool) == Thing(
        1, "b", False, None
    )


def test_to_row_is_the_inverse() -> None:
    thing = Thing(7, "a", True, None)
    assert to_row(thing, active=int) == {"id": 7, "name": "a", "active": 1, "seen_at": None}


def test_optional_time() -> None:
    assert optional_time(None) is None
    assert optional_time(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_marks() -> None:
    assert marks([]) == ""
    assert marks(["x"]) == "?"
    assert marks((1, 2, 3)) == "?,?,?"


def test_upsert_sql() -> None:
    assert upsert_sql("t", ("guild_id", "a", "b")) == (
        "INSERT INTO t (guild_id, a, b) VALUES (?,?,?)"
        " ON CONFLICT (guild_id) DO UPDATE SET a = excluded.a, b = excluded.b"
    )
    assert upsert_sql("t", ("k1", "k2", "v"), key=("k1", "k2")).endswith(
        "ON CONFLICT (k1, k2) DO UPDATE SET v = excluded.v"
    )


async def test_upsert_inserts_then_overwrites_the_keyed_row(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite3") as db:
        await db.execute("CREATE TABLE t (guild_id INTEGER PRIMARY KEY, a TEXT, b INTEGER)")
        await upsert(db, "t", {"guild_id": 1, "a": "x", "b": 1})
        await upsert(db, "t", {"guild_id": 2, "a": "y", "b": 2})
        await upsert(db, "t", {"guild_id": 1, "a": "z", "b": 3})
        rows = await db.fetchall("SELECT * FROM t ORDER BY guild_id")
    assert [tuple(r) for r in rows] == [(1, "z", 3), (2, "y", 2)]


@dataclass(frozen=True, slots=True)
class Settings:
    guild_id: int
    a: str = "default"


async def test_get_guild_settings_reads_the_row_or_the_defaults(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite3") as db:
        await db.execute("CREATE TABLE s (guild_id INTEGER PRIMARY KEY, a TEXT)")
        await upsert(db, "s", {"guild_id": 1, "a": "stored"})

        def convert(row: sqlite3.Row) -> Settings:
            return from_row(Settings, row)

        assert await get_guild_settings(db, "s", 1, convert, Settings) == Settings(1, "stored")
        assert await get_guild_settings(db, "s", 2, convert, Settings) == Settings(2)
