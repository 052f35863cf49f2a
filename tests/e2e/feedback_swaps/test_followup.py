"""Following up: the reviewer's buttons, the author's rating, and the three-lapses pause."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.feedback_swaps.helpers import (
    DUE,
    FIRST_ROUND,
    assignments,
    button_labels,
    configure,
    dms_containing,
    join,
    move_to,
    request,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

FOLLOWUP = DUE - timedelta(days=1)
LAPSE = DUE + timedelta(days=2)


async def test_followup_buttons_extension_decline_and_rating(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """Alice reviews two drafts: one she extends then sends, one she cannot do."""
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])
    await configure(fake, cohort)
    await join(fake, g, alice, per_round=2)
    await request(fake, g, bob, "Bob's draft")
    await request(fake, g, carol, "Carol's draft")
    await move_to(runner, swaps, FIRST_ROUND)
    by_author = {a["author_id"]: a["id"] for a in assignments(runner)}
    assert set(by_author) == {bob, carol}

    # Someone else pressing the reviewer's buttons is refused, and nothing changes.
    card = dms_containing(fake, alice, "Bob's draft")[0]
    refused = await fake.click(card, bob, label="Can't do it")
    assert refused.ephemeral and "Only the reviewer" in (refused.content or "")
    assert (
        rows(runner, "SELECT status FROM feedback_assignments WHERE id = ?", (by_author[bob],))[0][
            "status"
        ]
        == "active"
    )

    await move_to(runner, swaps, FOLLOWUP - timedelta(minutes=1))
    assert dms_containing(fake, alice, "Did you send your feedback") == []
    await move_to(runner, swaps, FOLLOWUP)
    asked = dms_containing(fake, alice, "Did you send your feedback")
    assert len(asked) == 2
    assert all(button_labels(m) == ["Yes", "Need 3 more days", "Can't do it"] for m in asked)
    on_bob = next(m for m in asked if "Bob's draft" in (m.content or ""))
    on_carol = next(m for m in asked if "Carol's draft" in (m.content or ""))

    # Need 3 more days: the message says the new date and keeps its buttons; bob is told.
    later = DUE + timedelta(days=3)
    extended = await fake.click(on_bob, alice, label="Need 3 more days")
    assert extended.type == 7, extended  # the message itself was updated
    edited = fake.message(on_bob.id)
    assert f"<t:{int(later.timestamp())}:F>" in (edited.content or "")
    assert button_labels(edited) == ["Yes", "Need 3 more days", "Can't do it"]
    await swaps.scheduler.run_due()
    assert len(dms_containing(fake, bob, "needs three more days")) == 1

    # Can't do it: the draft goes back to the pool, first in line; carol is told.
    await fake.click(on_carol, alice, label="Can't do it")
    assert button_labels(fake.message(on_carol.id)) == []
    await swaps.scheduler.run_due()
    assert len(dms_containing(fake, carol, "can't review **Carol's draft** after all")) == 1
    draft = rows(
        runner, "SELECT status, carried_rounds FROM feedback_drafts WHERE author_id = ?", (carol,)
    )
    assert [(d["status"], d["carried_rounds"]) for d in draft] == [("open", 1)]

    # The old lapse check is gone; a new follow-up comes a day before the new date.
    await move_to(runner, swaps, LAPSE)
    assert (
        rows(runner, "SELECT lapses FROM feedback_reviewers WHERE user_id = ?", (alice,))[0][
            "lapses"
        ]
        == 0
    )
    await move_to(runner, swaps, later - timedelta(days=1))
    asked_again = dms_containing(fake, alice, "Did you send your feedback")
    assert len(asked_again) == 3
    sent = await fake.click(asked_again[-1], alice, label="Yes")
    assert "Thank you" in (fake.message(asked_again[-1].id).content or ""), sent
    await swaps.scheduler.run_due()

    # Bob is asked to rate; only bob may; his rating lands in the ledger.
    rate = dms_containing(fake, bob, "says they sent their feedback")
    assert len(rate) == 1
    assert button_labels(rate[0]) == ["1 ★", "2 ★", "3 ★", "4 ★", "5 ★"]
    not_hers = await fake.click(rate[0], alice, label="5 ★")
    assert not_hers.ephemeral and "Only the author" in (not_hers.content or "")
    await fake.click(rate[0], bob, label="4 ★")
    assert "4/5" in (fake.message(rate[0].id).content or "")
    done = rows(
        runner, "SELECT status, rating FROM feedback_assignments WHERE id = ?", (by_author[bob],)
    )
    assert [(d["status"], d["rating"]) for d in done] == [("done", 4)]
    closed = rows(runner, "SELECT status FROM feedback_drafts WHERE author_id = ?", (bob,))
    assert [d["status"] for d in closed] == ["closed"]

    # From the author's announcement too: "I received the feedback" → rating buttons.
    announced = dms_containing(fake, bob, "will review your draft")[0]
    opened = await fake.click(announced, bob, label="I received the feedback")
    assert opened.ephemeral and button_labels(opened.message) == ["1 ★", "2 ★", "3 ★", "4 ★", "5 ★"]
    await fake.click(opened.message, bob, label="5 ★")
    assert (
        rows(runner, "SELECT rating FROM feedback_assignments WHERE id = ?", (by_author[bob],))[0][
            "rating"
        ]
        == 5
    )

    mine = await fake.invoke(g, alice, "feedback status")
    ledger = {f["name"]: f["value"] for f in mine.embeds[0]["fields"]}["Ledger"]
    assert ledger.startswith("Given 1, received 0") and "5.0/5" in ledger
    theirs = await fake.invoke(g, bob, "feedback status")
    ledger = {f["name"]: f["value"] for f in theirs.embeds[0]["fields"]}["Ledger"]
    assert ledger.startswith("Given 0, received 1 (you owe 1 review)")


async def test_three_lapses_pause_the_reviewer_with_a_rejoin_button(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """Three reviews with no answer by due + grace: paused, told why, and can rejoin."""
    fake, g = fake_discord, cohort.guild
    alice = cohort.alice
    carol = fake.add_member(g, "carol", roles=[cohort.cohort_role])
    dave = fake.add_member(g, "dave", roles=[cohort.cohort_role])
    await configure(fake, cohort)
    await join(fake, g, alice, "interpretability", per_round=3)
    for who in (cohort.bob, carol, dave):
        await request(fake, g, who, f"Draft by {who}")
    await move_to(runner, swaps, FIRST_ROUND)
    assert len(assignments(runner)) == 3

    await move_to(runner, swaps, LAPSE - timedelta(minutes=1))
    assert {a["status"] for a in assignments(runner)} == {"active"}
    await move_to(runner, swaps, LAPSE)
    assert {a["status"] for a in assignments(runner)} == {"lapsed"}
    assert len(dms_containing(fake, alice, "lapsed: I heard nothing")) == 2
    paused = dms_containing(fake, alice, "paused you")
    assert len(paused) == 1
    assert button_labels(paused[0]) == ["Rejoin the reviewer pool"]
    for author in (cohort.bob, carol, dave):
        assert len(dms_containing(fake, author, "did not confirm their feedback")) == 1
    reviewer = rows(runner, "SELECT lapses, paused_reason FROM feedback_reviewers")[0]
    assert (reviewer["lapses"], reviewer["paused_reason"]) == (3, "lapses")
    status = await fake.invoke(g, alice, "feedback status")
    pool = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}["Reviewer pool"]
    assert "Paused after lapsed reviews" in pool

    # Paused reviewers get no drafts: bob's next draft waits, and bob hears why.
    await request(
        fake, g, cohort.bob, "Bob again", **{"Feedback needed by (your time zone)": "2026-12-20"}
    )
    await move_to(runner, swaps, FIRST_ROUND + timedelta(days=14))
    assert len(assignments(runner)) == 3
    assert len(dms_containing(fake, cohort.bob, "nobody is in the reviewer pool")) == 1

    refused = await fake.click(paused[0], cohort.bob, label="Rejoin the reviewer pool")
    assert refused.ephemeral and "belongs to the member" in (refused.content or "")
    await fake.click(paused[0], alice, label="Rejoin the reviewer pool")
    assert button_labels(fake.message(paused[0].id)) == []
    reviewer = rows(runner, "SELECT lapses, paused_reason, active FROM feedback_reviewers")[0]
    assert (reviewer["lapses"], reviewer["paused_reason"], reviewer["active"]) == (0, None, 1)
