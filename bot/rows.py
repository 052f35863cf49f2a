"""Small helpers the feature stores share: a stored row to a dataclass and back, the reading
of selected rows as dataclasses (`RowReader`), `IN (...)` placeholders, and the
one-row-per-key upsert.

A store's dataclass names its fields after the table's columns; `from_row` and `to_row` copy
the fields by name and pass the few that are stored differently (times, flags, JSON) through
the converters given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.clock import from_unix
from bot.db import Database, Params, Transaction

T = TypeVar("T")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in fields(cls))
    return names


def optional_time(value: int | None) -> datetime | None:
    """A nullable unix-seconds column as a UTC datetime (None stays None)."""
    return None if value is None else from_unix(value)


def from_row(
    cls: type[T],
    row: Any,
    /,
    columns: Mapping[str, str] | None = None,
    **convert: Callable[[Any], Any],
) -> T:
    """An instance of dataclass `cls` with each field read from the column of its name (or
    the one `columns` names for it), through `convert[field]` when one is given."""
    renamed = columns or {}
    values = {}
    for name in _field_names(cls):
        value = row[renamed.get(name, name)]
        values[name] = convert[name](value) if name in convert else value
    return cls(**values)


class RowReader(Generic[T]):
    """How a store reads one kind of row: `reader(row)` is `from_row` with the dataclass, the
    renamed columns and the converters given once; `all` and `one` select and read."""

    def __init__(
        self,
        cls: type[T],
        /,
        columns: Mapping[str, str] | None = None,
        **convert: Callable[[Any], Any],
    ) -> None:
        self.cls = cls
        self.columns = columns
        self.convert = convert

    def __call__(self, row: Any, /) -> T:
        return from_row(self.cls, row, self.columns, **self.convert)

    async def all(self, db: Database | Transaction, sql: str, params: Params = ()) -> list[T]:
        """Every row `sql` selects, read."""
        return [self(row) for row in await db.fetchall(sql, params)]

    async def one(self, db: Database | Transaction, sql: str, params: Params = ()) -> T | None:
        """The row `sql` selects, read; None when it selects none."""
        row = await db.fetchone(sql, params)
        return None if row is None else self(row)


def to_row(instance: Any, /, **convert: Callable[[Any], Any]) -> dict[str, Any]:
    """A dataclass instance as {column: value}, the inverse of `from_row`."""
    values = {}
    for name in _field_names(type(instance)):
        value = getattr(instance, name)
        values[name] = convert[name](value) if name in convert else value
    return values


async def changed_one(tx: Database | Transaction, sql: str, params: Params = ()) -> bool:
    """Run an UPDATE or DELETE meant for one row; whether it changed exactly one (a guarded
    change whose guard no longer holds changes none)."""
    return await tx.execute(sql, params) == 1


def marks(values: Collection[object]) -> str:
    """The `?,?,?` placeholders of an `IN (...)` list with one per value."""
    return ",".join("?" * len(values))


def upsert_sql(table: str, columns: Sequence[str], key: Sequence[str] = ("guild_id",)) -> str:
    """INSERT of `columns` that, when a row with the same `key` exists, overwrites its other
    columns instead."""
    updated = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(columns)})"  # noqa: S608 - names from code
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updated}"
    )


async def upsert(
    db: Database | Transaction,
    table: str,
    values: Mapping[str, object],
    key: Sequence[str] = ("guild_id",),
) -> None:
    """Insert the row `values` ({column: value}), or overwrite the one with the same `key`."""
    await db.execute(upsert_sql(table, tuple(values), key), tuple(values.values()))


async def get_guild_settings(
    db: Database | Transaction,
    table: str,
    guild_id: int,
    convert: Callable[[Any], T],
    default: Callable[[int], T],
) -> T:
    """A feature's settings row of the server through `convert`, or `default(guild_id)` (a new
    server's settings) when none is stored."""
    row = await db.fetchone(f"SELECT * FROM {table} WHERE guild_id = ?", (guild_id,))  # noqa: S608 - table from code
    return default(guild_id) if row is None else convert(row)
