"""Benchmark 2, fan-out: weekly check-in reminders to 2,000 members under a global rate limit.

    python bench/fanout.py [--quick]

The local server enforces a global budget (scaled up from Discord's 50/s, burst a tenth of it,
so the run is short). Both bots run as their own processes; the server, in this one, times the
traffic from its first DM request to its last. Hamming sends its real reminders: a
`checkin-reminders` parent occurrence, due as it starts, inserts one child per member and each
child sends one DM (open DM channel + send). The baseline is a bare discord.py bot sending the
same DMs with the same concurrency (40) from a plain loop (bench/bare_bot.py, BARE_DM_GUILD).
Reported: achieved requests/s as a share of the limit (target >= 90%), the 429s served, how
many requests were sent during a global cool-down the bot had already been told about, and
sends given up (targets 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    HAMMING_READY,
    QUESTIONS,
    Row,
    bare_bot_argv,
    build_world,
    fmt_ratio,
    hamming_argv,
    hamming_env,
    iso_week,
    migrate,
    process_env,
    render,
    seed_history,
    skip_contract_checks,
    spawned,
    unix,
)
from tests.fake_discord import FakeDiscord

MEMBERS, QUICK_MEMBERS = 2000, 60
RATE, QUICK_RATE = 100.0, 100.0
CONCURRENCY = 40  # the scheduler's default (bot/scheduler.py)
TARGET_SHARE = 0.90
LEARN = 0.05  # a request sent this long after a 429 was sent knowing about it


@dataclass(frozen=True)
class Fanout:
    requests: int
    seconds: float
    served_429s: int
    ignored: int  # sent during a global cool-down announced more than LEARN s before
    failed: int = 0  # sends that gave up (discord.py raises after 5 tries of 429)

    def share(self, rate: float) -> float:
        return self.requests / self.seconds / rate if self.seconds else 0.0


def _dm_requests(fake: FakeDiscord, since: float) -> list[tuple[float, int, float]]:
    """(started, status, retry_after) of every DM-related request since `since`."""
    found = []
    for record in fake.requests:
        if record.time < since:
            continue
        if record.path == "/users/@me/channels" or record.path.startswith("/channels/"):
            retry = 0.0
            if record.status == 429 and isinstance(record.response, dict):
                retry = float(record.response.get("retry_after") or 0.0)
            found.append((record.time, record.status, retry))
    return found


def _summarise(fake: FakeDiscord, since: float, failed: int = 0) -> Fanout:
    """The DM traffic since `since`, timed by the server from its first request to its last."""
    records = _dm_requests(fake, since)
    ignored = 0
    cool_windows = [(s + LEARN, s + r) for s, st, r in records if st == 429]
    for started, _, _ in records:
        if any(a < started < b for a, b in cool_windows):
            ignored += 1
    ok = sum(1 for _, status, _ in records if status < 400)
    seconds = records[-1][0] - records[0][0] if len(records) > 1 else 0.0
    return Fanout(ok, seconds, sum(1 for _, st, _ in records if st == 429), ignored, failed)


def _dms_sent(fake: FakeDiscord, since: float) -> int:
    return sum(
        1
        for r in fake.requests
        if r.time >= since
        and r.method == "POST"
        and r.path.endswith("/messages")
        and r.status < 400
    )


async def _until_quiet(fake: FakeDiscord, since: float, expected: int) -> None:
    """Wait until `expected` DMs went out, or nothing more went out for 15 s."""
    last, quiet_since = -1, time.monotonic()
    while (sent := _dms_sent(fake, since)) < expected:
        if sent != last:
            last, quiet_since = sent, time.monotonic()
        elif time.monotonic() - quiet_since > 15:
            return
        await asyncio.sleep(0.2)


async def baseline(members: int, rate: float) -> Fanout:
    fake = FakeDiscord()
    await fake.start()
    try:
        world = build_world(fake, members)
        fake.set_global_budget(rate, burst=rate / 10)
        since = fake.clock.monotonic()
        env = process_env(fake, BARE_DM_GUILD=str(world.guild))
        async with spawned(bare_bot_argv(), env, "FANNED OUT") as bot:
            failed = int(bot.marker_line.rsplit("failed=", 1)[1])
        fake.set_global_budget(None)
        return _summarise(fake, since, failed)
    finally:
        await fake.stop()


async def hamming(members: int, rate: float, folder: Path) -> Fanout:
    fake = FakeDiscord()
    await fake.start()
    try:
        world = build_world(fake, members)
        path = folder / f"fanout-{members}.sqlite3"
        await migrate(path)
        now = datetime.now(UTC)  # the bot process runs on the real clock
        seed_history(path, world, weeks=4, with_feedback=False, with_reading=False, now=now)
        round_id = _open_round(path, world.guild, world.channel, fake, now)
        # The reminders' parent occurrence, due now: the bot fans it out as it starts.
        with sqlite3.connect(path) as conn:
            conn.execute(
                "INSERT INTO deliveries (key, kind, guild_id, due_at, payload, created_at)"
                " VALUES (?, 'checkin-reminders', ?, ?, ?, ?)",
                (
                    f"checkin-reminders:{round_id}",
                    world.guild,
                    unix(now),
                    json.dumps({"round_id": round_id}),
                    unix(now),
                ),
            )
        fake.set_global_budget(rate, burst=rate / 10)
        since = fake.clock.monotonic()
        # Discord's global limit is 50/s; the server here is scaled to `rate`, and the bot is
        # told so, as an operator would (DISCORD_GLOBAL_RATE_LIMIT; bot/pacing.py).
        env = hamming_env(fake, path, DISCORD_GLOBAL_RATE_LIMIT=str(rate))
        async with spawned(hamming_argv(), env, HAMMING_READY):
            await _until_quiet(fake, since, len(world.members) + 1)  # + the owner
        fake.set_global_budget(None)
        return _summarise(fake, since, await _failed_reminders(path))
    finally:
        await fake.stop()


async def _failed_reminders(path: Path) -> int:
    """Reminders not done (retried later or failed): sends that gave up on 429s."""
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE kind = 'checkin-reminder' AND state != 'done'"
        ).fetchone()
    return int(row[0])


def _open_round(path: Path, guild: int, channel: int, fake: FakeDiscord, now: datetime) -> int:
    """This week's round, posted and open for another day, with its thread."""
    thread = fake.add_text_channel(guild, "check-in thread")  # a fallback target only
    opens = now - timedelta(days=1)
    week = iso_week(opens)
    with sqlite3.connect(path) as conn:
        cur = conn.execute(
            "INSERT INTO checkin_rounds (guild_id, week, channel_id, prompt_key, opens_at,"
            " closes_at, reminder_at, visibility, questions, cohort_size, message_id,"
            " thread_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'public', ?, 0, 1, ?, ?)",
            (
                guild,
                week,
                channel,
                f"checkin-prompt:{guild}:{week}",
                unix(opens),
                unix(now + timedelta(days=1)),
                unix(now),
                QUESTIONS,
                thread,
                unix(opens),
            ),
        )
        return int(cur.lastrowid or 0)


