"""What a feature will send one member later, for /me reminders, and stopping one of them.

A feature's per-member sends are ledger occurrences that name their member (`user_id`), or,
for sends fanned out only when they are due (a check-in reminder, a session reminder, a grant
reminder), a pending parent whose child for this member will be keyed in advance. Stopping
cancels the member's occurrence, or records the child's key as cancelled before the fan-out
makes it: `schedule` is idempotent by key, so the fan-out then adds nothing for them.

A reminder's `ref` (carried in a button's custom id) is a short hash of its key: it names
nothing, and a stop is only honoured when the key is among the presser's own pending sends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot import ledger
from bot.errors import DomainError
from bot.features import PendingReminder
from bot.ledger import Occurrence
from bot.scheduler import Kind

if TYPE_CHECKING:
    from bot.client import HammingBot


class NotPending(DomainError):
    """The reminder was sent or stopped meanwhile, or is not the presser's."""


def send_ref(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:20]


async def pending_for_member(
    bot: HammingBot, guild_id: int, user_id: int, kinds: Collection[Kind]
) -> list[Occurrence]:
    """The member's own pending occurrences of `kinds` in the server, soonest first."""
    names = [kind.name for kind in kinds]
    return await ledger.list_pending_for_member(bot.db, guild_id, user_id, names)


async def pending_parents(bot: HammingBot, guild_id: int, kind: Kind) -> list[Occurrence]:
    """The server's pending occurrences of a parent kind (whose children are made when due)."""
    return await ledger.list_pending_of_kind(bot.db, guild_id, kind.name)


async def cancel_own(bot: HammingBot, user_id: int, key: str) -> None:
    """Cancel one of the member's pending occurrences; refused if it is not theirs."""
    async with bot.db.transaction() as tx:
        changed = await ledger.cancel_pending_of_member(tx, key, user_id)
    if changed == 0:
        raise NotPending("That reminder was already sent or stopped.")


async def suppress_child(
    bot: HammingBot,
    child_key: str,
    child: Kind,
    due_at: datetime,
    *,
    guild_id: int,
    user_id: int,
) -> None:
    """Key the member's child of a not-yet-fanned-out parent as cancelled, so the fan-out
    sends them nothing; if the child exists already (pending), cancel it."""
    async with bot.db.transaction():
        await bot.scheduler.schedule(
            child_key, child, due_at, guild_id=guild_id, user_id=user_id, payload={"stopped": True}
        )
        await bot.scheduler.cancel(key=child_key)


@dataclass(frozen=True)
class MemberSend:
    """One entry of /me reminders and how to stop it: cancel the member's own occurrence
    (`child` None), or key the member's child of a pending parent as cancelled."""

    item: PendingReminder
    key: str
    child: Kind | None = None


def own(occurrence: Occurrence, what: str, stop: str = "Stop") -> MemberSend:
    """A pending occurrence that names the member."""
    return MemberSend(
        PendingReminder(send_ref(occurrence.key), what, occurrence.due_at, stop), occurrence.key
    )


async def before_fan_out(
    bot: HammingBot, child: Kind, child_key: str, due_at: datetime, what: str, stop: str = "Stop"
) -> MemberSend | None:
    """The member's share of a parent that fans out when due, while their child is not yet
    made (once it exists, pending, it is listed as their own; stopped or sent, not at all)."""
    if await ledger.get_occurrence(bot.db, child_key) is not None:
        return None
    return MemberSend(PendingReminder(send_ref(child_key), what, due_at, stop), child_key, child)


async def stop_send(
    bot: HammingBot, guild_id: int, user_id: int, sends: Sequence[MemberSend], ref: str
) -> str:
    """Stop the member's send named by `ref` (found among their own sends only)."""
    for send in sends:
        if send.item.ref != ref:
            continue
        if send.child is None:
            await cancel_own(bot, user_id, send.key)
        else:
            assert send.item.due_at is not None
            await suppress_child(
                bot, send.key, send.child, send.item.due_at, guild_id=guild_id, user_id=user_id
            )
        return send.item.what
    raise NotPending("That reminder was already sent or stopped.")


class ListsMemberSends:
    """A FeatureCog mixin: /me reminders' two hooks from the feature's `member_sends`.

    Put it before FeatureCog in the bases (`class XFeature(ListsMemberSends, FeatureCog)`), so
    the core sees the hooks as implemented.
    """

    bot: HammingBot

    async def member_sends(self, guild_id: int, user_id: int) -> list[MemberSend]:
        raise NotImplementedError

    async def member_reminders(self, guild_id: int, user_id: int) -> Sequence[PendingReminder]:
        return [send.item for send in await self.member_sends(guild_id, user_id)]

    async def stop_member_reminder(self, guild_id: int, user_id: int, ref: str) -> str:
        sends = await self.member_sends(guild_id, user_id)
        return await stop_send(self.bot, guild_id, user_id, sends, ref)
