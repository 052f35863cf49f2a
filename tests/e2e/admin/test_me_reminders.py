"""/me reminders end to end: what check-ins, the reading group, grants, applications and
/remind will send a member, in one list; stopping one of each kind, by the member only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort
from tests.e2e.checkins.helpers import configure
from tests.e2e.grants.helpers import add_grant, setup_grants
from tests.fake_discord import FakeDiscord, Message

pytestmark = pytest.mark.e2e


async def listed(fake: FakeDiscord, cohort: Cohort) -> Message:
    shown = await fake.invoke(cohort.guild, cohort.alice, "me reminders")
    assert shown.ephemeral and shown.message is not None
    return shown.message


def number_of(message: Message, fragment: str) -> int:
    """The list number of the (first) line containing `fragment`."""
    for line in message.content.splitlines():
        if fragment in line and line[:1].isdigit():
            return int(line.split(".", 1)[0])
    raise AssertionError(f"{fragment!r} not listed:\n{message.content}")


async def test_me_reminders_stops_one_of_each_kind(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake, bot = fake_discord, hamming
    # Check-ins: Monday 09:00 (UTC) round, open 72 h, its reminder 24 h before the close.
    now = runner.clock.now()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=8, minute=0, second=0)
    runner.clock.set(monday)
    await configure(fake, cohort)
    runner.clock.set(monday + timedelta(hours=1, minutes=1))
    await bot.scheduler.run_due()
    # The reading group: a session in three days that alice is going to.
    reading_channel = fake.add_text_channel(cohort.guild, "reading-group")
    await fake.invoke(
        cohort.guild, cohort.owner, "config reading setup", {"channel": reading_channel}
    )
    await fake.invoke(cohort.guild, cohort.alice, "reading add", {"title": "The Bottom Line"})
    scheduled = await fake.invoke(
        cohort.guild, cohort.alice, "reading schedule", {"when": "in 3 days at 18:00"}
    )
    await scheduled.final()
    (announcement,) = [m for m in fake.messages(reading_channel) if m.components]
    await fake.click(announcement, cohort.alice, label="Going · 0")
    await fake.click(announcement, cohort.bob, label="Going · 1")
    # Grants: a subscription, an application waiting for its decision.
    await setup_grants(fake, cohort, offsets="7d")
    await add_grant(fake, cohort, "SFF round", deadline="in 20 days")
    await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "SFF round", "offsets": "3d"}
    )
    await add_grant(fake, cohort, "LTFF", rolling=True, decision_days=10)
    await fake.invoke(
        cohort.guild, cohort.alice, "grants applied", {"grant": "LTFF", "submitted": "today"}
    )
    # And a personal reminder.
    await fake.invoke(cohort.guild, cohort.alice, "remind me", {"when": "in 2 days", "what": "x"})

    message = await listed(fake, cohort)
    for fragment in (
        "check-in reminder",
        "reminder of “The Bottom Line”",
        "“SFF round”: 3d before its deadline",
        "“LTFF”: has a decision come?",
        "**Personal reminders**",
    ):
        number_of(message, fragment)

    for fragment, label in (
        ("check-in reminder", "Skip"),
        ("reminder of “The Bottom Line”", "Stop"),  # the day before
        ("reminder of “The Bottom Line”", "Stop"),  # and the hour before
        ("“SFF round”: 3d before its deadline", "Stop"),
        ("“LTFF”: has a decision come?", "Stop asking"),
        ("**Personal reminders**", "Cancel"),
    ):
        message = await listed(fake, cohort)
        before = message.content.count(fragment)
        number = number_of(message, fragment)
        pressed = await fake.click(message, cohort.alice, label=f"{label} {number}")
        assert pressed.accepted
        redrawn = fake.message(message.id).content
        assert redrawn.startswith("Stopped: ")
        assert redrawn.split("\n", 1)[1].count(fragment) == before - 1

    assert "Nothing is waiting" in (await listed(fake, cohort)).content

    # A month on, with every send due: alice got none of the stopped ones (later weeks'
    # check-in reminders are new and still come); bob, who stopped nothing, got his.
    for _ in range(40):
        runner.clock.set(runner.clock.now() + timedelta(days=1))
        await bot.scheduler.run_due()
    this_week = f"(Week {monday.isocalendar().week} ·"
    next_week = f"(Week {(monday + timedelta(days=7)).isocalendar().week} ·"
    alice_got = "\n".join(
        m.content
        for m in fake.dm_messages(cohort.alice)
        if not m.content.startswith("Thanks for reading")  # the after-reading ask, not a reminder
    )
    for stopped in (this_week, "The Bottom Line", "SFF round", "LTFF", "**Reminder:**"):
        assert stopped not in alice_got, stopped
    assert next_week in alice_got
    bob_got = "\n".join(m.content for m in fake.dm_messages(cohort.bob))
    assert this_week in bob_got