async def measure(members: int, rate: float, folder: Path) -> list[Row]:
    base = await baseline(members, rate)
    ham = await hamming(members, rate, folder)
    label = f"{members} DMs at {rate:.0f} req/s"
    share_h, share_b = ham.share(rate), base.share(rate)
    return [
        Row(
            "2 fan-out",
            f"share of the limit, {label}",
            f"{share_h:.0%} ({ham.requests / ham.seconds:.0f}/s)",
            f"{share_b:.0%} ({base.requests / base.seconds:.0f}/s)",
            fmt_ratio(share_h / share_b if share_b else None),
            f">= {TARGET_SHARE:.0%}",
            share_h >= TARGET_SHARE,
        ),
        Row(
            "2 fan-out",
            "429s served / sent in a known cool-down / sends given up",
            f"{ham.served_429s} / {ham.ignored} / {ham.failed}",
            f"{base.served_429s} / {base.ignored} / {base.failed}",
            "",
            "_ / 0 / 0",
            ham.ignored == 0 and ham.failed == 0,
        ),
    ]


def rows(quick: bool, folder: Path) -> list[Row]:
    skip_contract_checks()
    if quick:
        return asyncio.run(measure(QUICK_MEMBERS, QUICK_RATE, folder))
    return asyncio.run(measure(MEMBERS, RATE, folder))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--members", type=int)
    parser.add_argument("--rate", type=float)
    args = parser.parse_args()
    skip_contract_checks()
    members = args.members or (QUICK_MEMBERS if args.quick else MEMBERS)
    rate = args.rate or (QUICK_RATE if args.quick else RATE)
    with tempfile.TemporaryDirectory() as folder:
        table = asyncio.run(measure(members, rate, Path(folder)))
    print(render(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
