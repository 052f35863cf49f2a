"""The weekly digest on a Monday morning, an hour after the week's prompt: it reports the
round that closed last week (aggregates only) and names the open one only by its close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.client import HammingBot
from cogs.checkins.store_loop import set_plan_mark, set_share_blocker
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import (
    ANSWERS,
    FIRST_PROMPT,
    bot_posts,
    check_in,
    configure,
    move_to,
    prompts,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

SECOND_PROMPT = FIRST_PROMPT + timedelta(days=7)  # Monday 30 Nov, 09:00 in Berlin


def digests(fake: FakeDiscord, channel: int) -> list[Message]:
    return [
        m
        for m in bot_posts(fake, channel)
        if m.embeds and m.embeds[0].get("title") == "This week in the cohort"
    ]


def stamp(instant: object) -> str:
    return f"<t:{int(instant.timestamp())}:F>"  # type: ignore[attr-defined]


async def test_monday_digest_reports_last_weeks_check_ins_and_the_open_round(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    scheduled = await fake.invoke(
        cohort.guild,
        cohort.owner,
        "config digest schedule",
        {"channel": cohort.channel, "day": "Monday", "time": "10:00"},
    )
    assert "every Monday at 10:00" in (scheduled.content or ""), scheduled.content

    # Week 48: the prompt, then the first digest an hour later (nothing has closed yet).
    await move_to(runner, checkins, FIRST_PROMPT)
    prompt = prompts(fake, cohort.channel)[0]
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=1))
    [first] = digests(fake, cohort.channel)
    week48_close = FIRST_PROMPT + timedelta(hours=72)
    assert (
        f"No round has closed yet; this week's check-in is open until {stamp(week48_close)}."
        in first.embeds[0]["description"]
    )

    # Alice and Bob check in (Max does not); both mark last week's plan; Alice shares.
    await check_in(fake, prompt, cohort.alice)
    blocker = "Someone to check my proof sketch"
    await check_in(fake, prompt, cohort.bob, dict(ANSWERS, **{"What is blocking you": blocker}))
    [round_] = rows(runner, "SELECT id FROM checkin_rounds")
    async with checkins.db.transaction() as tx:
        now = runner.clock.now()
        await set_share_blocker(tx, round_["id"], cohort.alice, True, now)
        await set_plan_mark(tx, round_["id"], cohort.alice, "done", now)
        await set_plan_mark(tx, round_["id"], cohort.bob, "partly", now)
    await move_to(runner, checkins, week48_close)
    [post] = [
        m for m in bot_posts(fake, cohort.channel) if m.embeds and "Blockers" in str(m.embeds)
    ]
    helped = await fake.click(post, cohort.bob, label="I can help: 1. alice")
    await helped.final()

    # Week 49: the prompt at 09:00, the digest at 10:00.
    await move_to(runner, checkins, SECOND_PROMPT)
    await move_to(runner, checkins, SECOND_PROMPT + timedelta(hours=1))
    assert len(digests(fake, cohort.channel)) == 2
    text = digests(fake, cohort.channel)[-1].embeds[0]["description"]
    section = text.split("**Check-ins**\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section == [
        "Last week (Week 48): 2 of 3 checked in (67%).",
        "Plans kept: 1 done, 1 partly, 0 not done of 2 marked.",
        "Trend: 67% on average over the last round.",
        "Asks shared: 1; help offered: 1.",
        f"This week's check-in is open until {stamp(SECOND_PROMPT + timedelta(hours=72))}.",
    ]
    # Aggregates only: no names, no member's text.
    for private in ("alice", "bob", "<@", ANSWERS["What is blocking you"], blocker):
        assert private not in text, private
