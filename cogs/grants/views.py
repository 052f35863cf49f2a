"""Buttons that survive restarts: /grants list pages (and the page they show) and the
/grants remove confirmation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord

from bot.checks import ensure_moderator, require_guild
from bot.ui import HammingView, PersistentButton, ensure_presser, reports_errors
from cogs.grants import store
from cogs.grants.logic import FEATURE_NAME
from cogs.grants.messages import escape, list_embed, list_pages

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.grants.feature import GrantsFeature

log = logging.getLogger(__name__)


async def list_message(
    bot: HammingBot, guild_id: int, page: int, show_past: bool
) -> tuple[discord.Embed, discord.ui.View | None]:
    """A page of /grants list, with Previous/Next buttons when there is more than one."""
    grants = await store.list_grants(bot.db, guild_id)
    pages = list_pages(grants, bot.clock.now(), show_past=show_past)
    shown = pages[min(page, len(pages) - 1)]
    return list_embed(shown), pager(shown.number, shown.count, show_past)


class ListPageButton(PersistentButton, template=r"grants:list:(?P<page>\d+):(?P<past>[01])"):
    """Turns a /grants list message to another page (the list is re-read each time)."""

    def __init__(
        self, page: int, show_past: bool, *, label: str = "Page", disabled: bool = False
    ) -> None:
        super().__init__(
            f"grants:list:{page}:{int(show_past)}",
            label,
            discord.ButtonStyle.secondary,
            disabled=disabled,
        )
        self.page = page
        self.show_past = show_past

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        guild = require_guild(interaction)
        card, view = await list_message(interaction.client, guild.id, self.page, self.show_past)
        await interaction.response.edit_message(embed=card, view=view)


def pager(page: int, count: int, show_past: bool) -> discord.ui.View | None:
    if count <= 1:
        return None
    view = HammingView(timeout=None)
    view.add_item(
        ListPageButton(max(page - 1, 0), show_past, label="◀ Previous", disabled=page == 0)
    )
    view.add_item(
        ListPageButton(
            min(page + 1, count - 1), show_past, label="Next ▶", disabled=page >= count - 1
        )
    )
    return view


class RemoveButton(
    PersistentButton,
    template=r"grants:remove:(?P<grant_id>\d+):(?P<user_id>\d+):(?P<answer>yes|no)",
):
    """Confirms (or cancels) removing a grant; only the moderator who asked may answer."""

    def __init__(self, grant_id: int, user_id: int, answer: str) -> None:
        yes = answer == "yes"
        super().__init__(
            f"grants:remove:{grant_id}:{user_id}:{answer}",
            "Remove it" if yes else "Keep it",
            discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
        )
        self.grant_id = grant_id
        self.user_id = user_id
        self.answer = answer

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        refusal = "This confirmation belongs to the moderator who asked for it."
        ensure_presser(interaction, self.user_id, refusal)
        guild = require_guild(interaction)
        if self.answer == "no":
            await interaction.response.edit_message(content="Kept; nothing changed.", view=None)
            return
        await ensure_moderator(interaction)
        # The feature's service, found through the core (views never import the cog).
        feature = cast("GrantsFeature", interaction.client.features[FEATURE_NAME])
        removed = await feature.service.remove(guild.id, interaction.user.id, self.grant_id)
        text = (
            f"Removed **{escape(removed.name)}**, its pending reminders and its subscriptions."
            if removed is not None
            else "That grant was already removed."
        )
        await interaction.response.edit_message(content=text, view=None)


def remove_view(grant_id: int, user_id: int) -> discord.ui.View:
    view = HammingView(timeout=None)
    view.add_item(RemoveButton(grant_id, user_id, "yes"))
    view.add_item(RemoveButton(grant_id, user_id, "no"))
    return view
