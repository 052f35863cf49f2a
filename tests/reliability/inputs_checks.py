"""Running one bad-input case and judging it: answered, no crash, no ping, no change on refusal."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fake_discord.harness import InteractionResult, InteractionTimeout
from tests.fake_discord.records import RequestRecord
from tests.reliability.inputs_world import UNKNOWN_ERROR, World, dump, result_text, settle

# Rows that change without any command: none today. The ledger's timestamps would be the first
# candidates (the scheduler claims due rows), but the ManualClock stands still during these
# tests, so nothing becomes due and the whole database is compared.
VOLATILE_TABLES: tuple[str, ...] = ()
TRACEBACK = "Traceback (most recent call last)"
SENDS = ("/messages", "/callback", "/webhooks/")


@dataclass
class Tally:
    tried: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0  # entries Discord's client would not send (e.g. empty into a required field)
    failures: list[str] = field(default_factory=list)
    by_command: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.tried} cases tried: {self.accepted} accepted, {self.rejected} rejected,"
            f" {self.skipped} not sendable, {len(self.failures)} failures"
        )


def ping_problems(record: RequestRecord, foreign_user: int | None) -> list[str]:
    """Why a request that sends a message could ping @everyone, @here, a role, or an echoed user."""
    body = record.json
    if record.method not in ("POST", "PATCH") or not isinstance(body, dict):
        return []
    if not any(part in record.path for part in SENDS):
        return []
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    assert isinstance(data, dict)
    content = data.get("content")
    if not content:
        return []
    mentions = data.get("allowed_mentions")
    where = f"{record.method} {record.path}"
    if mentions is None:
        return [f"{where} sends content without allowed_mentions (Discord parses every mention)"]
    problems = []
    parse = mentions.get("parse") or []
    if "everyone" in parse:
        problems.append(f"{where} allows @everyone/@here: {mentions}")
    if "roles" in parse or mentions.get("roles"):
        problems.append(f"{where} allows role pings: {mentions}")
    echoed = foreign_user is not None and f"<@{foreign_user}>" in content
    if echoed and ("users" in parse or str(foreign_user) in map(str, mentions.get("users") or [])):
        problems.append(f"{where} pings <@{foreign_user}> typed in by someone else")
    return problems


async def run_case(
    world: World,
    tally: Tally,
    label: str,
    act: Callable[[], Awaitable[InteractionResult]],
    *,
    foreign_user: int | None,
) -> InteractionResult | None:
    """Run ``act`` (one interaction with one bad input) and record what went wrong, if anything."""
    # Sends an earlier accepted case made due now (e.g. a grant's "deadline moved" notice) are
    # finished first, so the ledger moving under them is not taken for this case's change.
    await world.bot.scheduler.run_due()
    before = dump(world.db_path, VOLATILE_TABLES)
    first_request = len(world.fake.requests)
    first_log = len(world.log_records)
    world.faults.clear()
    tally.tried += 1
    problems: list[str] = []
    result: InteractionResult | None = None
    try:
        result = await settle(await act())
    except InteractionTimeout as exc:
        problems.append(f"unanswered: {exc}")
    text = result_text(result) if result is not None else ""
    sent = world.fake.requests[first_request:]
    bodies = [json.dumps(r.json, ensure_ascii=False) for r in sent if r.json is not None]
    if UNKNOWN_ERROR in text or any(UNKNOWN_ERROR in b for b in bodies):
        problems.append(f"unknown-error reply: {text[:300]!r}")
    if any(TRACEBACK in b for b in bodies):
        problems.append("a Python traceback reached Discord")
    for record in world.log_records[first_log:]:
        if record.levelno >= logging.ERROR:
            problems.append(f"logged {record.levelname}: {record.getMessage()[:200]}")
    for request in sent:
        problems += ping_problems(request, foreign_user)
        if request.status >= 400 and request.status != 404:
            problems.append(f"Discord refused {request.method} {request.path}: {request.status}")
    violations = world.fake.pop_violations()
    problems += [f"contract violation: {v}" for v in violations]
    rejected = any(user_fault for _, user_fault in world.faults)
    if rejected:
        tally.rejected += 1
        after = dump(world.db_path, VOLATILE_TABLES)
        if after != before:
            changed = sorted(set(after) ^ set(before))[:4]
            problems.append(f"database changed although the input was refused: {changed}")
        if result is not None and not _ephemeral_error(result, world.faults):
            problems.append(f"refusal not ephemeral: {text[:200]!r}")
    elif result is not None:
        tally.accepted += 1
    tally.by_command[label.split(" <")[0]] = tally.by_command.get(label.split(" <")[0], 0) + 1
    tally.failures += [f"{label}: {p}" for p in problems]
    return result


def _ephemeral_error(result: InteractionResult, faults: list[tuple[str, bool]]) -> bool:
    texts = [t for t, _ in faults]
    messages = ([result.message] if result.message else []) + result.followups
    shown = [m for m in messages if any(t and t in (m.content or "") for t in texts)]
    if not shown and result.type == 4:
        return result.ephemeral
    return bool(shown) and all(m.ephemeral for m in shown)


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "...'"
