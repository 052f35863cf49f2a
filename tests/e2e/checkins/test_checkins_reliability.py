"""Check-ins survive restarts, crashes, downtime, DST and schedule changes without doubling."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot import ledger
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import (
    FIRST_PROMPT,
    check_in,
    configure,
    move_to,
    only_prompt,
    prompts,
    thread_of,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def pending_prompts(bot: HammingBot) -> list[tuple[str, datetime]]:
    found = await ledger.list_occurrences(bot.db, kind="checkin-prompt")
    return [(o.key, o.due_at) for o in found]


async def test_restart_between_prompt_and_reminder_sends_nothing_twice(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    prompt = only_prompt(fake, cohort.channel)
    thread = thread_of(fake, cohort.channel)

    bot = await runner.restart()
    await move_to(runner, bot, FIRST_PROMPT + timedelta(hours=1))
    assert only_prompt(fake, cohort.channel).id == prompt.id
    assert thread_of(fake, cohort.channel) == thread

    await move_to(runner, bot, FIRST_PROMPT + timedelta(hours=48))
    bot = await runner.restart()
    await move_to(runner, bot, FIRST_PROMPT + timedelta(hours=49))
    for member in (cohort.alice, cohort.bob, cohort.moderator):
        assert len(fake.dm_messages(member)) == 1, member
    assert len(prompts(fake, cohort.channel)) == 1
    # After the restart the old prompt's button still opens the modal (persistent, by round id).
    answered = await check_in(fake, prompt, cohort.alice)
    assert "saved" in (answered.followups[-1].content or "")


async def test_crash_after_posting_reuses_the_message_and_the_thread(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """A prompt in doubt is retried with its nonce; the existing thread (160004) is adopted."""
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    prompt = only_prompt(fake, cohort.channel)
    await runner.stop()
    # As if the bot died after Discord accepted the message and the thread, before it stored
    # either id or finished the occurrence.
    with sqlite3.connect(runner.database_path) as conn:
        conn.execute("UPDATE checkin_rounds SET message_id = NULL, thread_id = NULL")
        conn.execute(
            "UPDATE deliveries SET state = 'claimed' WHERE key LIKE 'checkin-prompt:%:2026-W48'"
        )
    bot = await runner.start()
    await bot.scheduler.run_due()
    assert only_prompt(fake, cohort.channel).id == prompt.id
    assert fake.deduplicated_sends == [prompt.id]
    assert thread_of(fake, cohort.channel) == prompt.id
    stored = rows(runner, "SELECT message_id, thread_id FROM checkin_rounds")
    assert [(r["message_id"], r["thread_id"]) for r in stored] == [(prompt.id, prompt.id)]
    threads = fake.requests_matching("POST", r"/messages/\d+/threads$")
    assert [r.status for r in threads] == [201, 400]


async def test_failed_thread_creation_is_retried_without_a_second_prompt(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    fake.fail_next("POST", r"/messages/\d+/threads$", status=403)
    await move_to(runner, checkins, FIRST_PROMPT)
    assert len(prompts(fake, cohort.channel)) == 1
    assert fake.threads(cohort.channel) == []
    bot = await runner.restart()
    await move_to(runner, bot, FIRST_PROMPT + timedelta(minutes=1))
    assert len(prompts(fake, cohort.channel)) == 1
    assert thread_of(fake, cohort.channel) == only_prompt(fake, cohort.channel).id


@pytest.mark.parametrize(
    ("down_for", "posted"),
    [(timedelta(hours=60), True), (timedelta(hours=61), False)],
)
async def test_prompt_missed_while_down_is_posted_only_with_12_hours_left(
    fake_discord: FakeDiscord,
    cohort: Cohort,
    runner: BotRunner,
    checkins: HammingBot,
    down_for: timedelta,
    posted: bool,
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await runner.stop()
    runner.clock.set(FIRST_PROMPT + down_for)
    bot = await runner.start()
    await bot.scheduler.run_due()
    assert len(prompts(fake, cohort.channel)) == (1 if posted else 0)
    state = rows(runner, "SELECT state FROM deliveries WHERE key LIKE 'checkin-prompt:%:2026-W48'")
    assert [r["state"] for r in state] == ["done" if posted else "skipped"]
    # Either way next week's prompt is planned, once.
    assert await pending_prompts(bot) == [
        (f"checkin-prompt:{cohort.guild}:2026-W49", FIRST_PROMPT + timedelta(days=7))
    ]
    if posted:
        closes = rows(runner, "SELECT closes_at FROM checkin_rounds")[0]["closes_at"]
        assert closes == int((FIRST_PROMPT + timedelta(hours=72)).timestamp())


async def test_prompt_keeps_its_local_time_across_the_dst_change(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """Berlin leaves summer time on 25 Oct 2026: 09:00 is 07:00 UTC before, 08:00 after."""
    fake = fake_discord
    runner.clock.set(datetime(2026, 10, 16, 12, 0, tzinfo=UTC))
    await configure(fake, cohort)
    summer = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    winter = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    await move_to(runner, checkins, summer)
    assert len(prompts(fake, cohort.channel)) == 1
    assert await pending_prompts(checkins) == [(f"checkin-prompt:{cohort.guild}:2026-W44", winter)]
    await move_to(runner, checkins, winter - timedelta(minutes=1))
    assert len(prompts(fake, cohort.channel)) == 1
    await move_to(runner, checkins, winter)
    assert len(prompts(fake, cohort.channel)) == 2


async def test_schedule_change_before_the_prompt_moves_it(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await configure(fake, cohort, day=1, time="10:30")
    tuesday = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert await pending_prompts(checkins) == [(f"checkin-prompt:{cohort.guild}:2026-W48", tuesday)]
    await move_to(runner, checkins, FIRST_PROMPT)
    assert prompts(fake, cohort.channel) == []
    await move_to(runner, checkins, tuesday)
    assert len(prompts(fake, cohort.channel)) == 1
    audit = rows(
        runner,
        "SELECT setting, old_value, new_value FROM config_audit"
        " WHERE setting LIKE 'checkins.%' ORDER BY id",
    )
    assert [(a["setting"], a["old_value"], a["new_value"]) for a in audit][-2:] == [
        ("checkins.day", "Monday", "Tuesday"),
        ("checkins.time", "09:00", "10:30"),
    ]


async def test_schedule_change_after_the_prompt_does_not_repeat_the_week(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    await configure(fake, cohort, day=2)  # Wednesday of the same week
    next_wednesday = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert await pending_prompts(checkins) == [
        (f"checkin-prompt:{cohort.guild}:2026-W49", next_wednesday)
    ]
    await move_to(runner, checkins, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert len(prompts(fake, cohort.channel)) == 1
    await move_to(runner, checkins, next_wednesday)
    assert len(prompts(fake, cohort.channel)) == 2


async def test_off_then_on_again_in_the_same_week_plans_the_prompt_once(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    off = await fake.invoke(cohort.guild, cohort.owner, "config checkins off")
    assert "off" in off.content
    assert await pending_prompts(checkins) == []
    await configure(fake, cohort)
    assert await pending_prompts(checkins) == [
        (f"checkin-prompt:{cohort.guild}:2026-W48:2", FIRST_PROMPT)
    ]
    await move_to(runner, checkins, FIRST_PROMPT)
    assert len(prompts(fake, cohort.channel)) == 1


async def test_prompt_that_failed_for_good_can_be_posted_with_prompt_now(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """Four refusals (say, a permission removed); after the fix a moderator posts it once."""
    fake = fake_discord
    await configure(fake, cohort)
    fake.fail_next("POST", rf"^/channels/{cohort.channel}/messages$", status=403, count=4)
    for minutes in (0, 1, 3, 15):
        await move_to(runner, checkins, FIRST_PROMPT + timedelta(minutes=minutes))
    state = rows(runner, "SELECT state FROM deliveries WHERE key LIKE 'checkin-prompt:%:2026-W48'")
    assert [r["state"] for r in state] == ["failed"]
    assert prompts(fake, cohort.channel) == []

    opened = await fake.invoke(cohort.guild, cohort.owner, "checkin prompt-now")
    await opened.final()
    assert "Opened the check-in for 2026-W48" in (opened.followups[-1].content or "")
    prompt = only_prompt(fake, cohort.channel)
    assert thread_of(fake, cohort.channel) == prompt.id
    stored = rows(runner, "SELECT prompt_key, message_id FROM checkin_rounds")
    assert [(r["prompt_key"], r["message_id"]) for r in stored] == [
        (f"checkin-prompt:{cohort.guild}:2026-W48:2", prompt.id)
    ]


async def test_reminders_stay_under_the_configured_global_limit(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """DISCORD_GLOBAL_RATE_LIMIT tells the pacer Discord's budget: a fan-out of 40 reminder
    DMs (two requests each) under a global limit of 20 requests/s draws no 429 at all."""
    fake = fake_discord
    members = [
        fake.add_member(cohort.guild, f"member{i}", roles=[cohort.cohort_role]) for i in range(40)
    ]
    runner.overrides["discord_global_rate_limit"] = 20
    bot = await runner.restart()
    await configure(fake, cohort)
    await move_to(runner, bot, FIRST_PROMPT)
    fake.set_global_budget(20, burst=5)  # a little slack for timing jitter, as Discord has
    refused_before = fake.served_429s
    await move_to(runner, bot, FIRST_PROMPT + timedelta(hours=48))
    fake.set_global_budget(None)
    assert fake.served_429s == refused_before
    for member in members:
        assert len(fake.dm_messages(member)) == 1, member
