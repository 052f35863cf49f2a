"""Everything the bot holds about a member, across features: export it, or forget it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import members

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


async def export_member(bot: HammingBot, guild_id: int, user_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "server_id": str(guild_id),
        "member_id": str(user_id),
        "exported_at": bot.clock.now().isoformat(),
        "core": await members.export_core(bot.db, guild_id, user_id),
    }
    for feature in bot.features_with("export_member"):
        data[feature.name] = await feature.export_member(guild_id, user_id)
    return data


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()


@dataclass(frozen=True)
class ForgetSummary:
    rows: int
    cleanup_failures: int


async def forget_member(bot: HammingBot, guild_id: int, user_id: int) -> ForgetSummary:
    """Delete every row about the member in one transaction, then clean up on Discord.

    Discord clean-up (deleting their answer messages, re-matching their reviews) runs only
    after the database committed, so a failure there never leaves half-forgotten data.
    """
    cleanups = []
    async with bot.db.transaction() as tx:
        rows = await members.forget_core(tx, guild_id, user_id)
        for feature in bot.features_with("forget_member"):
            forgotten = await feature.forget_member(tx, guild_id, user_id)
            rows += forgotten.rows
            if forgotten.after_commit is not None:
                cleanups.append((feature.name, forgotten.after_commit))
    failures = 0
    for name, cleanup in cleanups:
        try:
            await cleanup()
        except Exception:
            failures += 1
            log.exception("forget: %s clean-up for member %s in %s failed", name, user_id, guild_id)
    log.info("forgot member %s in guild %s (%d rows)", user_id, guild_id, rows)
    return ForgetSummary(rows, failures)
