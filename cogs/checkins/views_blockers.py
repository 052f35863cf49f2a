"""The **I can help** button under each gathered blocker.

A DynamicItem whose custom id carries the round id and the asking member's id, so it works
after a restart; the blocker itself is read again from the database on each press.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.checks import hamming
from bot.client import HammingBot
from bot.ui import FromCustomId, HammingView, UserError, reports_errors
from cogs.checkins.blockers import Blocker, button_label
from cogs.checkins.logic import FEATURE_NAME

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

SNOWFLAKE_MAX = (1 << 63) - 1  # what SQLite (and Discord) can hold


class HelpButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"checkin:help:(?P<round_id>\d{1,20}):(?P<asker_id>\d{1,20})",
):
    """Connects the member who presses it with the member whose blocker it is under."""

    def __init__(self, round_id: int, asker_id: int, label: str = "I can help") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"checkin:help:{round_id}:{asker_id}",
            )
        )
        self.round_id = round_id
        self.asker_id = asker_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        if not (0 < self.round_id <= SNOWFLAKE_MAX and 0 < self.asker_id <= SNOWFLAKE_MAX):
            raise UserError("This button is not one of mine; nothing was done.")
        feature = hamming(interaction).features.get(FEATURE_NAME)
        if feature is None:
            raise UserError("Check-ins are not running right now; try again in a minute.")
        await cast("CheckinsCog", feature).blockers.offer(interaction, self.round_id, self.asker_id)


def blockers_view(round_id: int, part: Sequence[Blocker]) -> HammingView:
    view = HammingView(timeout=None)
    for blocker in part:
        view.add_item(HelpButton(round_id, blocker.user_id, button_label(blocker)))
    return view
