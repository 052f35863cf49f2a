"""Check-ins with the core's member tools: pause, notification choice, export, forget, reset,
and the weekly digest."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import ledger
from bot.client import HammingBot
from bot.features import implements
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
from tests.e2e.checkins.helpers import (
    ANSWERS,
    FIRST_PROMPT,
    bot_posts,
    check_in,
    configure,
    move_to,
    only_prompt,
    thread_of,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_paused_member_is_not_asked_or_counted_and_keeps_the_streak(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    paused = await fake.invoke(cohort.guild, cohort.alice, "me pause", {"until": "in 5 days"})
    assert paused.ephemeral and "Paused until" in paused.content
    await move_to(runner, checkins, FIRST_PROMPT)
    assert rows(runner, "SELECT cohort_size FROM checkin_rounds")[0]["cohort_size"] == 2
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=48))
    assert fake.dm_messages(cohort.alice) == []
    assert len(fake.dm_messages(cohort.bob)) == 1
    skipped = rows(runner, "SELECT user_id, week FROM checkin_skips")
    assert [(r["user_id"], r["week"]) for r in skipped] == [(cohort.alice, "2026-W48")]


async def test_member_who_chose_mentions_is_reminded_in_the_thread(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    chosen = await fake.invoke(
        cohort.guild, cohort.bob, "me notifications", {"feature": "checkins", "channel": "mention"}
    )
    assert "Check-ins" in chosen.content
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=48))
    assert fake.dm_messages(cohort.bob) == []
    thread = thread_of(fake, cohort.channel)
    mentions = [m for m in bot_posts(fake, thread) if f"<@{cohort.bob}>" in (m.content or "")]
    assert len(mentions) == 1
    scheduled = await ledger.list_occurrences(
        checkins.db, kind="checkin-reminder", states=("done",)
    )
    assert {o.key for o in scheduled} >= {f"checkin-reminder:1:{cohort.bob}"}


async def test_export_and_forget_cover_check_in_answers_and_their_thread_cards(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.bob)
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=48))  # alice is reminded
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice)
    await fake.invoke(cohort.guild, cohort.alice, "checkin skip", {"weeks": 2})
    thread = thread_of(fake, cohort.channel)
    [bob_card, alice_card] = bot_posts(fake, thread)
    assert set(rows_mentioning(runner.database_path, cohort.alice)) >= {
        "checkin_answers",
        "checkin_skips",
        "deliveries",
    }

    exported = await fake.invoke(cohort.guild, cohort.alice, "me export")
    await exported.final()
    data = json.loads(exported.followups[-1].attachments[0].data)
    assert data["checkins"]["answers"][0]["week"] == "2026-W48"
    assert data["checkins"]["answers"][0]["answers"] == ANSWERS

    await forget_me(fake, cohort.guild, cohort.alice)
    remaining = rows(runner, "SELECT user_id FROM checkin_answers")
    assert [r["user_id"] for r in remaining] == [cohort.bob]
    assert rows_mentioning(runner.database_path, cohort.alice) == {}
    assert fake.message(alice_card.id).deleted
    assert not fake.message(bob_card.id).deleted


async def test_reset_turns_check_ins_off_and_cancels_the_prompt(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    asked = await fake.invoke(cohort.guild, cohort.owner, "config reset", {"feature": "checkins"})
    assert asked.message is not None
    await fake.click(asked.message, cohort.owner, label="Reset Check-ins")
    assert rows(runner, "SELECT * FROM checkin_settings") == []
    assert await ledger.list_occurrences(checkins.db, kind="checkin-prompt") == []
    await move_to(runner, checkins, FIRST_PROMPT)
    assert bot_posts(fake, cohort.channel) == []


async def test_digest_section_reports_the_closed_week_with_a_chart(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    feature = checkins.features["checkins"]
    assert implements(feature, "digest_section")
    assert await feature.digest_section(cohort.guild, runner.clock.now()) is None  # nothing yet
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice)
    section = await feature.digest_section(cohort.guild, FIRST_PROMPT + timedelta(days=4))
    assert section is not None
    assert section.lines[0] == "Last week (Week 48): 1 of 3 checked in (33%)."
    assert section.chart_png is not None and section.chart_png.startswith(b"\x89PNG")
