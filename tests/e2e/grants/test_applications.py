"""Grant applications end to end: recording one, the one decision DM a week after the decision
was due and each of its buttons (also across a restart), refusals, and the review button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.feedback_swaps.helpers import FORM
from tests.e2e.grants.helpers import add_grant, days, run_at, stamp
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Message

pytestmark = pytest.mark.e2e

MINUTE = timedelta(minutes=1)


def bot_dms(fake: FakeDiscord, user: int) -> list[Message]:
    """What the bot sent a member (not ephemeral answers to presses in their DM)."""
    return [
        m for m in fake.dm_messages(user) if m.author_id == fake.bot_user_id and not m.ephemeral
    ]


def labels(message: Message) -> list[str]:
    return [i.get("label", "") for row in message.components for i in row.get("components", [])]


def application(runner: BotRunner) -> dict[str, object]:
    [row] = rows(runner, "SELECT * FROM grant_applications")
    return dict(row)


async def apply(
    fake: FakeDiscord, cohort: Cohort, user: int | None = None, **options: object
) -> str:
    result = await fake.invoke(
        cohort.guild, cohort.alice if user is None else user, "grants applied", options
    )
    assert result.ephemeral, result
    return result.content or ""


async def recorded_and_asked(
    fake: FakeDiscord, cohort: Cohort, runner: BotRunner, bot: HammingBot
) -> tuple[Message, datetime]:
    """alice records a submission today to LTFF (decision_days 10); the question comes at
    midday ten days on plus a week, once. Returns the DM and when it came."""
    await add_grant(fake, cohort, "LTFF", rolling=True, decision_days=10)
    now = runner.clock.now()
    reply = await apply(fake, cohort, grant="LTFF", submitted="today", amount="$40k")
    decision = datetime.combine(now.date() + timedelta(days=10), datetime.min.time(), UTC)
    decision += timedelta(hours=12)
    ask = decision + days(7)
    assert "only you see this" in reply and stamp(ask, "R") in reply, reply
    assert stamp(decision, "D") in reply and "$40k" in reply
    await run_at(runner, bot, ask - MINUTE)
    assert bot_dms(fake, cohort.alice) == []
    await run_at(runner, bot, ask)
    [dm] = bot_dms(fake, cohort.alice)
    assert "How did your application to **LTFF** go?" in (dm.content or "")
    assert labels(dm) == ["Funded", "Declined", "Still waiting", "Withdrawn"]
    return dm, ask


@pytest.mark.parametrize(
    ("label", "status"),
    [("Funded", "funded"), ("Declined", "declined"), ("Withdrawn", "withdrawn")],
)
async def test_the_decision_dm_comes_once_and_its_answer_is_recorded(
    fake_discord: FakeDiscord,
    cohort: Cohort,
    hamming: HammingBot,
    runner: BotRunner,
    label: str,
    status: str,
) -> None:
    fake = fake_discord
    dm, ask = await recorded_and_asked(fake, cohort, runner, hamming)
    bot = await runner.restart()  # the planner runs again: the question is not asked twice
    await run_at(runner, bot, ask + days(1))
    assert len(bot_dms(fake, cohort.alice)) == 1

    # bob presses alice's buttons: refused, privately, and nothing changes
    refused = await fake.click(dm, cohort.bob, label=label)
    assert refused.ephemeral and "another member's application" in (refused.content or "")
    assert application(runner)["status"] == "submitted"

    answered = await fake.click(dm, cohort.alice, label=label)
    assert answered.error is None, answered
    edited = fake.message(dm.id)
    assert edited.components == [] and f"as {status}" in (edited.content or ""), edited
    stored = application(runner)
    assert stored["status"] == status and stored["next_ask_at"] is None
    listed = await fake.invoke(cohort.guild, cohort.alice, "grants applications")
    assert listed.ephemeral and "**LTFF**" in listed.embeds[0]["description"]
    assert status.replace("_", " ") in listed.embeds[0]["description"]

    await run_at(runner, bot, ask + days(60))
    assert len(bot_dms(fake, cohort.alice)) == 1
    assert fake.dm_messages(cohort.bob) == []


async def test_still_waiting_asks_again_two_weeks_later_exactly_once_each(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    dm, ask = await recorded_and_asked(fake, cohort, runner, hamming)
    waited = await fake.click(dm, cohort.alice, label="Still waiting")
    assert waited.error is None, waited
    again = ask + days(14)
    assert stamp(again, "R") in (fake.message(dm.id).content or "")
    assert fake.message(dm.id).components == []
    [app_id] = [r["id"] for r in rows(runner, "SELECT id FROM grant_applications")]
    pending = rows(runner, "SELECT key FROM deliveries WHERE state = 'pending'")
    assert [r["key"] for r in pending] == [f"grant-application-ask:{app_id}:1"]

    bot = await runner.restart()
    await run_at(runner, bot, again - MINUTE)
    assert len(bot_dms(fake, cohort.alice)) == 1
    await run_at(runner, bot, again)
    bot = await runner.restart()
    await bot.scheduler.run_due()
    first, second = bot_dms(fake, cohort.alice)
    assert first.id == dm.id and "How did your application" in (second.content or "")

    await fake.click(second, cohort.alice, label="Still waiting")
    third_at = again + days(14)
    await run_at(runner, bot, third_at)
    assert len(bot_dms(fake, cohort.alice)) == 3
    await fake.click(bot_dms(fake, cohort.alice)[-1], cohort.alice, label="Declined")
    await run_at(runner, bot, third_at + days(30))
    assert len(bot_dms(fake, cohort.alice)) == 3
    assert application(runner)["status"] == "declined"
    done = rows(
        runner,
        "SELECT key FROM deliveries WHERE kind = 'grant-application-ask' AND state = 'done'"
        " ORDER BY key",
    )
    assert [r["key"] for r in done] == [f"grant-application-ask:{app_id}:{n}" for n in (0, 1, 2)]
    assert fake.deduplicated_sends == []

    # a mis-pressed answer is corrected in place; a new submission is a new application
    await apply(fake, cohort, grant="LTFF", status="funded")
    assert application(runner)["status"] == "funded"
    await apply(fake, cohort, grant="LTFF", submitted="today")
    statuses = rows(runner, "SELECT status FROM grant_applications ORDER BY id")
    assert [r["status"] for r in statuses] == ["funded", "submitted"]


async def test_closed_dms_skip_the_question_without_a_public_fallback(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await add_grant(fake, cohort, "SFF", rolling=True)
    await apply(fake, cohort, grant="SFF", submitted="yesterday")
    fake.close_dms(cohort.alice)
    await run_at(runner, hamming, runner.clock.now() + days(40))
    assert bot_dms(fake, cohort.alice) == []
    everywhere = [m for c in (cohort.channel,) for m in fake.messages(c) if not m.ephemeral]
    assert everywhere == []
    [asked] = rows(runner, "SELECT state FROM deliveries WHERE kind = 'grant-application-ask'")
    assert asked["state"] == "skipped"
    closed = rows(runner, "SELECT user_id FROM member_settings WHERE dm_closed_at IS NOT NULL")
    assert [r["user_id"] for r in closed] == [cohort.alice]
    await add_grant(fake, cohort, "LTFF", rolling=True)
    warned = await apply(fake, cohort, grant="LTFF", submitted="today")
    assert "your DMs are closed" in warned


async def test_bad_input_is_refused_in_plain_words_and_changes_nothing(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await add_grant(fake, cohort, "LTFF", rolling=True)
    future = await apply(fake, cohort, grant="LTFF", submitted="tomorrow")
    assert "in the future" in future and "status: drafting" in future
    before = await apply(
        fake, cohort, grant="LTFF", submitted="2026-01-10", decision_by="2026-01-05"
    )
    assert "before the submission date" in before
    unknown = await apply(fake, cohort, grant="Nonexistent fund", submitted="today")
    assert "There is no grant called 'Nonexistent fund'" in unknown
    unreadable = await apply(fake, cohort, grant="LTFF", submitted="the other day")
    assert "can't read" in unreadable and "3 days ago" in unreadable
    ancient = await apply(fake, cohort, grant="LTFF", submitted="2019-05-01")
    assert "more than two years ago" in ancient
    assert rows(runner, "SELECT * FROM grant_applications") == []
    assert rows(runner, "SELECT * FROM deliveries WHERE kind = 'grant-application-ask'") == []


async def test_a_draft_then_its_submission_update_one_application(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await add_grant(fake, cohort, "LTFF", rolling=True)
    drafting = await apply(fake, cohort, grant="LTFF")
    assert "drafting" in drafting and "record `submitted:`" in drafting
    submitted = await apply(
        fake, cohort, grant="LTFF", submitted="2 days ago", decision_by="in 5 weeks"
    )
    [row] = rows(runner, "SELECT status, submitted_at, decision_at FROM grant_applications")
    assert row["status"] == "submitted"
    now = runner.clock.now()
    assert row["decision_at"] > int((now + days(34)).timestamp())
    assert "I'll DM you" in submitted and "is a guess" not in submitted


async def test_the_review_button_opens_the_feedback_form_titled_for_the_application(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await add_grant(fake, cohort, "LTFF", rolling=True)
    replied = await fake.invoke(
        cohort.guild, cohort.alice, "grants applied", {"grant": "LTFF", "status": "drafting"}
    )
    assert replied.message is not None
    refused = await fake.click(
        replied.message, cohort.bob, label="Ask the cohort to review this application"
    )
    assert refused.modal is None and "another member's application" in (refused.content or "")
    opened = await fake.click(
        replied.message, cohort.alice, label="Ask the cohort to review this application"
    )
    assert opened.modal is not None, opened
    [title] = [f for f in opened.modal.fields if f.get("label") == "Title"]
    assert title.get("value") == "Application: LTFF"
    form = FORM | {"Feedback needed by (your time zone)": "in 10 days"}
    submitted = await fake.submit_modal(opened, cohort.alice, form)
    assert submitted.error is None, submitted
    drafts = rows(runner, "SELECT title, author_id FROM feedback_drafts")
    assert [(d["title"], d["author_id"]) for d in drafts] == [("Application: LTFF", cohort.alice)]


async def test_decision_days_set_by_edit_become_the_default_decision_date(
    fake_discord: FakeDiscord, cohort: Cohort, hamming: HammingBot, runner: BotRunner
) -> None:
    fake = fake_discord
    await add_grant(fake, cohort, "LTFF", rolling=True)
    edited = await fake.invoke(
        cohort.guild, cohort.owner, "grants edit", {"grant": "LTFF", "decision_days": 20}
    )
    assert "Updated" in (edited.content or ""), edited
    guessed = await apply(fake, cohort, user=cohort.bob, grant="LTFF", status="submitted")
    assert "is a guess" not in guessed
    now = runner.clock.now()
    decision = datetime.combine(now.date() + days(20), datetime.min.time(), UTC)
    assert stamp(decision + timedelta(hours=12), "D") in guessed
    [row] = rows(runner, "SELECT decision_days FROM grants")
    assert row["decision_days"] == 20
