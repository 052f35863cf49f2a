"""What the agenda's commands and buttons do: save a version, read an agenda (respecting
the owner's privacy), compare versions and change the privacy setting."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot import guilds
from bot.checks import in_cohort
from bot.ui import UserError
from cogs.agenda import store
from cogs.agenda.logic import agenda_diff, agenda_from_fields, check_may_read, select_versions
from cogs.agenda.messages import Reply, diff_reply, saved_text, unchanged_text, versions_list
from cogs.agenda.store import Version

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


class Agendas:
    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot

    async def current(self, guild_id: int, user_id: int) -> Version | None:
        return await store.get_current(self.bot.db, guild_id, user_id)

    async def save(
        self, guild_id: int, user_id: int, values: Sequence[str], *, blank_slate: bool
    ) -> Reply:
        """Save the submitted parts as a new version (unless they equal the current one); a
        blank-slate rewrite is answered with what changed against the previous version."""
        agenda = agenda_from_fields(values)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            previous = await store.get_current(tx, guild_id, user_id)
            if previous is not None and previous.agenda == agenda:
                return Reply(unchanged_text(previous))
            number = await store.insert_version(
                tx, guild_id, user_id, agenda, blank_slate=blank_slate, now=now
            )
        saved = Version(guild_id, user_id, number, *agenda.texts(), blank_slate, now)
        log.info("guild %s: member %s saved agenda version %s", guild_id, user_id, number)
        if not blank_slate:
            return Reply(saved_text(saved))
        intro = saved_text(saved) + "\nYou wrote it from a blank slate."
        return diff_reply(
            intro, previous, saved, agenda_diff(previous.agenda if previous else None, agenda)
        )

    async def readable_versions(
        self, guild: discord.Guild, viewer_id: int, owner_id: int
    ) -> tuple[list[Version], bool]:
        """The owner's versions and privacy, if `viewer_id` may read them; else a plain error."""
        private = await store.get_private(self.bot.db, guild.id, owner_id)
        viewer = guild.get_member(viewer_id)
        settings = await guilds.get_guild_settings(self.bot.db, guild.id)
        # The cohort reads shared agendas; so do its organisers (moderators), who may not hold
        # the cohort role. A private agenda stays the member's alone.
        organiser = viewer is not None and (
            viewer.guild_permissions.manage_guild
            or any(role.id == settings.moderator_role_id for role in viewer.roles)
        )
        cohort = viewer is not None and (in_cohort(viewer, settings.cohort_role_id) or organiser)
        check_may_read(viewer_id=viewer_id, owner_id=owner_id, private=private, in_cohort=cohort)
        versions = await store.list_versions(self.bot.db, guild.id, owner_id)
        if not versions:
            whose = "You have" if viewer_id == owner_id else f"<@{owner_id}> has"
            hint = " Write yours with `/agenda edit`." if viewer_id == owner_id else ""
            raise UserError(f"{whose} no research agenda in this server yet.{hint}")
        return versions, private

    async def history(
        self,
        guild: discord.Guild,
        viewer_id: int,
        owner_id: int,
        from_version: int | None,
        to_version: int | None,
    ) -> Reply:
        versions, _ = await self.readable_versions(guild, viewer_id, owner_id)
        listed = versions_list(owner_id, versions)
        chosen = select_versions(len(versions), from_version, to_version)
        if chosen is None:
            return diff_reply(listed, None, versions[-1], [])
        before, after = versions[chosen[0] - 1], versions[chosen[1] - 1]
        return diff_reply(listed, before, after, agenda_diff(before.agenda, after.agenda))

    async def set_privacy(self, guild_id: int, user_id: int, *, private: bool) -> None:
        async with self.bot.db.transaction() as tx:
            await store.upsert_privacy(
                tx, guild_id, user_id, private=private, now=self.bot.clock.now()
            )
        log.info("guild %s: member %s set agenda privacy private=%s", guild_id, user_id, private)
