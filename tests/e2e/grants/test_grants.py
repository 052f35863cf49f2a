"""Grant deadlines end to end: add, list, info, edit, remove, starter pack, settings."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import pytest

from bot import calendar
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.grants.helpers import (
    add_grant,
    days,
    end_of_day,
    setup_grants,
    stamp,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_add_echoes_the_end_of_day_deadline_and_list_shows_it(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await setup_grants(fake_discord, cohort, offsets="30d,7d,1d")
    now = runner.clock.now()
    day = (now + days(10)).date()
    added = await add_grant(
        fake_discord,
        cohort,
        "LTFF round",
        deadline=day.isoformat(),
        url="https://funds.effectivealtruism.org/funds/far-future",
        funder="EA Funds",
    )
    deadline = end_of_day(day)
    assert stamp(deadline, "F") in added.content and stamp(deadline, "R") in added.content
    assert "Read as UTC time" in added.content
    assert "not sent, their time has passed: 30d" in added.content  # 30d was already past
    assert stamp(deadline - days(7), "f") in added.content
    await add_grant(fake_discord, cohort, "Manifund", rolling=True)
    await add_grant(
        fake_discord, cohort, "Later fund", deadline=(now + days(40)).date().isoformat()
    )

    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "grants list")
    text = listed.embeds[0]["description"]
    assert listed.ephemeral
    assert text.index("LTFF round") < text.index("Later fund") < text.index("Manifund")
    assert stamp(deadline, "F") in text and stamp(deadline, "R") in text
    assert "Rolling" in text

    choices = await fake_discord.autocomplete(
        cohort.guild, cohort.alice, "grants info", "grant", "ltff"
    )
    assert [c["name"].split(" — ")[0] for c in choices] == ["LTFF round"]
    info = await fake_discord.invoke(
        cohort.guild, cohort.alice, "grants info", {"grant": choices[0]["value"]}
    )
    card = info.embeds[0]
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert card["title"] == "LTFF round"
    assert fields["Funder"] == "EA Funds"
    assert "not subscribed" in fields["Your DMs"]
    assert stamp(deadline - days(7), "f") in fields["Channel reminders"]


async def test_bad_input_gets_plain_errors_and_changes_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await add_grant(fake_discord, cohort, "SFF")
    cases = [
        ({"name": "sff"}, "already a grant named"),
        ({"name": "X", "deadline": "someday soon"}, "Accepted forms"),
        ({"name": "X", "deadline": "2020-01-01"}, "past"),
        ({"name": "X", "url": "ftp://example.org"}, "https://"),
        ({"name": "X", "deadline": "friday", "rolling": True}, "rolling fund has no deadline"),
    ]
    for options, expected in cases:
        result = await fake_discord.invoke(cohort.guild, cohort.owner, "grants add", options)
        assert result.ephemeral and expected in result.content, (options, result.content)
    refused = await fake_discord.invoke(cohort.guild, cohort.alice, "grants add", {"name": "Y"})
    assert "Only moderators" in refused.content
    bad_offsets = await fake_discord.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "SFF", "offsets": "soon"}
    )
    assert bad_offsets.ephemeral and "comma-separated durations" in bad_offsets.content
    unknown = await fake_discord.invoke(
        cohort.guild, cohort.alice, "grants info", {"grant": "No such fund"}
    )
    assert "no grant called" in unknown.content
    assert [r["name"] for r in rows(runner, "SELECT name FROM grants")] == ["SFF"]
    assert rows(runner, "SELECT * FROM grant_subscriptions") == []


async def test_edit_and_remove_with_confirmation(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    await add_grant(fake_discord, cohort, "MATS", deadline="in 20 days")
    edited = await fake_discord.invoke(
        cohort.guild,
        cohort.owner,
        "grants edit",
        {"grant": "MATS", "name": "MATS winter", "url": "https://www.matsprogram.org/"},
    )
    assert "MATS winter" in edited.content and "matsprogram" in edited.content
    rolling = await fake_discord.invoke(
        cohort.guild, cohort.owner, "grants edit", {"grant": "MATS winter", "rolling": True}
    )
    assert "rolling" in rolling.content
    assert rows(runner, "SELECT deadline_at, rolling FROM grants")[0]["deadline_at"] is None

    asked = await fake_discord.invoke(
        cohort.guild, cohort.owner, "grants remove", {"grant": "MATS winter"}
    )
    assert asked.ephemeral and asked.message is not None
    kept = await fake_discord.click(asked.message, cohort.owner, label="Keep it")
    assert "Kept" in (kept.message.content if kept.message else kept.content or "")
    assert len(rows(runner, "SELECT * FROM grants")) == 1
    asked = await fake_discord.invoke(
        cohort.guild, cohort.owner, "grants remove", {"grant": "MATS winter"}
    )
    assert asked.message is not None
    await runner.restart()  # the confirmation button still works after a restart
    done = await fake_discord.click(asked.message, cohort.owner, label="Remove it")
    assert done.accepted
    assert rows(runner, "SELECT * FROM grants") == []


async def test_starter_pack_adds_official_links_once_and_list_pages(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    first = await fake_discord.invoke(cohort.guild, cohort.owner, "grants starter-pack")
    assert "Added 7" in first.content
    assert "last checked on 6 December 2026" in first.content
    assert "check it still fits before relying on it" in first.content
    again = await fake_discord.invoke(cohort.guild, cohort.owner, "grants starter-pack")
    assert "Nothing new to add" in again.content
    stored = rows(runner, "SELECT name, url, deadline_at FROM grants ORDER BY name")
    assert len(stored) == 7
    assert all(r["deadline_at"] is None and r["url"].startswith("https://") for r in stored)
    urls = {r["name"]: r["url"] for r in stored}
    assert urls["Long-Term Future Fund"] == "https://funds.effectivealtruism.org/funds/far-future"
    assert urls["Coefficient Giving"] == "https://coefficientgiving.org/"
    assert "Open Philanthropy" not in urls  # renamed Coefficient Giving in November 2025
    decisions = rows(
        runner, "SELECT name, decision_days FROM grants WHERE decision_days IS NOT NULL"
    )
    assert [tuple(r) for r in decisions] == [("Long-Term Future Fund", 30)]

    for n in range(12):
        await add_grant(fake_discord, cohort, f"Round {n:02d}", deadline=f"in {n + 2} days")
    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "grants list")
    assert listed.message is not None
    first_page = listed.embeds[0]
    assert first_page["footer"]["text"] == "Page 1 of 2"
    assert "Round 00" in first_page["description"]
    turned = await fake_discord.click(listed.message, cohort.alice, label="Next ▶")
    assert turned.accepted
    second = fake_discord.message(listed.message.id).embeds[0]
    assert second["footer"]["text"] == "Page 2 of 2"
    assert "Long-Term Future Fund" in second["description"]
    assert "Round 00" not in second["description"]


async def test_settings_are_audited_and_shown_in_about_and_config_show(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    refused = await fake_discord.invoke(
        cohort.guild, cohort.alice, "config grants setup", {"offsets": "1d"}
    )
    assert "Only moderators" in refused.content
    no_channel = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config grants setup", {"offsets": "1d"}
    )
    assert "channel" in no_channel.content
    bad = await fake_discord.invoke(
        cohort.guild, cohort.owner, "config grants setup", {"offsets": "weekly"}
    )
    assert "comma-separated durations" in bad.content
    assert rows(runner, "SELECT * FROM grant_settings") == []
    channel = await setup_grants(fake_discord, cohort, offsets="14d, 2d", rolling_nudge=True)
    audit = rows(runner, "SELECT setting, old_value, new_value FROM config_audit ORDER BY id")
    assert [(a["setting"], a["old_value"], a["new_value"]) for a in audit] == [
        ("grants.channel", "none", f"<#{channel}>"),
        ("grants.offsets", "30d,14d,7d,3d,1d", "14d,2d"),
        ("grants.rolling_nudge", "false", "true"),
    ]
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert f"<#{channel}>" in fields["Grant deadlines"]
    assert "14d,2d" in fields["Grant deadlines"]


async def test_deadlines_appear_in_the_calendar_feed(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    runner.overrides["public_base_url"] = "http://calendar.example"
    bot = await runner.start()
    await add_grant(fake_discord, cohort, "AI Safety Camp", deadline="in 30 days")
    linked = await fake_discord.invoke(cohort.guild, cohort.alice, "grants calendar")
    secret = await calendar.get_or_create_secret(bot.db, cohort.guild, runner.clock.now())
    assert f"http://calendar.example/calendar/{secret}.ics" in linked.content
    assert bot.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{bot.web.port}/calendar/{secret}.ics") as response,
    ):
        parsed = icalendar.Calendar.from_ical(await response.read())
    (event,) = list(parsed.walk("VEVENT"))
    assert str(event["summary"]) == "Deadline: AI Safety Camp"
    grant_id = rows(runner, "SELECT id FROM grants")[0]["id"]
    assert str(event["uid"]) == f"grant-{grant_id}@hamming"
    expected = runner.clock.now() + timedelta(days=30)
    assert abs(event.decoded("dtstart") - expected) < timedelta(seconds=1)


async def test_a_deadline_typed_in_pt_or_aoe_keeps_that_clock_and_is_echoed(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    """Funders state deadlines in PT or AoE: read as written, echoed, and kept as the zone."""
    await setup_grants(fake_discord, cohort, offsets="7d,1d")
    day = (runner.clock.now() + days(20)).date()
    typed_day = f"{day:%b} {day.day} {day.year}"
    pacific = datetime.combine(day, time(17), ZoneInfo("America/Los_Angeles"))
    added = await add_grant(fake_discord, cohort, "SFF", deadline=f"{typed_day} 5pm PT")
    assert stamp(pacific, "F") in added.content
    assert "America/Los_Angeles" in added.content
    kept = rows(runner, "SELECT deadline_zone FROM grants WHERE name = 'SFF'")
    assert [tuple(row) for row in kept] == [("America/Los_Angeles",)]

    anywhere = datetime.combine(day, time(23, 59), timezone(-timedelta(hours=12)))
    added = await add_grant(fake_discord, cohort, "LTFF", deadline=f"{typed_day} 11:59pm AoE")
    assert stamp(anywhere, "F") in added.content

    for deadline, reason in [
        ("3/4 5pm", "could be 4 March (month/day) or 3 April (day/month)"),
        ("dec 15 5pm CST", "'CST' could mean US Central Standard Time"),
    ]:
        refused = await fake_discord.invoke(
            cohort.guild, cohort.owner, "grants add", {"name": "X", "deadline": deadline}
        )
        assert refused.ephemeral
        assert reason in refused.content
    assert rows(runner, "SELECT name FROM grants WHERE name = 'X'") == []
