"""Shared steps for the check-in end-to-end tests (what a moderator or member would do)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.state import Message

VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES = 1 << 10, 1 << 11, 1 << 14, 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS = 1 << 35, 1 << 38
CHANNEL_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

FRIDAY_NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Monday 23 Nov 2026, 09:00 in Berlin (CET, UTC+1): the first prompt of the default schedule.
FIRST_PROMPT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

ANSWERS = {
    "Most important problems in your field": "Scalable oversight of reward models",
    "What you are doing about them": "Building a debate benchmark for reward hacking",
    "What you did this week": "Read two oversight papers and drafted the benchmark spec",
    "What is blocking you": "Compute for the baselines",
    "Next week": "Run the first baseline",
}


async def configure(fake: FakeDiscord, cohort: Cohort, **options: Any) -> InteractionResult:
    """`/config checkins schedule` by the owner: Monday 09:00 in the cohort channel by default."""
    given: dict[str, Any] = {"channel": cohort.channel, "day": 0, "time": "09:00"}
    given.update(options)
    return await fake.invoke(cohort.guild, cohort.owner, "config checkins schedule", given)


async def move_to(runner: BotRunner, bot: HammingBot, instant: datetime) -> None:
    runner.clock.set(instant)
    await bot.scheduler.run_due()


def bot_posts(fake: FakeDiscord, channel: int) -> list[Message]:
    return [
        m for m in fake.messages(channel) if m.author_id == fake.bot_user_id and not m.ephemeral
    ]


def prompts(fake: FakeDiscord, channel: int) -> list[Message]:
    return [
        m
        for m in bot_posts(fake, channel)
        if m.embeds and m.embeds[0].get("title", "").startswith("Weekly Hamming check-in")
    ]


def only_prompt(fake: FakeDiscord, channel: int) -> Message:
    found = prompts(fake, channel)
    assert len(found) == 1, f"expected one prompt, found {len(found)}"
    return found[0]


def thread_of(fake: FakeDiscord, channel: int) -> int:
    threads = fake.threads(channel)
    assert len(threads) == 1, f"expected one thread, found {len(threads)}"
    return threads[0].id


async def check_in(
    fake: FakeDiscord, prompt: Message, user: int, values: dict[str, str] | None = None
) -> InteractionResult:
    """Press Check in and submit the modal; returns the submit's (final) result."""
    opened = await fake.click(prompt, user, label="Check in")
    assert opened.modal is not None, opened
    submitted = await fake.submit_modal(opened, user, values if values is not None else ANSWERS)
    return await submitted.final() if submitted.type == 5 else submitted


def button_labels(message: Message) -> list[tuple[str, bool]]:
    return [
        (item.get("label", ""), bool(item.get("disabled")))
        for row in message.components
        for item in row.get("components", [])
    ]


def reply_text(result: InteractionResult) -> str:
    """What the member read: the last follow-up of a deferred reply, else the reply itself."""
    if result.followups:
        return result.followups[-1].content or ""
    return result.content or ""
