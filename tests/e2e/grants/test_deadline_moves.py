"""A moved deadline never repeats a reminder already sent; the offsets still ahead follow it,
and one "deadline moved" notice goes to the channel and to subscribers already reminded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.grants.helpers import add_grant, days, run_at, setup_grants, stamp
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

HOUR = timedelta(hours=1)


def what(messages: list[Message]) -> list[str]:
    """Each message as 'Reminder 3d before' or 'moved', in order."""
    shown = []
    for m in messages:
        if m.embeds and "footer" in m.embeds[0]:
            shown.append(m.embeds[0]["footer"]["text"].split(" · ")[0])
        elif "moved from" in (m.content or ""):
            shown.append("moved")
        else:
            shown.append(m.content or "")
    return shown


def typed(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M")


async def edit_deadline(fake: FakeDiscord, cohort: Cohort, name: str, when: datetime) -> str:
    edited = await fake.invoke(
        cohort.guild, cohort.owner, "grants edit", {"grant": name, "deadline": typed(when)}
    )
    assert edited.ephemeral, edited
    return edited.content or ""


async def test_a_moved_deadline_never_repeats_a_reminder_and_says_it_moved(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake, bot = fake_discord, hamming
    channel = await setup_grants(fake, cohort, offsets="7d,3d,1d")
    first = runner.clock.now().replace(second=0, microsecond=0) + days(10)
    await add_grant(fake, cohort, "LTFF round", deadline=typed(first))
    await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "LTFF round", "offsets": "3d"}
    )
    await fake.invoke(
        cohort.guild, cohort.bob, "grants subscribe", {"grant": "LTFF round", "offsets": "1d"}
    )
    await run_at(runner, bot, first - days(7))
    await run_at(runner, bot, first - days(3))  # "3 days left" on the 7th
    assert what(fake.messages(channel)) == ["Reminder 7d before", "Reminder 3d before"]
    assert what(fake.dm_messages(cohort.alice)) == ["Reminder 3d before"]

    # On the 8th the deadline moves two days later: its 3d lands on the 9th, ahead again.
    runner.clock.set(first - days(2))
    second = first + days(2)
    reply = await edit_deadline(fake, cohort, "LTFF round", second)
    assert stamp(second, "F") in reply
    await bot.scheduler.run_due()
    notice = fake.messages(channel)[-1]
    assert what([notice]) == ["moved"]
    assert stamp(first, "F") in notice.content and stamp(second, "F") in notice.content
    alice = fake.dm_messages(cohort.alice)
    assert what(alice) == ["Reminder 3d before", "moved"]
    assert alice[-1].content == notice.content
    assert fake.dm_messages(cohort.bob) == []  # no reminder yet, so nothing to correct

    bot = await runner.restart()  # the notice is a ledger occurrence: not sent again
    await bot.scheduler.run_due()
    await run_at(runner, bot, second - days(3))  # the 9th: "3 days left" is not repeated
    assert what(fake.messages(channel)) == [
        "Reminder 7d before",
        "Reminder 3d before",
        "moved",
    ]
    await run_at(runner, bot, second - days(1))  # still ahead: follows the new deadline
    assert what(fake.messages(channel))[-1] == "Reminder 1d before"
    assert what(fake.dm_messages(cohort.bob)) == ["Reminder 1d before"]
    assert stamp(second, "F") in fake.messages(channel)[-1].embeds[0]["description"]

    # Edited again, much later: every offset lies ahead again, and every one was sent.
    third = second + days(20)
    await edit_deadline(fake, cohort, "LTFF round", third)
    await bot.scheduler.run_due()
    for when in (third - days(7), third - days(3), third - days(1), third + HOUR):
        await run_at(runner, bot, when)
    assert what(fake.messages(channel)) == [
        "Reminder 7d before",
        "Reminder 3d before",
        "moved",
        "Reminder 1d before",
        "moved",
    ]
    assert what(fake.dm_messages(cohort.alice)) == ["Reminder 3d before", "moved", "moved"]
    assert what(fake.dm_messages(cohort.bob)) == ["Reminder 1d before", "moved"]
    assert fake.deduplicated_sends == []  # not even a repeat that Discord swallowed


async def test_a_deadline_moved_earlier_sends_no_burst_of_stale_reminders(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake, bot = fake_discord, hamming
    channel = await setup_grants(fake, cohort, offsets="14d,7d,3d,1d")
    start = runner.clock.now().replace(second=0, microsecond=0)
    await add_grant(fake, cohort, "Camp", deadline=typed(start + days(20)))
    await run_at(runner, bot, start + days(6))  # 14d sent
    sooner = start + days(8) + 12 * HOUR  # 7d and 3d are past for it, 1d ahead
    reply = await edit_deadline(fake, cohort, "Camp", sooner)
    assert "not sent, their time has passed: 7d, 3d" in reply
    assert "already sent before the deadline moved, not repeated: 14d" in reply
    await bot.scheduler.run_due()
    for when in (start + days(7), sooner - days(1), sooner + HOUR):
        await run_at(runner, bot, when)
    assert what(fake.messages(channel)) == ["Reminder 14d before", "moved", "Reminder 1d before"]


async def test_a_new_deadline_after_the_old_one_passed_gets_its_reminders_again(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake, bot = fake_discord, hamming
    channel = await setup_grants(fake, cohort, offsets="3d")
    start = runner.clock.now().replace(second=0, microsecond=0)
    await add_grant(fake, cohort, "Annual call", deadline=typed(start + days(5)))
    await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "Annual call", "offsets": "3d"}
    )
    await run_at(runner, bot, start + days(2))
    await run_at(runner, bot, start + days(6))  # this year's deadline has passed
    next_year = start + days(5 + 365)
    await edit_deadline(fake, cohort, "Annual call", next_year)
    await bot.scheduler.run_due()
    await run_at(runner, bot, next_year - days(3))
    # Next year's call is a new round: its reminders come again, and nothing "moved".
    assert what(fake.messages(channel)) == ["Reminder 3d before", "Reminder 3d before"]
    assert what(fake.dm_messages(cohort.alice)) == ["Reminder 3d before", "Reminder 3d before"]
    grant_id = rows(runner, "SELECT id FROM grants")[0]["id"]
    assert (
        rows(runner, "SELECT key FROM deliveries WHERE key LIKE ?", (f"%moved:{grant_id}:%",)) == []
    )
