"""What every benchmark shares: bots as processes, world building, seeding, rows.

The baseline is deliberately plain (bench/bare_bot.py): a `commands.Bot` with Hamming's intents
and one trivial slash command, on the same local Discord server with the same members. Both bots
run as their own processes; the server runs in the benchmark's. Every figure is printed beside
the baseline's and as a ratio; absolute times depend on the machine (everything shares its cores).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.state import Member  # noqa: E402

# What a check-in channel needs (the fake's @everyone lacks embeds and thread permissions).
CHANNEL_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 35)
CHANNEL_PERMISSIONS |= 1 << 38
# A fixed instant: Friday 20 Nov 2026 12:00 UTC (check-in rounds open the Monday before).
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One line of the summary table."""

    bench: str
    metric: str
    hamming: str
    baseline: str
    ratio: str
    target: str
    met: bool | None  # None: not judged (skipped, or no target)


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def render(rows: Sequence[Row]) -> str:
    head = ("bench", "metric", "hamming", "baseline", "ratio", "target", "")
    body = [
        (
            r.bench,
            r.metric,
            r.hamming,
            r.baseline,
            r.ratio,
            r.target,
            "ok" if r.met else ("MISSED" if r.met is False else ""),
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for line in body:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    return "\n".join(lines)


def same_process_settings() -> None:
    """What the Hamming bot sets for its process (bot/client.py run_bot), set here too: the
    storage benchmark runs Hamming's Database in this process."""
    from bot.client import SWITCH_INTERVAL

    sys.setswitchinterval(SWITCH_INTERVAL)


def skip_contract_checks() -> None:
    """Turn off the fake server's OpenAPI validation in this (benchmark) process.

    Validating each request and answer against Discord's spec costs the fake server 1-14 ms of
    CPU per request, on the same cores as the bot: at 1,000 concurrent members it dominated the
    profile (22 of 28 s), and it costs more for Hamming's embeds and modals than for a bare
    "pong", which skews the ratio. The test suite checks the contract; benchmarks measure speed.
    """
    from tests.fake_discord import spec

    same_process_settings()

    def nothing(*args: Any, **kwargs: Any) -> list[str]:
        return []

    spec.validate_request = nothing
    spec.validate_response = nothing
    spec.validate_schema = nothing


# -- bots as processes (the local Discord server stays in this one) --------------------------


@dataclass
class Spawned:
    process: asyncio.subprocess.Process
    seconds: float  # spawn to ready
    marker_line: str  # the output line that had the marker


def process_env(fake: FakeDiscord, **extra: str) -> dict[str, str]:
    """This process's environment, pointed at `fake` (no stray DISCORD_/DATABASE_ settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update(fake.env())
    env.update(extra)
    return env


def hamming_env(fake: FakeDiscord, database: Path, **settings: str) -> dict[str, str]:
    """`python -m bot`'s environment: pointed at `fake` and `database`, HTTP endpoints off
    (the bare bot serves none either), plus any other `settings`."""
    return process_env(fake, DATABASE_PATH=str(database), HTTP_PORT="0", **settings)


def bare_bot_argv() -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "bare_bot.py")]


def hamming_argv() -> list[str]:
    profile = os.environ.get("BENCH_PROFILE")  # a file for pyinstrument's text report
    if profile:
        every = ["--show-all"] if os.environ.get("BENCH_PROFILE_ALL") else []
        return [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "text",
            *every,
            "-o",
            profile,
            "-m",
            "bot",
        ]
    return [sys.executable, "-m", "bot"]


BARE_READY = "READY"  # bench/bare_bot.py prints it from on_ready
HAMMING_READY = "scheduler started"  # Hamming logs it once every job is rebuilt


@contextlib.asynccontextmanager
async def spawned(
    argv: list[str], env: dict[str, str], marker: str, *, ready_within: float = 900.0
) -> AsyncIterator[Spawned]:
    """A bot process, from spawn until `marker` appears in its output; stopped on exit."""
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    ready = asyncio.Event()
    tail: list[str] = []
    seen: list[str] = []
    keep = os.environ.get("BENCH_BOT_LOG")  # a file to append the bots' output to
    # A debugging aid, opened once before the bot starts: blocking here costs nothing.
    kept = open(keep, "a", encoding="utf-8") if keep else None  # noqa: SIM115, ASYNC230

    async def watch(stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        while line := await stream.readline():
            text = line.decode(errors="replace")
            tail.append(text)
            del tail[:-20]
            if kept is not None:
                kept.write(text)
            if marker in text and not ready.is_set():
                seen.append(text.strip())
                ready.set()

    watchers = [
        asyncio.create_task(watch(process.stdout)),
        asyncio.create_task(watch(process.stderr)),
    ]
    try:
        waiter = asyncio.create_task(ready.wait())
        exited = asyncio.create_task(process.wait())
        await asyncio.wait(
            {waiter, exited}, timeout=ready_within, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        exited.cancel()
        if not ready.is_set():
            raise RuntimeError(f"{argv[-1]} did not get ready:\n{''.join(tail)}")
        yield Spawned(process, time.perf_counter() - start, seen[0])
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        for task in watchers:
            task.cancel()
        if kept is not None:
            kept.close()


# -- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    guild: int
    channel: int
    cohort_role: int
    owner: int
    members: list[int]


def build_world(fake: FakeDiscord, members: int, name: str = "Cohort") -> World:
    """One server with a cohort role held by `members` members, built in bulk before any bot
    connects (no gateway events: the bot learns them from GUILD_CREATE and chunking)."""
    guild = fake.add_guild(name)
    channel = fake.add_text_channel(guild, "general")
    cohort_role = fake.add_role(guild, "Cohort")
    owner = fake.add_member(guild, "owner", manage_guild=True, roles=[cohort_role])
    access = fake.add_role(guild, "Hamming access", permissions=CHANNEL_PERMISSIONS)
    bot_member = fake.world.guilds[guild].members[fake.bot_user_id]
    bot_member.roles.append(access)
    state = fake.world.guilds[guild]
    joined = fake.clock.iso()
    ids = []
    for i in range(members):
        user_id = fake.world.add_user(f"member{i}").id
        state.members[user_id] = Member(user_id, guild, [cohort_role], joined)
        ids.append(user_id)
    return World(guild, channel, cohort_role, owner, ids)


def add_bare_guilds(fake: FakeDiscord, count: int, members_each: int = 3) -> list[int]:
    """`count` small servers (start-up benchmark), each with a text channel and a few members."""
    found = []
    joined = fake.clock.iso()
    for g in range(count):
        guild = fake.add_guild(f"Server {g}")
        fake.add_text_channel(guild, "general")
        state = fake.world.guilds[guild]
        for i in range(members_each):
            user_id = fake.world.add_user(f"s{g}m{i}").id
            state.members[user_id] = Member(user_id, guild, [], joined)
        found.append(guild)
    return found


# -- the database ----------------------------------------------------------------------------


async def migrate(path: Path) -> None:
    """Create the database with every migration, as the bot would."""
    from bot.db import open_database

    async with open_database(path, lock=False):
        pass


def unix(dt: datetime) -> int:
    return int(dt.timestamp())


def iso_week(dt: datetime) -> str:
    year, week, _ = dt.isocalendar()
    return f"{year}-W{week:02d}"


QUESTIONS = json.dumps(
    [
        ["Most important problems", "What are the most important problems in your field?"],
        ["What you are doing", "What are you doing about them?"],
        ["This week", "What did you do this week?"],
        ["Blocking", "What is blocking you?"],
        ["Next week", "What will you do next week?"],
    ]
)
ANSWER = json.dumps(
    [
        "Scalable oversight of reward models",
        "Building a debate benchmark for reward hacking",
        "Read two oversight papers and drafted the benchmark spec",
        "Compute for the baselines",
        "Run the first baseline",
    ]
)


def seed_history(
    path: Path,
    world: World,
    *,
    weeks: int,
    now: datetime = NOW,
    answer_share: float = 0.8,
    with_feedback: bool = True,
    with_reading: bool = True,
) -> dict[str, int]:
    """`weeks` of weekly check-ins (80% answered) and, optionally, feedback swaps and reading
    sessions with RSVPs, for every member of `world`; written in bulk with sqlite3."""
    conn = sqlite3.connect(path)
    counts: dict[str, int] = {}
    try:
        conn.execute("PRAGMA synchronous = OFF")
        stamp = unix(now)
        g = world.guild
        conn.execute(
            "INSERT OR REPLACE INTO guild_settings (guild_id, timezone, cohort_role_id,"
            " created_at, updated_at) VALUES (?, 'Europe/Berlin', ?, ?, ?)",
            (g, world.cohort_role, stamp, stamp),
        )
        conn.execute(
            "INSERT OR REPLACE INTO checkin_settings (guild_id, channel_id, enabled, updated_at)"
            " VALUES (?, ?, 1, ?)",
            (g, world.channel, stamp),
        )
        monday = (now - timedelta(days=now.weekday())).replace(hour=8, minute=0)
        members = world.members
        answers = 0
        for w in range(weeks, 0, -1):  # past rounds only: the current one is opened live
            opens = monday - timedelta(weeks=w)
            week = iso_week(opens)
            cur = conn.execute(
                "INSERT INTO checkin_rounds (guild_id, week, channel_id, prompt_key, opens_at,"
                " closes_at, reminder_at, visibility, questions, cohort_size, message_id,"
                " thread_id, closed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'public', ?,"
                " ?, ?, ?, ?, ?)",
                (
                    g,
                    week,
                    world.channel,
                    f"checkin-prompt:{g}:{week}",
                    unix(opens),
                    unix(opens + timedelta(hours=72)),
                    unix(opens + timedelta(hours=48)),
                    QUESTIONS,
                    len(members),
                    1000 + w,
                    2000 + w,
                    unix(opens + timedelta(hours=72)),
                    unix(opens),
                ),
            )
            round_id = cur.lastrowid
            cutoff = int(len(members) * answer_share)
            start = (w * 7) % len(members)
            chosen = (members[start:] + members[:start])[:cutoff]
            at = unix(opens + timedelta(hours=5))
            conn.executemany(
                "INSERT INTO checkin_answers (round_id, user_id, answers, message_id,"
                " submitted_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)",
                [(round_id, u, ANSWER, at, at) for u in chosen],
            )
            answers += len(chosen)
        counts["checkin_rounds"] = weeks
        counts["checkin_answers"] = answers
        if with_feedback:
            counts.update(_seed_feedback(conn, world, weeks, monday))
        if with_reading:
            counts.update(_seed_reading(conn, world, weeks, monday))
        conn.commit()
    finally:
        conn.close()
    return counts


def _seed_feedback(
    conn: sqlite3.Connection, world: World, weeks: int, monday: datetime
) -> dict[str, int]:
    """A tenth of the members post a draft each week; each gets one review."""
    g = world.guild
    members = world.members
    per_week = max(1, len(members) // 10)
    drafts = reviews = 0
    for w in range(weeks, 0, -1):
        at = monday - timedelta(weeks=w)
        cur = conn.execute(
            "INSERT INTO feedback_rounds (guild_id, slot, started_at, reviewers_per_draft)"
            " VALUES (?, ?, ?, 1)",
            (g, at.date().isoformat(), unix(at)),
        )
        round_id = cur.lastrowid
        for i in range(per_week):
            author = members[(w * per_week + i) % len(members)]
            reviewer = members[(w * per_week + i + 1 + len(members) // 2) % len(members)]
            cur = conn.execute(
                "INSERT INTO feedback_drafts (guild_id, author_id, title, link, wanted, length,"
                " due_at, status, created_at, updated_at) VALUES (?, ?, 'Draft', "
                "'https://example.org/d', 'Is the argument sound?', '10 pages', ?, 'closed',"
                " ?, ?)",
                (g, author, unix(at + timedelta(days=7)), unix(at), unix(at)),
            )
            conn.execute(
                "INSERT INTO feedback_assignments (round_id, guild_id, draft_id, reviewer_id,"
                " author_id, reason, due_at, status, sent_at, received_at, rating, closed_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, 'topic match', ?, 'done', ?, ?, 4, ?, ?)",
                (
                    round_id,
                    g,
                    cur.lastrowid,
                    reviewer,
                    author,
                    unix(at + timedelta(days=7)),
                    unix(at + timedelta(days=3)),
                    unix(at + timedelta(days=4)),
                    unix(at + timedelta(days=4)),
                    unix(at),
                ),
            )
            drafts += 1
            reviews += 1
    conn.executemany(
        "INSERT OR IGNORE INTO feedback_reviewers (guild_id, user_id, joined_at, updated_at)"
        " VALUES (?, ?, ?, ?)",
        [(g, u, unix(monday), unix(monday)) for u in members[: len(members) // 2]],
    )
    return {"feedback_drafts": drafts, "feedback_assignments": reviews}


def _seed_reading(
    conn: sqlite3.Connection, world: World, weeks: int, monday: datetime
) -> dict[str, int]:
    """One session a week; a fifth of the members RSVP."""
    g = world.guild
    members = world.members
    share = max(1, len(members) // 5)
    rsvps = 0
    for w in range(weeks, 0, -1):
        at = monday - timedelta(weeks=w) + timedelta(days=2, hours=9)
        cur = conn.execute(
            "INSERT INTO reading_sessions (guild_id, title, starts_at, ends_at, channel_id,"
            " status, created_at) VALUES (?, 'Reading', ?, ?, ?, 'done', ?)",
            (g, unix(at), unix(at + timedelta(hours=1)), world.channel, unix(at)),
        )
        session = cur.lastrowid
        start = (w * 13) % len(members)
        chosen = (members[start:] + members[:start])[:share]
        conn.executemany(
            "INSERT INTO reading_rsvps (session_id, user_id, choice, updated_at)"
            " VALUES (?, ?, 'going', ?)",
            [(session, u, unix(at)) for u in chosen],
        )
        rsvps += len(chosen)
    return {"reading_sessions": weeks, "reading_rsvps": rsvps}


def seed_grants(path: Path, guild: int, count: int, now: datetime = NOW) -> list[int]:
    """`count` grants with deadlines over the next months."""
    conn = sqlite3.connect(path)
    ids = []
    try:
        stamp = unix(now)
        for i in range(count):
            cur = conn.execute(
                "INSERT INTO grants (guild_id, name, name_key, deadline_at, url, funder,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, 'https://example.org/g',"
                " 'Funder', ?, ?)",
                (guild, f"Grant {i}", f"grant {i}", stamp + (i + 1) * 86400 * 9, stamp, stamp),
            )
            ids.append(int(cur.lastrowid or 0))
        conn.commit()
    finally:
        conn.close()
    return ids
