"""The Hamming loop end to end (issue [3 of 6], parts 1 and 2): last week's plan shown in full
and marked, a refused mark by someone else, completion rates in /checkin history, and drift
told to the member only, once, by DM. Four weekly rounds in New York, across the start of
daylight saving time (14 March 2027)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import (
    ANSWERS,
    bot_posts,
    check_in,
    configure,
    move_to,
    prompts,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

# Mondays 09:00 in New York: EST (UTC-5) for the first two, EDT (UTC-4) after 14 March.
PROMPTS = [
    datetime(2027, 3, 1, 14, 0, tzinfo=UTC),
    datetime(2027, 3, 8, 14, 0, tzinfo=UTC),
    datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
    datetime(2027, 3, 22, 13, 0, tzinfo=UTC),
]
OPEN = timedelta(hours=72)
LONG_PLAN = (
    "Run the first baseline of the debate benchmark on the 7B reward model, then write up"
    " where the judges disagree with the gold labels, and send the draft to Bob for a"
    " feedback swap before Friday"
)
PATH_QUESTION = "Did this week's work move your most important problem?"


def _panel(result: InteractionResult) -> Message:
    """The check-in's confirmation (an ephemeral follow-up) with the loop's panel."""
    message = result.followups[-1]
    assert message.ephemeral and message.embeds, message
    return message


def _description(message: Message) -> str:
    return str(message.embeds[0].get("description", ""))


async def _week(
    fake: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot, n: int
) -> Message:
    await move_to(runner, bot, PROMPTS[n])
    found = prompts(fake, cohort.channel)
    assert len(found) == n + 1, f"expected prompt {n + 1}, found {len(found)}"
    return found[-1]


async def _say_no(fake: FakeDiscord, panel: Message, round_id: int, user: int) -> None:
    said = await fake.click(panel, user, custom_id=f"checkin:path:{round_id}:{user}:no:a")
    assert said.type == 7, said  # the message is updated in place
    assert "Your answer: **No**." in _description(fake.message(panel.id))


async def test_plans_marked_rates_and_private_drift_across_dst(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    runner.clock.set(datetime(2027, 2, 26, 12, 0, tzinfo=UTC))
    await fake.invoke(cohort.guild, cohort.owner, "config timezone", {"zone": "America/New_York"})
    await configure(fake, cohort)
    fake.close_dms(cohort.bob)  # bob drifts too, but his DMs are closed

    # Week 1: alice plans in a long "next week"; no plan to mark yet, only Hamming's question.
    prompt = await _week(fake, cohort, runner, checkins, 0)
    first = await check_in(fake, prompt, cohort.alice, dict(ANSWERS, **{"Next week": LONG_PLAN}))
    panel_1 = _panel(first)
    assert "Last week you planned" not in _description(panel_1)
    assert PATH_QUESTION in _description(panel_1)
    await _say_no(fake, panel_1, 1, cohort.alice)
    bob_1 = _panel(await check_in(fake, prompt, cohort.bob))
    await _say_no(fake, bob_1, 1, cohort.bob)

    # Week 2: the reminder DM shows the plan in full, with one-click marks.
    prompt = await _week(fake, cohort, runner, checkins, 1)
    await move_to(runner, checkins, PROMPTS[1] + timedelta(hours=48))
    reminder = fake.dm_messages(cohort.alice)[-1]
    assert LONG_PLAN in _description(reminder) and len(LONG_PLAN) > 100
    labels = [c.get("label") for row in reminder.components for c in row["components"]]
    assert labels == [
        "Check in",
        "I'm away this week",
        "Done",
        "Partly",
        "Not done",
        "Plan changed",
    ]

    # Bob may not mark alice's plan: refused, ephemerally, and nothing is stored.
    refused = await fake.click(reminder, cohort.bob, label="Not done")
    assert refused.ephemeral and "belongs to the member" in (refused.content or "")
    assert rows(runner, "SELECT * FROM checkin_reflections WHERE round_id = 2") == []

    marked = await fake.click(reminder, cohort.alice, label="Not done")
    assert marked.type == 7
    assert "Marked: **Not done**." in _description(fake.message(reminder.id))
    stored = rows(
        runner, "SELECT planned_in, plan_mark FROM checkin_reflections WHERE round_id = 2"
    )
    assert [tuple(r) for r in stored] == [(1, "not_done")]

    # Alice checks in: the confirmation shows the plan, already marked, and she adds a why.
    panel_2 = _panel(await check_in(fake, prompt, cohort.alice))
    assert LONG_PLAN in _description(panel_2) and "Marked: **Not done**." in _description(panel_2)
    why = await fake.click(panel_2, cohort.alice, label="Add a why")
    assert why.modal is not None and len(why.modal.fields) == 1
    noted = await fake.submit_modal(
        why, cohort.alice, {"One line (optional)": "GPU queue was down"}
    )
    assert noted.type == 7
    assert "Why: GPU queue was down" in _description(fake.message(panel_2.id))
    await _say_no(fake, panel_2, 2, cohort.alice)
    await _say_no(fake, _panel(await check_in(fake, prompt, cohort.bob)), 2, cohort.bob)
    # The round is public: alice's answer card in the thread shows the mark, edited in place.
    thread = thread_of_round(fake, cohort, 2)
    card = next(m for m in bot_posts(fake, thread) if f"<@{cohort.alice}>" in (m.content or ""))
    plan_line = {f["name"]: f["value"] for f in card.embeds[0]["fields"]}["Last week's plan"]
    assert plan_line.startswith("✗ Not done — Run the first baseline")

    # Week 3, after the clocks changed: the prompt is at 09:00 EDT (13:00 UTC).
    prompt = await _week(fake, cohort, runner, checkins, 2)
    assert len(prompts(fake, cohort.channel)) == 3
    panel_3 = _panel(await check_in(fake, prompt, cohort.alice))
    done = await fake.click(
        panel_3, cohort.alice, custom_id=f"checkin:plan:3:{cohort.alice}:done:a"
    )
    assert done.type == 7 and "Marked: **Done**." in _description(fake.message(panel_3.id))
    await _say_no(fake, panel_3, 3, cohort.alice)
    await _say_no(fake, _panel(await check_in(fake, prompt, cohort.bob)), 3, cohort.bob)
    dms_before = len(fake.dm_messages(cohort.alice))

    # The third "no" in a row: at the close, one private DM to alice, nothing in public.
    await move_to(runner, checkins, PROMPTS[2] + OPEN)
    drift_dms = [m for m in fake.dm_messages(cohort.alice) if "/agenda edit" in (m.content or "")]
    assert len(drift_dms) == 1 and len(fake.dm_messages(cohort.alice)) == dms_before + 1
    assert "why not?" in (drift_dms[0].content or "")
    notes = rows(runner, "SELECT key, state FROM deliveries WHERE kind = 'checkin-drift'")
    assert {(r["key"], r["state"]) for r in notes} == {
        (f"checkin-drift:3:{cohort.alice}", "done"),
        (f"checkin-drift:3:{cohort.bob}", "skipped"),  # DMs closed: never told in public
    }
    public = [
        m.content or ""
        for t in (cohort.channel, *_threads(fake, cohort))
        for m in bot_posts(fake, t)
    ]
    assert not any("agenda" in text or "drift" in text for text in public)

    # A click on a closed round is refused politely and changes nothing.
    late = await fake.click(panel_3, cohort.alice, custom_id=f"checkin:path:3:{cohort.alice}:yes:a")
    assert late.ephemeral and "closed" in (late.content or "")
    assert (
        rows(
            runner,
            "SELECT on_path FROM checkin_reflections WHERE round_id = 3 AND user_id = ?",
            (cohort.alice,),
        )[0][0]
        == "no"
    )

    # Week 4: still "no", a plan partly done; the run goes on, so no second note.
    prompt = await _week(fake, cohort, runner, checkins, 3)
    panel_4 = _panel(await check_in(fake, prompt, cohort.alice))
    await fake.click(panel_4, cohort.alice, custom_id=f"checkin:plan:4:{cohort.alice}:partly:a")
    await _say_no(fake, panel_4, 4, cohort.alice)
    await move_to(runner, checkins, PROMPTS[3] + OPEN)
    assert (
        len([m for m in fake.dm_messages(cohort.alice) if "/agenda edit" in (m.content or "")]) == 1
    )

    # History: not done, done, partly = 1.5 of 3 marked plans; the drift line for her only.
    own = await fake.invoke(cohort.guild, cohort.alice, "checkin history")
    await own.final()
    text = own.followups[-1].embeds[0]["description"]
    assert "Last 4 weeks: 50% of 3 marked plans." in text
    assert "Last 12 weeks: 50% of 3 marked plans." in text
    assert "plan Not done · moved the problem: No" in text
    assert "For 3 rounds in a row" in text and "/agenda edit" in text
    other = await fake.invoke(cohort.guild, cohort.bob, "checkin history", {"member": cohort.alice})
    await other.final()
    seen = other.followups[-1].embeds[0]["description"]
    assert "50% of 3 marked plans" in seen  # the rounds were public
    assert "Direction check" not in seen and "agenda" not in seen


def _threads(fake: FakeDiscord, cohort: Cohort) -> list[int]:
    return [t.id for t in fake.threads(cohort.channel)]


def thread_of_round(fake: FakeDiscord, cohort: Cohort, n: int) -> int:
    return _threads(fake, cohort)[n - 1]


async def test_moderators_round_keeps_marks_private_and_public_round_offers_sharing(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """Moderators-only answers: no share toggle, a closed-DM reminder keeps the plan out of
    the thread, and only the member and moderators see the marks. Public: sharing a blocker."""
    fake = fake_discord
    await configure(fake, cohort, visibility="moderators")
    first = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
    await move_to(runner, checkins, first)
    await check_in(fake, prompts(fake, cohort.channel)[-1], cohort.alice)
    await move_to(runner, checkins, first + timedelta(days=7))
    fake.close_dms(cohort.alice)
    await move_to(runner, checkins, first + timedelta(days=9))
    thread = [t.id for t in fake.threads(cohort.channel)][-1]
    mention = [m for m in bot_posts(fake, thread) if f"<@{cohort.alice}>" in (m.content or "")]
    assert len(mention) == 1 and mention[0].embeds == []  # the plan stays out of the thread
    assert ANSWERS["Next week"] not in (mention[0].content or "")

    panel = _panel(await check_in(fake, prompts(fake, cohort.channel)[-1], cohort.alice))
    assert ANSWERS["Next week"] in _description(panel)
    labels = [c.get("label") for row in panel.components for c in row["components"]]
    assert "Share my blocker with the cohort" not in labels
    await fake.click(panel, cohort.alice, custom_id=f"checkin:plan:2:{cohort.alice}:partly:a")

    refused = await fake.invoke(
        cohort.guild, cohort.bob, "checkin history", {"member": cohort.alice}
    )
    assert refused.ephemeral and "moderators only" in (refused.content or "")
    seen = await fake.invoke(
        cohort.guild, cohort.owner, "checkin history", {"member": cohort.alice}
    )
    await seen.final()
    text = seen.followups[-1].embeds[0]["description"]
    assert "50% of 1 marked plan" in text and "plan Partly" in text

    # Public from now on: alice wrote a blocker, so she may share it with the cohort.
    await configure(fake, cohort, visibility="public")
    await move_to(runner, checkins, first + timedelta(days=14))
    panel = _panel(await check_in(fake, prompts(fake, cohort.channel)[-1], cohort.alice))
    shared = await fake.click(panel, cohort.alice, label="Share my blocker with the cohort")
    assert shared.type == 7
    assert "Your blocker is shared with the cohort" in _description(fake.message(panel.id))
    stored = rows(
        runner,
        "SELECT share_blocker FROM checkin_reflections WHERE round_id = 3 AND user_id = ?",
        (cohort.alice,),
    )
    assert [r[0] for r in stored] == [1]
