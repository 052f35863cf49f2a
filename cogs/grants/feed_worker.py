"""Parsing a fetched feed in a fresh child process with a time limit and a memory cap.

Parsing hostile iCalendar on the event loop froze the whole bot (no gateway heartbeat, no
deliveries, no /healthz) for as long as dateutil cared to run. A thread cannot be stopped, and a
process pool's worker cannot be stopped per task, so every parse gets its own process:
`python -m cogs.grants.feed_worker ZONE NOW MEMORY` reads the body on stdin and writes JSON on
stdout. The parent kills it at the time limit; RLIMIT_AS caps its memory. Only plain data
comes back, and it is checked again (feed_parse.from_json) before it is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cogs.grants.feed_parse import FeedError, ParsedFeed, from_json, parse_calendar, to_json
from cogs.grants.logic import GrantError

log = logging.getLogger(__name__)

TIME_LIMIT_SECONDS = 10.0
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
MAX_OUTPUT_BYTES = 4 * 1024 * 1024
EXIT_MEMORY = 3
# The folder that holds the `cogs` package, so `-m cogs.grants.feed_worker` imports whatever
# the working directory (python -m bot in Docker, pytest, a checkout).
_ROOT = Path(__file__).resolve().parents[2]
_PASSED_ENV = frozenset({"PATH", "PYTHONPATH", "PYTHONHOME", "TZDIR", "LANG", "LC_ALL", "TMPDIR"})


async def parse_in_worker(
    body: bytes,
    zone: ZoneInfo,
    now: datetime,
    *,
    time_limit: float = TIME_LIMIT_SECONDS,
    memory_limit: int = MEMORY_LIMIT_BYTES,
) -> ParsedFeed:
    """parse_calendar in a child process; FeedError in plain words if it fails or overruns."""
    # Only what Python needs: the worker reads hostile input and has no use for the bot's secrets.
    env = {k: v for k, v in os.environ.items() if k in _PASSED_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cogs.grants.feed_worker",
        zone.key,
        now.isoformat(),
        str(memory_limit),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        async with asyncio.timeout(time_limit):
            out, err = await process.communicate(body)
    except TimeoutError:
        raise FeedError(
            f"Reading the feed took longer than {time_limit:.0f} s, the most I allow, so I"
            " stopped. It may repeat an event in a way that never ends; ask its publisher,"
            " or import a simpler feed."
        ) from None
    finally:
        # Stopped at the limit, or the command was cancelled: the child must not outlive it.
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if process.returncode == EXIT_MEMORY:
        raise FeedError(
            f"Reading the feed needed more than {memory_limit // (1024 * 1024)} MiB of memory,"
            " the most I allow, so I stopped."
        )
    if process.returncode != 0 or len(out) > MAX_OUTPUT_BYTES:
        log.warning(
            "feed worker exited with %s: %s",
            process.returncode,
            err.decode(errors="replace")[-500:],
        )
        raise FeedError("The feed could not be read (its reader stopped unexpectedly).")
    try:
        data = json.loads(out)
    except ValueError as exc:
        raise _nonsense(exc) from None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        # Outside the try: a FeedError is a ValueError (a DomainError) and must pass as it is.
        raise FeedError(data["error"][:500])
    try:
        return from_json(data)
    except (ValueError, TypeError, GrantError) as exc:
        raise _nonsense(exc) from None


def _nonsense(exc: Exception) -> FeedError:
    log.warning("feed worker answered something unexpected: %s", exc)
    return FeedError("The feed could not be read (its reader answered nonsense).")


def _limit_memory(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: list[str]) -> int:
    zone_name, now_text, memory_text = argv
    _limit_memory(int(memory_text))
    try:
        body = sys.stdin.buffer.read()
        parsed = parse_calendar(body, ZoneInfo(zone_name), now=datetime.fromisoformat(now_text))
        output = json.dumps(to_json(parsed))
    except FeedError as exc:
        output = json.dumps({"error": str(exc)})
    except MemoryError:
        return EXIT_MEMORY
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
