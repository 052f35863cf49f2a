"""Buttons about one member's application: the decision answers in the DM and "Ask the cohort
to review this application". DynamicItems whose custom_id carries the application id (and the
question's number), so they work after a restart; each acts only for the member who applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

import discord

from bot.ui import FromCustomId, HammingView, UserError, reports_errors
from cogs.grants.applications import Application
from cogs.grants.logic import FEATURE_NAME

if TYPE_CHECKING:
    from bot.client import HammingBot
    from cogs.grants.service_applications import ApplicationService

DECISION_LABELS = {
    "funded": ("Funded", discord.ButtonStyle.success),
    "declined": ("Declined", discord.ButtonStyle.secondary),
    "waiting": ("Still waiting", discord.ButtonStyle.primary),
    "withdrawn": ("Withdrawn", discord.ButtonStyle.secondary),
}
# The feature whose draft form the review button opens; only its name and this one method are
# known here (features never import each other).
FEEDBACK_FEATURE = "feedback_swaps"


class DraftForms(Protocol):
    async def draft_form(self, guild_id: int, user_id: int, *, title: str) -> discord.ui.Modal: ...


class HasApplications(Protocol):
    applications: ApplicationService


def _service(interaction: discord.Interaction[HammingBot]) -> ApplicationService:
    feature = interaction.client.features.get(FEATURE_NAME)
    if feature is None:
        raise UserError("Grant deadlines are not running right now; try again in a minute.")
    return cast("HasApplications", feature).applications


class DecisionButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"ga:(?P<app_id>\d+):(?P<ask>\d+):(?P<answer>funded|declined|waiting|withdrawn)",
):
    """One answer to "how did your application go?"; the question's number makes a press on
    an older, already answered DM say so instead of changing anything."""

    def __init__(self, app_id: int, ask: int, answer: str) -> None:
        label, style = DECISION_LABELS[answer]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"ga:{app_id}:{ask}:{answer}")
        )
        self.app_id, self.ask, self.answer = app_id, ask, answer

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        service = _service(interaction)
        _app, text = await service.answer(self.app_id, self.ask, interaction.user.id, self.answer)
        await interaction.response.edit_message(content=text, view=None)


class ReviewButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"ga:review:(?P<app_id>\d+)",
):
    """Opens /feedback request's form, titled "Application: <grant>", for the cohort's eyes."""

    def __init__(self, app_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Ask the cohort to review this application",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ga:review:{app_id}",
            )
        )
        self.app_id = app_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        if interaction.guild_id is None:
            raise UserError("Ask for a review from the server, with `/grants applications`.")
        app = await _service(interaction).own(self.app_id, interaction.user.id)
        forms = interaction.client.features.get(FEEDBACK_FEATURE)
        if forms is None or not hasattr(forms, "draft_form"):
            raise UserError("Feedback swaps are not running here, so there is no one to ask yet.")
        modal = await cast("DraftForms", forms).draft_form(
            interaction.guild_id, interaction.user.id, title=f"Application: {app.grant_name}"
        )
        await interaction.response.send_modal(modal)


def decision_view(app: Application) -> HammingView:
    view = HammingView(timeout=None)
    for answer in ("funded", "declined", "waiting", "withdrawn"):
        view.add_item(DecisionButton(app.id, app.ask_rev, answer))
    return view


def review_view(app: Application) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(ReviewButton(app.id))
    return view


APPLICATION_ITEMS = (DecisionButton, ReviewButton)
