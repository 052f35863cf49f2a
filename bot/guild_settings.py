"""One per-server settings store: typed settings per feature, the audit diff written once.

The analogue of Red-DiscordBot's `Config.register_guild`: a feature declares its settings
once, as a `GuildSettings` built from a frozen dataclass (the defaults are what its store
returns for a server without a row), how to read and write it (its store module, which
keeps the SQL), and how each setting reads to a person (for the audit). Every change then
goes through `save`: read, change, write, one `config_audit` row per setting whose shown
value changed, and the feature's follow-up (a replan) in the same transaction, so a
refused or failed change leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from bot import guilds
from bot.clock import Clock
from bot.db import Database, Transaction

log = logging.getLogger(__name__)

S = TypeVar("S")  # one feature's settings for one server: a frozen dataclass

Reader = Callable[[Database, int], Awaitable[S]]
Writer = Callable[[Transaction, S, datetime], Awaitable[None]]
AfterSave = Callable[[Transaction, S, S], Awaitable[None]]


@dataclass(frozen=True)
class Saved(Generic[S]):
    """What a save stored, and the audited names that changed (empty: nothing did)."""

    old: S
    new: S
    changed: tuple[str, ...]


class GuildSettings(Generic[S]):
    """A feature's per-server settings: typed reads, and saves that audit what changed."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        read: Reader[S],
        write: Writer[S],
        shown: Callable[[S], Mapping[str, str]],
    ) -> None:
        self._db = db
        self._clock = clock
        self._read = read
        self._write = write
        self._shown = shown

    async def get(self, guild_id: int) -> S:
        return await self._read(self._db, guild_id)

    async def save(
        self,
        guild_id: int,
        actor_id: int,
        change: Callable[[S], S],
        *,
        after: AfterSave[S] | None = None,
    ) -> Saved[S]:
        """Read the server's settings, apply `change`, write and audit, all in one
        transaction; `after(tx, old, new)` runs in it too (e.g. replan the next prompt).

        `change` may raise a DomainError to refuse: nothing is written then.
        """
        now = self._clock.now()
        async with self._db.transaction() as tx:
            old = await self._read(self._db, guild_id)
            new = change(old)
            await self._write(tx, new, now)
            changed = await guilds.audit_changes(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                before=dict(self._shown(old)),
                after=dict(self._shown(new)),
                now=now,
            )
            if after is not None:
                await after(tx, old, new)
        log.info("guild %s: %s changed %s", guild_id, actor_id, ", ".join(changed) or "nothing")
        return Saved(old, new, tuple(changed))
