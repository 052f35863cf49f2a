"""Check-ins end to end: configure, prompt, answer in the thread, edit, remind, close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import (
    ANSWERS,
    FIRST_PROMPT,
    bot_posts,
    button_labels,
    check_in,
    configure,
    move_to,
    only_prompt,
    prompts,
    reply_text,
    thread_of,
)
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_weekly_round_from_configuration_to_close(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """Configure, prompt, answer, edit in place, remind by DM and in the thread, close."""
    fake = fake_discord
    configured = await configure(fake, cohort)
    assert configured.ephemeral and "Monday" in configured.content, configured.content
    assert f"<t:{int(FIRST_PROMPT.timestamp())}:F>" in configured.content

    await move_to(runner, checkins, FIRST_PROMPT - timedelta(minutes=1))
    assert prompts(fake, cohort.channel) == []
    await move_to(runner, checkins, FIRST_PROMPT)
    prompt = only_prompt(fake, cohort.channel)
    card = prompt.embeds[0]
    assert card["title"] == "Weekly Hamming check-in · Week 48"
    closes = int((FIRST_PROMPT + timedelta(hours=72)).timestamp())
    assert f"<t:{closes}:F>" in card["description"] and f"<t:{closes}:R>" in card["description"]
    assert "Mon 23 Nov – Sun 29 Nov 2026" in card["description"]
    assert button_labels(prompt) == [("Check in", False)]
    thread = thread_of(fake, cohort.channel)
    assert thread == prompt.id  # the thread was started from the prompt

    # Alice checks in: the answers appear in the thread, without pinging anyone.
    first = await check_in(fake, prompt, cohort.alice)
    assert "is saved.\nIt is in the thread: https://discord.com/channels/" in reply_text(first)
    assert "streak" in reply_text(first).lower()
    posted = bot_posts(fake, thread)
    assert len(posted) == 1
    answer = posted[0]
    assert f"/channels/{cohort.guild}/{thread}/{answer.id}" in reply_text(first)
    fields = {f["name"]: f["value"] for f in answer.embeds[0]["fields"]}
    assert fields == ANSWERS
    sent = fake.requests_matching("POST", rf"/channels/{thread}/messages$")[-1].json
    assert sent["allowed_mentions"] == {"parse": []}

    # A second submission edits the same message.
    opened = await fake.click(prompt, cohort.alice, label="Check in")
    assert opened.modal is not None
    prefilled = {f["label"]: f.get("value") for f in opened.modal.fields}
    assert prefilled["What you did this week"] == ANSWERS["What you did this week"]
    changed = dict(ANSWERS, **{"What is blocking you": "Nothing now: compute arrived"})
    edited = await fake.submit_modal(opened, cohort.alice, changed)
    await edited.final()
    assert "updated" in reply_text(edited)
    posted = bot_posts(fake, thread)
    assert [m.id for m in posted] == [answer.id]
    fields = {f["name"]: f["value"] for f in posted[0].embeds[0]["fields"]}
    assert fields["What is blocking you"] == "Nothing now: compute arrived"

    # At the reminder: bob (no answer) gets a DM; max (DMs closed) one mention in the thread.
    fake.close_dms(cohort.moderator)
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=48))
    bob_dms = fake.dm_messages(cohort.bob)
    assert len(bob_dms) == 1 and "closes" in (bob_dms[0].content or "")
    assert ("Check in", False) in button_labels(bob_dms[0])
    assert fake.dm_messages(cohort.alice) == []
    mentions = [m for m in bot_posts(fake, thread) if f"<@{cohort.moderator}>" in (m.content or "")]
    assert len(mentions) == 1
    assert mentions[0].id != answer.id
    reminders = rows(runner, "SELECT key, state FROM deliveries WHERE kind = 'checkin-reminder'")
    assert {r["key"] for r in reminders} == {
        f"checkin-reminder:1:{cohort.bob}",
        f"checkin-reminder:1:{cohort.moderator}",
    }
    assert {r["state"] for r in reminders} == {"done"}

    # Bob answers from the DM button; it works there too.
    dm = await check_in(fake, bob_dms[0], cohort.bob)
    assert "It is in the thread" in reply_text(dm), reply_text(dm)

    # Close: the button says so, and late answers are refused politely (even from a form
    # opened before the close).
    opened_before = await fake.click(prompt, cohort.moderator, label="Check in")
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(hours=72))
    too_late = await fake.submit_modal(opened_before, cohort.moderator, ANSWERS)
    assert too_late.ephemeral and "closed" in (too_late.content or "")
    closed = fake.message(prompt.id)
    assert button_labels(closed) == [("Week closed", True)]
    assert "2 of 3 checked in" in closed.embeds[0]["description"]
    late = await fake.click(bob_dms[0], cohort.bob, label="Check in")
    assert late.ephemeral and "closed" in (late.content or "")
    assert late.modal is None
    assert len(bot_posts(fake, thread)) == 3  # alice, the mention, bob: nothing new
    assert len(rows(runner, "SELECT * FROM checkin_answers")) == 2
    by_command = await fake.invoke(cohort.guild, cohort.bob, "checkin answer")
    assert by_command.ephemeral and "next one opens" in (by_command.content or "")


async def test_next_weeks_form_carries_problems_over_and_shows_last_weeks_plan(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice)
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(days=7))
    week_49 = prompts(fake, cohort.channel)[-1]
    opened = await fake.click(week_49, cohort.alice, label="Check in")
    assert opened.modal is not None and opened.modal.title == "Check-in · Week 49"
    fields = {f["label"]: f for f in opened.modal.fields}
    problems, approach = "Most important problems in your field", "What you are doing about them"
    assert fields[problems].get("value") == ANSWERS[problems]
    assert fields[approach].get("value") == ANSWERS[approach]
    did = fields["What you did this week"]
    assert did.get("value") is None
    assert did["placeholder"] == "Last week you planned: Run the first baseline"
    assert fields["Next week"].get("value") is None
    # Bob never answered: nothing is pre-filled and the question is the placeholder.
    fresh = await fake.click(week_49, cohort.bob, label="Check in")
    assert fresh.modal is not None
    bob_did = {f["label"]: f for f in fresh.modal.fields}["What you did this week"]
    assert bob_did["placeholder"] == "What did you read, write, publish or try this week?"
