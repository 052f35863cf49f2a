"""Feedback-swap rounds end to end: two scheduled rounds, odd counts, closed DMs, carried drafts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.feedback_swaps.helpers import (
    DUE,
    FIRST_ROUND,
    SECOND_ROUND,
    assignments,
    bot_dms,
    button_labels,
    configure,
    dms_containing,
    join,
    move_to,
    pairs_of,
    request,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

PRIVATE_THREAD = 12


async def test_two_rounds_avoid_repeats_leave_nobody_out_and_reach_closed_dms(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """Round 1: 4 reviewers for 3 drafts; round 2 pairs nobody who met in round 1."""
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])
    dave = fake.add_member(g, "dave", roles=[cohort.cohort_role])
    erin = fake.add_member(g, "erin", roles=[cohort.cohort_role])

    configured = await configure(fake, cohort)
    assert configured.ephemeral, configured
    assert f"<t:{int(FIRST_ROUND.timestamp())}:F>" in (configured.content or "")
    assert "1 reviewer per draft" in (configured.content or "")
    audit = rows(runner, "SELECT setting FROM config_audit WHERE setting LIKE 'feedback.%'")
    assert {"feedback.enabled", "feedback.channel"} <= {r["setting"] for r in audit}

    for who, topics in (
        (alice, "interpretability"),
        (bob, "governance"),
        (carol, "interpretability, evals"),
        (dave, "forecasting"),
    ):
        await join(fake, g, who, topics)
    for who, title in ((alice, "Probing I"), (bob, "Compute I"), (carol, "Evals I")):
        done = await request(fake, g, who, title, topics="interpretability")
        assert done.ephemeral and "is up for feedback" in (done.content or ""), done
        assert f"<t:{int(DUE.timestamp())}:F>" in (done.content or "")
    fake.close_dms(carol)

    await move_to(runner, swaps, FIRST_ROUND - timedelta(minutes=1))
    assert rows(runner, "SELECT * FROM feedback_rounds") == []
    await move_to(runner, swaps, FIRST_ROUND)

    first = assignments(runner)
    assert len(first) == 3
    assert {a["author_id"] for a in first} == {alice, bob, carol}
    assert all(a["reviewer_id"] != a["author_id"] for a in first)
    # Give to get: the three authors review; dave is the odd one out, with a reason on record.
    assert {a["reviewer_id"] for a in first} == {alice, bob, carol}
    idle = rows(runner, "SELECT user_id, reason FROM feedback_idle")
    assert [(r["user_id"], r["reason"]) for r in idle] == [
        (dave, "every draft they may review already has 1 reviewer")
    ]

    # Each side is told privately: alice and bob by DM, with the card and the buttons.
    for a in first:
        for member, text in (
            (a["reviewer_id"], "You are reviewing"),
            (a["author_id"], "will review your draft"),
        ):
            if member == carol:
                continue
            found = dms_containing(fake, member, text)
            assert len(found) == 1, (member, text)
            card = found[0].embeds[0]
            assert f"<t:{int(DUE.timestamp())}:F>" in card["fields"][-1]["value"]
            assert card["url"] == "https://docs.example.org/draft"
    reviewing = dms_containing(fake, alice, "You are reviewing")[0]
    assert button_labels(reviewing) == ["I've sent my feedback", "Need 3 more days", "Can't do it"]
    assert "Why you:" in (reviewing.content or "")
    # Carol's DMs are closed: one private thread in the channel, carol added, both cards there.
    assert bot_dms(fake, carol) == []
    threads = fake.threads(cohort.channel)
    assert [t.type for t in threads] == [PRIVATE_THREAD]
    assert carol in threads[0].thread_members
    posted = [m for m in fake.messages(threads[0].id) if m.author_id == fake.bot_user_id]
    assert len(posted) == 2
    assert all((m.content or "").startswith(f"<@{carol}>") for m in posted)
    sent = fake.requests_matching("POST", rf"/channels/{threads[0].id}/messages$")
    assert [[int(u) for u in r.json["allowed_mentions"]["users"]] for r in sent] == [[carol]] * 2
    assert rows(runner, "SELECT user_id FROM feedback_threads")[0]["user_id"] == carol

    # Round 2: erin joins with room for two; everyone posts a new draft.
    await join(fake, g, erin, "evals", per_round=2)
    for who, title in (
        (alice, "Probing II"),
        (bob, "Compute II"),
        (carol, "Evals II"),
        (dave, "Forecasts"),
    ):
        done = await request(fake, g, who, title)
        assert "is up for feedback" in (done.content or ""), done
    await move_to(runner, swaps, SECOND_ROUND)
    rounds = rows(runner, "SELECT id, slot FROM feedback_rounds ORDER BY id")
    assert [r["slot"] for r in rounds] == ["2026-11-23", "2026-11-30"]
    second = assignments(runner, rounds[1]["id"])
    assert len(second) == 4  # every new draft covered
    assert pairs_of(second).isdisjoint(pairs_of(first))
    assert all(a["repeat_rounds_ago"] is None for a in second)
    # Carol's second-round messages reuse her thread.
    assert len(fake.threads(cohort.channel)) == 1
    assert rows(runner, "SELECT COUNT(*) AS n FROM feedback_unmatched")[0]["n"] == 0

    report = await fake.invoke(g, cohort.owner, "feedback report")
    await report.final()
    card = report.followups[-1].embeds[0]
    assert "Probing II" in card["description"] or "Compute II" in card["description"]
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert "4 assignments" in fields["Completion"]
    assert "7 assignments" in fields["Completion"]
    refused = await fake.invoke(g, alice, "feedback report")
    assert refused.ephemeral and "Only moderators" in (refused.content or "")


async def test_a_draft_without_a_reviewer_is_told_and_goes_first_next_round(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """One reviewer, two drafts: the one left out is told, carried and served first next time."""
    fake, g = fake_discord, cohort.guild
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])
    dave = fake.add_member(g, "dave", roles=[cohort.cohort_role])
    await configure(fake, cohort)
    await join(fake, g, cohort.alice)
    await request(fake, g, cohort.bob, "Bob's draft")
    await request(fake, g, carol, "Carol's draft")

    await move_to(runner, swaps, FIRST_ROUND)
    first = assignments(runner)
    assert len(first) == 1 and first[0]["reviewer_id"] == cohort.alice
    served = first[0]["author_id"]
    left_out = carol if served == cohort.bob else cohort.bob
    told = dms_containing(fake, left_out, "No reviewer for your draft")
    assert len(told) == 1
    assert "fully booked" in (told[0].content or "")
    assert f"<t:{int(SECOND_ROUND.timestamp())}:F>" in (told[0].content or "")
    carried = rows(
        runner,
        "SELECT carried_rounds, status FROM feedback_drafts WHERE author_id = ?",
        (left_out,),
    )
    assert [(r["carried_rounds"], r["status"]) for r in carried] == [(1, "open")]

    await request(fake, g, dave, "Dave's draft")
    await move_to(runner, swaps, SECOND_ROUND)
    second = [a for a in assignments(runner) if a["id"] != first[0]["id"]]
    assert [(a["reviewer_id"], a["author_id"]) for a in second] == [(cohort.alice, left_out)]
    assert "waited a round" in second[0]["reason"]
    assert len(dms_containing(fake, dave, "No reviewer for your draft")) == 1
