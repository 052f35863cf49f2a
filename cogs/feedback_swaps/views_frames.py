"""Frames and checklist UI: the reviewer's checklist select (after "Yes") and the moderators'
forms for the field list and the checklist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.checks import ensure_moderator, require_guild
from bot.ui import FromCustomId, HammingModal, HammingView, UserError, reports_errors
from cogs.feedback_swaps.frames import MAX_POINTS, POINT_MAX
from cogs.feedback_swaps.logic import MAX_TOPICS
from cogs.feedback_swaps.views import MODAL_TIMEOUT, _feature, _replace_message

if TYPE_CHECKING:
    from bot.client import HammingBot


class ChecklistSelect(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"fb:ticks:(?P<assignment_id>\d+)",
):
    """The reviewer ticks the checklist points their feedback covered (any number, once).

    Rebuilt from its custom id after a restart without its options: the picked values come
    with the interaction and are checked against the server's current checklist."""

    def __init__(self, assignment_id: int, points: Sequence[str] = ()) -> None:
        options = [discord.SelectOption(label=p[:POINT_MAX], value=p[:POINT_MAX]) for p in points]
        super().__init__(
            discord.ui.Select(
                custom_id=f"fb:ticks:{assignment_id}",
                placeholder="Optional: which checklist points did your feedback cover?",
                min_values=1,
                max_values=max(1, len(options)),
                options=options or [discord.SelectOption(label="(none)", value="(none)")],
            )
        )
        self.assignment_id = assignment_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        data: Any = interaction.data or {}
        values = [str(v) for v in data.get("values", [])]
        text = await _feature(interaction).frames.tick(
            self.assignment_id, interaction.user.id, values
        )
        await _replace_message(interaction, text, keep_buttons=False)


def checklist_view(assignment_id: int, points: Sequence[str]) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(ChecklistSelect(assignment_id, points))
    return view


class ListModal(HammingModal, title="Feedback swaps"):
    """A moderator's one-item-per-line form, pre-filled with the current list: the field list
    or the review checklist (`what` names which; saving is the service's)."""

    def __init__(self, what: str, current: Sequence[str]) -> None:
        super().__init__(timeout=MODAL_TIMEOUT, title=LIST_FORMS[what][0])
        self.what = what
        self.entries: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=LIST_FORMS[what][1],
            style=discord.TextStyle.paragraph,
            # Too many or too long items get a clear refusal from the service, not a cut.
            max_length=4000,
            required=what == "fields",  # an empty checklist turns it off
            default="\n".join(current),
        )
        self.add_item(self.entries)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        if not await ensure_moderator(interaction):  # the form outlives the command's check
            raise UserError(f"Only moderators can edit the {LIST_FORMS[self.what][2]}.")
        guild = require_guild(interaction)
        frames = _feature(interaction).frames
        save = frames.save_fields if self.what == "fields" else frames.save_checklist
        text = await save(guild.id, interaction.user.id, self.entries.value)
        await interaction.response.send_message(text, ephemeral=True)


# what -> (form title, input label, what a refusal calls it)
LIST_FORMS = {
    "fields": (
        "Fields (members' backgrounds)",
        f"One field per line (up to {MAX_TOPICS})",
        "list of fields",
    ),
    "checklist": (
        "Review checklist",
        f"One point per line (up to {MAX_POINTS}; empty: none)",
        "review checklist",
    ),
}
