"""Confirmation buttons that work only for the person who asked, and only for five minutes.

Everything the button needs is in its custom_id, so it keeps working (or says it expired)
across restarts instead of failing silently.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.checks import ensure_moderator, hamming
from bot.client import HammingBot
from bot.clock import to_unix
from bot.ui import PersistentButton, reports_errors
from cogs.admin.logic import CONFIRM_SECONDS, confirmation_state

ConfirmAction = Callable[[discord.Interaction[HammingBot], str], Awaitable[None]]
# action name -> what to do once confirmed (argument from the custom_id)
ACTIONS: dict[str, ConfirmAction] = {}
# Actions that change server settings: the presser must still be a moderator when pressing
# (the role can be taken away in the five minutes between the command and the press).
MODERATOR_ACTIONS: set[str] = set()


def register_action(name: str, action: ConfirmAction, *, moderators_only: bool) -> None:
    """What a confirmation button named `name` does; every caller decides who may press it."""
    ACTIONS[name] = action
    if moderators_only:
        MODERATOR_ACTIONS.add(name)
    else:
        MODERATOR_ACTIONS.discard(name)


class ConfirmButton(
    PersistentButton,
    template=r"confirm:(?P<action>[a-z-]+):(?P<owner>\d+):(?P<expires>\d+):(?P<arg>[\w-]*)",
):
    def __init__(self, action: str, owner_id: int, expires: int, arg: str, label: str) -> None:
        super().__init__(
            f"confirm:{action}:{owner_id}:{expires}:{arg}", label, discord.ButtonStyle.danger
        )
        self.action = action
        self.owner_id = owner_id
        self.expires = expires
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ConfirmButton:
        label = getattr(item, "label", None) or "Confirm"
        return cls(match["action"], int(match["owner"]), int(match["expires"]), match["arg"], label)

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        now = to_unix(hamming(interaction).clock.now())
        state = confirmation_state(self.owner_id, interaction.user.id, self.expires, now)
        if state == "not-yours":
            await interaction.response.send_message(
                f"This confirmation belongs to <@{self.owner_id}>; only they can press it.",
                ephemeral=True,
            )
            return
        if state == "expired":
            await interaction.response.edit_message(
                content="This confirmation expired (they last five minutes). Nothing was"
                " changed; run the command again if you still want to.",
                view=None,
            )
            return
        action = ACTIONS.get(self.action)
        if action is None:
            await interaction.response.edit_message(content="This button is outdated.", view=None)
            return
        if self.action in MODERATOR_ACTIONS:
            await ensure_moderator(interaction)  # refuses ephemerally; nothing is changed
        await action(interaction, self.arg)


def confirm_view(
    interaction: discord.Interaction[HammingBot], action: str, label: str, arg: str = ""
) -> discord.ui.View:
    expires = to_unix(hamming(interaction).clock.now()) + CONFIRM_SECONDS
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(action, interaction.user.id, expires, arg, label))
    return view
