"""The reading group in the core's server-wide tools, end to end: /me export and forget,
pause, /config reset, /setup's channel select and the weekly digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import ledger
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning, wait_for
from tests.e2e.reading.conftest import NOW, Room, answer
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

# "next Tuesday 18:00" read in Berlin on Thursday 3 Dec 2026: Tue 8 Dec, 17:00 UTC.
TUESDAY = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
TITLE = "Risks from Learned Optimization"


async def scheduled_by_alice(fake: FakeDiscord, cohort: Cohort, room: Room) -> tuple[Message, int]:
    """Alice adds a reading and schedules it with herself as lead; returns the announcement."""
    await fake.invoke(
        cohort.guild,
        cohort.alice,
        "reading add",
        {"title": TITLE, "url": "https://arxiv.org/abs/1906.01820", "notes": "Alice's pick"},
    )
    text = await answer(
        await fake.invoke(
            cohort.guild,
            cohort.alice,
            "reading schedule",
            {"when": "next Tuesday 18:00", "lead": cohort.alice},
        )
    )
    assert "Scheduled" in text, text
    announcement = fake.messages(room.channel)[-1]
    session = int(announcement.components[0]["components"][0]["custom_id"].split(":")[2])
    return announcement, session


async def open_poll(fake: FakeDiscord, cohort: Cohort, room: Room, *voters: int) -> Message:
    opened = await fake.invoke(
        cohort.guild,
        cohort.alice,
        "reading poll",
        {"options": "wed 18:00, thu 18:00", "closes": "4d", "item": "1"},
    )
    assert "closes" in await answer(opened)
    poll = fake.messages(room.channel)[-1]
    for voter in voters:
        await fake.click(poll, voter, label="1 · 0" if voter == voters[0] else "1 · 1")
    return poll


async def exported(fake: FakeDiscord, cohort: Cohort, user: int) -> dict[str, Any]:
    result = await (await fake.invoke(cohort.guild, user, "me export")).final()
    [file] = [a for m in result.followups for a in m.attachments]
    data: dict[str, Any] = json.loads(file.data)
    return data["reading"]


def fields(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


async def test_export_holds_what_the_member_added_answered_led_and_voted(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room
) -> None:
    announcement, session = await scheduled_by_alice(fake_discord, cohort, room)
    await fake_discord.click(announcement, cohort.bob, custom_id=f"reading:rsvp:{session}:maybe")
    await open_poll(fake_discord, cohort, room, cohort.bob)

    alice = await exported(fake_discord, cohort, cohort.alice)
    assert [i["title"] for i in alice["readings_added"]] == [TITLE]
    assert alice["readings_added"][0]["notes"] == "Alice's pick"
    assert [s["id"] for s in alice["sessions_led"]] == [session]
    assert alice["sessions_led"][0]["starts_at"] == TUESDAY.isoformat()
    assert [s["id"] for s in alice["sessions_scheduled"]] == [session]
    assert len(alice["polls_opened"]) == 1 and alice["rsvps"] == [] == alice["poll_votes"]

    bob = await exported(fake_discord, cohort, cohort.bob)
    assert [(r["session"]["id"], r["answer"]) for r in bob["rsvps"]] == [(session, "maybe")]
    assert [v["option"] for v in bob["poll_votes"]] == [1]
    assert bob["readings_added"] == [] == bob["sessions_led"] == bob["polls_opened"]


async def test_forget_leaves_no_row_and_redraws_what_showed_the_member(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    announcement, session = await scheduled_by_alice(fake_discord, cohort, room)
    for who in (cohort.alice, cohort.bob):
        await fake_discord.click(announcement, who, custom_id=f"reading:rsvp:{session}:going")
    poll = await open_poll(fake_discord, cohort, room, cohort.alice, cohort.bob)
    runner.clock.set(TUESDAY - timedelta(hours=24))  # the first reminders go out
    bot = runner.bot
    assert bot is not None
    await bot.scheduler.run_due()
    assert len(fake_discord.dm_messages(cohort.alice)) == 1
    assert rows_mentioning(runner.database_path, cohort.alice).keys() >= {
        "reading_items",
        "reading_sessions",
        "reading_rsvps",
        "reading_polls",
        "reading_poll_votes",
        "deliveries",
    }
    event = fake_discord.scheduled_events(cohort.guild)[0]
    assert "Lead: alice" in event["description"]

    await forget_me(fake_discord, cohort.guild, cohort.alice)

    assert rows_mentioning(runner.database_path, cohort.alice) == {}
    # What the group shares stays: the reading, the session (no lead now), the poll.
    assert [r["title"] for r in rows(runner, "SELECT title FROM reading_items")] == [TITLE]
    [kept] = rows(runner, "SELECT lead_id, status FROM reading_sessions")
    assert kept["lead_id"] is None and kept["status"] == "scheduled"
    # The announcement, the poll and the event no longer show her; Bob's answers remain.
    await wait_for(lambda: fields(announcement).get("Going (1)") == f"<@{cohort.bob}>")
    assert f"<@{cohort.alice}>" not in json.dumps(announcement.embeds)
    labels = [b["label"] for row in announcement.components for b in row["components"]]
    assert labels == ["Going · 1", "Maybe · 0", "Can't · 0"]
    assert f"<@{cohort.alice}>" not in poll.embeds[0]["description"]
    assert f"<@{cohort.bob}>" in poll.embeds[0]["description"]
    assert next(b["label"] for row in poll.components for b in row["components"]) == "1 · 1"
    assert "Lead:" not in fake_discord.scheduled_events(cohort.guild)[0]["description"]
    # Her next reminder is gone; Bob's still comes.
    runner.clock.set(TUESDAY - timedelta(hours=1))
    await bot.scheduler.run_due()
    assert len(fake_discord.dm_messages(cohort.alice)) == 1
    assert len(fake_discord.dm_messages(cohort.bob)) == 2


async def test_paused_and_departed_members_get_no_reminders_nor_the_start_ping(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    announcement, session = await scheduled_by_alice(fake_discord, cohort, room)
    for who in (cohort.alice, cohort.bob, cohort.moderator):
        await fake_discord.click(announcement, who, custom_id=f"reading:rsvp:{session}:going")
    paused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "me pause", {"until": "in 14 days"}
    )
    assert "Paused until" in (paused.content or "")
    bot = runner.bot
    assert bot is not None
    fake_discord.remove_member(cohort.guild, cohort.moderator)
    left = "SELECT left_at FROM member_settings WHERE user_id = ?"
    await wait_for(lambda: rows(runner, left, (cohort.moderator,)))
    for before in (timedelta(hours=24), timedelta(hours=1)):
        runner.clock.set(TUESDAY - before)
        await bot.scheduler.run_due()
    assert fake_discord.dm_messages(cohort.alice) == []
    assert fake_discord.dm_messages(cohort.moderator) == []
    assert len(fake_discord.dm_messages(cohort.bob)) == 2
    reminded = rows(runner, "SELECT key FROM deliveries WHERE kind = 'reading-reminder-member'")
    assert len(reminded) == 2 and all(r["key"].endswith(str(cohort.bob)) for r in reminded)
    runner.clock.set(TUESDAY + timedelta(minutes=1))
    await bot.scheduler.run_due()
    posts = fake_discord.requests_matching("POST", rf"/channels/{announcement.id}/messages$")
    pinged = {int(u) for u in posts[-1].json["allowed_mentions"]["users"]}
    assert pinged == {cohort.bob}


async def test_a_member_who_chose_mentions_is_reminded_in_the_thread(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    announcement, session = await scheduled_by_alice(fake_discord, cohort, room)
    await fake_discord.click(announcement, cohort.bob, custom_id=f"reading:rsvp:{session}:going")
    chose = await fake_discord.invoke(
        cohort.guild, cohort.bob, "me notifications", {"feature": "reading", "channel": "mention"}
    )
    assert chose.ephemeral, chose
    runner.clock.set(TUESDAY - timedelta(hours=24))
    bot = runner.bot
    assert bot is not None
    await bot.scheduler.run_due()
    assert fake_discord.dm_messages(cohort.bob) == []
    [reminder] = fake_discord.messages(announcement.id)
    assert reminder.content.startswith(f"<@{cohort.bob}> Reminder:")


async def test_config_reset_puts_the_reading_settings_back_and_stops_the_series(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await fake_discord.invoke(
        cohort.guild,
        cohort.owner,
        "config reading setup",
        {"channel": room.channel, "reminders": "2h", "days_ahead": 3},
    )
    series = await fake_discord.invoke(
        cohort.guild, cohort.owner, "reading recurring", {"weekday": 1, "time": "18:00"}
    )
    assert "Weekly reading series set" in await answer(series)
    bot = runner.bot
    assert bot is not None
    ticks = await ledger.list_occurrences(
        bot.db, guild_id=cohort.guild, kind="reading-recurring", states=("pending", "cancelled")
    )
    assert [t.state for t in ticks] == ["pending"]

    asked = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config reset", {"feature": "reading"}
    )
    assert asked.message is not None
    done = await fake_discord.click(asked.message, cohort.owner, label="Reset Reading group")
    assert "back to its defaults" in (done.content or asked.message.content or "")

    [settings] = rows(runner, "SELECT * FROM reading_settings")
    assert settings["channel_id"] is None and settings["recurring_weekday"] is None
    assert settings["reminder_offsets"] == "86400,3600" and settings["days_ahead"] == 6
    ticks = await ledger.list_occurrences(
        bot.db, guild_id=cohort.guild, kind="reading-recurring", states=("pending", "cancelled")
    )
    assert [t.state for t in ticks] == ["cancelled"]
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    assert (
        "not set up" in {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}["Reading group"]
    )
    audit = rows(runner, "SELECT new_value FROM config_audit WHERE setting = 'reading.reset'")
    assert [a["new_value"] for a in audit] == ["defaults"]
    # The series can be set again afterwards (a new generation: fresh occurrence keys).
    again = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config reading setup", {"channel": room.channel}
    )
    assert "announcements in" in (again.content or "")
    series = await fake_discord.invoke(
        cohort.guild, cohort.owner, "reading recurring", {"weekday": 1, "time": "18:00"}
    )
    assert "Weekly reading series set" in await answer(series)
    ticks = await ledger.list_occurrences(
        bot.db, guild_id=cohort.guild, kind="reading-recurring", states=("pending", "cancelled")
    )
    assert sorted(t.state for t in ticks) == ["cancelled", "pending"]


async def test_setup_channel_select_configures_the_reading_group(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    await runner.start()
    channel = fake_discord.add_text_channel(cohort.guild, "reading-room")
    first = await fake_discord.invoke(cohort.guild, cohort.owner, "setup")
    assert first.message is not None
    assert "⬜ Reading group: no channel yet" in first.embeds[0]["description"]
    picked = await fake_discord.select(
        first.message, cohort.owner, custom_id="setup:channel:reading", values=[channel]
    )
    checklist = picked.embeds[0]["description"]
    assert f"Reading group: <#{channel}>" in checklist
    [settings] = rows(runner, "SELECT channel_id, reminder_offsets FROM reading_settings")
    assert settings["channel_id"] == channel and settings["reminder_offsets"] == "86400,3600"
    audit = rows(
        runner,
        "SELECT actor_id, new_value FROM config_audit WHERE setting = ?",
        ("reading.channel",),
    )
    assert [(a["actor_id"], a["new_value"]) for a in audit] == [(cohort.owner, f"<#{channel}>")]


async def test_the_weekly_digest_names_the_next_session(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    announcement, session = await scheduled_by_alice(fake_discord, cohort, room)
    await fake_discord.click(announcement, cohort.bob, custom_id=f"reading:rsvp:{session}:going")
    await fake_discord.invoke(cohort.guild, cohort.alice, "reading add", {"title": "Up next"})
    result = await fake_discord.invoke(
        cohort.guild,
        cohort.owner,
        "config digest schedule",
        {"channel": cohort.channel, "day": "Friday", "time": "17:00"},
    )
    assert "every Friday" in (result.content or "")
    bot = runner.bot
    assert bot is not None
    [pending] = await ledger.list_occurrences(bot.db, guild_id=cohort.guild, kind="digest")
    runner.clock.set(pending.due_at + timedelta(minutes=1))
    await bot.scheduler.run_due()
    [digest] = [
        m
        for m in fake_discord.messages(cohort.channel)
        if m.embeds and m.embeds[0].get("title") == "This week in the cohort"
    ]
    text = digest.embeds[0]["description"]
    assert "**Reading group**" in text
    assert (
        f"Next session: **{TITLE}** <t:{int(TUESDAY.timestamp())}:F>"
        f" (1 going, 0 maybe, lead <@{cohort.alice}>)."
    ) in text
    assert "1 reading(s) queued; next up: **Up next**." in text
    assert NOW < pending.due_at < TUESDAY
