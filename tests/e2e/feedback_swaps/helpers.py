"""Shared steps for the feedback-swap end-to-end tests (what a moderator or member would do)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort, rows
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.state import Message

VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS = 1 << 10, 1 << 11, 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PRIVATE_THREADS, SEND_MESSAGES_IN_THREADS = 1 << 36, 1 << 38
CHANNEL_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)

FRIDAY_NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Monday 23 Nov 2026, 10:00 in Berlin (CET, UTC+1): the first round of `configure`.
FIRST_ROUND = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECOND_ROUND = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# "2026-12-04" typed by a member in Berlin: the end of that day, 23:59 CET.
DUE = datetime(2026, 12, 4, 22, 59, tzinfo=UTC)

FORM = {
    "Link (http or https)": "https://docs.example.org/draft",
    "What feedback do you want?": "Is the main argument convincing?",
    "Approximate length (words or minutes)": "4000 words",
    "Feedback needed by (your time zone)": "2026-12-04",
}


async def configure(fake: FakeDiscord, cohort: Cohort, **options: Any) -> InteractionResult:
    """`/config feedback schedule` by the owner: Monday 10:00 in the cohort channel by default."""
    given: dict[str, Any] = {"channel": cohort.channel, "day": 0, "time": "10:00"}
    given.update(options)
    return await fake.invoke(cohort.guild, cohort.owner, "config feedback schedule", given)


async def join(
    fake: FakeDiscord, guild: int, user: int, topics: str | None = None, per_round: int = 1
) -> InteractionResult:
    options: dict[str, Any] = {"per_round": per_round}
    if topics:
        options["topics"] = topics
    joined = await fake.invoke(guild, user, "feedback join", options)
    assert joined.ephemeral and "reviewer pool" in (joined.content or ""), joined
    return joined


async def request(
    fake: FakeDiscord,
    guild: int,
    user: int,
    title: str,
    *,
    topics: str | None = None,
    **fields: str,
) -> InteractionResult:
    """`/feedback request` and submit the form; returns the submit's result."""
    opened = await fake.invoke(
        guild, user, "feedback request", {"topics": topics} if topics else {}
    )
    assert opened.modal is not None, opened
    values = {"Title": title, **FORM, **fields}
    return await fake.submit_modal(opened, user, values)


async def move_to(runner: BotRunner, bot: HammingBot, instant: datetime) -> None:
    runner.clock.set(instant)
    await bot.scheduler.run_due()


def bot_dms(fake: FakeDiscord, user: int) -> list[Message]:
    return [m for m in fake.dm_messages(user) if m.author_id == fake.bot_user_id]


def dms_containing(fake: FakeDiscord, user: int, text: str) -> list[Message]:
    return [m for m in bot_dms(fake, user) if text in (m.content or "")]


def button_labels(message: Message) -> list[str]:
    return [
        item.get("label", "") for row in message.components for item in row.get("components", [])
    ]


def assignments(runner: BotRunner, round_id: int | None = None) -> list[sqlite3.Row]:
    if round_id is None:
        return rows(runner, "SELECT * FROM feedback_assignments ORDER BY id")
    return rows(
        runner, "SELECT * FROM feedback_assignments WHERE round_id = ? ORDER BY id", (round_id,)
    )


def pairs_of(found: list[sqlite3.Row]) -> set[frozenset[int]]:
    return {frozenset((a["reviewer_id"], a["author_id"])) for a in found}
