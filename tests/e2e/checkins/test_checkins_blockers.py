"""Blockers seen by peers: gathered once at a public round's close, answered by I can help."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import timedelta

import pytest

from bot.client import HammingBot
from cogs.checkins.store_loop import set_share_blocker
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
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
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.state import PRIVATE_THREAD, Message

pytestmark = pytest.mark.e2e

CREATE_PRIVATE_THREADS = 1 << 36
CLOSE = FIRST_PROMPT + timedelta(hours=72)
BOB_BLOCKER = "A reviewer for my draft @everyone <@&1> — anyone?"
MAX_BLOCKER = "Private: my funding ends in March"


async def share(bot: HammingBot, runner: BotRunner, *members: int) -> None:
    """The members choose "Share my blocker with the cohort" (the check-in UI's toggle)."""
    [round_] = rows(runner, "SELECT id FROM checkin_rounds")
    async with bot.db.transaction() as tx:
        for member in members:
            await set_share_blocker(tx, round_["id"], member, True, runner.clock.now())


async def answered_round(
    fake: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot, **options: str
) -> None:
    """Alice and Bob share their blockers; Max answers one but does not share it."""
    await configure(fake, cohort, **options)
    await move_to(runner, bot, FIRST_PROMPT)
    prompt = only_prompt(fake, cohort.channel)
    await check_in(fake, prompt, cohort.alice)
    await check_in(fake, prompt, cohort.bob, dict(ANSWERS, **{"What is blocking you": BOB_BLOCKER}))
    await check_in(
        fake, prompt, cohort.moderator, dict(ANSWERS, **{"What is blocking you": MAX_BLOCKER})
    )
    await share(bot, runner, cohort.alice, cohort.bob)


async def closed_post(
    fake: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> Message:
    """The answered round, closed: its one message of gathered blockers."""
    await answered_round(fake, cohort, runner, bot)
    await move_to(runner, bot, CLOSE)
    [post] = blocker_posts(fake, cohort.channel)
    return post


def blocker_posts(fake: FakeDiscord, channel: int) -> list[Message]:
    return [
        m
        for m in bot_posts(fake, channel)
        if m.embeds and m.embeds[0].get("title", "").startswith("Blockers shared")
    ]


async def press(fake: FakeDiscord, post: Message, user: int, label: str) -> InteractionResult:
    """Press a button; a deferred answer is waited for until its follow-up arrives."""
    result = await fake.click(post, user, label=label)
    return await result.final() if result.type == 5 else result


def private_threads(fake: FakeDiscord, channel: int) -> list[int]:
    return [t.id for t in fake.threads(channel) if t.type == PRIVATE_THREAD]


async def test_shared_blockers_are_gathered_at_the_close_and_connect_a_helper(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await answered_round(fake, cohort, runner, checkins)
    await move_to(runner, checkins, CLOSE - timedelta(minutes=1))
    assert blocker_posts(fake, cohort.channel) == []

    await move_to(runner, checkins, CLOSE)
    [post] = blocker_posts(fake, cohort.channel)
    card = post.embeds[0]
    assert card["title"] == "Blockers shared · Week 48"
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert fields == {"1. alice": ANSWERS["What is blocking you"], "2. bob": BOB_BLOCKER}
    assert MAX_BLOCKER not in str(post.embeds)  # answered, not shared
    assert button_labels(post) == [("I can help: 1. alice", False), ("I can help: 2. bob", False)]
    sent = fake.requests_matching("POST", rf"/channels/{cohort.channel}/messages$")[-1].json
    assert sent["allowed_mentions"] == {"parse": []}  # bob's @everyone pings no one

    # Bob can help Alice: a private thread in the check-in channel with the two of them.
    helped = await press(fake, post, cohort.bob, "I can help: 1. alice")
    assert helped.ephemeral
    [thread_id] = private_threads(fake, cohort.channel)
    assert f"<#{thread_id}>" in reply_text(helped) and "alice" in reply_text(helped)
    thread = fake.world.channels[thread_id]
    assert thread.name == "Help · bob & alice"
    assert {cohort.alice, cohort.bob} <= thread.thread_members
    assert cohort.moderator not in thread.thread_members
    [intro] = bot_posts(fake, thread_id)
    assert f"> {ANSWERS['What is blocking you']}" in (intro.content or "")
    intro_sent = fake.requests_matching("POST", rf"/channels/{thread_id}/messages$")[-1].json
    assert intro_sent["allowed_mentions"]["parse"] == []
    users = {str(u) for u in intro_sent["allowed_mentions"]["users"]}
    assert users == {str(cohort.alice), str(cohort.bob)}

    # A second press links the same thread; nothing new is made.
    again = await press(fake, post, cohort.bob, "I can help: 1. alice")
    assert again.ephemeral and "already connected" in reply_text(again)
    assert f"<#{thread_id}>" in reply_text(again)
    assert private_threads(fake, cohort.channel) == [thread_id]
    offers = rows(runner, "SELECT asker_id, helper_id, thread_id FROM checkin_help_offers")
    assert [tuple(r) for r in offers] == [(cohort.alice, cohort.bob, thread_id)]

    # Each of the two finds the offer in /me export.
    exported = await fake.invoke(cohort.guild, cohort.bob, "me export")
    await exported.final()
    data = json.loads(exported.followups[-1].attachments[0].data)
    [offer] = data["checkins"]["help_offers"]
    assert offer["role"] == "offered" and offer["other_member_id"] == str(cohort.alice)
    assert offer["thread_id"] == str(thread_id)

    # Offering help to yourself is refused, and changes nothing.
    own = await press(fake, post, cohort.alice, "I can help: 1. alice")
    assert own.ephemeral and "your own blocker" in reply_text(own)
    assert len(rows(runner, "SELECT * FROM checkin_help_offers")) == 1
    assert private_threads(fake, cohort.channel) == [thread_id]


async def test_without_create_private_threads_the_two_are_connected_by_dm(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    post = await closed_post(fake, cohort, runner, checkins)
    fake.set_channel_overwrite(cohort.channel, fake.bot_user_id, deny=CREATE_PRIVATE_THREADS)
    before = {m: len(fake.dm_messages(m)) for m in (cohort.alice, cohort.moderator)}

    helped = await press(fake, post, cohort.moderator, "I can help: 1. alice")
    assert helped.ephemeral and "DM" in reply_text(helped), reply_text(helped)
    assert private_threads(fake, cohort.channel) == []
    to_alice = fake.dm_messages(cohort.alice)[before[cohort.alice] :]
    to_max = fake.dm_messages(cohort.moderator)[before[cohort.moderator] :]
    assert len(to_alice) == 1 and len(to_max) == 1
    assert "**max**" in (to_alice[0].content or "")
    assert "**alice**" in (to_max[0].content or "")
    assert ANSWERS["What is blocking you"] in (to_alice[0].content or "")
    offers = rows(runner, "SELECT helper_id, thread_id FROM checkin_help_offers")
    assert [tuple(r) for r in offers] == [(cohort.moderator, None)]
    again = await press(fake, post, cohort.moderator, "I can help: 1. alice")
    assert "already connected" in reply_text(again) and "by DM" in reply_text(again)
    assert len(fake.dm_messages(cohort.alice)) == before[cohort.alice] + 1


async def test_a_forgotten_asker_leaves_the_post_and_their_button_answers_plainly(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    post = await closed_post(fake, cohort, runner, checkins)
    drawn_at_close = copy.deepcopy(post.components)
    await forget_me(fake, cohort.guild, cohort.alice)
    assert rows_mentioning(runner.database_path, cohort.alice) == {}
    # Her blocker leaves the gathered message; Bob's stays, numbered again.
    post = fake.message(post.id)
    fields = {f["name"]: f["value"] for f in post.embeds[0]["fields"]}
    assert fields == {"1. bob": BOB_BLOCKER}
    assert button_labels(post) == [("I can help: 1. bob", False)]
    # A press on her button drawn before the redraw (a stale client) is answered plainly.
    post.components = drawn_at_close
    result = await press(fake, post, cohort.bob, "I can help: 1. alice")
    assert result.ephemeral and "no longer stored" in reply_text(result)
    assert rows(runner, "SELECT * FROM checkin_help_offers") == []
    assert private_threads(fake, cohort.channel) == []


async def test_a_hostile_custom_id_is_refused(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    post = await closed_post(fake, cohort, runner, checkins)
    # Discord sends only custom ids that are on the message: as if the message were forged.
    button = post.components[0]["components"][0]
    for custom_id in ("checkin:help:99999999999999999999:1", f"checkin:help:999:{cohort.alice}"):
        button["custom_id"] = custom_id
        result = await press(fake, post, cohort.bob, button["label"])
        assert result.ephemeral and "nothing was done" in reply_text(result), custom_id
    assert rows(runner, "SELECT * FROM checkin_help_offers") == []


async def test_blockers_are_posted_once_across_a_restart_at_the_close(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await answered_round(fake, cohort, runner, checkins)
    # Down over the close: the close and the gathering happen once, on the way back.
    await runner.stop()
    runner.clock.set(CLOSE + timedelta(minutes=30))
    bot = await runner.start()
    await bot.scheduler.run_due()
    [post] = blocker_posts(fake, cohort.channel)
    # As if the bot died after sending, before the occurrence was marked done.
    await runner.stop()
    with sqlite3.connect(runner.database_path) as conn:
        conn.execute("UPDATE deliveries SET state = 'claimed' WHERE kind = 'checkin-blockers'")
    bot = await runner.start()
    await bot.scheduler.run_due()
    await move_to(runner, bot, CLOSE + timedelta(hours=2))
    assert [m.id for m in blocker_posts(fake, cohort.channel)] == [post.id]
    stored = rows(runner, "SELECT round_id, message_id FROM checkin_blocker_posts")
    assert [r["message_id"] for r in stored] == [post.id]
    # The button works after the restart (persistent, by round and asker).
    helped = await press(fake, post, cohort.bob, "I can help: 1. alice")
    assert "private thread" in reply_text(helped)


async def test_a_moderators_only_round_posts_no_blockers(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await answered_round(fake, cohort, runner, checkins, visibility="moderators")
    await move_to(runner, checkins, CLOSE + timedelta(hours=1))
    assert rows(runner, "SELECT closed_at FROM checkin_rounds")[0]["closed_at"] is not None
    assert blocker_posts(fake, cohort.channel) == []
    assert rows(runner, "SELECT * FROM deliveries WHERE kind = 'checkin-blockers'") == []
