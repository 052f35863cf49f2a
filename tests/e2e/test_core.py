"""The core, end to end: the real bot through the local Discord server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from bot import guilds
from bot.client import HammingBot
from bot.ledger import Occurrence
from tests.conftest import BotRunner, Cohort, rows
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_bot_connects_syncs_valid_commands_and_answers_about(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    synced = {command["name"] for command in fake_discord.synced_commands()}
    assert {"about", "config", "me"} <= synced
    result = await fake_discord.invoke(cohort.guild, cohort.alice, "about")
    assert result.ephemeral
    assert result.elapsed < 3.0
    card = result.embeds[0]
    fields = {field["name"]: field["value"] for field in card["fields"]}
    assert fields["Version"] == hamming.version
    assert "Next scheduled" in fields


async def test_plain_member_is_refused_config_show(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    result = await fake_discord.invoke(cohort.guild, cohort.alice, "config show")
    assert result.ephemeral
    assert "Only moderators" in result.content
    assert result.embeds == []


async def test_moderator_role_grants_config_after_it_is_set(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    refused = await fake_discord.invoke(cohort.guild, cohort.moderator, "config show")
    assert "Only moderators" in refused.content
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config moderator-role", {"role": cohort.moderator_role}
    )
    allowed = await fake_discord.invoke(cohort.guild, cohort.moderator, "config show")
    assert allowed.embeds, allowed.content
    fields = {f["name"]: f["value"] for f in allowed.embeds[0]["fields"]}
    assert fields["Moderator role"] == f"<@&{cohort.moderator_role}>"
    refused_after = await fake_discord.invoke(cohort.guild, cohort.moderator, "config show")
    assert refused_after.embeds  # still allowed; the role is stored, not cached per call


async def test_timezone_change_is_audited_and_bad_zone_changes_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    bad = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Mars/Olympus"}
    )
    assert bad.ephemeral and "Mars/Olympus" in bad.content
    assert rows(runner, "SELECT * FROM config_audit") == []
    good = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Europe/Berlin"}
    )
    assert "Europe/Berlin" in good.content
    audit = rows(runner, "SELECT * FROM config_audit")
    assert [(a["actor_id"], a["setting"], a["old_value"], a["new_value"]) for a in audit] == [
        (cohort.owner, "timezone", "UTC", "Europe/Berlin")
    ]


async def test_timezone_autocomplete_offers_matching_zones(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    choices = await fake_discord.autocomplete(
        cohort.guild, cohort.owner, "config timezone", "zone", "berl"
    )
    assert [c["value"] for c in choices][:1] == ["Europe/Berlin"]


async def test_member_sets_own_timezone(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    result = await fake_discord.invoke(
        cohort.guild, cohort.alice, "me timezone", {"zone": "America/New_York"}
    )
    assert result.ephemeral and "America/New_York" in result.content
    stored = await guilds.get_member_timezone(hamming.db, cohort.guild, cohort.alice)
    assert stored == "America/New_York"


async def test_configuration_survives_a_restart(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    await runner.start()
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "Asia/Kolkata"}
    )
    await runner.restart()
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Time zone"] == "Asia/Kolkata"


async def test_unexpected_error_shows_only_a_reference(
    fake_discord: FakeDiscord,
    cohort: Cohort,
    hamming: HammingBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(guilds, "get_guild_settings", broken)
    result = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    assert result.ephemeral
    assert "reference `" in result.content
    assert "exploded" not in result.content and "Traceback" not in result.content
    reference = result.content.split("`")[1]
    assert any(reference in record.getMessage() for record in caplog.records)
    assert hamming.metrics.value("hamming_commands_total", command="config show", outcome="failed")


async def test_healthz_and_metrics(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot
) -> None:
    await fake_discord.invoke(cohort.guild, cohort.alice, "about")
    await fake_discord.invoke(cohort.guild, cohort.alice, "config show")
    assert hamming.web is not None
    base = f"http://127.0.0.1:{hamming.web.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
            health = await response.json()
        async with http.get(f"{base}/metrics") as response:
            metrics = await response.text()
        assert health == {
            "status": "ok",
            "version": hamming.version,
            "gateway": True,
            "database": True,
            "scheduler": True,
        }
        assert 'hamming_commands_total{command="about",outcome="ok"} 1' in metrics
        assert 'hamming_commands_total{command="config show",outcome="refused"} 1' in metrics
        assert "hamming_gateway_latency_seconds" in metrics
        assert fake_discord.token not in metrics
        await hamming.scheduler.shutdown()
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 503
            assert (await response.json())["down"] == ["scheduler"]


async def test_dropped_gateway_resumes_without_duplicate_scheduled_sends(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    sent: list[str] = []

    def register(bot: HammingBot) -> None:
        async def announce(occurrence: Occurrence) -> None:
            channel = bot.get_partial_messageable(occurrence.payload["channel_id"])
            await channel.send("Weekly announcement", nonce=occurrence.nonce())
            sent.append(occurrence.key)

        bot.scheduler.register("test-announcement", announce, grace=timedelta(hours=1))

    bot = await runner.start()
    register(bot)
    due = runner.clock.now() + timedelta(minutes=5)
    await bot.scheduler.schedule(
        "test-announcement:1", "test-announcement", due, payload={"channel_id": cohort.channel}
    )
    await fake_discord.drop_gateway()
    runner.clock.advance(timedelta(minutes=6))
    await bot.scheduler.run_due()
    await fake_discord.drop_gateway()
    for _ in range(100):  # wait for the resume
        await asyncio.sleep(0.05)
        if bot.gateway_connected:
            break
    assert bot.gateway_connected
    await bot.scheduler.run_due()
    bot = await runner.restart()
    register(bot)
    await bot.scheduler.run_due()
    posts = [m for m in fake_discord.messages(cohort.channel) if m.content == "Weekly announcement"]
    assert len(posts) == 1
    assert sent == ["test-announcement:1"]
    result = await fake_discord.invoke(cohort.guild, cohort.alice, "about")
    assert result.embeds  # still answering after the reconnects


async def test_dev_guild_sync_and_no_resync_when_unchanged(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    runner.overrides["dev_guild_ids"] = str(cohort.guild)
    await runner.start()
    guild_commands = {c["name"] for c in fake_discord.synced_commands(cohort.guild)}
    assert {"about", "config", "me"} <= guild_commands
    assert fake_discord.requests_matching("PUT", r"/applications/\d+/commands$") == []
    await runner.restart()
    syncs = fake_discord.requests_matching("PUT", r"/applications/\d+/guilds/\d+/commands$")
    assert len(syncs) == 1  # the restart saw the same command tree and did not sync again
    result = await fake_discord.invoke(cohort.guild, cohort.alice, "about")
    assert result.embeds
