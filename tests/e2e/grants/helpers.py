"""Shared pieces of the grant end-to-end tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from bot.client import HammingBot
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord
from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.state import Message


def end_of_day(day: date) -> datetime:
    """A date typed without a time in a UTC server: 23:59 that day."""
    return datetime.combine(day, time(23, 59), UTC)


def stamp(instant: datetime, style: str = "F") -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def reply_text(result: InteractionResult) -> str:
    """An ephemeral reply's text, also when it arrived as a follow-up after a defer."""
    texts = [result.content or ""] + [m.content for m in result.followups]
    return "\n".join(t for t in texts if t)


async def run_at(runner: BotRunner, bot: HammingBot, instant: datetime) -> None:
    """Move the bot's clock and perform whatever became due."""
    runner.clock.set(instant)
    await bot.scheduler.run_due()


async def setup_grants(
    fake: FakeDiscord, cohort: Cohort, offsets: str = "7d,1d", **more: Any
) -> int:
    channel = fake.add_text_channel(cohort.guild, "grants")
    result = await fake.invoke(
        cohort.guild,
        cohort.owner,
        "config grants setup",
        {"channel": channel, "offsets": offsets, **more},
    )
    assert result.ephemeral, result
    assert f"Grant reminders go to <#{channel}>" in (result.content or ""), result.content
    return channel


async def add_grant(
    fake: FakeDiscord, cohort: Cohort, name: str, **options: Any
) -> InteractionResult:
    result = await fake.invoke(cohort.guild, cohort.owner, "grants add", {"name": name, **options})
    assert result.ephemeral, result
    return result


def reminders_for(messages: list[Message], name: str) -> list[Message]:
    return [m for m in messages if name in (m.content or "")]


def deadline_stamps(message: Message) -> set[str]:
    text = (message.content or "") + " ".join(e.get("description", "") for e in message.embeds)
    return set(re.findall(r"<t:\d+:F>", text))


def days(n: float) -> timedelta:
    return timedelta(days=n)


# --- an iCalendar feed served on 127.0.0.1 -----------------------------------------------------


def ics(*events: tuple[str, str, datetime]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//funder//EN"]
    for uid, summary, start in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"SUMMARY:{summary}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            "URL:https://funder.example/apply",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class FeedServer:
    body: bytes = b""
    content_type: str = "text/calendar"
    port: int = 0
    hits: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/deadlines.ics"

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        return web.Response(body=self.body, headers={"Content-Type": self.content_type})


async def import_feed(
    fake: FakeDiscord, cohort: Cohort, url: str, user: int | None = None
) -> InteractionResult:
    result = await fake.invoke(
        cohort.guild, cohort.owner if user is None else user, "grants import", {"url": url}
    )
    return await result.final() if result.type == 5 else result
