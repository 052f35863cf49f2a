"""/remind end to end: a personal reminder is DMed once, across a restart; list, cancel,
limits, the closed-DM fallback, export and forget."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def remind(fake: FakeDiscord, cohort: Cohort, user: int, when: str, what: str) -> str:
    result = await fake.invoke(
        cohort.guild, user, "remind me", {"when": when, "what": what}, channel_id=cohort.channel
    )
    assert result.ephemeral, result
    return result.content or ""


async def test_a_reminder_is_sent_once_across_a_restart(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    reply = await remind(fake_discord, cohort, cohort.alice, "in 2 hours", "send the LTFF form")
    due = runner.clock.now() + timedelta(hours=2)
    assert f"<t:{int(due.timestamp())}:F>" in reply and "read as" in reply

    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "remind list")
    assert "send the LTFF form" in (listed.content or "") and listed.ephemeral

    bot = await runner.restart()
    runner.clock.set(due + timedelta(minutes=1))
    await bot.scheduler.run_due()
    bot = await runner.restart()  # a restart after the send sends nothing more
    await bot.scheduler.run_due()
    sent = [m.content for m in fake_discord.dm_messages(cohort.alice)]
    assert sent == ["⏰ **Reminder:** send the LTFF form"]
    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "remind list")
    assert "no reminders waiting" in (listed.content or "")


async def test_a_late_reminder_says_it_is_late(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await remind(fake_discord, cohort, cohort.alice, "in 1 hour", "stretch")
    await runner.stop()
    runner.clock.set(runner.clock.now() + timedelta(hours=5))  # the bot was down when due
    bot = await runner.start()
    await bot.scheduler.run_due()
    (sent,) = fake_discord.dm_messages(cohort.alice)
    assert sent.content.startswith("⏰ **Reminder:** stretch\n-# This was due <t:")


async def test_cancel_lists_only_your_own_and_stops_the_send(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await remind(fake_discord, cohort, cohort.alice, "in 3 hours", "alice's secret plan")
    await remind(fake_discord, cohort, cohort.bob, "in 3 hours", "bob's note")

    offered = await fake_discord.autocomplete(
        cohort.guild, cohort.bob, "remind cancel", "reminder", ""
    )
    assert [c["name"].split(" — ")[1] for c in offered] == ["bob's note"]
    (alices,) = await fake_discord.autocomplete(
        cohort.guild, cohort.alice, "remind cancel", "reminder", "secret"
    )
    refused = await fake_discord.invoke(
        cohort.guild, cohort.bob, "remind cancel", {"reminder": alices["value"]}
    )
    assert refused.ephemeral and "couldn't find one of your waiting reminders" in refused.content

    cancelled = await fake_discord.invoke(
        cohort.guild, cohort.alice, "remind cancel", {"reminder": alices["value"]}
    )
    assert "Cancelled your reminder" in (cancelled.content or "")
    runner.clock.set(runner.clock.now() + timedelta(hours=3, minutes=1))
    await hamming.scheduler.run_due()
    assert fake_discord.dm_messages(cohort.alice) == []
    assert [m.content for m in fake_discord.dm_messages(cohort.bob)] == [
        "⏰ **Reminder:** bob's note"
    ]


@pytest.mark.parametrize(
    ("when", "what", "reason"),
    [
        ("2020-01-01 10:00", "too late", "in the past"),
        ("whenever", "x", "Accepted forms"),
        ("every monday 9am", "x", "repeats"),
        ("in 1 hour", "   ", "needs some words"),
    ],
)
async def test_bad_input_is_refused_plainly_and_changes_nothing(
    fake_discord: FakeDiscord,
    cohort: Cohort,
    hamming: HammingBot,
    runner: BotRunner,
    when: str,
    what: str,
    reason: str,
) -> None:
    refused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "remind me", {"when": when, "what": what}
    )
    assert refused.ephemeral and reason in (refused.content or "")
    assert rows(runner, "SELECT * FROM personal_reminders") == []


async def test_at_most_25_wait_and_long_text_is_clipped(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    for n in range(25):
        await remind(fake_discord, cohort, cohort.alice, f"in {n + 1} hours", f"note {n}")
    refused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "remind me", {"when": "in 30 hours", "what": "one more"}
    )
    assert "You have 25 reminders waiting" in (refused.content or "")
    assert len(rows(runner, "SELECT * FROM personal_reminders")) == 25

    await remind(fake_discord, cohort, cohort.bob, "in 1 hour", "x" * 2000)
    runner.clock.set(runner.clock.now() + timedelta(hours=1, minutes=1))
    await hamming.scheduler.run_due()
    (sent,) = fake_discord.dm_messages(cohort.bob)
    assert len(sent.content) <= 2000 and sent.content.endswith("…")


async def test_closed_dms_fall_back_to_a_mention_where_it_was_asked(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await remind(fake_discord, cohort, cohort.alice, "in 1 hour", "@everyone standup")
    fake_discord.close_dms(cohort.alice)
    runner.clock.set(runner.clock.now() + timedelta(hours=1, minutes=1))
    await hamming.scheduler.run_due()
    (mention,) = [
        m
        for m in fake_discord.messages(cohort.channel)
        if "standup" in m.content and not m.ephemeral  # not the /remind reply itself
    ]
    assert mention.content.startswith(f"<@{cohort.alice}> ⏰ **Reminder:** @everyone standup")


async def test_export_and_forget(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await remind(fake_discord, cohort, cohort.alice, "in 1 hour", "write the abstract")
    exported = await (await fake_discord.invoke(cohort.guild, cohort.alice, "me export")).final()
    data = json.loads(exported.followups[-1].attachments[0].data)
    assert [r["text"] for r in data["reminders"]["reminders"]] == ["write the abstract"]
    await forget_me(fake_discord, cohort.guild, cohort.alice)
    assert rows(runner, "SELECT * FROM personal_reminders") == []
    runner.clock.set(runner.clock.now() + timedelta(hours=2))
    await hamming.scheduler.run_due()
    assert fake_discord.dm_messages(cohort.alice) == []


async def test_me_reminders_lists_what_waits_and_stops_one(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    empty = await fake_discord.invoke(cohort.guild, cohort.alice, "me reminders")
    assert empty.ephemeral and "Nothing is waiting" in (empty.content or "")

    await remind(fake_discord, cohort, cohort.alice, "in 5 hours", "later one")
    await remind(fake_discord, cohort, cohort.alice, "in 2 hours", "sooner one")
    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "me reminders")
    assert listed.ephemeral and listed.message is not None
    text = listed.content or ""
    assert text.index("sooner one") < text.index("later one")  # soonest first
    assert "**Personal reminders**" in text

    # Another member can never stop it: the feature checks the presser against its records.
    feature = hamming.features["reminders"]
    (first, _) = await feature.member_reminders(cohort.guild, cohort.alice)
    with pytest.raises(Exception, match="couldn't find one of your waiting reminders"):
        await feature.stop_member_reminder(cohort.guild, cohort.bob, first.ref)

    stopped = await fake_discord.click(listed.message, cohort.alice, label="Cancel 1")
    assert stopped.accepted
    redrawn = fake_discord.message(listed.message.id).content
    assert redrawn.startswith("Stopped: your reminder for <t:")
    assert "sooner one" in redrawn.splitlines()[0]
    assert "later one" in redrawn and "1. **Personal reminders**" in redrawn
    runner.clock.set(runner.clock.now() + timedelta(hours=5, minutes=1))
    await hamming.scheduler.run_due()
    assert [m.content for m in fake_discord.dm_messages(cohort.alice)] == [
        "⏰ **Reminder:** later one"
    ]
