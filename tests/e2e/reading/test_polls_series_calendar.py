"""Time polls, the weekly series and the calendar feed, end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import icalendar
import pytest

from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.reading.conftest import NOW, Room, answer
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

# Read in Berlin on Thursday 3 Dec 2026: Tue 8, Wed 9 and Thu 10 Dec at 18:00 (17:00 UTC).
OPTIONS = [datetime(2026, 12, d, 17, 0, tzinfo=UTC) for d in (8, 9, 10)]


async def add(fake: FakeDiscord, cohort: Cohort, *titles: str) -> None:
    for title in titles:
        await fake.invoke(
            cohort.guild,
            cohort.alice,
            "reading add",
            {"title": title, "url": f"https://example.org/{title.split()[0].lower()}"},
        )


async def test_a_poll_counts_toggles_and_schedules_the_winner_once(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "Concrete Problems in AI Safety")
    too_many = ", ".join(f"{h}:00" for h in range(8, 19))
    refused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "reading poll", {"options": too_many}
    )
    assert "at most 10" in await answer(refused)
    assert rows(runner, "SELECT * FROM reading_polls") == []

    opened = await fake_discord.invoke(
        cohort.guild,
        cohort.alice,
        "reading poll",
        {"options": "tue 18:00, wed 18:00, thu 18:00", "closes": "12h"},
    )
    assert "closes" in await answer(opened)
    poll = fake_discord.messages(room.channel)[0]
    lines = poll.embeds[0]["description"]
    for n, when in enumerate(OPTIONS, 1):
        assert f"**{n}.** <t:{int(when.timestamp())}:F>" in lines
    poll_id = rows(runner, "SELECT id FROM reading_polls")[0]["id"]

    async def vote(user: int, position: int) -> None:
        await fake_discord.click(poll, user, custom_id=f"reading:poll:{poll_id}:{position}")

    await vote(cohort.alice, 1)
    await vote(cohort.alice, 2)
    await vote(cohort.bob, 2)
    await vote(cohort.moderator, 3)
    await vote(cohort.moderator, 3)  # changed their mind
    await vote(cohort.moderator, 1)
    labels = [b["label"] for row in poll.components for b in row["components"]]
    assert labels == ["1 · 2", "2 · 2", "3 · 0"]

    runner.clock.set(NOW + timedelta(hours=12))
    bot = runner.bot
    assert bot is not None
    await bot.scheduler.run_due()
    session = rows(runner, "SELECT * FROM reading_sessions")
    assert len(session) == 1
    assert session[0]["starts_at"] == int(OPTIONS[0].timestamp())  # a tie: the earliest wins
    assert session[0]["title"] == "Concrete Problems in AI Safety"
    events = fake_discord.scheduled_events(cohort.guild)
    assert len(events) == 1
    assert datetime.fromisoformat(events[0]["scheduled_start_time"]) == OPTIONS[0]
    assert poll.components == [] and "option 1 won" in poll.embeds[0]["description"]
    result, announcement = fake_discord.messages(room.channel)[1:]
    assert f"<t:{int(OPTIONS[0].timestamp())}:F>" in result.content
    fields = {f["name"]: f["value"] for f in announcement.embeds[0]["fields"]}
    assert fields["Going (2)"] in (
        f"<@{cohort.alice}> <@{cohort.moderator}>",
        f"<@{cohort.moderator}> <@{cohort.alice}>",
    )

    bot = await runner.restart()
    await bot.scheduler.run_due()
    assert len(fake_discord.scheduled_events(cohort.guild)) == 1
    assert len(fake_discord.messages(room.channel)) == 3
    assert len(rows(runner, "SELECT * FROM reading_sessions")) == 1


async def test_weekly_series_creates_sessions_ahead_with_the_next_item(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "First reading", "Second reading")
    refused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "reading recurring", {"weekday": 1, "time": "18:00"}
    )
    assert "Only moderators" in await answer(refused)
    bad = await fake_discord.invoke(
        cohort.guild, cohort.owner, "reading recurring", {"weekday": 1, "time": "25:00"}
    )
    assert "hours go to 23" in await answer(bad)
    set_up = await fake_discord.invoke(
        cohort.guild,
        cohort.owner,
        "reading recurring",
        {"weekday": 1, "time": "18:00", "duration": "90m"},
    )
    text = await answer(set_up)
    assert "every Tuesday at 18:00 (Europe/Berlin)" in text
    assert f"<t:{int(OPTIONS[0].timestamp())}:F>" in text  # within 6 days: created at once
    sessions = rows(runner, "SELECT title, starts_at, ends_at FROM reading_sessions")
    assert [(s["title"], s["starts_at"]) for s in sessions] == [
        ("First reading", int(OPTIONS[0].timestamp()))
    ]
    assert sessions[0]["ends_at"] - sessions[0]["starts_at"] == 90 * 60

    bot = runner.bot
    assert bot is not None
    runner.clock.set(datetime(2026, 12, 9, 18, 0, tzinfo=UTC))  # after the first; 6 days ahead
    await bot.scheduler.run_due()
    bot = await runner.restart()
    await bot.scheduler.run_due()
    sessions = rows(runner, "SELECT title, starts_at, status FROM reading_sessions ORDER BY id")
    assert [(s["title"], s["starts_at"], s["status"]) for s in sessions] == [
        ("First reading", int(OPTIONS[0].timestamp()), "done"),
        ("Second reading", int(datetime(2026, 12, 15, 17, 0, tzinfo=UTC).timestamp()), "scheduled"),
    ]
    assert len(fake_discord.scheduled_events(cohort.guild)) == 2
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert "weekly: every Tuesday at 18:00" in fields["Reading group"]

    stopped = await fake_discord.invoke(cohort.guild, cohort.owner, "reading recurring-stop")
    assert "stopped" in (stopped.content or "")
    pending = rows(
        runner, "SELECT key FROM deliveries WHERE kind = 'reading-recurring' AND state = 'pending'"
    )
    assert pending == []
    audit = rows(
        runner,
        "SELECT setting, new_value FROM config_audit"
        " WHERE setting = 'reading.recurring' ORDER BY id",
    )
    assert [a["new_value"] for a in audit][-1] == "off"


async def test_calendar_feed_lists_sessions_in_utc_and_rotation_revokes_it(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    unset = await fake_discord.invoke(cohort.guild, cohort.bob, "reading calendar")
    assert "PUBLIC_BASE_URL" in (unset.content or "") and unset.ephemeral
    runner.overrides["public_base_url"] = "https://hamming.example.org/"
    await runner.restart()
    await add(fake_discord, cohort, "You and Your Research")
    scheduled = await fake_discord.invoke(
        cohort.guild,
        cohort.alice,
        "reading schedule",
        {"when": "2026-12-08 17:30", "duration": "1h30m"},
    )
    await answer(scheduled)
    reply = await fake_discord.invoke(cohort.guild, cohort.bob, "reading calendar")
    assert reply.ephemeral
    url = next(w for w in (reply.content or "").split() if w.startswith("https://"))
    assert url.startswith("https://hamming.example.org/calendar/") and url.endswith(".ics")
    bot = runner.bot
    assert bot is not None and bot.web is not None
    local = f"http://127.0.0.1:{bot.web.port}/calendar/{url.rsplit('/', 1)[1]}"
    async with aiohttp.ClientSession() as http:
        async with http.get(local) as response:
            assert response.status == 200
            feed = icalendar.Calendar.from_ical(await response.read())
        events = list(feed.walk("VEVENT"))
        assert len(events) == 1
        start = datetime(2026, 12, 8, 16, 30, tzinfo=UTC)  # 17:30 in Berlin
        assert events[0].decoded("dtstart") == start
        assert events[0].decoded("dtend") == start + timedelta(minutes=90)
        assert str(events[0]["summary"]) == "Reading group: You and Your Research"
        uid = str(events[0]["uid"])
        refused = await fake_discord.invoke(
            cohort.guild, cohort.bob, "config reading calendar-rotate"
        )
        assert "Only moderators" in (refused.content or "")
        rotated = await fake_discord.invoke(
            cohort.guild, cohort.owner, "config reading calendar-rotate"
        )
        assert "https://hamming.example.org/calendar/" in (rotated.content or "")
        async with http.get(local) as response:
            assert response.status == 404
        new_url = next(w for w in (rotated.content or "").split() if w.startswith("https://"))
        async with http.get(
            f"http://127.0.0.1:{bot.web.port}/calendar/{new_url.rsplit('/', 1)[1]}"
        ) as response:
            again = icalendar.Calendar.from_ical(await response.read())
        assert [str(e["uid"]) for e in again.walk("VEVENT")] == [uid]  # stable per session


async def test_a_zone_change_moves_the_weekly_series_once_even_across_a_restart(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "First reading", "Second reading", "Third reading")
    await answer(
        await fake_discord.invoke(
            cohort.guild, cohort.owner, "reading recurring", {"weekday": 1, "time": "18:00"}
        )
    )
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "America/New_York"}
    )

    def pending_ticks() -> list[str]:
        found = rows(
            runner,
            "SELECT key FROM deliveries WHERE kind = 'reading-recurring' AND state = 'pending'",
        )
        return [r["key"] for r in found]

    assert len(pending_ticks()) == 1
    bot = await runner.restart()
    assert len(pending_ticks()) == 1  # start-up planning adds no tick beside the moved one
    runner.clock.set(datetime(2026, 12, 10, 12, 0, tzinfo=UTC))
    await bot.scheduler.run_due()
    after_first = int(datetime(2026, 12, 9, tzinfo=UTC).timestamp())
    later = rows(
        runner, "SELECT starts_at FROM reading_sessions WHERE starts_at > ?", (after_first,)
    )
    # The next Tuesday at 18:00 in New York (23:00 UTC), once: not also 18:00 in Berlin, and
    # not a second session on the 8th, which was announced before the zone changed.
    assert [r["starts_at"] for r in later] == [
        int(datetime(2026, 12, 15, 23, 0, tzinfo=UTC).timestamp())
    ]
    assert len(rows(runner, "SELECT * FROM reading_sessions")) == 2
