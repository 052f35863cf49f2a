"""What grant deadlines tell the core's server-wide tools: /setup, /help, /me export and forget,
/config export and reset, and the weekly digest (see bot/features.py)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord

from bot.db import Transaction
from bot.features import DigestSection, FeatureCog, Forgotten
from bot.ui import UserError
from cogs.grants import store
from cogs.grants.config import apply_setup
from cogs.grants.logic import (
    FEATURE_NAME,
    Grant,
    digest_lines,
    offsets_text,
    without_member,
)

if TYPE_CHECKING:
    from cogs.grants.cog import GrantsCog
    from cogs.grants.reminders import Reminders

log = logging.getLogger(__name__)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _grant_summary(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "name": grant.name,
        "deadline": _iso(grant.deadline),
        "deadline_zone": grant.deadline_zone,
        "rolling": grant.rolling,
        "url": grant.url,
    }


class GrantsFeature(FeatureCog):
    """What grant deadlines tells the core (bot/features.py): declarations and hooks."""

    name: ClassVar[str] = FEATURE_NAME
    title: ClassVar[str] = "Grant deadlines"
    command_prefixes: ClassVar[tuple[str, ...]] = ("grants", "config grants")
    setup_hint: ClassVar[str] = (
        "`/config grants setup channel:` picks where deadline reminders go;"
        " `/grants starter-pack` lists well-known funders."
    )
    channel_permissions: ClassVar[tuple[str, ...]] = (
        "view_channel",
        "send_messages",
        "embed_links",
    )

    reminders: Reminders  # set by GrantsCog.__init__

    async def get_channel(self, guild_id: int) -> int | None:
        return (await store.get_settings(self.bot.db, guild_id)).channel_id

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError("I can't see that channel; pick a text channel I can view.")
        # The same checks, audit rows and rescheduling as /config grants setup channel:.
        await apply_setup(cast("GrantsCog", self), guild_id, actor_id, channel=channel)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        subs = await store.list_member_subscriptions(self.bot.db, guild_id, user_id)
        names = {g.id: g.name for g in await store.list_grants(self.bot.db, guild_id)}
        added = await store.list_grants_created_by(self.bot.db, guild_id, user_id)
        feeds = await store.list_feeds_added_by(self.bot.db, guild_id, user_id)
        return {
            "subscriptions": [
                {
                    "grant": "every grant"
                    if s.grant_id is None
                    else {"id": s.grant_id, "name": names.get(s.grant_id)},
                    "offsets_before_deadline": offsets_text(s.offsets) or None,
                    "muted": s.grant_id is not None and not s.offsets,
                    "since": _iso(s.created_at),
                }
                for s in subs
            ],
            "grants_added": [_grant_summary(g) for g in added],
            "feeds_imported": [{"url": f.url, "added_at": _iso(f.added_at)} for f in feeds],
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        # Their reminder occurrences carry user_id, so the core deletes them with its own rows.
        rows = await store.delete_grant_subscriptions_of_member(tx, guild_id, user_id)
        rows += await store.update_anonymise_member(tx, guild_id, user_id)
        now = self.bot.clock.now()
        for grant in await store.list_grants_mentioning(self.bot.db, guild_id, str(user_id)):
            scrubbed = dataclasses.replace(
                grant,
                funder=without_member(grant.funder, user_id) if grant.funder else None,
                notes=without_member(grant.notes, user_id) if grant.notes else None,
            )
            await store.update_grant(tx, scrubbed, now)
            rows += 1
        log.info("forget: removed %d grant rows of member %s in guild %s", rows, user_id, guild_id)
        return Forgotten(rows)

    async def export_guild(self, guild_id: int) -> dict[str, Any]:
        settings = await store.get_settings(self.bot.db, guild_id)
        feeds = await store.list_feeds(self.bot.db, guild_id)
        urls = {f.id: f.url for f in feeds}
        counts = await store.count_subscriptions(self.bot.db, guild_id)
        return {
            "settings": {
                "channel_id": str(settings.channel_id) if settings.channel_id else None,
                "offsets": offsets_text(settings.offsets),
                "rolling_nudge": settings.rolling_nudge,
            },
            "grants": [
                {
                    **_grant_summary(g),
                    "status": g.status,
                    "funder": g.funder,
                    "notes": g.notes,
                    "imported_from": urls.get(g.feed_id) if g.feed_id is not None else None,
                    "added_by": str(g.created_by) if g.created_by else None,
                    "subscribers": counts.get(g.id, 0),
                }
                for g in await store.list_grants(self.bot.db, guild_id)
            ],
            "subscribers_to_every_grant": counts.get(None, 0),
            "feeds": [
                {
                    "url": f.url,
                    "added_at": _iso(f.added_at),
                    "last_fetched_at": _iso(f.last_fetched_at),
                    "last_error": f.last_error,
                }
                for f in feeds
            ],
        }

    async def reset_guild(self, tx: Transaction, guild_id: int) -> None:
        # Grants, feeds and members' subscriptions are data and stay. Pending channel
        # reminders need no cancelling: each one re-reads the settings and, with no channel
        # set, skips; members' own reminders share those occurrences and must keep coming.
        await store.delete_settings(tx, guild_id)
        await self.reminders.cancel_nudges(guild_id)
        log.info("guild %s: grant settings reset (no channel, default offsets, no nudge)", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        lines = digest_lines(await store.list_upcoming_grants(self.bot.db, now, guild_id), now)
        return DigestSection("Next grant deadlines", lines) if lines else None

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)
