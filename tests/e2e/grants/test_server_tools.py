"""Grant deadlines in the core's server-wide tools, end to end: /me export and forget,
/me notifications, pause, /config reset and export, /setup's channel select, the digest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot import ledger
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
from tests.e2e.grants.helpers import (
    FeedServer,
    add_grant,
    days,
    end_of_day,
    ics,
    import_feed,
    reply_text,
    run_at,
    setup_grants,
    stamp,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult

pytestmark = pytest.mark.e2e

SEND_MESSAGES = 1 << 11


def exported(result: InteractionResult) -> dict[str, Any]:
    [file] = [a for m in result.followups for a in m.attachments]
    data: dict[str, Any] = json.loads(file.data)
    return data


@dataclass
class MaxsGrants:
    """What the moderator max did with grants (see `max_uses_grants`)."""

    channel: int
    ltff_deadline: datetime  # max subscribed to it with 2d
    round_one: datetime  # imported by max from a feed; max is on `all` with 7d


async def max_uses_grants(
    fake: FakeDiscord, cohort: Cohort, runner: BotRunner, feed: FeedServer
) -> MaxsGrants:
    """max (a moderator by role) adds a grant, imports a feed and subscribes; olivia adds a
    grant whose notes mention max."""
    mod = cohort.moderator
    await fake.invoke(
        cohort.guild, cohort.owner, "config moderator-role", {"role": cohort.moderator_role}
    )
    channel = await setup_grants(fake, cohort, offsets="7d")
    day = (runner.clock.now() + days(10)).date()
    added = await fake.invoke(
        cohort.guild, mod, "grants add", {"name": "LTFF round", "deadline": day.isoformat()}
    )
    assert "Added" in (added.content or ""), added.content
    round_one = runner.clock.now().replace(second=0, microsecond=0) + days(20)
    feed.body = ics(("r1@funder", "Round one", round_one))
    assert "1 added" in reply_text(await import_feed(fake, cohort, feed.url, user=mod))
    await add_grant(
        fake, cohort, "SFF", rolling=True, funder="SFF", notes=f"Ask <@{mod}> how it went"
    )
    one = await fake.invoke(
        cohort.guild, mod, "grants subscribe", {"grant": "LTFF round", "offsets": "2d"}
    )
    assert "Subscribed to **LTFF round**" in (one.content or "")
    every = await fake.invoke(cohort.guild, mod, "grants subscribe", {"all": True, "offsets": "7d"})
    assert "7d before every grant deadline" in (every.content or "")
    return MaxsGrants(channel, end_of_day(day), round_one)


async def test_export_holds_the_members_subscriptions_grants_and_feeds(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feed: FeedServer
) -> None:
    runner.overrides["fetch_allow_private"] = True
    bot = await runner.start()
    used = await max_uses_grants(fake_discord, cohort, runner, feed)
    await run_at(runner, bot, used.ltff_deadline - days(2))  # max's 2d DM
    assert len(fake_discord.dm_messages(cohort.moderator)) == 1

    mine = exported(
        await (await fake_discord.invoke(cohort.guild, cohort.moderator, "me export")).final()
    )
    grants = mine["grants"]
    assert [g["name"] for g in grants["grants_added"]] == ["LTFF round", "Round one"]
    assert grants["grants_added"][0]["deadline"] == used.ltff_deadline.isoformat()
    assert grants["feeds_imported"] == [
        {"url": feed.url, "added_at": grants["feeds_imported"][0]["added_at"]}
    ]
    subs = {
        json.dumps(s["grant"]): (s["offsets_before_deadline"], s["muted"])
        for s in grants["subscriptions"]
    }
    ltff_id = grants["grants_added"][0]["id"]
    assert subs == {
        json.dumps({"id": ltff_id, "name": "LTFF round"}): ("2d", False),
        json.dumps("every grant"): ("7d", False),
    }
    sent = [m["key"] for m in mine["core"]["scheduled_messages"]]
    assert sent == [f"grant-reminder:{ltff_id}:0:2d:{cohort.moderator}"]

    # olivia added SFF but subscribed to nothing; alice used nothing
    theirs = exported(
        await (await fake_discord.invoke(cohort.guild, cohort.owner, "me export")).final()
    )
    assert [g["name"] for g in theirs["grants"]["grants_added"]] == ["SFF"]
    assert theirs["grants"]["subscriptions"] == []


async def test_forget_leaves_no_row_about_the_member_and_keeps_the_grants(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, feed: FeedServer
) -> None:
    fake = fake_discord
    runner.overrides["fetch_allow_private"] = True
    bot = await runner.start()
    used = await max_uses_grants(fake, cohort, runner, feed)
    mod = cohort.moderator
    await fake.invoke(cohort.guild, mod, "me notifications", {"feature": "grants", "channel": "dm"})
    await run_at(runner, bot, used.ltff_deadline - days(2))
    assert len(fake.dm_messages(mod)) == 1
    before = rows_mentioning(runner.database_path, mod)
    for table in ("grants", "grant_feeds", "grant_subscriptions", "deliveries"):
        assert before.get(table), (table, before)

    await forget_me(fake, cohort.guild, mod)
    assert rows_mentioning(runner.database_path, mod) == {}

    kept = rows(runner, "SELECT name, created_by, notes FROM grants ORDER BY name")
    assert [(r["name"], r["created_by"]) for r in kept] == [
        ("LTFF round", None),
        ("Round one", None),
        ("SFF", cohort.owner),
    ]
    assert kept[2]["notes"] == "Ask a former member how it went"
    assert [r["added_by"] for r in rows(runner, "SELECT added_by FROM grant_feeds")] == [0]

    # nothing reaches max any more; the channel keeps its reminders
    await run_at(runner, bot, used.round_one - days(7))
    await bot.scheduler.run_due()
    assert len(fake.dm_messages(mod)) == 1
    assert any("Round one" in (m.content or "") for m in fake.messages(used.channel))
    refreshed = await fake.invoke(cohort.guild, cohort.owner, "grants import-refresh")
    assert "0 added, 0 updated, 1 unchanged" in reply_text(await refreshed.final())
    assert rows_mentioning(runner.database_path, mod) == {}


async def test_paused_members_keep_grant_reminders_and_mentions_replace_dms_on_request(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="7d")
    day = (runner.clock.now() + days(10)).date()
    await add_grant(fake, cohort, "LTFF round", deadline=day.isoformat())
    for member in (cohort.alice, cohort.bob):
        await fake.invoke(
            cohort.guild, member, "grants subscribe", {"grant": "LTFF round", "offsets": "1d"}
        )
    paused = await fake.invoke(cohort.guild, cohort.alice, "me pause", {"until": "in 30 days"})
    assert "Paused until" in (paused.content or "")
    chose = await fake.invoke(
        cohort.guild, cohort.bob, "me notifications", {"feature": "grants", "channel": "mention"}
    )
    assert "Grant deadlines messages now reach you as a mention" in (chose.content or "")
    again = await fake.invoke(
        cohort.guild, cohort.bob, "grants subscribe", {"grant": "LTFF round", "offsets": "1d"}
    )
    assert f"They come as a mention in <#{channel}>, as you chose" in (again.content or "")

    deadline = end_of_day(day)
    await run_at(runner, hamming, deadline - days(1))
    await hamming.scheduler.run_due()
    [alice_dm] = fake.dm_messages(cohort.alice)  # pausing does not silence grant deadlines
    assert stamp(deadline, "R") in alice_dm.content
    assert fake.dm_messages(cohort.bob) == []
    [mention] = [m for m in fake.messages(channel) if f"<@{cohort.bob}>" in (m.content or "")]
    assert mention.content.startswith(f"<@{cohort.bob}> your grant reminder: ")
    assert "couldn't DM" not in mention.content
    [post] = [
        p
        for p in fake.requests_matching("POST", rf"/channels/{channel}/messages$")
        if str(p.json.get("content", "")).startswith(f"<@{cohort.bob}>")
    ]
    assert [int(u) for u in post.json["allowed_mentions"]["users"]] == [cohort.bob]  # only bob
    keys = rows(runner, "SELECT key, user_id FROM deliveries WHERE kind = 'grant-reminder'")
    assert {r["key"].rsplit(":", 1)[1]: r["user_id"] for r in keys} == {
        str(cohort.alice): cohort.alice,
        str(cohort.bob): cohort.bob,
        "channel": None,  # the grants channel's 7d reminder belongs to no member
    }


async def test_config_reset_restores_defaults_and_keeps_grants_and_subscriptions(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    channel = await setup_grants(fake, cohort, offsets="7d,1d", rolling_nudge=True)
    day = (runner.clock.now() + days(10)).date()
    await add_grant(fake, cohort, "LTFF round", deadline=day.isoformat(), funder="EA Funds")
    await fake.invoke(
        cohort.guild, cohort.alice, "grants subscribe", {"grant": "LTFF round", "offsets": "1d"}
    )
    server = exported(
        await (await fake.invoke(cohort.guild, cohort.owner, "config export")).final()
    )
    assert server["grants"]["settings"] == {
        "channel_id": str(channel),
        "offsets": "7d,1d",
        "rolling_nudge": True,
    }
    [listed] = server["grants"]["grants"]
    assert (listed["name"], listed["funder"], listed["subscribers"]) == (
        "LTFF round",
        "EA Funds",
        1,
    )

    asked = await fake.invoke(cohort.guild, cohort.owner, "config reset", {"feature": "grants"})
    assert asked.message is not None
    done = await fake.click(asked.message, cohort.owner, label="Reset Grant deadlines")
    assert "back to its defaults" in (done.content or asked.message.content or "")
    assert rows(runner, "SELECT * FROM grant_settings") == []
    nudges = rows(runner, "SELECT state FROM deliveries WHERE kind = 'grant-rolling-nudge'")
    assert [r["state"] for r in nudges] == ["cancelled"]
    assert len(rows(runner, "SELECT * FROM grants")) == 1
    assert len(rows(runner, "SELECT * FROM grant_subscriptions")) == 1
    audit = rows(
        runner, "SELECT setting, actor_id FROM config_audit WHERE setting = ?", ("grants.reset",)
    )
    assert [(r["setting"], r["actor_id"]) for r in audit] == [("grants.reset", cohort.owner)]
    unset = await fake.invoke(cohort.guild, cohort.owner, "config grants setup", {})
    assert "Choose a `channel:` first" in (unset.content or "")

    deadline = end_of_day(day)
    await run_at(runner, hamming, deadline - days(7))
    await run_at(runner, hamming, deadline - days(1))
    await hamming.scheduler.run_due()
    assert fake.messages(channel) == []  # no channel any more: no channel reminders
    assert len(fake.dm_messages(cohort.alice)) == 1  # her own reminder stays


async def test_setup_channel_select_configures_grants_with_the_same_checks(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    grants_channel = fake.add_text_channel(cohort.guild, "grants")
    closed = fake.add_text_channel(cohort.guild, "announcements")
    fake.set_channel_overwrite(closed, fake.bot_user_id, deny=SEND_MESSAGES)
    first = await fake.invoke(cohort.guild, cohort.owner, "setup")
    assert first.message is not None
    assert "⬜ Grant deadlines: no channel yet" in first.embeds[0]["description"]

    refused = await fake.select(
        first.message, cohort.owner, custom_id="setup:channel:grants", values=[closed]
    )
    assert refused.ephemeral and "I can't post in" in (refused.content or "")
    assert rows(runner, "SELECT * FROM grant_settings") == []
    intruder = await fake.select(
        first.message, cohort.alice, custom_id="setup:channel:grants", values=[grants_channel]
    )
    assert intruder.ephemeral and "Only moderators" in (intruder.content or "")
    assert rows(runner, "SELECT * FROM grant_settings") == []

    picked = await fake.select(
        first.message, cohort.owner, custom_id="setup:channel:grants", values=[grants_channel]
    )
    assert f"✅ Grant deadlines: <#{grants_channel}>" in picked.embeds[0]["description"]
    [saved] = rows(runner, "SELECT channel_id, offsets FROM grant_settings")
    assert (saved["channel_id"], saved["offsets"]) == (grants_channel, "30d,14d,7d,3d,1d")
    audit = rows(
        runner,
        "SELECT actor_id, old_value, new_value FROM config_audit WHERE setting = ?",
        ("grants.channel",),
    )
    assert [tuple(r) for r in audit] == [(cohort.owner, "none", f"<#{grants_channel}>")]

    # the new channel gets reminders for a grant added afterwards
    day = (runner.clock.now() + days(10)).date()
    await add_grant(fake, cohort, "LTFF round", deadline=day.isoformat())
    await run_at(runner, hamming, end_of_day(day) - days(7))
    assert [m for m in fake.messages(grants_channel) if "LTFF round" in (m.content or "")]


async def test_digest_names_the_next_three_deadlines(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await setup_grants(fake, cohort, offsets="1d")
    now = runner.clock.now()
    deadlines = {}
    for name, ahead in (("Late fund", 16), ("Soon fund", 10), ("Mid fund", 12), ("Next fund", 14)):
        day = (now + days(ahead)).date()
        await add_grant(fake, cohort, name, deadline=day.isoformat())
        deadlines[name] = end_of_day(day)
    await add_grant(fake, cohort, "Manifund", rolling=True)
    await fake.invoke(
        cohort.guild,
        cohort.owner,
        "config digest schedule",
        {"channel": cohort.channel, "day": "Friday", "time": "17:00"},
    )
    [pending] = await ledger.list_occurrences(hamming.db, guild_id=cohort.guild, kind="digest")
    await run_at(runner, hamming, pending.due_at + timedelta(minutes=1))
    [digest] = [
        m
        for m in fake.messages(cohort.channel)
        if m.embeds and m.embeds[0].get("title") == "This week in the cohort"
    ]
    text = digest.embeds[0]["description"]
    section = text[text.index("**Next grant deadlines**") :].split("\n\n")[0].splitlines()
    assert section[1:] == [
        f"• **{name}**: {stamp(deadlines[name], 'F')} ({stamp(deadlines[name], 'R')})"
        for name in ("Soon fund", "Mid fund", "Next fund")
    ] + ["…and 1 more in `/grants list`."]
    assert "Manifund" not in text
