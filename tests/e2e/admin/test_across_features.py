"""Issue [6 of 8] across every feature: /setup from scratch, export and forget of a member
who used everything, and /help covering every registered command."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows_mentioning
from tests.e2e.checkins.helpers import check_in, only_prompt
from tests.e2e.feedback_swaps.helpers import join, request
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

CREATE_PUBLIC_THREADS = 1 << 35
FRIDAY_NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_setup_from_a_fresh_server_to_a_complete_checklist(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    fake = fake_discord
    channels = {
        name: fake.add_text_channel(cohort.guild, name)
        for name in ("checkins", "feedback_swaps", "reading", "grants")
    }
    # The bot may not open threads in the check-in channel: /setup must say so.
    bot_role = next(
        r.id for r in fake.world.guilds[cohort.guild].roles.values() if r.name == "Hamming"
    )
    fake.set_channel_overwrite(channels["checkins"], bot_role, deny=CREATE_PUBLIC_THREADS)
    await asyncio.sleep(0.1)  # let CHANNEL_UPDATE reach the bot

    started = await fake.invoke(cohort.guild, cohort.owner, "setup")
    assert started.message is not None
    message = started.message
    assert "⬜ Check-ins: no channel yet" in started.embeds[0]["description"]
    for name, channel in channels.items():
        picked = await fake.select(
            message, cohort.owner, custom_id=f"setup:channel:{name}", values=[channel]
        )
        assert picked.error is None, picked
    await fake.click(message, cohort.owner, label="Next →")
    await fake.select(
        message, cohort.owner, custom_id="setup:role:cohort", values=[cohort.cohort_role]
    )
    await fake.select(
        message, cohort.owner, custom_id="setup:role:moderator", values=[cohort.moderator_role]
    )
    await fake.select(message, cohort.owner, custom_id="setup:zone", values=["Europe/Berlin"])
    await fake.click(message, cohort.owner, label="Next →")
    await fake.select(message, cohort.owner, custom_id="setup:checkin-day", values=["2"])
    await fake.select(message, cohort.owner, custom_id="setup:checkin-time", values=["18"])
    done = await fake.click(message, cohort.owner, label="Done")
    checklist = done.embeds[0]["description"]
    assert "⬜" not in checklist, checklist
    assert "Check-ins" in checklist and "Create Public Threads" in checklist
    for title in ("Feedback", "Reading group", "Grant deadlines"):
        assert any(line.startswith("✅") and title in line for line in checklist.splitlines())
    shown = await fake.invoke(cohort.guild, cohort.owner, "config show")
    summaries = " ".join(f["value"] for f in shown.embeds[0]["fields"])
    assert "Wednesday" in summaries or "Wed" in summaries
    assert "18:00" in summaries
    # Running /setup again edits the same settings; nothing is duplicated.
    again = await fake.invoke(cohort.guild, cohort.owner, "setup")
    assert "Europe/Berlin" in again.embeds[0]["description"]


async def test_export_and_forget_cover_every_feature(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    fake = fake_discord
    runner.clock.set(FRIDAY_NOON)
    bot = await runner.start()
    owner, alice = cohort.owner, cohort.alice
    await fake.invoke(cohort.guild, owner, "config cohort-role", {"role": cohort.cohort_role})
    # Check-ins: a round opened now, and Alice answers it.
    await fake.invoke(
        cohort.guild,
        owner,
        "config checkins schedule",
        {"channel": cohort.channel, "day": 0, "time": "09:00"},
    )
    opened = await fake.invoke(cohort.guild, owner, "checkin prompt-now")
    await (opened.final() if opened.type == 5 else asyncio.sleep(0))
    await bot.scheduler.run_due()
    answered = await check_in(fake, only_prompt(fake, cohort.channel), alice)
    assert answered.error is None
    # Feedback swaps: a draft and a place in the reviewer pool.
    feedback = fake.add_text_channel(cohort.guild, "feedback")
    await fake.invoke(
        cohort.guild,
        owner,
        "config feedback schedule",
        {"channel": feedback, "day": 0, "time": "10:00"},
    )
    await request(fake, cohort.guild, alice, "Sparse autoencoders on toy models")
    await join(fake, cohort.guild, alice)
    # Reading group: an item Alice added and a session she RSVPed to.
    reading = fake.add_text_channel(cohort.guild, "reading")
    await fake.invoke(cohort.guild, owner, "config reading setup", {"channel": reading})
    await fake.invoke(cohort.guild, alice, "reading add", {"title": "Alice's pick"})
    scheduled = await fake.invoke(
        cohort.guild, owner, "reading schedule", {"when": "in 3 days at 18:00"}
    )
    await (scheduled.final() if scheduled.type == 5 else asyncio.sleep(0))
    await bot.scheduler.run_due()
    announcement = next(m for m in fake.messages(reading) if m.components)
    await fake.click(announcement, alice, label="Going · 0")
    # Grants: a subscription with personal offsets.
    grants_channel = fake.add_text_channel(cohort.guild, "grants")
    await fake.invoke(cohort.guild, owner, "config grants setup", {"channel": grants_channel})
    await fake.invoke(cohort.guild, owner, "grants add", {"name": "LTFF", "deadline": "in 40 days"})
    await fake.invoke(
        cohort.guild, alice, "grants subscribe", {"grant": "LTFF", "offsets": "7d,2d"}
    )

    exported = await (await fake.invoke(cohort.guild, alice, "me export")).final()
    [file] = [a for m in exported.followups for a in m.attachments]
    data = json.loads(file.data)
    text = json.dumps(data)
    for feature in ("checkins", "feedback_swaps", "reading", "grants"):
        assert data.get(feature), f"{feature} missing from the export"
    for created in ("Scalable oversight", "Sparse autoencoders", "Alice's pick", "LTFF"):
        assert created in text, created

    assert rows_mentioning(runner.database_path, alice)
    await forget_me(fake, cohort.guild, alice)
    assert rows_mentioning(runner.database_path, alice) == {}
    # Her check-in answer card in the thread was deleted too.
    thread_posts = [m for t in fake.threads(cohort.channel) for m in fake.messages(t.id)]
    assert not any(
        "Scalable oversight" in json.dumps(m.embeds) for m in thread_posts if not m.deleted
    )
