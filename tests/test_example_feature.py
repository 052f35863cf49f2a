"""A feature built from the recipe (tests/example_feature/) works with no change to bot/:
it answers a command, schedules a send, and exports and forgets a member; and it unloads."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows
from tests.fake_discord import FakeDiscord


async def load_example(bot: HammingBot) -> None:
    await bot.load_extension("tests.example_feature")
    await bot.sync_commands()  # a new command, as at start-up


async def test_the_example_feature_answers_sends_exports_and_forgets(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await runner.start()
    await load_example(bot)
    assert "example" in bot.features

    refused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "nudge me", {"minutes": 5, "note": "   "}
    )
    assert refused.ephemeral and "needs a note" in (refused.content or "")

    asked = await fake_discord.invoke(
        cohort.guild, cohort.alice, "nudge me", {"minutes": 30, "note": "send the LTFF form"}
    )
    assert asked.ephemeral and "I'll DM you" in (asked.content or "")
    assert not fake_discord.dm_messages(cohort.alice)

    runner.clock.set(runner.clock.now() + timedelta(minutes=31))
    await bot.scheduler.run_due()
    await bot.scheduler.run_due()  # done once: a second sweep sends nothing more
    sent = [m.content for m in fake_discord.dm_messages(cohort.alice)]
    assert sent == ["⏰ You asked to be nudged: send the LTFF form"]

    exported = await (await fake_discord.invoke(cohort.guild, cohort.alice, "me export")).final()
    data = json.loads(exported.followups[-1].attachments[0].data)
    assert data["example"] == {"notes": ["⏰ You asked to be nudged: send the LTFF form"]}

    await fake_discord.invoke(
        cohort.guild, cohort.alice, "nudge me", {"minutes": 60, "note": "later"}
    )
    await forget_me(fake_discord, cohort.guild, cohort.alice)
    assert await bot.features["example"].export_member(cohort.guild, cohort.alice) == {"notes": []}
    assert rows(runner, "SELECT * FROM deliveries WHERE user_id = ?", (cohort.alice,)) == []


async def test_the_example_feature_unloads_without_a_trace(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await runner.start()
    await load_example(bot)
    await bot.unload_extension("tests.example_feature")
    assert "example" not in bot.features
    assert "example-nudge" not in bot.scheduler._kinds
    assert bot.tree.get_command("nudge") is None
    await load_example(bot)  # and loads again
    assert "example" in bot.features
