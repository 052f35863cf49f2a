"""Shared fixtures: the local Discord server, a small cohort, and the real bot running on it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.client import HammingBot, feature_packages, run_bot
from bot.clock import ManualClock
from bot.db import open_database
from bot.settings import Settings, load_settings
from tests.fake_discord import FakeDiscord
from tests.fake_discord.fixtures import fake_discord  # noqa: F401 - re-exported fixture
from tests.fake_discord.state import Message

MANAGE_GUILD = 1 << 5
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_configure(config: pytest.Config) -> None:
    if not (SHARED / "discord-api-spec" / "openapi.json").is_file():
        raise pytest.UsageError(
            f"Discord's OpenAPI spec is missing: expected {SHARED}/discord-api-spec/openapi.json"
            " (the shared/ folder beside the project root). The tests validate every request"
            " against it; clone the project next to shared/ to run them."
        )


@dataclass
class Cohort:
    """A server with the roles and people most tests need."""

    guild: int
    channel: int
    moderator_role: int
    cohort_role: int
    owner: int  # has Manage Server
    moderator: int  # has the moderator role only (after /config moderator-role)
    alice: int
    bob: int


@pytest_asyncio.fixture
async def cohort(fake_discord: FakeDiscord) -> Cohort:  # noqa: F811
    fake = fake_discord
    guild = fake.add_guild("Alignment cohort")
    channel = fake.add_text_channel(guild, "general")
    moderator_role = fake.add_role(guild, "Organisers")
    cohort_role = fake.add_role(guild, "Cohort")
    owner = fake.add_member(guild, "olivia", manage_guild=True)
    moderator = fake.add_member(guild, "max", roles=[moderator_role, cohort_role])
    alice = fake.add_member(guild, "alice", roles=[cohort_role])
    bob = fake.add_member(guild, "bob", roles=[cohort_role])
    return Cohort(guild, channel, moderator_role, cohort_role, owner, moderator, alice, bob)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def bot_settings(fake: FakeDiscord, database_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": fake.token,
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "database_path": database_path,
        "http_port": free_port(),
        "http_host": "127.0.0.1",
    }
    values.update(overrides)
    return load_settings(env_file=None, **values)


@dataclass
class BotRunner:
    """Starts and stops the real bot (its real start-up path) in this process."""

    fake: FakeDiscord
    database_path: Path
    clock: ManualClock
    overrides: dict[str, Any] = field(default_factory=dict)
    bot: HammingBot | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> HammingBot:
        created: list[HammingBot] = []
        settings = bot_settings(self.fake, self.database_path, **self.overrides)
        self._task = asyncio.create_task(run_bot(settings, self.clock, created.append))
        await self.fake.wait_until_ready(timeout=15, require_sync=False)
        for _ in range(200):
            if created and created[0].is_ready() and created[0].scheduler.running:
                break
            if self._task.done():
                self._task.result()  # raises what stopped the bot
            await asyncio.sleep(0.025)
        else:
            raise AssertionError("the bot did not become ready with its scheduler running")
        self.bot = created[0]
        return self.bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)
        self.bot = None
        self._task = None

    async def restart(self) -> HammingBot:
        await self.stop()
        return await self.start()


@pytest_asyncio.fixture
async def runner(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotRunner]:  # noqa: F811
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    bot_runner = BotRunner(fake_discord, tmp_path / "data" / "hamming.sqlite3", clock)
    try:
        yield bot_runner
    finally:
        await bot_runner.stop()


@pytest_asyncio.fixture
async def hamming(runner: BotRunner, cohort: Cohort) -> HammingBot:
    """The bot, connected to a server with a cohort."""
    return await runner.start()


def rows(runner: BotRunner, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(runner.database_path) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql, params).fetchall())


def grant_bot(fake: FakeDiscord, guild: int, permissions: int) -> None:
    """Give the bot a role with `permissions` (as an invite link with permissions would)."""
    role = fake.add_role(guild, "Hamming access", permissions=permissions)
    member = fake.world.guilds[guild].members[fake.bot_user_id]
    fake.update_member(guild, fake.bot_user_id, roles=[*member.roles, role])


def rows_mentioning(path: Path, user_id: int) -> dict[str, int]:
    """Every row, in every table, that holds the member's id (as a number or inside text)."""
    found: dict[str, int] = {}
    with sqlite3.connect(str(path)) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                if any(v == user_id or (isinstance(v, str) and str(user_id) in v) for v in row):
                    found[table] = found.get(table, 0) + 1
    return found


async def wait_for(
    condition: Callable[[], object],
    failure: Callable[[], str] = lambda: "condition not met in time",
) -> None:
    """Poll `condition` (every 20 ms, up to 5 s) for work the bot finishes after it answered."""
    for _ in range(250):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(failure())


async def forget_me(fake: FakeDiscord, guild: int, user: int) -> Message:
    """/me forget, confirmed, once the bot says it is done (the deletion runs after the
    button's "Deleting…" answer, so the click's own answer comes before it)."""
    asked = await fake.invoke(guild, user, "me forget")
    assert asked.message is not None, asked
    message_id = asked.message.id
    await fake.click(asked.message, user, label="Delete everything about me")
    await wait_for(
        lambda: (fake.message(message_id).content or "").startswith("Done"),
        lambda: f"/me forget did not finish in time: {fake.message(message_id).content!r}",
    )
    return fake.message(message_id)


@pytest_asyncio.fixture
async def loaded_bot(tmp_path: Path) -> AsyncIterator[HammingBot]:
    """Every feature loaded into a bot that never connects (structure and contract tests)."""
    settings = load_settings(env_file=None, discord_token="x", database_path=tmp_path / "db")
    async with open_database(settings.database_path) as db:
        bot = HammingBot(settings=settings, db=db, clock=ManualClock(datetime.now(UTC)))
        for name in feature_packages():
            await bot.load_extension(f"cogs.{name}")
        yield bot
        await bot.close()
