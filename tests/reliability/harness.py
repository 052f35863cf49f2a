"""Running the real bot process against the local Discord server, killing it, and counting.

A *fan-out scenario* is a server with a cohort of members and three features configured a week
ago (on a ManualClock, in-process) so that, on the real clock of a `python -m bot` process,
the week's work is due now: a check-in prompt whose reminders go to every cohort member, a
feedback round whose announcements go to authors and reviewers, and a grant deadline whose
reminders go to a channel and to subscribers. `tally` then reads what reached the server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.ledger import nonce_for
from tests.conftest import BotRunner
from tests.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES = 1 << 10, 1 << 11, 1 << 14, 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PUBLIC_THREADS, CREATE_PRIVATE_THREADS, SEND_MESSAGES_IN_THREADS = 1 << 35, 1 << 36, 1 << 38
BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)

# The leaf kinds: each occurrence of these sends exactly one message (its nonce is known).
SENDING_KINDS = ("checkin-prompt", "checkin-reminder", "feedback-announce", "grant-reminder")
UNFINISHED = ("pending", "claimed")


def expected_nonce(key: str, kind: str) -> str:
    """The nonce the occurrence's one message carries (see each feature's handler)."""
    return nonce_for(f"{key}#prompt") if kind == "checkin-prompt" else nonce_for(key)


# -- the world --------------------------------------------------------------------------------


@dataclass
class FanoutWorld:
    guild: int
    checkins_channel: int
    feedback_channel: int
    grants_channel: int
    cohort_role: int
    owner: int
    members: list[int]
    authors: list[int] = field(default_factory=list)
    reviewers: list[int] = field(default_factory=list)
    subscribers: list[int] = field(default_factory=list)


def build_world(fake: FakeDiscord, members: int = 200) -> FanoutWorld:
    guild = fake.add_guild("Alignment cohort")
    checkins = fake.add_text_channel(guild, "check-ins")
    feedback = fake.add_text_channel(guild, "feedback")
    grants = fake.add_text_channel(guild, "grants")
    cohort_role = fake.add_role(guild, "Cohort")
    access = fake.add_role(guild, "Hamming access", permissions=BOT_PERMISSIONS)
    bot_member = fake.world.guilds[guild].members[fake.bot_user_id]
    fake.update_member(guild, fake.bot_user_id, roles=[*bot_member.roles, access])
    owner = fake.add_member(guild, "olivia", manage_guild=True)
    people = [fake.add_member(guild, f"member{i:03d}", roles=[cohort_role]) for i in range(members)]
    return FanoutWorld(guild, checkins, feedback, grants, cohort_role, owner, people)


def hhmm(instant: datetime) -> str:
    return instant.strftime("%H:%M")


async def seed_fanout(
    fake: FakeDiscord,
    world: FanoutWorld,
    database_path: Path,
    *,
    authors: int = 6,
    reviewers: int = 10,
    subscribers: int = 20,
) -> datetime:
    """Configure everything through slash commands a week ago; returns the real 'now' used.

    On the real clock the check-in prompt is 7 h late (its round still has 23 h, and its
    reminder time passed an hour ago, so the reminders fan out at once), the feedback round is
    6 h late (within its 2-day limit) and the grant's 3-day reminders are a day late (the
    deadline is 2 days ahead): all due the moment the bot process starts.
    """
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    runner = BotRunner(fake, database_path, ManualClock(now - timedelta(days=7)))
    await runner.start()
    try:
        await _configure(fake, world, now, authors, reviewers, subscribers)
    finally:
        await runner.stop()
    return now


async def _configure(
    fake: FakeDiscord,
    world: FanoutWorld,
    now: datetime,
    authors: int,
    reviewers: int,
    subscribers: int,
) -> None:
    guild, owner = world.guild, world.owner

    async def moderator(command: str, options: dict[str, object]) -> None:
        result = await fake.invoke(guild, owner, command, options)
        await (result.final() if result.type == 5 else asyncio.sleep(0))
        text = " ".join([result.content or "", *(m.content for m in result.followups)])
        assert result.accepted and "error" not in text.lower(), (command, text)

    await moderator("config cohort-role", {"role": world.cohort_role})
    prompt_at = now - timedelta(hours=7)
    await moderator(
        "config checkins schedule",
        {
            "channel": world.checkins_channel,
            "day": prompt_at.weekday(),
            "time": hhmm(prompt_at),
            "close_after_hours": 30,
            "reminder_hours_before_close": 24,
        },
    )
    round_at = now - timedelta(hours=6)
    await moderator(
        "config feedback schedule",
        {"channel": world.feedback_channel, "day": round_at.weekday(), "time": hhmm(round_at)},
    )
    world.authors = world.members[:authors]
    world.reviewers = world.members[authors : authors + reviewers]
    for user in world.reviewers:
        joined = await fake.invoke(guild, user, "feedback join", {"per_round": 1})
        assert "reviewer pool" in (joined.content or ""), joined
    needed_by = (now + timedelta(days=10)).date().isoformat()
    for i, user in enumerate(world.authors):
        opened = await fake.invoke(guild, user, "feedback request", {})
        assert opened.modal is not None, opened
        submitted = await fake.submit_modal(
            opened,
            user,
            {
                "Title": f"Draft {i}",
                "Link (http or https)": f"https://docs.example.org/draft-{i}",
                "What feedback do you want?": "Is the main argument convincing?",
                "Approximate length (words or minutes)": "4000 words",
                "Feedback needed by (your time zone)": needed_by,
            },
        )
        assert submitted.accepted, submitted
    await moderator("config grants setup", {"channel": world.grants_channel, "offsets": "3d"})
    deadline = now + timedelta(days=2)
    await moderator(
        "grants add", {"name": "LTFF round", "deadline": deadline.strftime("%Y-%m-%dT%H:%MZ")}
    )
    world.subscribers = world.members[-subscribers:]
    for user in world.subscribers:
        subscribed = await fake.invoke(
            guild, user, "grants subscribe", {"all": True, "offsets": "3d"}
        )
        assert subscribed.accepted, subscribed


def copy_database(source: Path, destination: Path) -> None:
    """A consistent copy (SQLite's backup API), e.g. a fresh trial from a seeded template."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)


# -- the process ------------------------------------------------------------------------------


def process_env(
    fake: FakeDiscord, database_path: Path, home: Path, *, http_port: int = 0, **more: str
) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DATABASE_PATH": str(database_path),
        "HTTP_PORT": str(http_port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    env.update(more)
    return env


class BotProcess:
    """`python -m bot` as a child process; its output goes to a file (never a full pipe)."""

    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    async def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:  # noqa: ASYNC230 - a quick local open
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.cwd, env=self.env, stdout=out, stderr=out
            )
        self.started_at = time.monotonic()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, as a power cut or OOM kill."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self, timeout: float = 20.0) -> int:  # noqa: ASYNC109
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# -- reading the outcome ----------------------------------------------------------------------


def query(database_path: Path, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
    # Read-write (though it only reads): after a SIGKILL the WAL may need recovering first.
    conn = sqlite3.connect(database_path, timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql, tuple(params)).fetchall())
    finally:
        conn.close()


def unfinished_due(database_path: Path) -> int:
    """Occurrences due and not yet finished: claimed, pending, or waiting to be retried."""
    rows = query(
        database_path,
        "SELECT COUNT(*) AS n FROM deliveries WHERE state = 'claimed'"
        " OR (state = 'pending' AND (due_at <= ? OR attempts > 0))",
        (int(time.time()),),
    )
    return int(rows[0]["n"])


async def wait_quiescent(
    database_path: Path,
    process: BotProcess,
    timeout: float = 60.0,  # noqa: ASYNC109
    minimum: int = 0,
) -> float:
    """Wait until nothing due is left (and at least `minimum` sends are done); returns seconds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not process.running:
            raise AssertionError(f"the bot process exited:\n{process.logs()[-3000:]}")
        try:
            done = query(
                database_path,
                f"SELECT COUNT(*) AS n FROM deliveries WHERE state = 'done'"
                f" AND kind IN ({','.join('?' * len(SENDING_KINDS))})",
                SENDING_KINDS,
            )[0]["n"]
            if done >= minimum and unfinished_due(database_path) == 0:
                return time.monotonic() - started
        except sqlite3.OperationalError:
            pass  # not created / migrated yet
        await asyncio.sleep(0.1)
    raise AssertionError(f"the bot did not finish the due work in {timeout} s")


def bot_messages_since(fake: FakeDiscord, watermark: int) -> list[tuple[int, str | None]]:
    """(channel, nonce) of every message the bot created after `watermark` (a message id)."""
    return [
        (m.channel_id, None if m.nonce is None else str(m.nonce))
        for m in fake.world.messages.values()
        if m.id > watermark and m.author_id == fake.bot_user_id and not m.ephemeral
    ]


def message_watermark(fake: FakeDiscord) -> int:
    return max(fake.world.messages, default=0)


@dataclass
class Tally:
    expected: int  # leaf occurrences due by now that must each be one message
    delivered: int  # of those, how many arrived at least once
    duplicates: int  # extra copies of any message
    misses: int  # leaf occurrences with no message, or not done
    reminders: int  # check-in reminder occurrences (one per cohort member)
    by_kind: dict[str, int]
    not_done: list[str]


def tally(fake: FakeDiscord, database_path: Path, watermark: int) -> Tally:
    rows = query(
        database_path,
        f"SELECT key, kind, state FROM deliveries WHERE kind IN"
        f" ({','.join('?' * len(SENDING_KINDS))})"
        " AND (state != 'pending' OR due_at <= ? OR attempts > 0)",
        (*SENDING_KINDS, int(time.time())),
    )
    sent = Counter(nonce for _, nonce in bot_messages_since(fake, watermark))
    # Every copy beyond the first of any nonce, plus anything sent without a nonce twice.
    duplicates = sum(n - 1 for n in sent.values() if n > 1)
    expected = [row for row in rows if row["state"] not in ("cancelled",)]
    not_done = [row["key"] for row in expected if row["state"] != "done"]
    arrived = {row["key"] for row in expected if sent[expected_nonce(row["key"], row["kind"])]}
    missed = {row["key"] for row in expected if row["key"] not in arrived} | set(not_done)
    return Tally(
        expected=len(expected),
        delivered=len(arrived),
        duplicates=duplicates,
        misses=len(missed),
        reminders=sum(1 for row in expected if row["kind"] == "checkin-reminder"),
        by_kind=dict(Counter(row["kind"] for row in expected)),
        not_done=not_done,
    )


def in_doubt(fake: FakeDiscord, database_path: Path, watermark: int) -> tuple[int, int]:
    """After a kill: (claimed occurrences, how many of them Discord had already accepted)."""
    rows = query(database_path, "SELECT key, kind FROM deliveries WHERE state = 'claimed'")
    sent = {nonce for _, nonce in bot_messages_since(fake, watermark)}
    leaf = [row for row in rows if row["kind"] in SENDING_KINDS]
    accepted = sum(1 for row in leaf if expected_nonce(row["key"], row["kind"]) in sent)
    return len(rows), accepted
