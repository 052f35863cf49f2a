"""Agenda components: the four-part modal and the persistent blank-slate button.

The button is a DynamicItem whose custom_id carries the server, so it works after a restart
and from a check-in prompt (the check-ins add it on blank-slate rounds, see api.py). It reaches
the feature through `bot.features`, so this module imports no service at run time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.checks import hamming
from bot.client import HammingBot
from bot.ui import FromCustomId, HammingModal, UserError, reports_errors
from cogs.agenda.logic import FEATURE_NAME, PART_MAX, PARTS, Agenda

if TYPE_CHECKING:
    from cogs.agenda.cog import AgendaCog
    from cogs.agenda.messages import Reply

MODAL_TIMEOUT = 3 * 60 * 60.0  # long enough to think an agenda through
BLANK_SLATE_LABEL = "Rewrite my agenda from a blank slate"


def _feature(interaction: discord.Interaction[HammingBot]) -> AgendaCog:
    feature = hamming(interaction).features.get(FEATURE_NAME)
    if feature is None:
        raise UserError("Agendas are not available right now; try again in a minute.")
    return cast("AgendaCog", feature)


async def send_reply(interaction: discord.Interaction[HammingBot], reply: Reply) -> None:
    """An ephemeral answer, with its file when it has one."""
    file = reply.file()
    if file is None:
        await interaction.response.send_message(reply.content, ephemeral=True)
    else:
        await interaction.response.send_message(reply.content, file=file, ephemeral=True)


async def open_agenda_modal(
    interaction: discord.Interaction[HammingBot], guild_id: int, *, blank_slate: bool
) -> None:
    """The agenda form: pre-filled with the current version, or empty for a blank slate."""
    agendas = _feature(interaction).agendas
    current = None if blank_slate else await agendas.current(guild_id, interaction.user.id)

    async def submit(submitted: discord.Interaction[HammingBot], values: Sequence[str]) -> None:
        reply = await agendas.save(guild_id, submitted.user.id, values, blank_slate=blank_slate)
        await send_reply(submitted, reply)

    modal = AgendaModal(current.agenda if current else None, submit, blank_slate=blank_slate)
    await interaction.response.send_modal(modal)


SubmitParts = Callable[[discord.Interaction[HammingBot], Sequence[str]], Awaitable[None]]


class AgendaModal(HammingModal):
    """One paragraph field per part (up to 4,000 characters each), pre-filled when given."""

    def __init__(
        self, current: Agenda | None, on_parts: SubmitParts, *, blank_slate: bool = False
    ) -> None:
        title = "Your agenda, from a blank slate" if blank_slate else "Your research agenda"
        super().__init__(title=title, timeout=MODAL_TIMEOUT)
        self._on_parts = on_parts
        self.inputs: list[discord.ui.TextInput[Any]] = []
        texts = current.texts() if current else ("",) * len(PARTS)
        for part, text in zip(PARTS, texts, strict=True):
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                style=discord.TextStyle.paragraph,
                custom_id=f"agenda-{part.key}",
                required=False,
                max_length=PART_MAX,
                default=text or None,
            )
            self.inputs.append(text_input)
            self.add_item(
                discord.ui.Label(
                    text=part.label, description=part.description, component=text_input
                )
            )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._on_parts(interaction, [text_input.value for text_input in self.inputs])


class BlankSlateButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"agenda:blank:(?P<guild_id>\d+)",
):
    """On a blank-slate check-in prompt: opens the agenda form empty."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=BLANK_SLATE_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id=f"agenda:blank:{guild_id}",
            )
        )
        self.guild_id = guild_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await open_agenda_modal(interaction, self.guild_id, blank_slate=True)
