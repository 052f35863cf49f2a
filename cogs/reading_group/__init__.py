"""Reading group: the reading list, scheduled sessions with RSVPs and reminders, time polls,
discussion-lead rotation and a calendar feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from discord import app_commands

if TYPE_CHECKING:
    from bot.calendar import CalendarEvent
    from bot.client import FeatureStatus, HammingBot

CALENDAR_PAST = timedelta(days=90)  # past sessions stay in the feed this long


async def setup(bot: HammingBot) -> None:
    from bot.calendar import CalendarEvent
    from cogs.reading_group import store
    from cogs.reading_group.cog import ReadingCog
    from cogs.reading_group.config import ReadingConfig, feature_status
    from cogs.reading_group.feature import reading_feature
    from cogs.reading_group.views import PageButton, PollButton, RsvpButton, event_link

    cog = ReadingCog(bot)
    await bot.add_cog(cog)
    bot.add_dynamic_items(RsvpButton, PollButton, PageButton)
    cog.occurrences.register(bot.scheduler)
    config_group = bot.tree.get_command("config")
    assert isinstance(config_group, app_commands.Group)
    config = ReadingConfig(cog)
    config_group.add_command(config)
    bot.register_feature(reading_feature(cog, config))

    async def calendar_events(guild_id: int) -> Sequence[CalendarEvent]:
        since = bot.clock.now() - CALENDAR_PAST
        sessions = await store.list_calendar_sessions(bot.db, guild_id, since)
        return [
            CalendarEvent(
                uid=f"reading-session-{s.id}@hamming",
                summary=f"Reading group: {s.title}",
                start=s.starts_at,
                end=s.ends_at,
                description="\n".join(
                    line
                    for line in (
                        s.url,
                        f"Event: {event_link(s.guild_id, s.event_id)}" if s.event_id else None,
                    )
                    if line
                )
                or None,
                url=s.url,
            )
            for s in sessions
        ]

    async def status(guild_id: int) -> FeatureStatus:
        return await feature_status(bot, guild_id)

    bot.add_calendar_source(calendar_events)
    bot.add_feature_status(status)
