"""Reading-group sessions end to end: schedule, RSVP, reminders, start, wrap-up, restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.reading.conftest import NOW, Room, answer, execute
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

# "next Tuesday 18:00" read in Berlin on Thursday 3 Dec 2026: Tue 8 Dec, 17:00 UTC.
TUESDAY = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)


async def add(fake: FakeDiscord, cohort: Cohort, title: str, url: str | None = None) -> None:
    options = {"title": title} | ({"url": url} if url else {})
    result = await fake.invoke(cohort.guild, cohort.alice, "reading add", options)
    assert "Added" in (result.content or ""), result


async def schedule(fake: FakeDiscord, cohort: Cohort, **options: object) -> str:
    result = await fake.invoke(
        cohort.guild, cohort.alice, "reading schedule", {"when": "next Tuesday 18:00"} | options
    )
    assert result.elapsed is not None and result.elapsed < 3.0
    return await answer(result)


async def test_schedule_creates_an_external_event_an_announcement_and_a_thread(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(
        fake_discord,
        cohort,
        "The Rocket Alignment Problem",
        "https://intelligence.org/2018/10/03/rocket-alignment/",
    )
    text = await schedule(fake_discord, cohort, duration="90m")
    unix = int(TUESDAY.timestamp())
    assert f"<t:{unix}:F>" in text and "Europe/Berlin" in text, text
    events = fake_discord.scheduled_events(cohort.guild)
    assert len(events) == 1
    event = events[0]
    assert event["entity_type"] == 3 and event["privacy_level"] == 2
    assert event["entity_metadata"]["location"].endswith(f"/{room.channel}")
    assert datetime.fromisoformat(event["scheduled_start_time"]) == TUESDAY
    assert datetime.fromisoformat(event["scheduled_end_time"]) == TUESDAY + timedelta(minutes=90)
    assert event["name"] == "Reading group: The Rocket Alignment Problem"
    posted = fake_discord.messages(room.channel)
    assert len(posted) == 1
    card = posted[0].embeds[0]
    assert f"<t:{unix}:F>" in card["description"]
    assert card["url"] == "https://intelligence.org/2018/10/03/rocket-alignment/"
    labels = [b["label"] for row in posted[0].components for b in row["components"]]
    assert labels == ["Going · 0", "Maybe · 0", "Can't · 0"]
    threads = fake_discord.threads(room.channel)
    assert [t.id for t in threads] == [posted[0].id]
    stored = rows(runner, "SELECT * FROM reading_sessions")
    assert stored[0]["event_id"] == int(event["id"]) and stored[0]["thread_id"] == posted[0].id
    status = rows(runner, "SELECT status FROM reading_items")
    assert [r["status"] for r in status] == ["scheduled"]


async def test_a_voice_channel_session_is_a_voice_event(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room
) -> None:
    await add(fake_discord, cohort, "Risks from Learned Optimization")
    await schedule(fake_discord, cohort, voice_channel=room.voice, lead=cohort.bob)
    event = fake_discord.scheduled_events(cohort.guild)[0]
    assert event["entity_type"] == 2 and event["channel_id"] == str(room.voice)
    card = fake_discord.messages(room.channel)[0].embeds[0]
    assert f"<#{room.voice}>" in card["description"] and f"<@{cohort.bob}>" in card["description"]


BAD_INPUT = [
    ({"when": "2020-01-01 18:00"}, "in the past"),
    ({"when": "when the stars align"}, "Accepted forms"),
    ({"when": "tuesday 18:00", "duration": "25h"}, "at most 24 hours"),
    ({"when": "today 6am"}, "already passed"),
    ({"when": "tuesday 18:00", "item": "No such reading"}, "No reading matches"),
]


async def test_bad_times_and_durations_change_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "Concrete Problems in AI Safety")
    for options, fragment in BAD_INPUT:
        result = await fake_discord.invoke(cohort.guild, cohort.alice, "reading schedule", options)
        assert result.elapsed is not None and result.elapsed < 3.0
        text = await answer(result)
        assert fragment in text, (options, text)
        assert result.followups[-1].ephemeral
    assert rows(runner, "SELECT * FROM reading_sessions") == []
    assert [r["status"] for r in rows(runner, "SELECT status FROM reading_items")] == ["queued"]
    assert fake_discord.scheduled_events(cohort.guild) == []
    assert fake_discord.messages(room.channel) == []


async def test_hidden_voice_channel_and_the_event_limit_are_refused(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "Concrete Problems in AI Safety")
    hidden = fake_discord.add_voice_channel(cohort.guild, "Staff room")
    fake_discord.set_channel_overwrite(hidden, cohort.guild, deny=1 << 10)  # @everyone: no view
    text = await schedule(fake_discord, cohort, voice_channel=hidden)
    assert "can't see" in text
    guild = fake_discord.world.guilds[cohort.guild]
    from tests.fake_discord.state import ScheduledEvent

    for n in range(100):
        body = {
            "name": f"Other {n}",
            "entity_type": 3,
            "privacy_level": 2,
            "scheduled_start_time": (NOW + timedelta(days=n + 1)).isoformat(),
            "scheduled_end_time": (NOW + timedelta(days=n + 1, hours=1)).isoformat(),
            "entity_metadata": {"location": "Elsewhere"},
        }
        event = ScheduledEvent(fake_discord.world.ids.next(), cohort.guild, cohort.owner, body)
        guild.events[event.id] = event
    text = await schedule(fake_discord, cohort)
    assert "100" in text and "limit" in text
    assert rows(runner, "SELECT * FROM reading_sessions") == []
    assert len(fake_discord.scheduled_events(cohort.guild)) == 100
    assert fake_discord.messages(room.channel) == []


async def test_rsvp_counts_update_live_and_reminders_arrive_once(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(
        fake_discord,
        cohort,
        "An overview of 11 proposals",
        "https://www.alignmentforum.org/posts/fRsjBseRuvRhMPPE5/",
    )
    await schedule(fake_discord, cohort)
    announcement = fake_discord.messages(room.channel)[0]
    session = rows(runner, "SELECT id FROM reading_sessions")[0]["id"]
    going, maybe, cant = (f"reading:rsvp:{session}:{c}" for c in ("going", "maybe", "cant"))
    await fake_discord.click(announcement, cohort.alice, custom_id=going)
    await fake_discord.click(announcement, cohort.bob, custom_id=maybe)
    await fake_discord.click(announcement, cohort.moderator, custom_id=going)
    await fake_discord.click(announcement, cohort.moderator, custom_id=going)  # takes it back
    labels = [b["label"] for row in announcement.components for b in row["components"]]
    assert labels == ["Going · 1", "Maybe · 1", "Can't · 0"]
    fields = {f["name"]: f["value"] for f in announcement.embeds[0]["fields"]}
    assert fields["Going (1)"] == f"<@{cohort.alice}>" and fields["Maybe (1)"] == f"<@{cohort.bob}>"

    fake_discord.close_dms(cohort.bob)
    runner.clock.set(TUESDAY - timedelta(hours=24))
    bot = runner.bot
    assert bot is not None
    await bot.scheduler.run_due()
    alice_dms = fake_discord.dm_messages(cohort.alice)
    assert len(alice_dms) == 1 and "An overview of 11 proposals" in alice_dms[0].content
    assert "https://www.alignmentforum.org/posts/fRsjBseRuvRhMPPE5/" in alice_dms[0].content
    thread = fake_discord.messages(announcement.id)
    assert [m.content.split()[0] for m in thread] == [f"<@{cohort.bob}>"]  # closed DMs

    bot = await runner.restart()
    await bot.scheduler.run_due()
    assert len(fake_discord.dm_messages(cohort.alice)) == 1
    await fake_discord.click(announcement, cohort.bob, custom_id=cant)  # after a restart too
    runner.clock.set(TUESDAY - timedelta(hours=1))
    await bot.scheduler.run_due()
    assert len(fake_discord.dm_messages(cohort.alice)) == 2
    assert len(fake_discord.messages(announcement.id)) == 1  # bob said Can't: no reminder
    sent = rows(
        runner,
        "SELECT key FROM deliveries WHERE kind = 'reading-reminder-member'"
        " AND state = 'done' ORDER BY key",
    )
    assert [r["key"] for r in sent] == [
        f"reading-reminder:{session}:3600:{cohort.alice}",
        f"reading-reminder:{session}:86400:{cohort.alice}",
        f"reading-reminder:{session}:86400:{cohort.bob}",
    ]


async def test_start_pings_going_and_wrapup_marks_discussed_and_proposes_the_next(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "You and Your Research")
    await add(
        fake_discord,
        cohort,
        "The alignment problem from a deep learning perspective",
        "https://arxiv.org/abs/2209.00626",
    )
    await schedule(fake_discord, cohort, lead=cohort.alice)
    announcement = fake_discord.messages(room.channel)[0]
    session = rows(runner, "SELECT id FROM reading_sessions")[0]["id"]
    for who in (cohort.alice, cohort.bob):
        await fake_discord.click(announcement, who, custom_id=f"reading:rsvp:{session}:going")
    bot = runner.bot
    assert bot is not None
    runner.clock.set(TUESDAY + timedelta(minutes=1))
    await bot.scheduler.run_due()
    started = fake_discord.messages(announcement.id)[-1]
    assert started.content.startswith("Starting now: **You and Your Research**")
    assert f"<@{cohort.bob}>" in started.content
    posts = fake_discord.requests_matching("POST", rf"/channels/{announcement.id}/messages$")
    pinged = {int(u) for u in posts[-1].json["allowed_mentions"]["users"]}
    assert pinged == {cohort.alice, cohort.bob}
    assert fake_discord.scheduled_events(cohort.guild)[0]["status"] == 2

    runner.clock.set(TUESDAY + timedelta(hours=1, minutes=1))
    await bot.scheduler.run_due()
    wrap = fake_discord.messages(announcement.id)[-1].content
    assert "marked discussed" in wrap
    assert "Next in the queue: **The alignment problem from a deep learning perspective**" in wrap
    assert f"Proposed lead next time: <@{cohort.bob}>" in wrap  # attended, has not led
    statuses = [
        r["status"] for r in rows(runner, "SELECT status FROM reading_items ORDER BY position")
    ]
    assert statuses == ["discussed", "queued"]
    assert fake_discord.scheduled_events(cohort.guild)[0]["status"] == 3
    assert announcement.components == []  # RSVPs closed

    # The next session picks the rotated lead by itself.
    runner.clock.set(TUESDAY + timedelta(days=1))
    await schedule(fake_discord, cohort)
    latest = rows(runner, "SELECT lead_id FROM reading_sessions ORDER BY id DESC LIMIT 1")
    assert latest[0]["lead_id"] == cohort.bob


async def test_reschedule_moves_event_and_reminders_and_cancel_tells_rsvps(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "Risks from Learned Optimization")
    await schedule(fake_discord, cohort)
    announcement = fake_discord.messages(room.channel)[0]
    session = rows(runner, "SELECT id FROM reading_sessions")[0]["id"]
    await fake_discord.click(announcement, cohort.bob, custom_id=f"reading:rsvp:{session}:maybe")
    choices = await fake_discord.autocomplete(
        cohort.guild, cohort.alice, "reading reschedule", "session", "risks"
    )
    assert [c["value"] for c in choices] == [f"id:{session}"]
    moved = await fake_discord.invoke(
        cohort.guild,
        cohort.alice,
        "reading reschedule",
        {"session": f"id:{session}", "when": "2026-12-10 18:30"},
    )
    new_start = datetime(2026, 12, 10, 17, 30, tzinfo=UTC)
    assert f"<t:{int(new_start.timestamp())}:F>" in await answer(moved)
    event = fake_discord.scheduled_events(cohort.guild)[0]
    assert datetime.fromisoformat(event["scheduled_start_time"]) == new_start
    reminder = rows(
        runner,
        "SELECT due_at FROM deliveries WHERE key = ?",
        (f"reading-reminder:{session}:86400",),
    )
    assert reminder[0]["due_at"] == int((new_start - timedelta(hours=24)).timestamp())
    assert f"<t:{int(new_start.timestamp())}:F>" in announcement.embeds[0]["description"]
    assert "Moved" in fake_discord.messages(announcement.id)[-1].content

    refused = await fake_discord.invoke(
        cohort.guild, cohort.bob, "reading cancel", {"session": f"id:{session}"}
    )
    assert "Only moderators" in await answer(refused)
    cancelled = await fake_discord.invoke(
        cohort.guild, cohort.alice, "reading cancel", {"session": f"id:{session}"}
    )
    assert "Cancelled" in await answer(cancelled)
    assert fake_discord.scheduled_events(cohort.guild)[0]["status"] == 4
    assert [m.content for m in fake_discord.dm_messages(cohort.bob)][-1].endswith("is cancelled.")
    assert announcement.embeds[0]["title"].startswith("Cancelled")
    pending = rows(
        runner, "SELECT key FROM deliveries WHERE state = 'pending' AND key LIKE 'reading-%'"
    )
    assert pending == []
    assert [r["status"] for r in rows(runner, "SELECT status FROM reading_items")] == ["queued"]
    runner.clock.set(new_start - timedelta(hours=1))
    bot = runner.bot
    assert bot is not None
    await bot.scheduler.run_due()
    assert len(fake_discord.dm_messages(cohort.bob)) == 1  # no reminder for a cancelled session


async def test_a_failed_announcement_is_retried_once_after_restart_without_a_second_event(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await add(fake_discord, cohort, "Concrete Problems in AI Safety")
    fake_discord.fail_next("POST", rf"/channels/{room.channel}/messages$", status=403)
    text = await schedule(fake_discord, cohort)
    assert "will follow shortly" in text
    assert fake_discord.messages(room.channel) == []
    assert len(fake_discord.scheduled_events(cohort.guild)) == 1
    # As if the bot had died between creating the event and storing its id.
    execute(runner, "UPDATE reading_sessions SET event_id = NULL")
    bot = await runner.restart()
    runner.clock.set(NOW + timedelta(minutes=5))
    await bot.scheduler.run_due()
    await runner.restart()
    assert len(fake_discord.scheduled_events(cohort.guild)) == 1
    assert len(fake_discord.messages(room.channel)) == 1
    stored = rows(runner, "SELECT event_id, message_id FROM reading_sessions")
    assert stored[0]["event_id"] == int(fake_discord.scheduled_events(cohort.guild)[0]["id"])
    assert stored[0]["message_id"] == fake_discord.messages(room.channel)[0].id


async def test_sessions_command_and_feature_status(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, hamming: HammingBot
) -> None:
    await add(fake_discord, cohort, "You and Your Research")
    await schedule(fake_discord, cohort)
    listed = await fake_discord.invoke(cohort.guild, cohort.bob, "reading sessions")
    assert f"<t:{int(TUESDAY.timestamp())}:F>" in (listed.content or "")
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert f"announcements in <#{room.channel}>" in fields["Reading group"]
    assert "reminders 1d, 1h" in fields["Reading group"]


async def test_setup_refuses_a_channel_it_cannot_post_in_and_names_missing_permissions(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    bot_id = fake_discord.bot_user_id
    closed = fake_discord.add_text_channel(cohort.guild, "locked")
    fake_discord.set_channel_overwrite(closed, bot_id, deny=1 << 11)  # no Send Messages
    refused = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config reading setup", {"channel": closed}
    )
    assert "can't post in" in (refused.content or "")
    plain = fake_discord.add_text_channel(cohort.guild, "plain")
    fake_discord.set_channel_overwrite(plain, bot_id, deny=(1 << 14) | (1 << 35))
    result = await fake_discord.invoke(
        cohort.guild,
        cohort.owner,
        "config reading setup",
        {"channel": plain, "reminders": "2d, 30m", "days_ahead": 3},
    )
    assert "Embed Links" in (result.content or "") and "Create Public Threads" in result.content
    assert "2d, 30m" in result.content
    bad = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config reading setup", {"channel": plain, "reminders": "soon"}
    )
    assert "Accepted" in (bad.content or "") or "Give comma-separated" in (bad.content or "")
    audit = rows(
        runner,
        "SELECT setting, new_value FROM config_audit WHERE setting LIKE 'reading.%' ORDER BY id",
    )
    assert [(a["setting"], a["new_value"]) for a in audit][-3:] == [
        ("reading.channel", f"<#{plain}>"),
        ("reading.reminders", "2d, 30m"),
        ("reading.days_ahead", "3"),
    ]
