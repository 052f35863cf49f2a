"""Write-ups through the local Discord server: every stage with a feedback swap in the middle,
one announcement across a restart, a stale nudge sent once, privacy, and bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import ledger
from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning, wait_for
from tests.e2e.feedback_swaps.helpers import (
    FIRST_ROUND,
    FORM,
    FRIDAY_NOON,
    bot_dms,
    configure,
    join,
    move_to,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

LW = "https://www.lesswrong.com/posts/abc123/sparse-probing"
BLOG = "https://alice.example.org/2026/11/shared-plan"


async def answered(result: InteractionResult) -> Message:
    """The reply a member reads: the follow-up of a deferred answer, or the answer itself."""
    await result.final(timeout=15)
    found = result.followups[-1] if result.followups else result.message
    assert found is not None, result
    return found


def stage(runner: BotRunner, writeup_id: int) -> str:
    return str(rows(runner, "SELECT stage FROM writeups WHERE id = ?", (writeup_id,))[0]["stage"])


def announcements(fake: FakeDiscord, channel: int) -> list[Message]:
    return [
        m
        for m in fake.messages(channel)
        if m.author_id == fake.bot_user_id
        and any("New write-up published" in (e.get("title") or "") for e in m.embeds)
    ]


async def add(fake: FakeDiscord, cohort: Cohort, user: int, **options: Any) -> int:
    added = await fake.invoke(cohort.guild, user, "writeup add", options)
    assert added.ephemeral and "Added" in (added.content or ""), added
    return int(rows_max_id(fake, added))


def rows_max_id(fake: FakeDiscord, added: Any) -> str:
    # "Added **Title** (`#12`): ..." names the new write-up's id
    return (added.content or "").split("(`#", 1)[1].split("`", 1)[0]


async def test_a_writeup_goes_through_every_stage_with_a_feedback_swap_and_is_announced_once(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> None:
    fake, g, alice, bob = fake_discord, cohort.guild, cohort.alice, cohort.bob
    set_channel = await fake.invoke(
        g, cohort.owner, "config writeups channel", {"channel": cohort.channel}
    )
    assert "announced in" in (set_channel.content or ""), set_channel
    await configure(fake, cohort)
    await join(fake, g, bob)

    wid = await add(fake, cohort, alice, title="Sparse probing for deception", stage="idea")
    moved = await fake.invoke(
        g, alice, "writeup update", {"writeup": str(wid), "stage": "drafting", "link": LW}
    )
    assert "Drafting" in (moved.content or "") and moved.message is not None
    assert stage(runner, wid) == "drafting"

    # Request feedback: feedback swaps' own form, with the title and link filled in.
    opened = await fake.click(moved.message, alice, label="Request feedback")
    assert opened.modal is not None, opened
    prefilled = {f["label"]: f.get("value") for f in opened.modal.fields}
    assert prefilled["Title"] == "Sparse probing for deception"
    assert prefilled["Link (http or https)"] == LW
    others = {k: v for k, v in FORM.items() if k != "Link (http or https)"}
    submitted = await fake.submit_modal(opened, alice, others)
    assert "is up for feedback" in (submitted.content or ""), submitted
    draft = rows(runner, "SELECT id, title, link FROM feedback_drafts")[0]
    assert (draft["title"], draft["link"]) == ("Sparse probing for deception", LW)
    await wait_for(lambda: stage(runner, wid) == "feedback", lambda: stage(runner, wid))

    # The round pairs bob with alice's draft; bob says he sent it: the swap is complete.
    await move_to(runner, bot, FIRST_ROUND)
    assignment = rows(runner, "SELECT id FROM feedback_assignments")[0]["id"]
    card = next(
        m
        for m in bot_dms(fake, bob)
        if any(
            c.get("custom_id") == f"fb:review:{assignment}:yes"
            for row in m.components
            for c in row.get("components", [])
        )
    )
    await fake.click(card, bob, custom_id=f"fb:review:{assignment}:yes")
    await wait_for(lambda: stage(runner, wid) == "revising", lambda: stage(runner, wid))

    # Published: announced once in the moderators' channel, as LessWrong.
    published = await fake.invoke(g, alice, "writeup publish", {"writeup": str(wid), "url": LW})
    final = await answered(published)
    assert "Published" in (final.content or "") and "LessWrong" in (final.content or ""), final
    assert final.ephemeral
    assert stage(runner, wid) == "published"
    posted = announcements(fake, cohort.channel)
    assert len(posted) == 1
    assert posted[0].embeds[0]["fields"][0]["name"] == "LessWrong"
    assert f"<@{alice}>" in posted[0].embeds[0]["description"]

    # After a restart, publishing again (a corrected link) announces nothing more.
    bot = await runner.restart()
    again = await fake.invoke(
        g, alice, "writeup publish", {"writeup": str(wid), "url": LW + "?v=2"}
    )
    assert "Published" in ((await answered(again)).content or "")
    await bot.scheduler.run_due()
    assert len(announcements(fake, cohort.channel)) == 1

    # In the digest's "Published this week", and in the stats with a chart.
    section = await bot.features["writeups"].digest_section(g, runner.clock.now())
    assert section is not None and section.title == "Published this week"
    assert "Sparse probing for deception" in section.lines[0] and "LessWrong" in section.lines[0]
    stats = await answered(await fake.invoke(g, bob, "writeup stats"))
    assert stats.embeds and stats.embeds[0]["image"]["url"] == "attachment://writeups.png"
    assert stats.attachments[0].data.startswith(b"\x89PNG")
    assert any(
        f["name"].endswith("Published") and f["value"] == "1" for f in stats.embeds[0]["fields"]
    )


async def test_a_stale_writeup_gets_one_gentle_nudge(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> None:
    fake, g, alice, bob = fake_discord, cohort.guild, cohort.alice, cohort.bob
    await add(fake, cohort, alice, title="Goal misgeneralisation notes", stage="drafting")
    moving = await add(fake, cohort, alice, title="Moving on", stage="idea")
    # Planned at the default 4 weeks; a new interval moves the pending nudges.
    nudge = await fake.invoke(g, cohort.owner, "config writeups nudge", {"weeks": 2})
    assert "2 week(s)" in (nudge.content or ""), nudge
    await add(fake, cohort, bob, title="Bob's quiet idea")
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])
    await add(fake, cohort, carol, title="Carol's closed-DM draft", stage="drafting")
    fake.close_dms(carol)
    off = await fake.invoke(g, bob, "writeup nudges", {"setting": "off"})
    assert "No more nudges" in (off.content or "")

    def nudges(user: int) -> list[Message]:
        return [m for m in bot_dms(fake, user) if "gentle nudge" in (m.content or "")]

    # A week in, "Moving on" moves to drafting: its idea-stage nudge is moot, a new one starts.
    await move_to(runner, bot, FRIDAY_NOON + timedelta(weeks=1))
    await fake.invoke(g, alice, "writeup update", {"writeup": str(moving), "stage": "drafting"})
    await move_to(runner, bot, FRIDAY_NOON + timedelta(weeks=2) - timedelta(minutes=1))
    assert nudges(alice) == []
    await move_to(runner, bot, FRIDAY_NOON + timedelta(weeks=2))
    assert len(nudges(alice)) == 1
    assert "Goal misgeneralisation notes" in (nudges(alice)[0].content or "")
    await move_to(runner, bot, FRIDAY_NOON + timedelta(weeks=3))
    assert len(nudges(alice)) == 2 and "Moving on" in (nudges(alice)[1].content or "")
    assert nudges(bob) == []  # he turned them off
    # Carol's DMs are closed: nothing is posted publicly, and that is remembered.
    assert nudges(carol) == []
    closed = rows(runner, "SELECT dm_closed_at FROM member_settings WHERE user_id = ?", (carol,))
    assert closed and closed[0]["dm_closed_at"] is not None
    assert not any(
        "closed-DM" in (m.content or "") for m in fake.messages(cohort.channel) if not m.ephemeral
    )
    # Still in the same stage weeks later, and after a restart: no second nudge.
    bot = await runner.restart()
    await move_to(runner, bot, FRIDAY_NOON + timedelta(weeks=6))
    assert len(nudges(alice)) == 2


async def test_private_writeups_stay_private_and_bad_input_changes_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> None:
    fake, g, alice, bob = fake_discord, cohort.guild, cohort.alice, cohort.bob
    await fake.invoke(g, cohort.owner, "config writeups channel", {"channel": cohort.channel})
    secret = await add(fake, cohort, alice, title="Secret agenda", private=True)
    shared = await add(fake, cohort, alice, title="Shared plan")

    # Bob sees only the shared one; his autocomplete offers only his own (none).
    seen = await fake.invoke(g, bob, "writeup list", {"member": alice})
    text = seen.embeds[0]["description"]
    assert "Shared plan" in text and "Secret agenda" not in text
    assert await fake.autocomplete(g, bob, "writeup update", "writeup", "") == []
    mine = await fake.autocomplete(g, alice, "writeup update", "writeup", "")
    assert {c["value"] for c in mine} == {str(secret), str(shared)}
    own = await fake.invoke(g, alice, "writeup list")
    assert "Secret agenda" in own.embeds[0]["description"]

    # Someone else's write-up, a bad URL, a long or empty title: refused, nothing changed.
    before = rows(runner, "SELECT * FROM writeups ORDER BY id")
    refusals = [
        (bob, "writeup publish", {"writeup": str(shared), "url": LW}, "among yours"),
        (bob, "writeup remove", {"writeup": str(shared)}, "among yours"),
        (
            alice,
            "writeup publish",
            {"writeup": str(shared), "url": "javascript:alert(1)"},
            "https://",
        ),
        (
            alice,
            "writeup publish",
            {"writeup": str(shared), "url": "https://lesswrong.com@evil.example/x"},
            "user name",
        ),
        (alice, "writeup update", {"writeup": str(shared), "title": "x" * 201}, "at most 200"),
        (alice, "writeup update", {"writeup": str(shared), "title": "   "}, "needs a title"),
        (alice, "writeup add", {"title": "ok", "link": "ftp://x.example/a"}, "https://"),
    ]
    for user, command, options, says in refusals:
        answer = await answered(await fake.invoke(g, user, command, options))
        assert answer.ephemeral and says in (answer.content or ""), (command, options, answer)
    assert rows(runner, "SELECT * FROM writeups ORDER BY id") == before

    # Published privately: never announced, never in the digest.
    await answered(
        await fake.invoke(g, alice, "writeup publish", {"writeup": str(secret), "url": LW})
    )
    await bot.scheduler.run_due()
    assert announcements(fake, cohort.channel) == []
    assert await bot.features["writeups"].digest_section(g, runner.clock.now()) is None
    exported = await answered(await fake.invoke(g, cohort.owner, "config export"))
    assert b"Secret agenda" not in exported.attachments[0].data

    # The real weekly digest: the shared publication is there, the private one is not.
    await answered(
        await fake.invoke(g, alice, "writeup publish", {"writeup": str(shared), "url": BLOG})
    )
    assert len(announcements(fake, cohort.channel)) == 1
    await fake.invoke(
        g,
        cohort.owner,
        "config digest schedule",
        {"channel": cohort.channel, "day": "Friday", "time": "17:00"},
    )
    [pending] = await ledger.list_occurrences(bot.db, guild_id=g, kind="digest")
    await move_to(runner, bot, pending.due_at + timedelta(minutes=1))
    [digest] = [
        m
        for m in fake.messages(cohort.channel)
        if m.embeds and m.embeds[0].get("title") == "This week in the cohort"
    ]
    text = digest.embeds[0]["description"]
    assert "**Published this week**" in text and "Shared plan" in text
    assert "Personal blog" in text and "Secret agenda" not in text

    # Remove asks first; only alice can confirm.
    asked = await fake.invoke(g, alice, "writeup remove", {"writeup": str(shared)})
    assert asked.message is not None
    not_hers = await fake.click(asked.message, bob, label="Remove it")
    assert not_hers.ephemeral and "belongs to" in (not_hers.content or "")
    await fake.click(asked.message, alice, label="Remove it")
    assert [r["id"] for r in rows(runner, "SELECT id FROM writeups")] == [secret]


async def test_forgetting_a_member_removes_their_writeups(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> None:
    fake, g, alice = fake_discord, cohort.guild, cohort.alice
    await add(fake, cohort, alice, title="Mine", private=True)
    await fake.invoke(g, alice, "writeup nudges", {"setting": "off"})
    exported = await answered(await fake.invoke(g, alice, "me export"))
    assert b'"Mine"' in exported.attachments[0].data
    await forget_me(fake, g, alice)
    assert rows_mentioning(runner.database_path, alice) == {}
