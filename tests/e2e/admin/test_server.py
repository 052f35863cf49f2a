"""Moderators' server-wide tools, end to end: /setup, audit, export, /help, the digest."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from discord import app_commands

from bot import ledger
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_audit_lists_changes_newest_first(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Oslo"}
    )
    await fake_discord.invoke(cohort.guild, cohort.owner, "config retention", {"days": 45})
    result = await fake_discord.invoke(cohort.guild, cohort.owner, "config audit", {"limit": 5})
    text = result.embeds[0]["description"]
    assert text.index("retention_days") < text.index("timezone")
    assert "90 → 45" in text and "UTC → Europe/Oslo" in text and f"<@{cohort.owner}>" in text
    refused = await fake_discord.invoke(cohort.guild, cohort.alice, "config audit")
    assert "Only moderators" in (refused.content or "")


async def test_config_export_is_a_json_file_of_the_server(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Oslo"}
    )
    result = await (await fake_discord.invoke(cohort.guild, cohort.owner, "config export")).final()
    [file] = [a for m in result.followups for a in m.attachments]
    data = json.loads(file.data)
    assert data["server_id"] == str(cohort.guild)
    assert data["core"]["settings"]["timezone"] == "Europe/Oslo"


async def test_help_lists_every_registered_command(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    result = await fake_discord.invoke(cohort.guild, cohort.alice, "help")
    text = "\n".join(e.get("description", "") for e in result.embeds)
    names = [
        c.qualified_name
        for c in hamming.tree.walk_commands()
        if isinstance(c, app_commands.Command)
    ]
    assert names
    missing = [n for n in names if f"`/{n}" not in text]
    assert missing == []
    total = sum(len(e.get("title", "")) + len(e.get("description", "")) for e in result.embeds)
    assert total <= 6000


async def test_setup_saves_roles_and_zone_and_shows_the_checklist(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    first = await fake_discord.invoke(cohort.guild, cohort.owner, "setup")
    assert first.ephemeral and first.message is not None
    page2 = await fake_discord.click(first.message, cohort.owner, label="Next →")
    assert "People and time" in page2.embeds[0]["title"]
    await fake_discord.select(
        first.message, cohort.owner, custom_id="setup:role:cohort", values=[cohort.cohort_role]
    )
    picked = await fake_discord.select(
        first.message, cohort.owner, custom_id="setup:zone", values=["Europe/Berlin"]
    )
    checklist = picked.embeds[0]["description"]
    assert f"✅ Cohort role: <@&{cohort.cohort_role}>" in checklist
    assert "✅ Time zone: Europe/Berlin" in checklist
    intruder = await fake_discord.select(
        first.message, cohort.alice, custom_id="setup:zone", values=["UTC"]
    )
    assert intruder.ephemeral and "Only moderators" in (intruder.content or "")
    about = await fake_discord.invoke(cohort.guild, cohort.alice, "about")
    fields = {f["name"]: f["value"] for f in about.embeds[0]["fields"]}
    assert "✅ Time zone: Europe/Berlin" in fields["This server"]


async def test_digest_is_posted_once_across_a_restart(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await runner.start()
    result = await fake_discord.invoke(
        cohort.guild,
        cohort.owner,
        "config digest schedule",
        {"channel": cohort.channel, "day": "Friday", "time": "17:00"},
    )
    assert "every Friday at 17:00" in (result.content or "")
    [pending] = await ledger.list_occurrences(bot.db, guild_id=cohort.guild, kind="digest")
    assert pending.due_at.weekday() == 4 and pending.due_at.hour == 17  # server zone is UTC
    runner.clock.set(pending.due_at + timedelta(minutes=1))
    await bot.scheduler.run_due()
    bot = await runner.restart()
    await bot.scheduler.run_due()
    digests = [
        m
        for m in fake_discord.messages(cohort.channel)
        if m.embeds and m.embeds[0].get("title") == "This week in the cohort"
    ]
    assert len(digests) == 1
    upcoming = await ledger.list_occurrences(bot.db, guild_id=cohort.guild, kind="digest")
    assert [o.due_at - pending.due_at for o in upcoming] == [timedelta(days=7)]
    off = await fake_discord.invoke(cohort.guild, cohort.owner, "config digest off")
    assert "off" in (off.content or "")
