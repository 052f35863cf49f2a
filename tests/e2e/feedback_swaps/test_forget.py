"""/me forget in feedback swaps: another member's avoid list stays theirs; a moderator's
match-now leaves no trace of them."""

from __future__ import annotations

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
from tests.e2e.feedback_swaps.helpers import (
    FIRST_ROUND,
    assignments,
    configure,
    join,
    move_to,
    request,
)
from tests.fake_discord import FakeDiscord


async def test_an_avoid_entry_naming_a_forgotten_member_is_kept_for_their_return(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    """Bob forgets himself; alice's avoid entry naming bob is alice's data, so bob, back in
    the pool, is still never paired with alice."""
    fake, g = fake_discord, cohort.guild
    alice, bob = cohort.alice, cohort.bob
    await configure(fake, cohort)
    await fake.invoke(g, alice, "feedback avoid", {"member": bob})
    await fake.invoke(g, bob, "feedback avoid", {"member": cohort.moderator})
    await forget_me(fake, g, bob)
    assert [
        (r["user_id"], r["avoided_id"]) for r in rows(runner, "SELECT * FROM feedback_avoid")
    ] == [(alice, bob)]
    # Bob comes back and joins; alice asks for a review: bob is the only reviewer, and is
    # still not paired with her.
    await join(fake, g, bob, "evals")
    await request(fake, g, alice, "Alice's draft")
    await move_to(runner, swaps, FIRST_ROUND)
    assert assignments(runner) == []


async def test_a_moderator_who_ran_match_now_leaves_no_trace_when_forgotten(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, swaps: HammingBot
) -> None:
    fake, g = fake_discord, cohort.guild
    await configure(fake, cohort)
    await join(fake, g, cohort.alice, "evals")
    await request(fake, g, cohort.bob, "Bob's draft")
    await fake.invoke(g, cohort.owner, "config moderator-role", {"role": cohort.moderator_role})
    ran = await fake.invoke(g, cohort.moderator, "feedback match-now")
    await ran.final()
    assert "1 assignment(s)" in (ran.followups[-1].content or "")
    assert rows_mentioning(runner.database_path, cohort.moderator)
    await forget_me(fake, g, cohort.moderator)
    assert rows_mentioning(runner.database_path, cohort.moderator) == {}
    # The round itself stays (other members' reviews hang on it).
    assert len(rows(runner, "SELECT * FROM feedback_rounds")) == 1
