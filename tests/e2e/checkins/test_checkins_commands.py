"""Check-in commands end to end: bad input, questions, history, skip, stats."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest

from bot.client import HammingBot
from cogs.checkins.logic import DEFAULT_QUESTIONS
from tests.conftest import BotRunner, Cohort, rows
from tests.e2e.checkins.helpers import (
    ANSWERS,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    FIRST_PROMPT,
    bot_posts,
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

WEEK = timedelta(days=7)


def checkin_audit(runner: BotRunner) -> list[tuple[str, str, str]]:
    found = rows(
        runner,
        "SELECT setting, old_value, new_value FROM config_audit"
        " WHERE setting LIKE 'checkins.%' ORDER BY id",
    )
    return [(r["setting"], r["old_value"], r["new_value"]) for r in found]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time": "25:00"}, "25:00"),
        ({"time": "nine-ish"}, "nine-ish"),
        ({"close_after_hours": 24, "reminder_hours_before_close": 24}, "0 (no reminder) to 23"),
    ],
)
async def test_bad_schedule_is_explained_and_changes_nothing(
    fake_discord: FakeDiscord,
    cohort: Cohort,
    runner: BotRunner,
    checkins: HammingBot,
    options: dict[str, object],
    expected: str,
) -> None:
    result = await configure(fake_discord, cohort, **options)
    assert result.ephemeral and expected in result.content, result.content
    assert rows(runner, "SELECT * FROM checkin_settings") == []
    assert checkin_audit(runner) == []
    assert rows(runner, "SELECT * FROM deliveries WHERE kind = 'checkin-prompt'") == []


async def test_channel_without_permissions_names_what_is_missing(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    fake.set_channel_overwrite(
        cohort.channel, fake.bot_user_id, deny=EMBED_LINKS | CREATE_PUBLIC_THREADS
    )
    result = await configure(fake, cohort)
    assert result.ephemeral
    assert "Embed Links, Create Public Threads" in result.content, result.content
    assert "Send Messages" not in result.content
    assert rows(runner, "SELECT * FROM checkin_settings") == []
    assert checkin_audit(runner) == []


async def test_members_cannot_configure(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    result = (
        await configure(fake_discord, cohort)
        if False
        else await fake_discord.invoke(
            cohort.guild,
            cohort.alice,
            "config checkins schedule",
            {"channel": cohort.channel, "day": 0, "time": "09:00"},
        )
    )
    assert result.ephemeral and "Only moderators" in result.content
    assert rows(runner, "SELECT * FROM checkin_settings") == []


async def test_configuration_is_audited_and_shown_in_config_show(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    await configure(fake_discord, cohort, visibility="moderators", close_after_hours=48)
    audit = checkin_audit(runner)
    assert ("checkins.enabled", "off", "on") in audit
    assert ("checkins.channel", "none", f"<#{cohort.channel}>") in audit
    assert ("checkins.visibility", "public", "moderators") in audit
    assert ("checkins.close_after_hours", "72", "48") in audit
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Check-ins"].startswith(f"Mondays at 09:00 in <#{cohort.channel}>, open 48 h")
    assert f"<t:{int(FIRST_PROMPT.timestamp())}:R>" in fields["Check-ins"]


async def test_answers_that_break_the_rules_are_refused_and_not_stored(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    prompt = only_prompt(fake, cohort.channel)

    blank = await check_in(fake, prompt, cohort.alice, dict(ANSWERS, **{"Next week": "  "}))
    assert "saved" in reply_text(blank)  # optional answers may be left empty

    opened = await fake.click(prompt, cohort.bob, label="Check in")
    assert opened.modal is not None
    # A client that ignores max_length (Discord's own client enforces it) sends 1,500 characters.
    for row in opened.record.callback_data["components"]:
        row["component"]["max_length"] = 4000
    too_long = await fake.submit_modal(
        opened, cohort.bob, dict(ANSWERS, **{"What is blocking you": "x" * 1500})
    )
    assert too_long.ephemeral and "at most 1,024" in too_long.content, too_long.content

    opened = await fake.click(prompt, cohort.bob, label="Check in")
    spaces = await fake.submit_modal(
        opened, cohort.bob, dict(ANSWERS, **{"What you did this week": "   "})
    )
    assert spaces.ephemeral and "needs an answer" in spaces.content

    outsider = await fake.click(prompt, cohort.owner, label="Check in")
    assert outsider.ephemeral and "members of the cohort" in outsider.content
    assert outsider.modal is None
    by_command = await fake.invoke(cohort.guild, cohort.owner, "checkin answer")
    assert by_command.ephemeral and "members of the cohort" in by_command.content

    stored = rows(runner, "SELECT user_id FROM checkin_answers")
    assert [r["user_id"] for r in stored] == [cohort.alice]
    assert len(bot_posts(fake, thread_of(fake, cohort.channel))) == 1


async def test_answer_command_opens_the_modal_or_says_when_the_next_round_opens(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    early = await fake.invoke(cohort.guild, cohort.alice, "checkin answer")
    assert early.ephemeral and f"<t:{int(FIRST_PROMPT.timestamp())}:F>" in early.content
    await move_to(runner, checkins, FIRST_PROMPT)
    opened = await fake.invoke(cohort.guild, cohort.alice, "checkin answer")
    assert opened.modal is not None
    assert opened.modal.title == "Check-in · Week 48"
    labels = [f["label"] for f in opened.modal.fields]
    assert labels == list(ANSWERS)
    # Each field shows its full question under the short label.
    described = [row["description"] for row in opened.modal.components]
    assert described == [q.text for q in DEFAULT_QUESTIONS]
    submitted = await fake.submit_modal(opened, cohort.alice, ANSWERS)
    await submitted.final()
    assert len(bot_posts(fake, thread_of(fake, cohort.channel))) == 1


async def test_moderators_only_visibility_stores_without_posting(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort, visibility="moderators")
    await move_to(runner, checkins, FIRST_PROMPT)
    prompt = only_prompt(fake, cohort.channel)
    assert "moderators only" in prompt.embeds[0]["description"]
    result = await check_in(fake, prompt, cohort.alice)
    assert "Only moderators can read it." in reply_text(result)
    assert bot_posts(fake, thread_of(fake, cohort.channel)) == []
    assert len(rows(runner, "SELECT * FROM checkin_answers")) == 1
    refused = await fake.invoke(
        cohort.guild, cohort.bob, "checkin history", {"member": cohort.alice}
    )
    assert refused.ephemeral and "moderators only" in refused.content
    allowed = await fake.invoke(
        cohort.guild, cohort.owner, "checkin history", {"member": cohort.alice}
    )
    await allowed.final()
    card = allowed.followups[-1].embeds[0]
    assert ANSWERS["What you did this week"] in card["fields"][0]["value"]


async def test_questions_modal_is_prefilled_and_edits_apply_from_the_next_round(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    opened = await fake.invoke(cohort.guild, cohort.owner, "config checkins questions")
    assert opened.modal is not None
    values = {f["label"]: f.get("value") for f in opened.modal.fields}
    assert values["Question 1"] == (
        "Most important problems in your field | "
        "What are the most important problems in your field right now?"
    )
    bad = await fake.submit_modal(opened, cohort.owner, {"Question 2": "no bar here"})
    assert bad.ephemeral and "Field 2 has no `|`" in bad.content
    assert checkin_audit(runner)[-1][0] != "checkins.questions"

    opened = await fake.invoke(cohort.guild, cohort.owner, "config checkins questions")
    saved = await fake.submit_modal(
        opened, cohort.owner, {"Question 4": "Help wanted | Who could help you?", "Question 5": ""}
    )
    assert "Saved 4 question(s)" in saved.content
    assert checkin_audit(runner)[-1][0] == "checkins.questions"

    await move_to(runner, checkins, FIRST_PROMPT)
    check = await fake.click(only_prompt(fake, cohort.channel), cohort.alice, label="Check in")
    assert check.modal is not None
    assert [f["label"] for f in check.modal.fields][3:] == ["Help wanted"]

    reset = await fake.invoke(
        cohort.guild, cohort.owner, "config checkins questions", {"reset": True}
    )
    assert "default questions are back" in reset.content


async def test_skip_stops_reminders_and_keeps_the_streak(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice)
    await move_to(runner, checkins, FIRST_PROMPT + timedelta(days=5))  # Saturday, round closed
    skipped = await fake.invoke(cohort.guild, cohort.alice, "checkin skip")
    assert (
        skipped.ephemeral and "Week 49" in skipped.content and "streak is kept" in skipped.content
    )

    await move_to(runner, checkins, FIRST_PROMPT + WEEK + timedelta(hours=48))
    assert len(fake.dm_messages(cohort.alice)) == 0
    # (Week 48's reminder was moot: the clock jumped past that round's close.)
    assert len(fake.dm_messages(cohort.bob)) == 1
    # Bob is away too: the reminder's button says so, for him only.
    reminder = fake.dm_messages(cohort.bob)[-1]
    away = await fake.click(reminder, cohort.alice, label="I'm away this week")
    assert away.ephemeral and "belongs to the member" in away.content
    away = await fake.click(reminder, cohort.bob, label="I'm away this week")
    assert "Marked you away for Week 49" in away.content

    await move_to(runner, checkins, FIRST_PROMPT + 2 * WEEK)
    result = await check_in(fake, prompts(fake, cohort.channel)[-1], cohort.alice)
    assert "**2 weeks** in a row" in reply_text(result), reply_text(result)
    history = await fake.invoke(cohort.guild, cohort.alice, "checkin history")
    await history.final()
    fields = {f["name"][:7]: f["value"] for f in history.followups[-1].embeds[0]["fields"]}
    assert fields["Week 49"].startswith("Away (skipped)")


async def test_stats_attach_a_png_chart_and_list_streaks(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    await configure(fake, cohort)
    await move_to(runner, checkins, FIRST_PROMPT)
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice)
    result = await fake.invoke(cohort.guild, cohort.bob, "checkin stats")
    assert result.type == 5  # deferred first: the chart is drawn in a worker thread
    await result.final(timeout=15)
    reply = result.followups[-1]
    assert reply.ephemeral
    [chart] = reply.attachments
    assert chart.filename == "checkins.png"
    assert chart.data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", chart.data[16:24])
    assert (width, height) == (800, 400)
    card = reply.embeds[0]
    assert card["image"]["url"] == "attachment://checkins.png"
    assert "Latest (2026-W48): 1 of 3" in card["description"]
    assert f"<@{cohort.alice}> — 1 week(s)" in card["fields"][0]["value"]

    outsider = await fake.invoke(cohort.guild, cohort.owner, "checkin stats")
    await outsider.final(timeout=15)
    assert outsider.followups  # moderators see stats without being in the cohort


async def test_prompt_now_opens_this_weeks_round_once(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    fake = fake_discord
    refused = await fake.invoke(cohort.guild, cohort.owner, "checkin prompt-now")
    assert refused.ephemeral and "/config checkins schedule" in refused.content
    await configure(fake, cohort)
    member = await fake.invoke(cohort.guild, cohort.alice, "checkin prompt-now")
    assert "Only moderators" in member.content

    opened = await fake.invoke(cohort.guild, cohort.owner, "checkin prompt-now")
    await opened.final()
    assert "2026-W47" in reply_text(opened)
    prompt = only_prompt(fake, cohort.channel)
    # The early round closes when next week's prompt opens, so rounds never overlap.
    assert f"<t:{int(FIRST_PROMPT.timestamp())}:F>" in prompt.embeds[0]["description"]
    again = await fake.invoke(cohort.guild, cohort.owner, "checkin prompt-now")
    assert again.ephemeral and "is open" in again.content

    await move_to(runner, checkins, FIRST_PROMPT)
    assert len(prompts(fake, cohort.channel)) == 2
    assert len(fake.threads(cohort.channel)) == 2


async def test_a_round_running_into_the_next_week_does_not_break_the_streak(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """Sunday prompts stay open into Monday: that Monday the streak still counts."""
    fake = fake_discord
    await configure(fake, cohort, day=6, time="20:00")
    first_sunday = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    await move_to(runner, checkins, first_sunday)
    await check_in(fake, only_prompt(fake, cohort.channel), cohort.alice)
    await move_to(runner, checkins, first_sunday + WEEK)
    await move_to(runner, checkins, first_sunday + WEEK + timedelta(hours=17))  # Monday noon
    history = await fake.invoke(cohort.guild, cohort.alice, "checkin history")
    await history.final()
    assert "Streak: **1** week(s)" in history.followups[-1].embeds[0]["description"]
    answered = await check_in(fake, prompts(fake, cohort.channel)[-1], cohort.alice)
    assert "**2 weeks** in a row" in reply_text(answered)


async def test_a_time_zone_change_moves_the_pending_prompt_to_the_new_local_time(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner, checkins: HammingBot
) -> None:
    """/config timezone replans at once (the zone_changed hook): 09:00 stays 09:00 local."""
    await configure(fake_discord, cohort)
    assert await checkins.features["checkins"].planner.next_prompt(cohort.guild) == FIRST_PROMPT
    await fake_discord.invoke(
        cohort.guild, cohort.owner, "config timezone", {"zone": "America/New_York"}
    )
    # Monday 23 Nov 2026, 09:00 in New York (EST, UTC-5).
    moved = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert await checkins.features["checkins"].planner.next_prompt(cohort.guild) == moved
    await move_to(runner, checkins, FIRST_PROMPT)
    assert prompts(fake_discord, cohort.channel) == []
    await move_to(runner, checkins, moved)
    only_prompt(fake_discord, cohort.channel)
