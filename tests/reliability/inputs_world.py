"""A configured server for the bad-input and access tests, built once per test module.

The root fixtures are function-scoped (a fresh server and bot per test); these tests walk the
whole command tree hundreds of times, so they build one FakeDiscord and one bot per module.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from discord import app_commands

from bot import ui
from bot.client import HammingBot
from bot.clock import ManualClock
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.interactions import DEFERRED_MESSAGE

# Distinctive: a token-looking secret that cannot occur by chance in any other text.
TOKEN = "MTIzNDU2Nzg5.SeCrEt-hamming-TOKEN.zQ7xK2pL9vW4yB8nR3tJ6mH1cF5dG0sA"
UNKNOWN_ERROR = "Something went wrong on my side"


@dataclass
class World:
    fake: FakeDiscord
    runner: BotRunner
    cohort: Cohort
    voice: int
    db_path: Path
    log_records: list[logging.LogRecord] = field(default_factory=list)
    faults: list[tuple[str, bool]] = field(default_factory=list)  # (text, user's fault)

    @property
    def bot(self) -> HammingBot:
        assert self.runner.bot is not None
        return self.runner.bot


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord], level: int) -> None:
        super().__init__(level)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


def add_cohort(fake: FakeDiscord, name: str) -> tuple[Cohort, int]:
    """A server like tests/conftest.py's cohort (the owner is in it too), and a voice channel."""
    guild = fake.add_guild(name)
    channel = fake.add_text_channel(guild, "general")
    voice = fake.add_voice_channel(guild, "reading-room")
    moderator_role = fake.add_role(guild, "Organisers")
    cohort_role = fake.add_role(guild, "Cohort")
    owner = fake.add_member(guild, "olivia", manage_guild=True, roles=[cohort_role])
    moderator = fake.add_member(guild, "max", roles=[moderator_role, cohort_role])
    alice = fake.add_member(guild, "alice", roles=[cohort_role])
    bob = fake.add_member(guild, "bob", roles=[cohort_role])
    cohort = Cohort(guild, channel, moderator_role, cohort_role, owner, moderator, alice, bob)
    return cohort, voice


@contextmanager
def recording(world_logs: list[logging.LogRecord], level: int) -> Iterator[None]:
    handler = _Collect(world_logs, level)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@contextmanager
def watching_faults(faults: list[tuple[str, bool]]) -> Iterator[None]:
    """Record every error reply: reply_error looks user_message_for up in bot.ui at call time."""
    original = ui.user_message_for

    def spy(error: BaseException) -> tuple[str, bool]:
        text, user_fault = original(error)
        faults.append((text, user_fault))
        return text, user_fault

    ui.user_message_for = spy
    try:
        yield
    finally:
        ui.user_message_for = original


async def start_bot(fake: FakeDiscord, db_path: Path) -> BotRunner:
    runner = BotRunner(fake, db_path, ManualClock(datetime.now(UTC).replace(microsecond=0)))
    await runner.start()
    return runner


def dump(db_path: Path, volatile: tuple[str, ...] = ()) -> list[str]:
    """SQLite's iterdump of the bot's database, without rows of ``volatile`` tables."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [
            line
            for line in conn.iterdump()
            if not any(line.startswith(f'INSERT INTO "{t}"') for t in volatile)
        ]
    finally:
        conn.close()


async def settle(result: InteractionResult) -> InteractionResult:
    if result.type == DEFERRED_MESSAGE:
        return await result.final(timeout=10)
    return result


def result_text(result: InteractionResult) -> str:
    """Everything the person sees in an answer: content, embeds, follow-ups."""
    parts = [result.content or ""]
    for embed in result.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f.get("name", "") + f.get("value", "") for f in embed.get("fields") or []]
    for message in result.followups:
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
    return "\n".join(parts)


def leaf_commands(bot: HammingBot) -> list[app_commands.Command[Any, ..., Any]]:
    return [c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)]


def synced_options(fake: FakeDiscord, qualified_name: str) -> list[dict[str, Any]]:
    """The option definitions Discord holds for a command (what its client lets people send)."""
    top, *path = qualified_name.split()
    commands = [c for scope in fake.commands.values() for c in scope]
    node = next(c for c in commands if c["name"] == top and c.get("type", 1) == 1)
    options: list[dict[str, Any]] = node.get("options") or []
    for part in path:
        node = next(o for o in options if o["name"] == part and o["type"] in (1, 2))
        options = node.get("options") or []
    return options


async def configure(world: World, cohort: Cohort, voice: int) -> None:
    """Turn every feature on and create one of each thing autocomplete offers."""
    fake, g, owner = world.fake, cohort.guild, cohort.owner
    steps: list[tuple[str, dict[str, Any]]] = [
        ("config moderator-role", {"role": cohort.moderator_role}),
        ("config cohort-role", {"role": cohort.cohort_role}),
        ("config timezone", {"zone": "Europe/Berlin"}),
        ("me timezone", {"zone": "Europe/Berlin"}),
        ("config checkins schedule", {"channel": cohort.channel, "day": 0, "time": "09:00"}),
        ("config feedback schedule", {"channel": cohort.channel, "day": 2, "time": "10:00"}),
        ("config grants setup", {"channel": cohort.channel}),
        ("config reading setup", {"channel": cohort.channel}),
        ("checkin prompt-now", {}),
        ("grants add", {"name": "Seed grant", "deadline": "2027-06-30"}),
        ("reading add", {"title": "Seed reading", "url": "https://example.org/paper"}),
        ("reading schedule", {"when": "in 3 days at 18:00", "voice_channel": voice}),
    ]
    for command, options in steps:
        result = await settle(await fake.invoke(g, owner, command, options))
        text = result_text(result)
        assert UNKNOWN_ERROR not in text, f"/{command}: {text}"
    opened = await fake.invoke(g, owner, "feedback request")
    if opened.modal is None:  # configured before: the owner's drafts are at the limit
        assert "open drafts" in (opened.content or ""), f"/feedback request: {opened!r}"
        return
    values = {f["label"]: valid_field(f) for f in opened.modal.fields}
    sent = await settle(await fake.submit_modal(opened, owner, values))
    assert UNKNOWN_ERROR not in result_text(sent), result_text(sent)


@asynccontextmanager
async def running_world(
    db_path: Path, name: str = "Alignment cohort", *, log_level: int = logging.INFO
) -> AsyncIterator[World]:
    """One fake Discord, one server with a cohort, the real bot; logs and error replies recorded."""
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    cohort, voice = add_cohort(fake, name)
    records: list[logging.LogRecord] = []
    faults: list[tuple[str, bool]] = []
    runner: BotRunner | None = None
    try:
        with recording(records, log_level), watching_faults(faults):
            runner = await start_bot(fake, db_path)
            world = World(fake, runner, cohort, voice, db_path, records, faults)
            yield world
    finally:
        if runner is not None:
            await runner.stop()
        await fake.stop()


# Modal fields, found by a word of their label.
VALID_FIELD = {
    "Link": "https://docs.example.org/draft",
    "length": "4000 words",
    "needed by": "in 10 days",
    "Title": "A draft",
    "topic": "interpretability\nevals",
}


def valid_field(item: dict[str, Any]) -> str:
    """A value the field accepts: by a word of its label, else what the bot prefilled."""
    label = item.get("label") or ""
    for word, value in VALID_FIELD.items():
        if word.lower() in label.lower():
            return value
    prefilled: str = item.get("value") or ""
    return prefilled or "A plain answer."
