"""After a reading, end to end: one "did you comment?" DM per Going member (exactly once
across a restart), its buttons and link modal, the digest's count; and the personal reading
log with its privacy, /me export and /me forget."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
from tests.e2e.reading.conftest import Room, answer
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

# "next Tuesday 18:00" read in Berlin on Thursday 3 Dec 2026: Tue 8 Dec, 17:00 UTC.
TUESDAY = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
POST = "https://www.lesswrong.com/posts/pL56xPoniLvtMDQ4J/the-inner-alignment-problem"


async def test_going_members_are_asked_once_to_comment_and_their_answers_count(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    fake = fake_discord
    added = await fake.invoke(
        cohort.guild, cohort.alice, "reading add", {"title": "Inner alignment", "url": POST}
    )
    assert "Added" in (added.content or ""), added
    scheduled = await fake.invoke(
        cohort.guild, cohort.alice, "reading schedule", {"when": "next Tuesday 18:00"}
    )
    await answer(scheduled)
    announcement = fake.messages(room.channel)[0]
    session = rows(runner, "SELECT id FROM reading_sessions")[0]["id"]
    for who, choice in (
        (cohort.alice, "going"),
        (cohort.bob, "going"),
        (cohort.moderator, "maybe"),
    ):
        await fake.click(announcement, who, custom_id=f"reading:rsvp:{session}:{choice}")
    dms_before = {who: len(fake.dm_messages(who)) for who in (cohort.alice, cohort.bob)}

    runner.clock.set(TUESDAY + timedelta(hours=1, minutes=1))  # past its end (60 minutes)
    bot = runner.bot
    assert bot is not None
    await bot.scheduler.run_due()
    bot = await runner.restart()
    await bot.scheduler.run_due()

    asks = {}
    for who in (cohort.alice, cohort.bob):
        new = fake.dm_messages(who)[dms_before[who] :]
        assert len(new) == 1, [m.content for m in new]  # exactly once, across the restart
        assert POST in new[0].content and "LessWrong" in new[0].content
        asks[who] = new[0]
    assert not [m for m in fake.dm_messages(cohort.moderator) if POST in m.content]  # Maybe

    # Someone else's button is refused, and nothing is recorded.
    refused = await fake.click(asks[cohort.alice], cohort.bob, label="Not this time")
    assert refused.ephemeral and "sent to another member" in (refused.content or "")
    # A link elsewhere, or not a web link, is refused by the modal; nothing is recorded.
    opened = await fake.click(asks[cohort.alice], cohort.alice, label="I left a comment")
    for bad, says in (
        ("https://example.com/my-comment", "isn't on LessWrong"),
        ("javascript:alert(1)", "isn't a web link"),
    ):
        submitted = await fake.submit_modal(
            opened, cohort.alice, {"Link to your comment (optional)": bad}
        )
        assert submitted.ephemeral and says in (submitted.content or ""), submitted
    assert rows(runner, "SELECT * FROM reading_comments") == []

    link = POST + "?commentId=abc123"
    done = await fake.submit_modal(opened, cohort.alice, {"Link to your comment (optional)": link})
    assert "Noted: you left a comment" in (fake.message(asks[cohort.alice].id).content or "")
    assert fake.message(asks[cohort.alice].id).components == [], done
    skipped = await fake.click(asks[cohort.bob], cohort.bob, label="Not this time")
    assert skipped.error is None
    answers = rows(runner, "SELECT user_id, answer, link FROM reading_comments ORDER BY answer")
    assert [(r["user_id"], r["answer"], r["link"]) for r in answers] == [
        (cohort.alice, "commented", link),
        (cohort.bob, "skipped", None),
    ]

    section = await bot.features["reading"].digest_section(cohort.guild, bot.clock.now())
    assert section is not None
    assert "Comments left on readings this week: 1" in section.lines
    assert not any(str(cohort.alice) in line or "abc123" in line for line in section.lines)


async def exported(fake: FakeDiscord, cohort: Cohort, user: int) -> dict[str, Any]:
    result = await (await fake.invoke(cohort.guild, user, "me export")).final()
    [file] = [a for m in result.followups for a in m.attachments]
    data: dict[str, Any] = json.loads(file.data)
    return data["reading"]


async def test_the_reading_log_is_private_until_shared_and_export_forget_cover_it(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    fake = fake_discord
    await fake.invoke(cohort.guild, cohort.alice, "reading add", {"title": "Inner alignment"})
    await fake.invoke(cohort.guild, cohort.alice, "reading add", {"title": "You and Your Research"})
    suggested = await fake.autocomplete(cohort.guild, cohort.bob, "reading log", "item", "inner")
    assert [c["value"] for c in suggested] == ["id:1"]

    logged = await fake.invoke(
        cohort.guild, cohort.bob, "reading log", {"item": "id:1", "status": "deep", "note": "mesa!"}
    )
    assert (
        logged.ephemeral and "read deeply" in (logged.content or "") and "private" in logged.content
    )
    runner.clock.advance(timedelta(hours=1))
    await fake.invoke(cohort.guild, cohort.bob, "reading log", {"item": "2", "status": "skimmed"})
    for options, says in (
        ({"item": "id:99", "status": "read"}, "No reading matches"),
        ({"item": "1", "status": "read", "note": "x" * 501}, "keep it to 500"),
    ):
        refused = await fake.invoke(cohort.guild, cohort.bob, "reading log", options)
        assert refused.ephemeral and says in (refused.content or ""), refused
    assert len(rows(runner, "SELECT id FROM reading_log")) == 2

    mine = await fake.invoke(cohort.guild, cohort.bob, "reading mine", {})
    text = mine.embeds[0]["description"]
    assert mine.ephemeral and text.index("You and Your Research") < text.index("Inner alignment")
    assert "read deeply" in text and "mesa!" in text and "skimmed" in text

    private = await fake.invoke(cohort.guild, cohort.alice, "reading mine", {"member": cohort.bob})
    assert private.ephemeral and "private" in (private.content or "") and not private.embeds
    await fake.invoke(cohort.guild, cohort.bob, "reading log-sharing", {"sharing": "on"})
    shared = await fake.invoke(cohort.guild, cohort.alice, "reading mine", {"member": cohort.bob})
    assert shared.ephemeral and "mesa!" in shared.embeds[0]["description"]

    bob = await exported(fake, cohort, cohort.bob)
    assert bob["reading_log_shared"] is True
    assert [(e["title"], e["status"]) for e in bob["reading_log"]] == [
        ("You and Your Research", "skimmed"),
        ("Inner alignment", "deep"),
    ]
    await forget_me(fake, cohort.guild, cohort.bob)
    assert rows_mentioning(runner.database_path, cohort.bob) == {}
