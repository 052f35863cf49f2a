"""Sessions of every kind end to end: kinds, series (every other week across a DST change,
monthly on the first Tuesday), the goal prompt, /sessions mine and cancelling an occurrence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import BotRunner, Cohort, forget_me, rows, rows_mentioning
from tests.e2e.reading.conftest import Room, answer
from tests.e2e.reading.test_privacy_and_server_tools import exported
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult

pytestmark = pytest.mark.e2e


async def schedule(
    fake: FakeDiscord, cohort: Cohort, who: int | None = None, **options: object
) -> str:
    result = await fake.invoke(cohort.guild, who or cohort.owner, "sessions schedule", options)
    assert result.elapsed is not None and result.elapsed < 3.0
    return await answer(result)


def starts(runner: BotRunner) -> list[datetime]:
    found = rows(runner, "SELECT starts_at FROM reading_sessions ORDER BY starts_at")
    return [datetime.fromtimestamp(r["starts_at"], UTC) for r in found]


async def run_at(runner: BotRunner, when: datetime) -> None:
    runner.clock.set(when)
    assert runner.bot is not None
    await runner.bot.scheduler.run_due()


async def final(result: InteractionResult) -> InteractionResult:
    return await result.final() if result.type == 5 else result


async def test_a_non_reading_kind_needs_a_title_but_no_reading(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    untitled = await schedule(fake_discord, cohort, kind="coworking", when="tuesday 18:00")
    assert "needs a `title:`" in untitled
    no_reading = await schedule(fake_discord, cohort, kind="reading", when="tuesday 18:00")
    assert "No reading is queued" in no_reading
    not_mod = await schedule(
        fake_discord,
        cohort,
        cohort.alice,
        kind="talk",
        title="Interpretability 101",
        when="tuesday 18:00",
        repeat="weekly",
    )
    assert "Only moderators can start a repeating series" in not_mod
    assert rows(runner, "SELECT * FROM reading_sessions") == []
    assert fake_discord.scheduled_events(cohort.guild) == []

    text = await schedule(
        fake_discord,
        cohort,
        cohort.alice,
        kind="clinic",
        title="LTFF application review",
        when="tuesday 18:00",
    )
    tuesday = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    assert f"<t:{int(tuesday.timestamp())}:F>" in text, text
    event = fake_discord.scheduled_events(cohort.guild)[0]
    assert event["name"] == "Grant clinic: LTFF application review"
    card = fake_discord.messages(room.channel)[0]
    assert card.embeds[0]["title"] == "Grant clinic: LTFF application review"
    assert "Goals" not in card.embeds[0]["description"]
    labels = [b["label"] for row in card.components for b in row["components"]]
    assert labels == ["Going · 0", "Maybe · 0", "Can't · 0"]
    stored = rows(runner, "SELECT kind, item_id, goal_prompt, created_by FROM reading_sessions")
    assert [tuple(r) for r in stored] == [("clinic", None, 0, cohort.alice)]
    assert rows(runner, "SELECT * FROM reading_items") == []


async def test_coworking_every_other_week_across_dst_with_the_goal_prompt(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    runner.clock.set(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    text = await schedule(
        fake_discord,
        cohort,
        kind="coworking",
        title="Thesis co-working",
        when="2027-03-16 18:00",
        repeat="every other week",
        duration="2h",
    )
    assert "Repeats every other Tuesday at 18:00 (Europe/Berlin)" in text, text
    first = datetime(2027, 3, 16, 17, 0, tzinfo=UTC)  # CET
    assert starts(runner) == [first]
    assert fake_discord.scheduled_events(cohort.guild)[0]["name"] == "Co-working: Thesis co-working"

    # Six days before the next one (after the change to CEST) it is created and announced.
    await run_at(runner, datetime(2027, 3, 24, 16, 1, tzinfo=UTC))
    second = datetime(2027, 3, 30, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert starts(runner) == [first, second]
    events = fake_discord.scheduled_events(cohort.guild)
    assert datetime.fromisoformat(events[-1]["scheduled_start_time"]) == second
    announcement = fake_discord.messages(room.channel)[-1]
    session = rows(runner, "SELECT id FROM reading_sessions ORDER BY starts_at DESC")[0]["id"]
    assert "**Goals:**" in announcement.embeds[0]["description"]
    await fake_discord.click(announcement, cohort.alice, custom_id=f"reading:rsvp:{session}:going")
    await fake_discord.click(announcement, cohort.bob, custom_id=f"reading:rsvp:{session}:going")

    # The start: "what will you get done?" in the thread, pinging those Going.
    await run_at(runner, second + timedelta(seconds=30))
    thread = announcement.id
    asks = [m for m in fake_discord.messages(thread) if "What will you get done?" in m.content]
    assert len(asks) == 1 and f"<@{cohort.alice}>" in asks[0].content
    opened = await fake_discord.click(asks[0], cohort.alice, label="Set my goal")
    assert opened.modal is not None, opened
    submitted = await final(
        await fake_discord.submit_modal(
            opened, cohort.alice, {"Your goal for this session": "Draft section 3 @everyone"}
        )
    )
    assert "posted in the thread" in (
        submitted.followups[-1].content if submitted.followups else ""
    )
    goals = [m.content for m in fake_discord.messages(thread) if m.content.startswith("🎯")]
    assert goals == [f"🎯 <@{cohort.alice}> will get done: Draft section 3 @everyone"]
    sent = fake_discord.requests_matching("POST", rf"/channels/{thread}/messages$")[-1]
    assert sent.json["content"] == goals[0]
    assert sent.json["allowed_mentions"]["parse"] == []  # member text never pings

    # A restart before the end asks nothing twice.
    bot = await runner.restart()
    await bot.scheduler.run_due()
    asked = [m for m in fake_discord.messages(thread) if "What will you get done?" in m.content]
    assert len(asked) == 1

    # The end: "did you?" with Done / Partly / Not this time, recorded and echoed.
    await run_at(runner, second + timedelta(hours=2, seconds=30))
    checks = [m for m in fake_discord.messages(thread) if "Did you get it done?" in m.content]
    assert len(checks) == 1 and f"<@{cohort.alice}>" in checks[0].content
    labels = [b["label"] for row in checks[0].components for b in row["components"]]
    assert labels == ["Done", "Partly", "Not this time"]
    await final(await fake_discord.click(checks[0], cohort.alice, label="Done"))
    echoed = [m.content for m in fake_discord.messages(thread) if m.content.startswith("✅")]
    assert echoed == [f"✅ <@{cohort.alice}>: Done (Draft section 3 @everyone)"]
    stored = rows(runner, "SELECT user_id, goal, outcome FROM session_goals")
    assert [tuple(r) for r in stored] == [(cohort.alice, "Draft section 3 @everyone", "done")]
    await runner.restart()
    await run_at(runner, second + timedelta(hours=3))
    assert len([m for m in fake_discord.messages(thread) if "Did you" in m.content]) == 1
    done = rows(
        runner, "SELECT key FROM deliveries WHERE key LIKE 'session-goal-%:' || ?", (session,)
    )
    assert sorted(r["key"] for r in done) == [
        f"session-goal-ask:{session}",
        f"session-goal-check:{session}",
    ]


async def test_monthly_on_the_first_tuesday(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    text = await schedule(
        fake_discord,
        cohort,
        kind="talk",
        title="Alignment research talk",
        when="2027-01-05 18:00",
        repeat="monthly",
    )
    assert "on the first Tuesday of each month at 18:00 (Europe/Berlin)" in text, text
    await run_at(runner, datetime(2027, 1, 27, 17, 1, tzinfo=UTC))
    await run_at(runner, datetime(2027, 2, 24, 17, 1, tzinfo=UTC))
    assert starts(runner) == [
        datetime(2027, 1, 5, 17, 0, tzinfo=UTC),
        datetime(2027, 2, 2, 17, 0, tzinfo=UTC),
        datetime(2027, 3, 2, 17, 0, tzinfo=UTC),
    ]
    names = {e["name"] for e in fake_discord.scheduled_events(cohort.guild)}
    assert names == {"Talk: Alignment research talk"}
    # A talk asks for no goals.
    assert rows(runner, "SELECT * FROM deliveries WHERE key LIKE 'session-goal-%'") == []


async def test_sessions_mine_lists_going_and_maybe_soonest_first(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    empty = await fake_discord.invoke(cohort.guild, cohort.bob, "sessions mine")
    assert "Press **Going** or **Maybe**" in (empty.content or "") and empty.ephemeral
    await schedule(fake_discord, cohort, kind="social", title="Games night", when="friday 19:00")
    await schedule(fake_discord, cohort, kind="sprint", title="Paper sprint", when="tuesday 9:00")
    await schedule(fake_discord, cohort, kind="talk", title="Not going", when="monday 12:00")
    by_title = {r["title"]: r for r in rows(runner, "SELECT * FROM reading_sessions")}
    cards = {m.embeds[0]["title"]: m for m in fake_discord.messages(room.channel)}
    social, sprint = by_title["Games night"], by_title["Paper sprint"]
    await fake_discord.click(
        cards["Social: Games night"], cohort.bob, custom_id=f"reading:rsvp:{social['id']}:maybe"
    )
    await fake_discord.click(
        cards["Writing sprint: Paper sprint"],
        cohort.bob,
        custom_id=f"reading:rsvp:{sprint['id']}:going",
    )
    mine = await fake_discord.invoke(cohort.guild, cohort.bob, "sessions mine")
    assert mine.ephemeral
    lines = (mine.content or "").splitlines()
    assert lines[1].startswith(f"• <t:{social['starts_at']}:F> · Social: **Games night** *(maybe)*")
    assert lines[2] == (
        f"• <t:{sprint['starts_at']}:F> · Writing sprint: **Paper sprint** · [event]"
        f"(https://discord.com/events/{cohort.guild}/{sprint['event_id']})"
    )
    assert len(lines) == 3
    others = await fake_discord.invoke(cohort.guild, cohort.alice, "sessions mine")
    assert "Games night" not in (others.content or "")
    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "reading sessions")
    assert f"<t:{social['starts_at']}:F>: **Social: Games night**" in (listed.content or "")


async def test_cancelling_one_occurrence_of_a_biweekly_series(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await schedule(
        fake_discord,
        cohort,
        kind="social",
        title="Cohort social",
        when="next Tuesday 18:00",
        repeat="every other week",
    )
    await run_at(runner, datetime(2026, 12, 16, 17, 30, tzinfo=UTC))
    _first, second = (r["id"] for r in rows(runner, "SELECT id FROM reading_sessions ORDER BY id"))
    card = fake_discord.messages(room.channel)[-1]
    await fake_discord.click(card, cohort.bob, custom_id=f"reading:rsvp:{second}:going")
    choices = await fake_discord.autocomplete(
        cohort.guild, cohort.owner, "sessions cancel", "session", "social"
    )
    assert [c["value"] for c in choices] == [f"id:{second}"]  # the first is over
    assert choices[0]["name"].endswith("Social: Cohort social")
    cancelled = await fake_discord.invoke(
        cohort.guild, cohort.owner, "sessions cancel", {"session": f"id:{second}"}
    )
    assert "Cancelled **Cohort social**" in await answer(cancelled)
    statuses = rows(runner, "SELECT status FROM reading_sessions ORDER BY id")
    assert [r["status"] for r in statuses] == ["scheduled", "cancelled"]
    events = fake_discord.scheduled_events(cohort.guild)
    assert [e["status"] for e in events][1] == 4
    assert fake_discord.dm_messages(cohort.bob)[-1].content.startswith("**Social: Cohort social**")
    # The series goes on after the cancelled occurrence.
    await run_at(runner, datetime(2026, 12, 30, 17, 30, tzinfo=UTC))
    assert starts(runner)[-1] == datetime(2027, 1, 5, 17, 0, tzinfo=UTC)
    stopped = await fake_discord.invoke(
        cohort.guild, cohort.owner, "sessions stop", {"series": "Cohort social"}
    )
    assert "Stopped the series" in (stopped.content or "")
    pending = rows(
        runner, "SELECT key FROM deliveries WHERE kind = 'session-series' AND state = 'pending'"
    )
    assert pending == []


async def test_goals_and_series_are_exported_and_forgotten(
    fake_discord: FakeDiscord, cohort: Cohort, room: Room, runner: BotRunner
) -> None:
    await schedule(
        fake_discord,
        cohort,
        kind="sprint",
        title="Grant draft sprint",
        when="tuesday 18:00",
        repeat="weekly",
        lead=cohort.alice,
    )
    session = rows(runner, "SELECT id FROM reading_sessions")[0]["id"]
    card = fake_discord.messages(room.channel)[0]
    await fake_discord.click(card, cohort.alice, custom_id=f"reading:rsvp:{session}:going")
    await run_at(runner, datetime(2026, 12, 8, 17, 0, 30, tzinfo=UTC))
    ask = next(m for m in fake_discord.messages(card.id) if "What will you" in m.content)
    opened = await fake_discord.click(ask, cohort.alice, label="Set my goal")
    await final(
        await fake_discord.submit_modal(
            opened, cohort.alice, {"Your goal for this session": "Budget section"}
        )
    )
    data = await exported(fake_discord, cohort, cohort.alice)
    assert [(g["title"], g["goal"]) for g in data["session_goals"]] == [
        ("Grant draft sprint", "Budget section")
    ]
    assert [s["title"] for s in data["series_led_or_set_up"]] == ["Grant draft sprint"]
    await forget_me(fake_discord, cohort.guild, cohort.alice)
    assert rows(runner, "SELECT * FROM session_goals") == []
    assert rows(runner, "SELECT lead_id FROM session_series")[0]["lead_id"] is None
    assert rows_mentioning(runner.database_path, cohort.alice) == {}
