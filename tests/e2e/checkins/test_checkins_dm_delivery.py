"""Check-in prompts by DM at each member's own prompt time (`/config checkins delivery`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import guilds
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows, wait_for
from tests.e2e.checkins.helpers import (
    ANSWERS,
    FIRST_PROMPT,
    bot_posts,
    button_labels,
    check_in,
    configure,
    move_to,
    only_prompt,
    reply_text,
    thread_of,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

MINUTE = timedelta(minutes=1)
# Monday 23 Nov 2026, 09:00 in Los Angeles (PST) and Tuesday 24 Nov, 09:00 in Tokyo.
LA_MORNING = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TOKYO_MORNING = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
CLOSES = FIRST_PROMPT + timedelta(hours=72)


async def set_delivery(fake: FakeDiscord, cohort: Cohort, mode: str) -> str:
    result = await fake.invoke(
        cohort.guild, cohort.owner, "config checkins delivery", {"mode": mode}
    )
    assert result.ephemeral, result
    return result.content or ""


async def set_zone(fake: FakeDiscord, cohort: Cohort, user: int, zone: str) -> None:
    result = await fake.invoke(cohort.guild, user, "me timezone", {"zone": zone})
    assert result.ephemeral and zone in (result.content or ""), result


def dm_prompts(fake: FakeDiscord, user: int) -> list[Message]:
    return [
        m
        for m in fake.dm_messages(user)
        if m.embeds and m.embeds[0].get("title", "").startswith("Weekly Hamming check-in")
    ]


def bot_dms(fake: FakeDiscord, user: int) -> list[Message]:
    """What the bot sent the member by DM (not the ephemeral replies to their presses)."""
    return [
        m for m in fake.dm_messages(user) if m.author_id == fake.bot_user_id and not m.ephemeral
    ]


def dm_rows(runner: BotRunner) -> dict[str, tuple[str, int]]:
    found = rows(
        runner, "SELECT key, state, due_at FROM deliveries WHERE kind = 'checkin-dm-prompt'"
    )
    return {r["key"]: (r["state"], r["due_at"]) for r in found}


async def test_each_member_gets_one_dm_prompt_at_their_own_morning_across_a_restart(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    reply = await set_delivery(fake, cohort, "dm")
    assert "by DM at 09:00 on their own clock" in reply, reply
    assert ("checkins.delivery", "channel", "dm") in [
        (r["setting"], r["old_value"], r["new_value"])
        for r in rows(runner, "SELECT * FROM config_audit")
    ]
    await set_zone(fake, cohort, cohort.alice, "America/Los_Angeles")
    await set_zone(fake, cohort, cohort.bob, "Asia/Tokyo")

    # The round opens at the server's 09:00: its card and thread are in the channel, noting
    # the DMs; max (no zone of his own: the server's) gets his DM now, the others not yet.
    await move_to(runner, checkins, FIRST_PROMPT)
    card = only_prompt(fake, cohort.channel)
    assert "by DM at 09:00 on their own clock" in card.embeds[0]["description"]
    assert button_labels(card) == [("Check in", False)]
    thread_of(fake, cohort.channel)
    assert len(dm_prompts(fake, cohort.moderator)) == 1
    assert dm_prompts(fake, cohort.alice) == dm_prompts(fake, cohort.bob) == []
    assert fake.dm_messages(cohort.owner) == []  # not in the cohort

    await move_to(runner, checkins, LA_MORNING - MINUTE)
    assert dm_prompts(fake, cohort.alice) == []
    await move_to(runner, checkins, LA_MORNING)
    [alice_dm] = dm_prompts(fake, cohort.alice)
    card = alice_dm.embeds[0]
    assert card["title"] == "Weekly Hamming check-in · Week 48"
    assert "Mon 23 Nov – Sun 29 Nov 2026" in card["description"]
    assert "**Next week** — What will you do next week?" in card["description"]
    assert f"<t:{int(CLOSES.timestamp())}:F>" in card["description"]
    assert "Alignment cohort" in (alice_dm.content or "")
    assert button_labels(alice_dm) == [("Check in", False)]
    assert dm_prompts(fake, cohort.bob) == []

    # A restart (start-up replans everything) between the two mornings doubles nothing.
    bot = await runner.restart()
    await move_to(runner, bot, TOKYO_MORNING - MINUTE)
    assert dm_prompts(fake, cohort.bob) == []
    await move_to(runner, bot, TOKYO_MORNING)
    assert len(dm_prompts(fake, cohort.bob)) == 1
    assert len(dm_prompts(fake, cohort.alice)) == len(dm_prompts(fake, cohort.moderator)) == 1
    assert dm_rows(runner) == {
        f"checkin-dm-prompt:1:{cohort.moderator}": ("done", int(FIRST_PROMPT.timestamp())),
        f"checkin-dm-prompt:1:{cohort.alice}": ("done", int(LA_MORNING.timestamp())),
        f"checkin-dm-prompt:1:{cohort.bob}": ("done", int(TOKYO_MORNING.timestamp())),
    }

    # Bob answers from his DM; at the reminder only those who have not answered hear again.
    answered = await check_in(fake, dm_prompts(fake, cohort.bob)[0], cohort.bob)
    assert "It is in the thread" in reply_text(answered), reply_text(answered)
    await move_to(runner, bot, CLOSES - timedelta(hours=24))
    assert len(bot_dms(fake, cohort.bob)) == 1
    assert len(bot_dms(fake, cohort.alice)) == 2  # the prompt, then the reminder
    assert "gentle reminder" in (bot_dms(fake, cohort.alice)[-1].content or "")


async def test_last_weeks_plan_is_in_the_dm_and_a_zone_change_moves_a_pending_dm(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    plan = "Run the first baseline, then " + "write up what broke; " * 40
    await check_in(
        fake, only_prompt(fake, cohort.channel), cohort.alice, {**ANSWERS, "Next week": plan}
    )
    assert bot_dms(fake, cohort.alice) == []  # delivery: channel sends no prompt DMs
    assert dm_rows(runner) == {}
    await set_delivery(fake, cohort, "both")
    await set_zone(fake, cohort, cohort.alice, "America/Los_Angeles")

    week_49 = FIRST_PROMPT + timedelta(days=7)
    await move_to(runner, checkins, week_49)
    assert len(bot_posts(fake, cohort.channel)) == 2  # both: the channel prompt as today
    assert dm_prompts(fake, cohort.alice) == []
    key = f"checkin-dm-prompt:2:{cohort.alice}"
    assert dm_rows(runner)[key] == ("pending", int((LA_MORNING + timedelta(days=7)).timestamp()))

    # Before her DM is due she moves to Tokyo: the same occurrence moves to Tokyo's next 09:00.
    await move_to(runner, checkins, week_49 + timedelta(hours=2))
    await set_zone(fake, cohort, cohort.alice, "Asia/Tokyo")
    tokyo = TOKYO_MORNING + timedelta(days=7)
    assert dm_rows(runner)[key] == ("pending", int(tokyo.timestamp()))
    await move_to(runner, checkins, LA_MORNING + timedelta(days=7))
    assert dm_prompts(fake, cohort.alice) == []
    await move_to(runner, checkins, tokyo)
    [dm] = dm_prompts(fake, cohort.alice)
    assert f"Your plan from last week:\n{plan.strip()}" in (dm.content or "")
    # Switching to `both` during week 48 planned that round's DMs too: hers was moot.
    assert dm_rows(runner)[f"checkin-dm-prompt:1:{cohort.alice}"][0] == "skipped"


async def test_closed_dms_fall_back_to_one_mention_in_the_thread(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort, visibility="moderators")
    await set_delivery(fake, cohort, "dm")
    fake.close_dms(cohort.bob)
    await move_to(runner, checkins, FIRST_PROMPT)
    thread = thread_of(fake, cohort.channel)
    mentions = [m for m in bot_posts(fake, thread) if f"<@{cohort.bob}>" in (m.content or "")]
    assert len(mentions) == 1
    assert "your DMs are closed" in (mentions[0].content or "")
    assert button_labels(mentions[0]) == [("Check in", False)]
    assert await guilds.is_dm_closed(checkins.db, cohort.guild, cohort.bob, runner.clock.now())
    assert len(dm_prompts(fake, cohort.alice)) == 1
    # Answering from the fallback works; moderators-only answers stay out of the thread.
    answered = await check_in(fake, mentions[0], cohort.bob)
    assert "Only moderators can read it" in reply_text(answered)
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=1))
    assert len(bot_posts(fake, thread)) == 1


async def test_delivery_is_shown_in_config_show_and_export(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await set_delivery(fake, cohort, "both")
    shown = await fake.invoke(cohort.guild, cohort.owner, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert (
        "prompted in the channel and by DM at each member's own local time" in fields["Check-ins"]
    )
    exported = await (await fake.invoke(cohort.guild, cohort.owner, "config export")).final()
    [file] = [a for m in exported.followups for a in m.attachments]
    assert json.loads(file.data)["checkins"]["settings"]["delivery"] == "both"


async def test_switching_to_channel_during_a_round_cancels_pending_dm_prompts(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await set_delivery(fake, cohort, "dm")
    await set_zone(fake, cohort, cohort.alice, "America/Los_Angeles")
    await move_to(runner, checkins, FIRST_PROMPT)
    await set_delivery(fake, cohort, "channel")
    await move_to(runner, checkins, LA_MORNING)
    assert dm_prompts(fake, cohort.alice) == []
    assert dm_rows(runner)[f"checkin-dm-prompt:1:{cohort.alice}"][0] == "cancelled"


async def test_a_berlin_member_gets_the_prompt_at_0900_after_the_october_change(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """A New York server's Saturday round; Sunday 31 Oct 2027 is the change in Berlin."""
    fake = fake_discord
    await move_to(runner, checkins, datetime(2027, 10, 25, 12, 0, tzinfo=UTC))
    await fake.invoke(cohort.guild, cohort.owner, "config timezone", {"zone": "America/New_York"})
    await configure(fake, cohort, day=5)
    await set_delivery(fake, cohort, "dm")
    await set_zone(fake, cohort, cohort.alice, "Europe/Berlin")
    opens = datetime(2027, 10, 30, 13, 0, tzinfo=UTC)  # Saturday 09:00 EDT
    await move_to(runner, checkins, opens)
    assert len(dm_prompts(fake, cohort.bob)) == 1  # the server's zone: at the opening
    # Berlin's Saturday 09:00 had passed; Sunday 09:00 is CET (08:00 UTC), not CEST (07:00).
    await move_to(runner, checkins, datetime(2027, 10, 31, 7, 0, tzinfo=UTC))
    assert dm_prompts(fake, cohort.alice) == []
    await move_to(runner, checkins, datetime(2027, 10, 31, 8, 0, tzinfo=UTC))
    assert len(dm_prompts(fake, cohort.alice)) == 1


async def test_a_member_who_joins_the_cohort_during_a_round_gets_their_dm_prompt(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await set_delivery(fake, cohort, "dm")
    # The bot was down at 09:00: the round is caught up at 12:00 Berlin time, and members in
    # the server's zone get their DM then, not the next morning.
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=3))
    assert len(dm_prompts(fake, cohort.alice)) == len(dm_prompts(fake, cohort.bob)) == 1
    assert dm_prompts(fake, cohort.owner) == []  # not in the cohort
    carol = fake.add_member(cohort.guild, "carol", roles=[cohort.cohort_role])
    await wait_for(lambda: dm_prompts(fake, carol), lambda: "no DM prompt for the newcomer")
    fake.update_member(cohort.guild, cohort.owner, roles=[cohort.cohort_role])
    await wait_for(lambda: dm_prompts(fake, cohort.owner), lambda: "no DM for the new role")
    fake.update_member(cohort.guild, cohort.owner, nick="Olivia")  # changes nothing
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=4))
    assert len(dm_prompts(fake, carol)) == len(dm_prompts(fake, cohort.owner)) == 1
