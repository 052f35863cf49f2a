"""The Hamming loop's scheduled side: at a round's close, one private note to each member
whose drift began in that round.

- `checkin-drift` (`checkin-drift:<round>:<user>`): fanned out by the close (`checkin-close`)
  to the members `drift_began` picks; one DM each, exactly once (the ledger's key). Drift is
  never told in public: with DMs closed the note is skipped (and logged), with no fallback.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import Job
from bot.ledger import Occurrence
from bot.scheduler import Kind, SkipOccurrence
from cogs.checkins import store, store_reflections
from cogs.checkins.messages_reflections import drift_dm_text
from cogs.checkins.reflections import Reflected, drift_began
from cogs.checkins.store import Round

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

# A note about last week is still kind a few days late; after a week it is moot.
DRIFT = Kind("checkin-drift", timedelta(days=7), ("round", "user"))


class DriftJobs:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    def jobs(self) -> list[Job]:
        return [Job(DRIFT, self.handle_drift)]

    async def drifting_members(self, round_: Round) -> list[int]:
        """The members whose drift began in this round (so each run is told once)."""
        settings = await store.get_settings(self.bot.db, round_.guild_id)
        found = []
        for user_id in await store_reflections.list_round_reflectors(self.bot.db, round_.id):
            rows = await store_reflections.list_member_loop(
                self.bot.db, round_.guild_id, user_id, through_week=round_.week
            )
            history = [Reflected(week, mark, on_path) for week, mark, on_path in rows]
            if drift_began(history, round_.week, settings.drift_weeks):
                found.append(user_id)
        return found

    async def fan_out(self, round_: Round) -> None:
        """At the close: one `checkin-drift` per member whose drift began in this round."""
        targets = await self.drifting_members(round_)
        if targets:
            await self.bot.scheduler.fan_out(
                DRIFT,
                (round_.id,),
                targets,
                self.bot.clock.now(),
                guild_id=round_.guild_id,
                payload={"round_id": round_.id},
            )
        log.info("round %s: %d private drift notes to send", round_.id, len(targets))

    async def handle_drift(self, occurrence: Occurrence) -> None:
        round_ = await store.get_round(self.bot.db, int(occurrence.payload["round_id"]))
        user_id = int(occurrence.payload["user_id"])
        guild = self.bot.get_guild(round_.guild_id) if round_ else None
        if round_ is None or guild is None or guild.get_member(user_id) is None:
            raise SkipOccurrence("the round, the server or the member is gone")
        settings = await store.get_settings(self.bot.db, round_.guild_id)
        outcome = await send_dm_or_fallback(
            self.bot,
            guild_id=round_.guild_id,
            user_id=user_id,
            nonce=occurrence.nonce(),
            fallback_channel_id=None,  # drift is private: never a mention in a channel
            content=drift_dm_text(guild.name, settings.drift_weeks),
        )
        if outcome is Delivered.UNREACHABLE:
            log.info("round %s: %s has DMs closed; the drift note is skipped", round_.id, user_id)
            raise SkipOccurrence("DMs closed; drift is never told in public")
        log.info("round %s: sent %s a private drift note", round_.id, user_id)
