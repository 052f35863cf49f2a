"""What check-ins will send one member later, for /me reminders: this week's reminder (made
for each member only when it is due, so listed from its pending parent) and a DM prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import guilds
from bot.checks import in_cohort
from bot.member_sends import MemberSend, before_fan_out, own, pending_for_member, pending_parents
from cogs.checkins import store
from cogs.checkins.jobs import REMINDER, REMINDERS
from cogs.checkins.jobs_delivery import DM_PROMPT
from cogs.checkins.weeks import week_title

if TYPE_CHECKING:
    from bot.client import HammingBot


async def member_sends(bot: HammingBot, guild_id: int, user_id: int) -> list[MemberSend]:
    guild = bot.get_guild(guild_id)
    member = guild.get_member(user_id) if guild else None
    cohort = await guilds.get_guild_settings(bot.db, guild_id)
    if member is None or not in_cohort(member, cohort.cohort_role_id):
        return []
    sends: list[MemberSend] = []
    for occurrence in await pending_for_member(bot, guild_id, user_id, (DM_PROMPT, REMINDER)):
        round_ = await store.get_round(bot.db, int(occurrence.payload["round_id"]))
        if round_ is not None:
            what = "prompt by DM" if occurrence.kind == DM_PROMPT.name else "reminder"
            sends.append(own(occurrence, f"{week_title(round_.week)}: check-in {what}", "Skip"))
    for parent in await pending_parents(bot, guild_id, REMINDERS):
        round_ = await store.get_round(bot.db, int(parent.payload["round_id"]))
        if round_ is None or await store.get_answer(bot.db, round_.id, user_id) is not None:
            continue
        if user_id in await store.list_skipping_user_ids(bot.db, guild_id, round_.week):
            continue
        what = f"{week_title(round_.week)}: check-in reminder (if you have not answered)"
        if send := await before_fan_out(
            bot, REMINDER, REMINDER.key(round_.id, user_id), parent.due_at, what, "Skip"
        ):
            sends.append(send)
    return sends
