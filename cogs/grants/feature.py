"""What grant deadlines tell the core (bot/features.py): declarations, scheduled kinds, hooks
for /setup, /about, /help, /me export and forget, /config export and reset, the digest, the
calendar feed and time-zone changes; and the /grants group, whose commands are in cog.py
(grants and subscriptions) and cog_feeds.py (imported feeds)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.calendar import CalendarEvent
from bot.db import Transaction
from bot.features import DigestSection, FeatureCog, FeatureStatus, Forgotten, Job, Planner
from bot.guild_settings import GuildSettings
from bot.member_sends import ListsMemberSends, MemberSend
from bot.page import PageSection
from bot.ui import UserError
from cogs.grants import pending, store
from cogs.grants.config import GrantsConfig, apply_setup
from cogs.grants.jobs import GrantJobs
from cogs.grants.logic import FEATURE_NAME, Grant, format_offsets, without_member
from cogs.grants.messages import digest_lines, status_summary
from cogs.grants.page import cohort_page as page_sections
from cogs.grants.service import GrantService
from cogs.grants.service_feeds import FeedImporter

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)

CALENDAR_HISTORY = timedelta(days=90)  # past deadlines stay in calendar apps for a while

# One group for every /grants command; GrantsCog and its FeedCommands add theirs to it.
grants = app_commands.Group(
    name="grants", description="Grant deadlines and reminders", guild_only=True
)


def shown_settings(settings: store.GrantSettings) -> dict[str, str]:
    """The settings as the configuration audit trail names and shows them."""
    return {
        "grants.channel": f"<#{settings.channel_id}>" if settings.channel_id else "none",
        "grants.offsets": format_offsets(settings.offsets),
        "grants.rolling_nudge": str(settings.rolling_nudge).lower(),
    }


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


class GrantsFeature(ListsMemberSends, FeatureCog):
    """What grant deadlines tells the core (bot/features.py): declarations and hooks."""

    name = FEATURE_NAME
    title = "Grant deadlines"
    command_prefixes = ("grants", "config grants")
    setup_hint = (
        "`/config grants setup channel:` picks where deadline reminders go;"
        " `/grants starter-pack` lists well-known funders."
    )

    async def cohort_page(self, guild_id: int, now: datetime) -> Sequence[PageSection]:
        return await page_sections(self.bot.db, guild_id, now)

    async def member_sends(self, guild_id: int, user_id: int) -> list[MemberSend]:
        return await pending.member_sends(self.bot, guild_id, user_id)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.settings = GuildSettings(
            bot.db,
            bot.clock,
            read=store.get_settings,
            write=store.upsert_settings,
            shown=shown_settings,
        )
        # The daily refresh (a job) runs the import, which plans reminders through the jobs.
        self.grant_jobs = GrantJobs(
            bot, self.settings, lambda guild_id: self.importer.refresh_guild(guild_id)
        )
        self.importer = FeedImporter(bot, self.grant_jobs)
        self.service = GrantService(bot, self.grant_jobs, self.settings)
        self.config_group = GrantsConfig(self.service)

    def jobs(self) -> Sequence[Job]:
        return self.grant_jobs.jobs()

    def planners(self) -> Sequence[tuple[str, Planner]]:
        return [("grants", self.grant_jobs.plan), ("grant-feeds", self.grant_jobs.plan_refreshes)]

    async def status(self, guild_id: int) -> FeatureStatus:
        settings = await self.settings.get(guild_id)
        upcoming, rolling, unknown = await store.count_grants(
            self.bot.db, guild_id, self.bot.clock.now()
        )
        feeds = len(await store.list_feeds(self.bot.db, guild_id))
        summary = status_summary(settings, upcoming, rolling, unknown, feeds)
        return FeatureStatus("Grant deadlines", settings.channel_id is not None, summary)

    async def get_channel(self, guild_id: int) -> int | None:
        return (await self.settings.get(guild_id)).channel_id

    async def set_channel(self, guild_id: int, channel_id: int, actor_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError("I can't see that channel; pick a text channel I can view.")
        # The same checks, audit rows and rescheduling as /config grants setup channel:.
        await apply_setup(self.service, guild_id, actor_id, channel=channel)

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
                    "offsets_before_deadline": format_offsets(s.offsets) or None,
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
        settings = await self.settings.get(guild_id)
        feeds = await store.list_feeds(self.bot.db, guild_id)
        urls = {f.id: f.url for f in feeds}
        counts = await store.count_subscriptions(self.bot.db, guild_id)
        return {
            "settings": {
                "channel_id": str(settings.channel_id) if settings.channel_id else None,
                "offsets": format_offsets(settings.offsets),
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
        await self.grant_jobs.cancel_nudges(guild_id)
        log.info("guild %s: grant settings reset (no channel, default offsets, no nudge)", guild_id)

    async def digest_section(self, guild_id: int, now: datetime) -> DigestSection | None:
        lines = digest_lines(await store.list_upcoming_grants(self.bot.db, now, guild_id), now)
        return DigestSection("Next grant deadlines", lines) if lines else None

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)

    async def calendar_events(self, guild_id: int) -> Sequence[CalendarEvent]:
        since = self.bot.clock.now() - CALENDAR_HISTORY
        events = []
        for grant in await store.list_upcoming_grants(self.bot.db, since, guild_id):
            assert grant.deadline is not None
            details = [grant.funder or "", grant.notes or ""]
            events.append(
                CalendarEvent(
                    uid=f"grant-{grant.id}@hamming",
                    summary=f"Deadline: {grant.name}",
                    start=grant.deadline,
                    description="\n".join(d for d in details if d) or None,
                    url=grant.url,
                )
            )
        return events

    async def zone_changed(self, guild_id: int) -> None:
        # Reminders keep the zone each deadline was typed in; the nudge and refresh follow
        # the server's.
        await self.grant_jobs.zone_changed(guild_id)
