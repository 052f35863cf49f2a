"""The bot as a user runs it: `python -m bot`, configured only through the environment."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import Cohort, free_port
from tests.fake_discord import FakeDiscord

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def bot_environment(fake: FakeDiscord, tmp_path: Path, http_port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DATABASE_PATH": str(tmp_path / "data" / "hamming.sqlite3"),
        "HTTP_PORT": str(http_port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
    }


@asynccontextmanager
async def bot_process(
    fake: FakeDiscord, env: dict[str, str], cwd: Path, logs: list[str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 20)
        logs.append(out.decode() + err.decode())


async def healthz(port: int) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as r:
        return r.status, await r.json()


async def wait_healthy(port: int) -> None:
    for _ in range(200):
        try:
            status, _ = await healthz(port)
            if status == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the bot process never reported healthy")


async def test_bot_process_serves_commands_and_keeps_config_across_restart(
    fake_discord: FakeDiscord, cohort: Cohort, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_environment(fake_discord, tmp_path, port)
    logs: list[str] = []
    async with bot_process(fake_discord, env, tmp_path, logs) as process:
        await fake_discord.wait_until_ready(timeout=60)
        await wait_healthy(port)
        about = await fake_discord.invoke(cohort.guild, cohort.alice, "about")
        assert about.embeds and about.elapsed < 3.0
        changed = await fake_discord.invoke(
            cohort.guild, cohort.owner, "config timezone", {"zone": "Pacific/Auckland"}
        )
        assert "Pacific/Auckland" in changed.content
        # A second process on the same database is refused: it would double every post.
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env={**env, "HTTP_PORT": "0"},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, second_err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2
        assert "already using" in second_err.decode()
        process.send_signal(signal.SIGTERM)
        # communicate, not wait: at DEBUG the bot logs more than a pipe holds, and an unread
        # pipe would block its exit.
        out, err = await asyncio.wait_for(process.communicate(), 20)
        logs.append(out.decode() + err.decode())
        assert process.returncode == 0

    async with bot_process(fake_discord, env, tmp_path, logs):
        await wait_healthy(port)
        shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
        fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
        assert fields["Time zone"] == "Pacific/Auckland"

    everything = "\n".join(logs)
    assert fake_discord.token not in everything
    assert "Traceback" not in everything
    json_lines = [line for line in everything.splitlines() if line.startswith("{")]
    assert json_lines and all("level" in json.loads(line) for line in json_lines)
