"""Write-up buttons: "Request feedback" (opens feedback swaps' draft form, pre-filled) and the
remove confirmation. DynamicItems whose custom ids carry the write-up id, so they work after
a restart; each acts only for the write-up's author."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

import discord
from discord.utils import escape_markdown

from bot.checks import require_guild
from bot.ui import FromCustomId, HammingView, UserError, reports_errors
from cogs.writeups.logic import FEATURE_NAME

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.writeups.feature import WriteupsFeature

# Feedback swaps' package name: write-ups find it through the core, never by importing it.
FEEDBACK_FEATURE = "feedback_swaps"


class DraftForms(Protocol):
    """What write-ups use of feedback swaps: its draft form, pre-filled, tagged with an
    origin that comes back in its "feedback_draft_created" event."""

    async def draft_form(
        self, guild_id: int, user_id: int, *, title: str, link: str, origin: str
    ) -> discord.ui.Modal: ...


def _feature(interaction: discord.Interaction[HammingBot]) -> WriteupsFeature:
    feature = interaction.client.features.get(FEATURE_NAME)
    if feature is None:
        raise UserError("Write-ups are not running right now; try again in a minute.")
    return cast("WriteupsFeature", feature)


class RequestFeedbackButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"wu:fb:(?P<writeup_id>\d+)",
):
    """Opens `/feedback request`'s form with the write-up's title and link filled in."""

    def __init__(self, writeup_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Request feedback",
                style=discord.ButtonStyle.primary,
                custom_id=f"wu:fb:{writeup_id}",
            )
        )
        self.writeup_id = writeup_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        guild = require_guild(interaction)
        w = await _feature(interaction).service.own(
            guild.id, interaction.user.id, str(self.writeup_id)
        )
        swaps = interaction.client.features.get(FEEDBACK_FEATURE)
        if swaps is None or not hasattr(swaps, "draft_form"):
            raise UserError(
                "Feedback swaps are not running in this server's bot, so there is no draft "
                "form to open. Ask a moderator."
            )
        form = await cast(DraftForms, swaps).draft_form(
            guild.id,
            interaction.user.id,
            title=w.title,
            link=w.link or "",
            origin=f"{FEATURE_NAME}:{w.id}",
        )
        await interaction.response.send_modal(form)


class RemoveButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"wu:rm:(?P<writeup_id>\d+):(?P<user_id>\d+):(?P<answer>yes|no)",
):
    """Confirms (or cancels) removing a write-up; only its author may answer."""

    def __init__(self, writeup_id: int, user_id: int, answer: str) -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label="Remove it" if yes else "Keep it",
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=f"wu:rm:{writeup_id}:{user_id}:{answer}",
            )
        )
        self.writeup_id = writeup_id
        self.user_id = user_id
        self.answer = answer

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        if interaction.user.id != self.user_id:
            raise UserError("This confirmation belongs to the member who asked for it.")
        guild = require_guild(interaction)
        if self.answer == "no":
            await interaction.response.edit_message(content="Kept; nothing changed.", view=None)
            return
        removed = await _feature(interaction).service.remove(
            guild.id, interaction.user.id, self.writeup_id
        )
        text = (
            f"Removed **{escape_markdown(removed.title)}**."
            if removed is not None
            else "That write-up was already removed."
        )
        await interaction.response.edit_message(content=text, view=None)


DYNAMIC_ITEMS = (RequestFeedbackButton, RemoveButton)


def request_view(writeup_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(RequestFeedbackButton(writeup_id))
    return view


def remove_view(writeup_id: int, user_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(RemoveButton(writeup_id, user_id, "yes"))
    view.add_item(RemoveButton(writeup_id, user_id, "no"))
    return view
