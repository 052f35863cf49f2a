"""Shared delivery pieces: DM with closed-DM fallback, and the calendar feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import aiohttp
import icalendar
import pytest

from bot import calendar, guilds
from bot.calendar import CalendarEvent
from bot.client import HammingBot
from bot.delivery import Delivered, send_dm_or_fallback
from bot.features import FeatureCog
from tests.conftest import Cohort
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_dm_goes_to_the_member(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    outcome = await send_dm_or_fallback(
        hamming,
        guild_id=cohort.guild,
        user_id=cohort.alice,
        nonce="n-alice-1",
        fallback_channel_id=cohort.channel,
        content="Your reminder",
    )
    assert outcome is Delivered.DM
    assert [m.content for m in fake_discord.dm_messages(cohort.alice)] == ["Your reminder"]
    assert fake_discord.messages(cohort.channel) == []


async def test_closed_dms_fall_back_to_one_mention_and_are_remembered(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    fake_discord.close_dms(cohort.bob)
    for attempt in range(2):
        outcome = await send_dm_or_fallback(
            hamming,
            guild_id=cohort.guild,
            user_id=cohort.bob,
            nonce=f"n-bob-{attempt}",
            fallback_channel_id=cohort.channel,
            content="Your reminder",
        )
        assert outcome is Delivered.FALLBACK
    posted = fake_discord.messages(cohort.channel)
    assert [m.content for m in posted] == [f"<@{cohort.bob}> Your reminder"] * 2
    dm_attempts = fake_discord.requests_matching("POST", r"/channels/\d+/messages$")
    # One DM attempt (refused), then the closed DM is remembered: only channel posts follow.
    assert len(dm_attempts) == 3
    assert await guilds.is_dm_closed(hamming.db, cohort.guild, cohort.bob)
    for record in dm_attempts[1:]:
        mentions = record.json["allowed_mentions"]
        assert mentions["users"] == [str(cohort.bob)] or mentions["users"] == [cohort.bob]
        assert mentions.get("roles", []) == [] and "everyone" not in mentions.get("parse", [])


async def test_calendar_feed_serves_events_and_rotation_revokes_the_old_url(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    start = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)

    class CalendarOnly(FeatureCog):
        """A feature whose only hook is calendar events: the feed serves whatever it gives."""

        name = "calendar_only"
        title = "Calendar test"

        async def calendar_events(self, guild_id: int) -> Sequence[CalendarEvent]:
            if guild_id != cohort.guild:
                return []
            return [
                CalendarEvent(
                    "session-1@hamming",
                    "Reading: Risks from Learned Optimization",
                    start,
                    start + timedelta(hours=1),
                )
            ]

    await hamming.add_cog(CalendarOnly(hamming))
    now = hamming.clock.now()
    secret = await calendar.get_or_create_secret(hamming.db, cohort.guild, now)
    assert await calendar.get_or_create_secret(hamming.db, cohort.guild, now) == secret
    assert hamming.web is not None
    base = f"http://127.0.0.1:{hamming.web.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/calendar/{secret}.ics") as response:
            assert response.status == 200
            assert response.content_type == "text/calendar"
            parsed = icalendar.Calendar.from_ical(await response.read())
        events = list(parsed.walk("VEVENT"))
        assert [str(e["uid"]) for e in events] == ["session-1@hamming"]
        assert events[0].decoded("dtstart") == start
        new_secret = await calendar.rotate_secret(hamming.db, cohort.guild, now)
        async with http.get(f"{base}/calendar/{secret}.ics") as response:
            assert response.status == 404
        async with http.get(f"{base}/calendar/{new_secret}.ics") as response:
            assert response.status == 200
