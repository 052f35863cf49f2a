"""Write-ups' scheduled sends: the one announcement of a publication, and the one nudge per
stage entry. Each is a keyed ledger occurrence, so neither is ever sent twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import to_unix
from bot.delivery import Delivered, send_dm_or_fallback
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from cogs.writeups import messages, store
from cogs.writeups.logic import FEATURE_NAME, nudge_due
from cogs.writeups.store import Writeup

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# Keyed by the write-up alone: publishing it again (or after a restart) finds the key taken.
ANNOUNCE = Kind("writeup-announce", timedelta(days=2), ("guild", "writeup"))
# Keyed by the write-up and when it entered its stage: one nudge per stage entry.
NUDGE = Kind("writeup-nudge", timedelta(days=7), ("guild", "writeup", "since"))


class Jobs:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    async def plan_nudge(self, w: Writeup, weeks: int) -> None:
        """Make sure the nudge of the write-up's current stage is due N weeks after it began."""
        due = nudge_due(w.stage, w.stage_since, weeks)
        if due is None:
            return
        key = NUDGE.key(w.guild_id, w.id, to_unix(w.stage_since))
        added = await self.bot.scheduler.schedule(
            key,
            NUDGE,
            due,
            guild_id=w.guild_id,
            user_id=w.author_id,
            payload={"writeup": w.id},
        )
        if not added:  # planned before with another interval: move it if it is still pending
            await self.bot.scheduler.reschedule(key, due)

    async def replan_guild(self, guild_id: int, weeks: int) -> None:
        """Every open write-up's nudge at `weeks` (joins the caller's transaction)."""
        for w in await store.list_open_writeups(self.bot.db, guild_id):
            await self.plan_nudge(w, weeks)

    async def plan_all(self, now: datetime) -> None:
        """At start-up: every open write-up's nudge exists (idempotent by key)."""
        for guild_id in await store.list_guild_ids(self.bot.db):
            settings = await store.get_settings(self.bot.db, guild_id)
            await self.replan_guild(guild_id, settings.nudge_weeks)

    async def schedule_announcement(self, w: Writeup, now: datetime) -> str | None:
        """The announcement's key if one is newly planned (None: private, or already done)."""
        if w.private:
            return None
        key = ANNOUNCE.key(w.guild_id, w.id)
        added = await self.bot.scheduler.schedule(
            key, ANNOUNCE, now, guild_id=w.guild_id, payload={"writeup": w.id}
        )
        return key if added else None

    async def handle_announce(self, occurrence: Occurrence) -> None:
        w = await store.get_writeup(self.bot.db, int(occurrence.payload["writeup"]))
        if w is None or w.private or w.stage != "published":
            raise SkipOccurrence("the write-up is gone, private or no longer published")
        settings = await store.get_settings(self.bot.db, w.guild_id)
        if settings.channel_id is None:
            raise SkipOccurrence("no announcement channel is set")
        channel = self.bot.get_partial_messageable(settings.channel_id, guild_id=w.guild_id)
        await channel.send(embed=messages.announcement(w), nonce=occurrence.nonce())
        log.info("guild %s: announced write-up %s in %s", w.guild_id, w.id, settings.channel_id)

    async def handle_nudge(self, occurrence: Occurrence) -> None:
        w = await store.get_writeup(self.bot.db, int(occurrence.payload["writeup"]))
        since = occurrence.key.rsplit(":", 1)[-1]
        if w is None or w.stage == "published" or str(to_unix(w.stage_since)) != since:
            raise SkipOccurrence("the write-up moved on (or is gone)")
        settings = await store.get_settings(self.bot.db, w.guild_id)
        if settings.nudge_weeks <= 0:
            raise SkipOccurrence("moderators turned nudges off")
        if not await store.get_nudges_on(self.bot.db, w.guild_id, w.author_id):
            raise SkipOccurrence("the member turned nudges off")
        delivered = await send_dm_or_fallback(
            self.bot,
            guild_id=w.guild_id,
            user_id=w.author_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=None,  # a gentle nudge is not worth a public mention
            content=messages.nudge_text(w, settings.nudge_weeks),
            feature=FEATURE_NAME,
        )
        if delivered is Delivered.UNREACHABLE:
            log.info(
                "guild %s: write-up nudge for %s not delivered (DMs closed)",
                w.guild_id,
                w.author_id,
            )
