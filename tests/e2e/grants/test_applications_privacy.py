"""Members' own grant data end to end: a private opportunity's DM reminders seen only by its
owner, /me export and forget of applications, and the digest's counts (names only if shared)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import ledger
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
from tests.e2e.grants.helpers import add_grant, days, end_of_day, run_at, setup_grants
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


def visible_text(fake: FakeDiscord, channel: int) -> str:
    return "\n".join(
        (m.content or "") + json.dumps(m.embeds) for m in fake.messages(channel) if not m.ephemeral
    )


async def test_a_private_opportunity_reminds_only_its_owner_and_is_shown_to_nobody_else(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="2d")
    day = (runner.clock.now() + days(10)).date()
    deadline = end_of_day(day)
    added = await fake.invoke(
        cohort.guild,
        cohort.alice,
        "grants mine add",
        {"name": "Secret fellowship", "deadline": day.isoformat(), "offsets": "3d,1d"},
    )
    assert added.ephemeral and "only you see it" in (added.content or ""), added
    await add_grant(fake, cohort, "Public fund", rolling=True)

    # nobody else sees it: not in /grants list, grant autocomplete, their own list or choices
    for user in (cohort.bob, cohort.alice):
        listed = await fake.invoke(cohort.guild, user, "grants list")
        assert "Secret fellowship" not in json.dumps(listed.embeds)
        offered = await fake.autocomplete(cohort.guild, user, "grants info", "grant", "")
        assert [c["name"] for c in offered] == ["Public fund — rolling"]
    assert (
        await fake.autocomplete(cohort.guild, cohort.bob, "grants mine remove", "entry", "") == []
    )
    theirs = await fake.invoke(cohort.guild, cohort.bob, "grants mine list")
    assert "Secret fellowship" not in json.dumps(theirs.embeds)
    mine = await fake.invoke(cohort.guild, cohort.alice, "grants mine list")
    assert "Secret fellowship" in mine.embeds[0]["description"]
    bob_removes = await fake.invoke(
        cohort.guild, cohort.bob, "grants mine remove", {"entry": "Secret fellowship"}
    )
    assert "no private opportunity called" in (bob_removes.content or "")

    await run_at(runner, hamming, deadline - days(3))
    [first] = fake.dm_messages(cohort.alice)
    assert "Secret fellowship" in (first.content or "")
    assert first.embeds[0]["footer"]["text"].startswith("Reminder 3d before")
    bot = await runner.restart()
    await run_at(runner, bot, deadline - days(1))
    await run_at(runner, bot, deadline + days(1))
    assert [m.embeds[0]["footer"]["text"][:18] for m in fake.dm_messages(cohort.alice)] == [
        "Reminder 3d before",
        "Reminder 1d before",
    ]
    assert fake.dm_messages(cohort.bob) == [] and fake.dm_messages(cohort.owner) == []
    assert "Secret fellowship" not in visible_text(fake, channel)
    assert "Secret fellowship" not in visible_text(fake, cohort.channel)

    exported = await (await fake.invoke(cohort.guild, cohort.owner, "config export")).final()
    [file] = [a for m in exported.followups for a in m.attachments]
    assert b"Secret fellowship" not in file.data and b"Public fund" in file.data


async def test_removing_a_private_opportunity_cancels_its_reminders(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    day = (runner.clock.now() + days(10)).date()
    await fake.invoke(
        cohort.guild,
        cohort.alice,
        "grants mine add",
        {"name": "Travel grant", "deadline": day.isoformat(), "offsets": "2d"},
    )
    [choice] = await fake.autocomplete(
        cohort.guild, cohort.alice, "grants mine remove", "entry", "trav"
    )
    removed = await fake.invoke(
        cohort.guild, cohort.alice, "grants mine remove", {"entry": choice["value"]}
    )
    assert "Removed **Travel grant**" in (removed.content or "")
    await run_at(runner, hamming, end_of_day(day))
    assert fake.dm_messages(cohort.alice) == []


async def test_export_lists_applications_and_forget_leaves_no_row_about_the_member(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await add_grant(fake, cohort, "LTFF", rolling=True, decision_days=45)
    await fake.invoke(
        cohort.guild,
        cohort.alice,
        "grants applied",
        {"grant": "LTFF", "submitted": "yesterday", "amount": "$40k"},
    )
    day = (runner.clock.now() + days(20)).date()
    await fake.invoke(
        cohort.guild,
        cohort.alice,
        "grants mine add",
        {"name": "Secret fellowship", "deadline": day.isoformat()},
    )
    result = await (await fake.invoke(cohort.guild, cohort.alice, "me export")).final()
    [file] = [a for m in result.followups for a in m.attachments]
    grants = json.loads(file.data)["grants"]
    [app] = grants["applications"]
    assert (app["grant"], app["status"], app["amount"], app["share_news"]) == (
        "LTFF",
        "submitted",
        "$40k",
        False,
    )
    submitted = datetime.fromisoformat(app["submitted"])
    decision = datetime.fromisoformat(app["decision_expected"])
    assert decision.date() == submitted.date() + timedelta(days=45)
    assert [p["name"] for p in grants["private_opportunities"]] == ["Secret fellowship"]
    keys = [s["key"] for s in json.loads(file.data)["core"]["scheduled_messages"]]
    assert any(k.startswith("grant-application-ask:") for k in keys)
    assert any(k.startswith("grant-personal-reminder:") for k in keys)

    bobs = await (await fake.invoke(cohort.guild, cohort.bob, "me export")).final()
    [theirs] = [a for m in bobs.followups for a in m.attachments]
    assert json.loads(theirs.data)["grants"]["applications"] == []
    assert b"Secret fellowship" not in theirs.data

    await forget_me(fake, cohort.guild, cohort.alice)
    assert rows_mentioning(runner.database_path, cohort.alice) == {}
    assert rows(runner, "SELECT name FROM grants")[0]["name"] == "LTFF"
    await run_at(runner, hamming, runner.clock.now() + days(90))
    assert fake.dm_messages(cohort.alice) == []


async def test_the_digest_counts_this_months_applications_and_names_only_shared_news(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    fake = fake_discord
    runner.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # the digest stays in December
    bot = await runner.start()
    await add_grant(fake, cohort, "LTFF", rolling=True)
    await add_grant(fake, cohort, "SFF", rolling=True)
    apply = "grants applied"
    await fake.invoke(cohort.guild, cohort.alice, apply, {"grant": "LTFF", "submitted": "today"})
    await fake.invoke(
        cohort.guild, cohort.bob, apply, {"grant": "SFF", "submitted": "today", "share": True}
    )
    await fake.invoke(
        cohort.guild, cohort.moderator, apply, {"grant": "SFF", "submitted": "2026-11-03"}
    )
    await fake.invoke(cohort.guild, cohort.moderator, apply, {"grant": "SFF", "status": "funded"})
    await fake.invoke(
        cohort.guild, cohort.owner, apply, {"grant": "LTFF", "submitted": "2026-11-10"}
    )
    await fake.invoke(cohort.guild, cohort.owner, apply, {"grant": "LTFF", "status": "declined"})
    await fake.invoke(
        cohort.guild, cohort.alice, "grants mine add", {"name": "Secret", "deadline": "2026-12-20"}
    )
    await fake.invoke(
        cohort.guild,
        cohort.owner,
        "config digest schedule",
        {"channel": cohort.channel, "day": "Friday", "time": "17:00"},
    )
    [pending] = await ledger.list_occurrences(bot.db, guild_id=cohort.guild, kind="digest")
    await run_at(runner, bot, pending.due_at + timedelta(minutes=1))
    [digest] = [
        m
        for m in fake.messages(cohort.channel)
        if m.embeds and m.embeds[0].get("title") == "This week in the cohort"
    ]
    text = digest.embeds[0]["description"]
    section = text[text.index("**Grant applications**") :].split("\n\n")[0].splitlines()
    assert section[1:] == [
        "Applications this month: 2 submitted, 1 funded, 1 declined.",
        f"• <@{cohort.bob}> applied to **SFF**",
    ]
    for user in (cohort.alice, cohort.moderator, cohort.owner):
        assert f"<@{user}>" not in text
    assert "Secret" not in text and "LTFF" not in text
