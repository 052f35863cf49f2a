"""Grant reminders end to end: channel and DM reminders exactly once, edits, fallback, downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.grants.helpers import (
    add_grant,
    days,
    deadline_stamps,
    end_of_day,
    run_at,
    setup_grants,
    stamp,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

HOUR = timedelta(hours=1)


def footers(messages: list[Message]) -> list[str]:
    return [m.embeds[0]["footer"]["text"].split(" · ")[0] for m in messages]


async def test_channel_and_personal_dm_reminders_each_arrive_exactly_once(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="7d,1d")
    day = (runner.clock.now() + days(10)).date()
    deadline = end_of_day(day)
    await add_grant(fake, cohort, "LTFF round", deadline=day.isoformat())
    subscribed = await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "LTFF round", "offsets": "2d,6h"}
    )
    assert stamp(deadline - days(2), "f") in subscribed.content
    assert stamp(deadline - 6 * HOUR, "f") in subscribed.content

    bot = hamming
    await run_at(runner, bot, deadline - days(7) - timedelta(minutes=1))
    assert fake.messages(channel) == []
    await run_at(runner, bot, deadline - days(7))
    await bot.scheduler.run_due()
    posted = fake.messages(channel)
    assert footers(posted) == ["Reminder 7d before"]
    assert stamp(deadline, "R") in posted[0].content and "LTFF round" in posted[0].content
    assert deadline_stamps(posted[0]) == {stamp(deadline, "F")}
    assert fake.dm_messages(cohort.alice) == []

    await run_at(runner, bot, deadline - days(2))
    assert footers(fake.dm_messages(cohort.alice)) == ["Reminder 2d before"]
    bot = await runner.restart()  # the planner runs again: nothing is sent twice
    await bot.scheduler.run_due()
    assert len(fake.messages(channel)) == 1 and len(fake.dm_messages(cohort.alice)) == 1

    await run_at(runner, bot, deadline - days(1))
    await run_at(runner, bot, deadline - 6 * HOUR)
    await run_at(runner, bot, deadline + HOUR)
    assert footers(fake.messages(channel)) == ["Reminder 7d before", "Reminder 1d before"]
    assert footers(fake.dm_messages(cohort.alice)) == ["Reminder 2d before", "Reminder 6h before"]
    assert fake.dm_messages(cohort.bob) == []
    assert fake.deduplicated_sends == []  # not even a repeated send that Discord swallowed
    sent = rows(
        runner,
        "SELECT key FROM deliveries WHERE kind = 'grant-reminder' AND state = 'done' ORDER BY key",
    )
    grant_id = rows(runner, "SELECT id FROM grants")[0]["id"]
    assert sorted(r["key"] for r in sent) == sorted(
        [
            f"grant-reminder:{grant_id}:0:7d:channel",
            f"grant-reminder:{grant_id}:0:1d:channel",
            f"grant-reminder:{grant_id}:0:2d:{cohort.alice}",
            f"grant-reminder:{grant_id}:0:6h:{cohort.alice}",
        ]
    )


async def test_editing_a_deadline_moves_its_reminders(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="7d,3d")
    first_day = (runner.clock.now() + days(10)).date()
    first = end_of_day(first_day)
    await add_grant(fake, cohort, "SFF round", deadline=first_day.isoformat())
    await fake.invoke(
        cohort.guild, cohort.bob, "grants subscribe", {"grant": "SFF round", "offsets": "3d"}
    )
    await run_at(runner, hamming, first - days(7))
    assert len(fake.messages(channel)) == 1

    second_day = first_day + timedelta(days=10)
    second = end_of_day(second_day)
    edited = await fake.invoke(
        cohort.guild,
        cohort.owner,
        "grants edit",
        {"grant": "SFF round", "deadline": second_day.isoformat()},
    )
    assert stamp(second, "F") in edited.content and "cancelled" in edited.content
    grant_id = rows(runner, "SELECT id FROM grants")[0]["id"]
    old = rows(
        runner,
        "SELECT key, state FROM deliveries WHERE key = ?",
        (f"grant-reminder:{grant_id}:0:3d",),
    )
    assert old[0]["state"] == "cancelled"
    fresh = rows(
        runner,
        "SELECT key FROM deliveries WHERE key LIKE ? AND state = 'pending'",
        (f"grant-reminder:{grant_id}:1:%",),
    )
    assert sorted(r["key"] for r in fresh) == [
        f"grant-reminder:{grant_id}:1:3d",
        f"grant-reminder:{grant_id}:1:7d",
    ]
    await run_at(runner, hamming, first - days(3))  # the old deadline's 3d: cancelled
    cards = [m for m in fake.messages(channel) if m.embeds]  # the "moved" notice has none
    assert len(cards) == 1 and fake.dm_messages(cohort.bob) == []
    await run_at(runner, hamming, second - days(7))  # sent already: not repeated
    await run_at(runner, hamming, second - days(3))
    posted = [m for m in fake.messages(channel) if m.embeds]
    assert footers(posted) == ["Reminder 7d before", "Reminder 3d before"]
    assert deadline_stamps(posted[0]) == {stamp(first, "F")}
    assert deadline_stamps(posted[1]) == {stamp(second, "F")}
    assert footers(fake.dm_messages(cohort.bob)) == ["Reminder 3d before"]

    soon = runner.clock.now() + days(2)
    moved = await fake.invoke(
        cohort.guild,
        cohort.owner,
        "grants edit",
        {"grant": "SFF round", "deadline": soon.strftime("%Y-%m-%d %H:%M")},
    )
    assert "already sent before the deadline moved, not repeated: 7d, 3d" in moved.content


async def test_closed_dms_fall_back_to_one_mention_and_all_covers_new_grants(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="1d")
    fake.close_dms(cohort.bob)
    everything = await fake.invoke(
        cohort.guild, cohort.bob, "grants subscribe", {"all": True, "offsets": "2d"}
    )
    assert "every grant deadline" in everything.content
    await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"all": True, "offsets": "2d"}
    )
    now = runner.clock.now()
    await add_grant(fake, cohort, "Grant A", deadline=(now + days(5)).strftime("%Y-%m-%d %H:%M"))
    await add_grant(fake, cohort, "Grant B", deadline=(now + days(6)).strftime("%Y-%m-%d %H:%M"))
    muted = await fake.invoke(
        cohort.guild, cohort.alice, "grants unsubscribe", {"grant": "Grant A"}
    )
    assert "stays" in muted.content

    await run_at(runner, hamming, now + days(3))  # Grant A's 2d
    await run_at(runner, hamming, now + days(4))  # Grant B's 2d (and A's 1d channel reminder)
    mentions = [m for m in fake.messages(channel) if m.content.startswith(f"<@{cohort.bob}>")]
    assert [("Grant A" in m.content, "Grant B" in m.content) for m in mentions] == [
        (True, False),
        (False, True),
    ]
    assert all("couldn't DM you" in m.content for m in mentions)
    dm_channel = fake.dm_channel_id(cohort.bob)
    dm_posts = fake.requests_matching("POST", rf"/channels/{dm_channel}/messages$")
    assert len(dm_posts) == 1  # tried once, then remembered as closed
    fallback_posts = fake.requests_matching("POST", rf"/channels/{channel}/messages$")
    for post in fallback_posts:
        mentioned = post.json.get("allowed_mentions", {})
        assert mentioned.get("roles", []) == [] and "everyone" not in mentioned.get("parse", [])
    alice = fake.dm_messages(cohort.alice)
    assert ["Grant B" in m.content for m in alice] == [True]  # Grant A was muted


async def test_reminders_missed_in_downtime_are_sent_while_the_deadline_is_ahead(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="14d,7d,3d")
    deadline = runner.clock.now().replace(microsecond=0) + days(20)
    await add_grant(fake, cohort, "Camp", deadline=deadline.strftime("%Y-%m-%dT%H:%MZ"))
    deadline = deadline.replace(second=0)
    await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "Camp", "offsets": "7d"}
    )
    await runner.stop()
    runner.clock.set(deadline - days(5))  # 14d and 7d were due while the bot was down
    bot = await runner.start()
    await bot.scheduler.run_due()  # waits for the start-up sweep to finish
    assert footers(fake.messages(channel)) == ["Reminder 7d before"]  # the nearest, not both
    assert footers(fake.dm_messages(cohort.alice)) == ["Reminder 7d before"]
    grant_id = rows(runner, "SELECT id FROM grants")[0]["id"]
    stale = rows(
        runner,
        "SELECT state, last_error FROM deliveries WHERE key = ?",
        (f"grant-reminder:{grant_id}:0:14d",),
    )
    assert stale[0]["state"] == "skipped" and "nearer" in stale[0]["last_error"]

    await runner.stop()
    runner.clock.set(deadline + HOUR)  # the 3d reminder's time passed, and the deadline too
    bot = await runner.start()
    await bot.scheduler.run_due()
    assert len(fake.messages(channel)) == 1
    late = rows(
        runner,
        "SELECT state, last_error FROM deliveries WHERE key = ?",
        (f"grant-reminder:{grant_id}:0:3d",),
    )
    assert late[0]["state"] == "skipped" and "deadline has passed" in late[0]["last_error"]


async def test_rolling_funds_get_a_monthly_nudge_once_a_month(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="1d", rolling_nudge=True)
    await add_grant(fake, cohort, "Manifund", rolling=True, url="https://manifund.org/")
    now = runner.clock.now()
    first = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, 10, tzinfo=UTC)
    await run_at(runner, hamming, first - timedelta(minutes=1))
    assert fake.messages(channel) == []
    await run_at(runner, hamming, first)
    await hamming.scheduler.run_due()
    nudges = fake.messages(channel)
    assert len(nudges) == 1 and "Manifund" in nudges[0].embeds[0]["description"]
    following = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, 10, tzinfo=UTC)
    await run_at(runner, hamming, following)
    assert len(fake.messages(channel)) == 2
    await fake.invoke(cohort.guild, cohort.owner, "config grants setup", {"rolling_nudge": False})
    await run_at(runner, hamming, following + days(40))
    assert len(fake.messages(channel)) == 2


async def test_a_new_server_zone_moves_the_pending_nudge_to_its_local_time(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    """The nudge is at 10:00 server time: /config timezone moves it, keeping its month."""
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="1d", rolling_nudge=True)
    await add_grant(fake, cohort, "Manifund", rolling=True, url="https://manifund.org/")
    now = runner.clock.now()
    first_utc = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, 10, tzinfo=UTC)
    changed = await fake.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Asia/Tokyo"}
    )
    assert changed.ephemeral, changed
    first_tokyo = first_utc - timedelta(hours=9)  # 10:00 in Tokyo (UTC+9, no DST)
    nudges = rows(
        runner, "SELECT key, due_at, state FROM deliveries WHERE kind = 'grant-rolling-nudge'"
    )
    assert [(n["key"], n["due_at"], n["state"]) for n in nudges] == [
        (
            f"grant-rolling-nudge:{cohort.guild}:{first_utc:%Y-%m}",
            int(first_tokyo.timestamp()),
            "pending",
        )
    ]
    await run_at(runner, hamming, first_tokyo)
    assert len(fake.messages(channel)) == 1
