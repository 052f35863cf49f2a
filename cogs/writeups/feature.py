"""What write-ups tell the core (bot/features.py): declarations, scheduled kinds and hooks
for /about, /me export and forget, /config export and reset, and the weekly digest."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.db import Transaction
from bot.features import DigestSection, FeatureCog, FeatureStatus, Forgotten, Job, Planner
from bot.member_sends import ListsMemberSends, MemberSend
from bot.page import PageSection
from cogs.writeups import messages, pending, store
from cogs.writeups.config import NEEDED
from cogs.writeups.jobs import ANNOUNCE, NUDGE, Jobs
from cogs.writeups.logic import DEFAULT_NUDGE_WEEKS, FEATURE_NAME, stage_counts
from cogs.writeups.page import cohort_page as page_sections
from cogs.writeups.service import Service

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class WriteupsFeature(ListsMemberSends, FeatureCog):
    name = FEATURE_NAME
    title = "Write-ups"
    command_prefixes = ("writeup", "config writeups")
    setup_hint = (
        "`/config writeups channel channel:` is where publications are announced; members "
        "then `/writeup add` and `/writeup publish`."
    )
    channel_permissions = tuple(NEEDED)

    async def cohort_page(self, guild_id: int, now: datetime) -> Sequence[PageSection]:
        return await page_sections(self.bot.db, self.bot.get_guild(guild_id), guild_id, now)

    async def member_sends(self, guild_id: int, user_id: int) -> list[MemberSend]:
        return await pending.member_sends(self.bot, guild_id, user_id)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.jobs_ = Jobs(bot)
        self.service = Service(bot, self.jobs_)

    def jobs(self) -> Sequence[Job]:
        return [
            Job(ANNOUNCE, self.jobs_.handle_announce),
            Job(NUDGE, self.jobs_.handle_nudge),
        ]

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [("writeups", self.jobs_.plan_all)]

    async def status(self, guild_id: int) -> FeatureStatus:
        settings = await self.service.settings.get(guild_id)
        count = len(await store.list_stages(self.bot.db, guild_id))
        return messages.feature_status(settings, count)

    # No get_channel/set_channel: /setup's pages stay as they are; the announcement channel is
    # optional and set with /config writeups channel.

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        return await store.export_member(self.bot.db, guild_id, user_id)

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        # Their nudges name them in the ledger, which the core forgets itself; announcements
        # of their write-ups find the write-up gone and are skipped.
        rows = await store.forget_member(tx, guild_id, user_id)
        log.info("forget: removed %d write-up rows of %s in guild %s", rows, user_id, guild_id)
        return Forgotten(rows)

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        # Settings and numbers only: titles (private or not) are members' data, in /me export.
        settings = await self.service.settings.get(guild_id)
        counts = stage_counts(await store.list_stages(self.bot.db, guild_id))
        return {
            "settings": {
                "channel_id": str(settings.channel_id) if settings.channel_id else None,
                "nudge_weeks": settings.nudge_weeks,
            },
            "writeups_per_stage": {stage: all_ for stage, (all_, _) in counts.items()},
        }

    async def reset_guild(self, tx: Transaction, guild_id: int) -> None:
        await store.delete_settings(tx, guild_id)
        await self.jobs_.replan_guild(guild_id, DEFAULT_NUDGE_WEEKS)  # pending nudges too
        log.info("guild %s: write-up settings reset", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        published = await store.list_public_published(
            self.bot.db, guild_id, now - timedelta(days=7), now
        )
        if not published:
            return None
        return DigestSection("Published this week", messages.digest_lines(published))
