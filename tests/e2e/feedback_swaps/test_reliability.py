"""Restarts: a round is computed once, announced once, and its buttons still work afterwards."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows
from tests.e2e.feedback_swaps.helpers import (
    FIRST_ROUND,
    assignments,
    bot_dms,
    configure,
    dms_containing,
    join,
    move_to,
    request,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_restart_mid_round_computes_once_and_announces_each_side_once(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """Sends fail after the round is stored; the bot stops with the round in doubt; restart."""
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    await configure(fake, cohort)
    for who in (alice, bob):
        await join(fake, g, who)
        await request(fake, g, who, f"Draft by {who}")

    # Every announcement fails once (Discord 503): the round is stored, nothing is delivered.
    fake.fail_next("POST", r"^/channels/\d+/messages$", status=503, count=4)
    await move_to(runner, swaps, FIRST_ROUND)
    assert len(rows(runner, "SELECT * FROM feedback_rounds")) == 1
    stored = assignments(runner)
    assert len(stored) == 2
    assert bot_dms(fake, alice) == [] and bot_dms(fake, bob) == []
    announces = rows(runner, "SELECT state FROM deliveries WHERE kind = 'feedback-announce'")
    assert [a["state"] for a in announces] == ["pending"] * 4

    # The bot stops as if it crashed while the round was being handled (claimed, in doubt).
    await runner.stop()
    with sqlite3.connect(runner.database_path) as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'claimed' WHERE kind = 'feedback-round'"
            " AND key LIKE '%:2026-11-23'"
        )
    swaps = await runner.start()
    await move_to(runner, swaps, FIRST_ROUND + timedelta(minutes=5))

    # One round, the same assignments, and each side told exactly once.
    assert len(rows(runner, "SELECT * FROM feedback_rounds")) == 1
    assert [a["id"] for a in assignments(runner)] == [a["id"] for a in stored]
    round_occurrence = rows(
        runner,
        "SELECT state, last_error FROM deliveries WHERE key LIKE 'feedback-round:%:2026-11-23'",
    )[0]
    assert round_occurrence["state"] == "skipped"
    for who in (alice, bob):
        assert len(dms_containing(fake, who, "You are reviewing")) == 1
        assert len(dms_containing(fake, who, "will review your draft")) == 1
    assert (
        rows(
            runner,
            "SELECT COUNT(*) AS n FROM deliveries WHERE kind = 'feedback-round'"
            " AND state = 'pending'",
        )[0]["n"]
        == 1
    )  # next week's round

    # Another restart: nothing is sent again, and the buttons from before still work.
    swaps = await runner.restart()
    await swaps.scheduler.run_due()
    assert len(bot_dms(fake, alice)) == 2
    card = dms_containing(fake, alice, "You are reviewing")[0]
    declined = await fake.click(card, alice, label="Can't do it")
    assert declined.type == 7, declined
    await swaps.scheduler.run_due()
    assert len(dms_containing(fake, bob, "after all")) == 1


async def test_forgetting_a_reviewer_rematches_their_review_and_keeps_others_ledgers(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """/me forget: alice's rows go; bob's draft goes back to the pool and bob is told."""
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    await configure(fake, cohort)
    await join(fake, g, alice, "evals")
    await fake.invoke(g, alice, "feedback avoid", {"member": cohort.moderator})
    await request(fake, g, alice, "Alice's draft")
    await request(fake, g, bob, "Bob's draft")
    await move_to(runner, swaps, FIRST_ROUND)
    assert [(a["reviewer_id"], a["author_id"]) for a in assignments(runner)] == [(alice, bob)]

    exported = await fake.invoke(g, alice, "me export")
    await exported.final()
    assert exported.followups[-1].attachments, exported

    await forget_me(fake, g, alice)
    await swaps.scheduler.run_due()
    for table in ("feedback_reviewers", "feedback_avoid"):
        assert rows(runner, f"SELECT * FROM {table}") == []
    assert (
        rows(
            runner,
            "SELECT COUNT(*) AS n FROM feedback_assignments WHERE reviewer_id = ? OR author_id = ?",
            (alice, alice),
        )[0]["n"]
        == 0
    )
    drafts = rows(runner, "SELECT author_id, title, status FROM feedback_drafts ORDER BY id")
    assert [(d["author_id"], d["title"], d["status"]) for d in drafts] == [
        (0, "(a deleted draft)", "withdrawn"),
        (bob, "Bob's draft", "open"),
    ]
    told = dms_containing(fake, bob, "Your reviewer can't review **Bob's draft** after all")
    assert len(told) == 1
