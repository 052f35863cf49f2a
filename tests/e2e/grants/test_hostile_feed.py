"""A hostile calendar feed cannot freeze the bot: `python -m bot`, a feed served on 127.0.0.1.

Through the process (not in-process) so that a frozen event loop shows as what it is to users:
no answer to /about, no /healthz. The test's own loop (and the local Discord) stay responsive.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import Cohort, free_port
from tests.e2e.grants.helpers import FeedServer, reply_text
from tests.e2e.test_process import bot_environment, wait_healthy
from tests.fake_discord import FakeDiscord

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The feed: an unknown TZID whose VTIMEZONE repeats SECONDLY in STANDARD and DAYLIGHT.
# Expanding those rules steps through every second since 1970 (over an hour).
ZONE_BOMB = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n"
    b"BEGIN:VTIMEZONE\r\nTZID:Nowhere/Slow\r\n"
    b"BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nRRULE:FREQ=SECONDLY\r\n"
    b"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\n"
    b"BEGIN:DAYLIGHT\r\nDTSTART:19700101T000001\r\nRRULE:FREQ=SECONDLY\r\n"
    b"TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT\r\n"
    b"END:VTIMEZONE\r\n"
    b"BEGIN:VEVENT\r\nUID:bomb@x\r\nSUMMARY:Bomb\r\n"
    b"DTSTART;TZID=Nowhere/Slow:20990101T120000\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def rule_bomb(events: int = 20) -> bytes:
    """Daily rules that never match (Feb 30): each steps day by day to year 9999."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//x//EN"]
    for n in range(events):
        lines += [
            "BEGIN:VEVENT",
            f"UID:never-{n}@x",
            f"SUMMARY:Never {n}",
            "DTSTART:19700101T000000Z",
            "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


@asynccontextmanager
async def bot(
    fake: FakeDiscord, tmp_path: Path, port: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = bot_environment(fake, tmp_path, port) | {"FETCH_ALLOW_PRIVATE": "true"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:  # a frozen loop never handles SIGTERM
                with suppress(ProcessLookupError):
                    process.kill()
                await process.wait()


async def responsive(fake: FakeDiscord, cohort: Cohort, port: int) -> None:
    """/about answered within 3 s and /healthz within 2 s."""
    about = await fake.invoke(cohort.guild, cohort.alice, "about", timeout=3)
    assert about.embeds and about.elapsed is not None and about.elapsed < 3.0
    timeout = aiohttp.ClientTimeout(total=2)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        assert response.status == 200


async def test_a_hostile_feed_neither_freezes_the_bot_nor_is_imported_forever(
    fake_discord: FakeDiscord, cohort: Cohort, feed: FeedServer, tmp_path: Path
) -> None:
    port = free_port()
    async with bot(fake_discord, tmp_path, port) as process:
        await fake_discord.wait_until_ready(timeout=60)
        await wait_healthy(port)

        # The zone bomb: its VTIMEZONE is never expanded, so it is answered at once.
        feed.body = ZONE_BOMB
        started = await fake_discord.invoke(
            cohort.guild, cohort.owner, "grants import", {"url": feed.url}
        )
        assert started.type == 5  # deferred: now fetching and parsing
        await asyncio.sleep(0.3)
        await responsive(fake_discord, cohort, port)
        answered = await started.final(timeout=15)
        assert "1 added" in reply_text(answered), reply_text(answered)

        # Rules that never match: stopped at the time limit, refused in plain words, while
        # the bot keeps answering.
        feed.body = rule_bomb()
        loop = asyncio.get_running_loop()
        began = loop.time()
        started = await fake_discord.invoke(
            cohort.guild, cohort.owner, "grants import", {"url": feed.url}
        )
        assert started.type == 5
        while loop.time() - began < 8:
            await responsive(fake_discord, cohort, port)
            await asyncio.sleep(1)
        refused = await started.final(timeout=15)
        assert "longer than 10 s" in reply_text(refused), reply_text(refused)
        assert loop.time() - began < 14

        await responsive(fake_discord, cohort, port)
        assert process.returncode is None
