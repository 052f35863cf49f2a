"""What members' applications and private opportunities add to the grants feature's hooks
(bot/features.py): their scheduled kinds and planner, /me export and forget, and the digest's
counts. A base of GrantsCog beside FeedCommands; each hook extends GrantsFeature's own."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.db import Transaction
from bot.features import DigestSection, Forgotten, Job, Planner
from cogs.grants import store_applications
from cogs.grants.feature import GrantsFeature
from cogs.grants.jobs_applications import ApplicationJobs
from cogs.grants.service_applications import ApplicationService

if TYPE_CHECKING:
    from bot.client import HammingBot

# Private opportunities never reach export_guild, calendar_events or status: they are one
# member's data, shown only to them.


class ApplicationsFeature(GrantsFeature):
    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.application_jobs = ApplicationJobs(bot)
        self.applications = ApplicationService(bot, self.application_jobs, self.service)

    def jobs(self) -> Sequence[Job]:
        return [*super().jobs(), *self.application_jobs.jobs()]

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [*super().planners(), ("grant-applications", self.application_jobs.plan)]

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        exported = await super().export_member(guild_id, user_id)
        return exported | await self.applications.export(guild_id, user_id)

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        # Their questions and reminders carry user_id: the core deletes those occurrences.
        forgotten = await super().forget_member(tx, guild_id, user_id)
        rows = await store_applications.delete_member_data(tx, guild_id, user_id)
        return dataclasses.replace(forgotten, rows=forgotten.rows + rows)

    async def list_member_ids(self, guild_id: int) -> set[int]:
        mine = await store_applications.list_member_ids(self.bot.db, guild_id)
        return await super().list_member_ids(guild_id) | mine

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        section = await super().digest_section(guild_id, now)
        lines = tuple(await self.applications.digest_lines(guild_id, now))
        if not lines:
            return section
        if section is None:
            return DigestSection("Grant applications", lines)
        return dataclasses.replace(section, lines=(*section.lines, *lines))
