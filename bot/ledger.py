"""The delivery ledger: every SQL statement on the `deliveries` table.

Protocol for one occurrence: `claim` (pending -> claimed, in the database, before anything is
sent), perform the send with a nonce derived from the key, then `finish` (claimed -> done).
A crash between claim and finish leaves the row `claimed`: in doubt, because the send may or
may not have reached Discord. At start-up such rows go back to pending and are retried with the
same nonce, which Discord deduplicates for a few minutes (see docs in README).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.clock import from_unix, to_unix
from bot.db import Database, Transaction

State = Literal["pending", "claimed", "done", "skipped", "failed", "cancelled"]
NONCE_LENGTH = 25  # Discord's limit for a message nonce string


@dataclass(frozen=True)
class Occurrence:
    key: str
    kind: str
    guild_id: int | None
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    state: State = "pending"
    attempts: int = 0
    last_error: str | None = None

    def nonce(self, part: str = "") -> str:
        """A stable nonce for one message of this occurrence (same across retries)."""
        return nonce_for(self.key if not part else f"{self.key}#{part}")


def nonce_for(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:NONCE_LENGTH]


def _row_to_occurrence(row: Any) -> Occurrence:
    return Occurrence(
        key=row["key"],
        kind=row["kind"],
        guild_id=row["guild_id"],
        due_at=from_unix(row["due_at"]),
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
    )


async def insert_occurrence(
    tx: Transaction,
    *,
    key: str,
    kind: str,
    guild_id: int | None,
    due_at: datetime,
    payload: Mapping[str, Any],
    now: datetime,
    user_id: int | None = None,
) -> bool:
    """Add an occurrence unless its key exists (in any state); True if it was added."""
    changed = await tx.execute(
        "INSERT INTO deliveries (key, kind, guild_id, user_id, due_at, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, kind, guild_id, user_id, to_unix(due_at), json.dumps(dict(payload)), to_unix(now)),
    )
    return changed == 1


async def move_pending(tx: Transaction, key: str, due_at: datetime) -> bool:
    changed = await tx.execute(
        "UPDATE deliveries SET due_at = ? WHERE key = ? AND state = 'pending'",
        (to_unix(due_at), key),
    )
    return changed == 1


async def cancel_pending(
    tx: Transaction, *, key: str | None = None, prefix: str | None = None
) -> int:
    """Cancel not-yet-claimed occurrences by exact key or key prefix; returns how many."""
    if key is not None:
        return await tx.execute(
            "UPDATE deliveries SET state = 'cancelled' WHERE key = ? AND state = 'pending'", (key,)
        )
    if prefix is not None:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return await tx.execute(
            "UPDATE deliveries SET state = 'cancelled'"
            " WHERE key LIKE ? ESCAPE '\\' AND state = 'pending'",
            (escaped + "%",),
        )
    raise ValueError("cancel_pending needs a key or a prefix")


async def delete_for_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Forget a member: their scheduled sends, done or not, go (no claimed send is in flight
    for long, and a pending one must not reach someone who asked to be forgotten)."""
    return await tx.execute(
        "DELETE FROM deliveries WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )


async def claim(tx: Transaction, key: str, now: datetime) -> Occurrence | None:
    """pending -> claimed, if due; returns the occurrence if this caller now owns it."""
    changed = await tx.execute(
        "UPDATE deliveries SET state = 'claimed', attempts = attempts + 1, claimed_at = ?"
        " WHERE key = ? AND state = 'pending' AND due_at <= ?",
        (to_unix(now), key, to_unix(now)),
    )
    if changed != 1:
        return None
    row = await tx.fetchone("SELECT * FROM deliveries WHERE key = ?", (key,))
    return _row_to_occurrence(row)


async def finish(
    tx: Transaction, key: str, state: State, now: datetime, error: str | None = None
) -> None:
    await tx.execute(
        "UPDATE deliveries SET state = ?, finished_at = ?, last_error = ?"
        " WHERE key = ? AND state = 'claimed'",
        (state, to_unix(now), error, key),
    )


async def release_for_retry(tx: Transaction, key: str, due_at: datetime, error: str) -> None:
    await tx.execute(
        "UPDATE deliveries SET state = 'pending', due_at = ?, last_error = ?"
        " WHERE key = ? AND state = 'claimed'",
        (to_unix(due_at), error, key),
    )


async def requeue_in_doubt(db: Database) -> list[str]:
    """Claimed rows left by a crash go back to pending (retried with the same nonce)."""
    async with db.transaction() as tx:
        rows = await tx.fetchall("SELECT key FROM deliveries WHERE state = 'claimed'")
        await tx.execute(
            "UPDATE deliveries SET state = 'pending',"
            " last_error = 'in doubt: the bot stopped between claim and confirmation'"
            " WHERE state = 'claimed'"
        )
    return [row["key"] for row in rows]


async def list_claimed_before(db: Database, claimed_before: datetime) -> list[str]:
    """Claims at least this old (in the process or not: the caller knows what is running)."""
    # The first term repeats the partial index's condition so SQLite can use that index.
    rows = await db.fetchall(
        "SELECT key FROM deliveries WHERE state IN ('pending', 'claimed')"
        " AND state = 'claimed' AND claimed_at <= ? ORDER BY claimed_at, key",
        (to_unix(claimed_before),),
    )
    return [row["key"] for row in rows]


async def requeue_claim(tx: Transaction, key: str, claimed_before: datetime, reason: str) -> bool:
    """claimed -> pending (retried with the same nonce), if still claimed since then."""
    changed = await tx.execute(
        "UPDATE deliveries SET state = 'pending', last_error = ?"
        " WHERE key = ? AND state = 'claimed' AND claimed_at <= ?",
        (reason, key, to_unix(claimed_before)),
    )
    return changed == 1


async def list_periodic_runs(db: Database) -> dict[str, datetime]:
    """When each periodic job last ran successfully (a job that never did is absent)."""
    rows = await db.fetchall("SELECT name, last_run_at FROM periodic_runs")
    return {row["name"]: from_unix(row["last_run_at"]) for row in rows}


async def record_periodic_run(tx: Transaction, name: str, started_at: datetime) -> None:
    await tx.execute(
        "INSERT INTO periodic_runs (name, last_run_at) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at",
        (name, to_unix(started_at)),
    )


async def list_due_keys(db: Database, now: datetime, limit: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT key FROM deliveries WHERE state = 'pending' AND due_at <= ?"
        " ORDER BY due_at, key LIMIT ?",
        (to_unix(now), limit),
    )
    return [row["key"] for row in rows]


async def get_next_due(db: Database) -> datetime | None:
    row = await db.fetchone("SELECT MIN(due_at) AS due FROM deliveries WHERE state = 'pending'")
    return None if row is None or row["due"] is None else from_unix(row["due"])


async def get_occurrence(db: Database, key: str) -> Occurrence | None:
    row = await db.fetchone("SELECT * FROM deliveries WHERE key = ?", (key,))
    return None if row is None else _row_to_occurrence(row)


async def list_occurrences(
    db: Database,
    *,
    guild_id: int | None = None,
    kind: str | None = None,
    states: tuple[State, ...] = ("pending",),
    limit: int = 100,
) -> list[Occurrence]:
    clauses = [f"state IN ({','.join('?' * len(states))})"]
    params: list[Any] = list(states)
    if guild_id is not None:
        clauses.append("guild_id = ?")
        params.append(guild_id)
    if kind is not None:
        clauses.append("kind = ?")
        params.append(kind)
    params.append(limit)
    rows = await db.fetchall(
        f"SELECT * FROM deliveries WHERE {' AND '.join(clauses)} ORDER BY due_at, key LIMIT ?",  # noqa: S608 - clauses are fixed strings
        params,
    )
    return [_row_to_occurrence(row) for row in rows]


async def list_with_prefix(
    db: Database, prefix: str, *, kind: str, states: tuple[State, ...]
) -> list[Occurrence]:
    """Occurrences whose key starts with `prefix` (a range on the key index, not a scan)."""
    if not prefix:
        raise ValueError("list_with_prefix needs a non-empty prefix")
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first key past every prefixed one
    marks = ",".join("?" * len(states))
    rows = await db.fetchall(
        f"SELECT * FROM deliveries WHERE key >= ? AND key < ? AND kind = ? AND state IN ({marks})"  # noqa: S608 - only placeholders are formatted in
        " ORDER BY key",
        (prefix, upper, kind, *states),
    )
    return [_row_to_occurrence(row) for row in rows]


async def list_member_ids(db: Database, guild_id: int) -> set[int]:
    """Members some occurrence of the server is for."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM deliveries WHERE guild_id = ? AND user_id IS NOT NULL",
        (guild_id,),
    )
    return {row["user_id"] for row in rows}


async def list_for_member(db: Database, guild_id: int, user_id: int) -> list[Any]:
    """A member's occurrences in a server, soonest first (for /me export)."""
    return await db.fetchall(
        "SELECT key, kind, due_at, state FROM deliveries WHERE guild_id = ? AND user_id = ?"
        " ORDER BY due_at",
        (guild_id, user_id),
    )


async def delete_by_payload_member(
    tx: Transaction, guild_id: int, kinds: Sequence[str], field: str, user_id: int
) -> int:
    """Occurrences of `kinds` recorded before the ledger kept their member (no `user_id`),
    found by the member their payload names under `field` (forgetting a member)."""
    marks = ", ".join("?" for _ in kinds)
    return await tx.execute(
        f"DELETE FROM deliveries WHERE guild_id = ? AND kind IN ({marks}) AND user_id IS NULL"  # noqa: S608 - only placeholders
        f" AND json_extract(payload, '$.{field}') = ?",
        (guild_id, *kinds, user_id),
    )


async def forget_payload_member(
    tx: Transaction, guild_id: int, kind: str, field: str, user_id: int
) -> int:
    """Remove a member's id from the payloads of a kind's occurrences (e.g. who ran a
    command), keeping the occurrences other members depend on."""
    return await tx.execute(
        f"UPDATE deliveries SET payload = json_remove(payload, '$.{field}')"  # noqa: S608 - a field name from code
        f" WHERE guild_id = ? AND kind = ? AND json_extract(payload, '$.{field}') = ?",
        (guild_id, kind, user_id),
    )


async def list_pending_for_member(
    db: Database, guild_id: int, user_id: int, kinds: Sequence[str]
) -> list[Occurrence]:
    """A member's pending occurrences of `kinds` in a server, soonest first (/me reminders)."""
    marks = ", ".join("?" for _ in kinds)
    sql = (
        "SELECT * FROM deliveries WHERE guild_id = ? AND user_id = ? AND state = 'pending'"  # noqa: S608 - only placeholders are formatted in
        f" AND kind IN ({marks}) ORDER BY due_at, key"
    )
    rows = await db.fetchall(sql, (guild_id, user_id, *kinds))
    return [_row_to_occurrence(row) for row in rows]


async def list_pending_of_kind(db: Database, guild_id: int, kind: str) -> list[Occurrence]:
    """A server's pending occurrences of one kind, soonest first."""
    rows = await db.fetchall(
        "SELECT * FROM deliveries WHERE guild_id = ? AND kind = ? AND state = 'pending'"
        " ORDER BY due_at, key",
        (guild_id, kind),
    )
    return [_row_to_occurrence(row) for row in rows]


async def cancel_pending_of_member(tx: Transaction, key: str, user_id: int) -> int:
    """Cancel one pending occurrence only if it is for `user_id`; returns how many (0 or 1)."""
    return await tx.execute(
        "UPDATE deliveries SET state = 'cancelled'"
        " WHERE key = ? AND user_id = ? AND state = 'pending'",
        (key, user_id),
    )
