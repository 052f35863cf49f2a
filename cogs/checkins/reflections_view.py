"""The Hamming loop's buttons: marking last week's plan, a one-line why, Hamming's question
and the blocker-sharing toggle, on the post-check-in message and in the reminder DM.

Every button is a DynamicItem whose custom id carries the round, the member it belongs to,
the value and the surface it is on (`a`: after answering, `r`: a reminder or DM prompt, whose
message also has Check in and I'm away), so a click after a restart redraws the same
message. Only that member may click; the rest is read from the database on each click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord

from bot.checks import hamming
from bot.client import HammingBot
from bot.ui import FromCustomId, HammingModal, HammingView, UserError, reports_errors
from cogs.checkins.logic import FEATURE_NAME
from cogs.checkins.messages_reflections import FollowupState, followup_embed
from cogs.checkins.reflections import (
    ON_PATH_LABELS,
    ON_PATH_VALUES,
    PLAN_MARK_LABELS,
    PLAN_MARKS,
    WHY_MAX,
)
from cogs.checkins.views import AwayButton, CheckInButton

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog
    from cogs.checkins.service_reflections import Reflections

AFTER_ANSWER, REMINDER = "a", "r"
NOT_YOURS = (
    "This belongs to the member it was sent to, so it is theirs to mark; nothing changed."
    " Your own plan is on the message you get after `/checkin answer`."
)


def _reflections(interaction: discord.Interaction[HammingBot]) -> Reflections:
    feature = hamming(interaction).features.get(FEATURE_NAME)
    if feature is None:
        raise UserError("Check-ins are not running right now; try again in a minute.")
    return cast("CheckinsCog", feature).reflections


def _check_member(interaction: discord.Interaction[HammingBot], user_id: int) -> None:
    if interaction.user.id != user_id:
        raise UserError(NOT_YOURS)


def plan_followup(
    state: FollowupState, surface: str = REMINDER
) -> tuple[discord.Embed, HammingView]:
    """The plan in full with its mark buttons (and, after answering, Hamming's question and
    the blocker toggle), for one member and round. For a DM (reminder or prompt), `surface`
    REMINDER puts Check in and I'm away on the first row."""
    after = surface == AFTER_ANSWER
    view = HammingView(timeout=None)
    if not after:
        view.add_item(CheckInButton(state.round_id))
        view.add_item(AwayButton(state.round_id, state.user_id))
    if state.plan is not None:
        for mark in PLAN_MARKS:
            view.add_item(
                PlanMarkButton(state.round_id, state.user_id, mark, surface, chosen=state.plan_mark)
            )
        if state.plan_mark is not None:
            view.add_item(WhyButton(state.round_id, state.user_id, surface))
    if after:
        for value in ON_PATH_VALUES:
            view.add_item(
                OnPathButton(state.round_id, state.user_id, value, surface, chosen=state.on_path)
            )
        if state.can_share:
            for share in (1, 0):
                view.add_item(
                    ShareButton(
                        state.round_id, state.user_id, share, surface, chosen=state.share_blocker
                    )
                )
    return followup_embed(state, ask_on_path=after), view


async def _redraw(
    interaction: discord.Interaction[HammingBot], state: FollowupState, surface: str
) -> None:
    card, view = plan_followup(state, surface)
    await interaction.response.edit_message(embed=card, view=view)


def _button(label: str, custom_id: str, *, selected: bool, row: int) -> discord.ui.Button[Any]:
    style = discord.ButtonStyle.primary if selected else discord.ButtonStyle.secondary
    return discord.ui.Button(label=label, style=style, custom_id=custom_id, row=row)


class _LoopButton(FromCustomId):
    """A click that saves one answer of the member's reflection and redraws the message."""

    round_id: int
    user_id: int
    surface: str

    async def save(self, reflections: Reflections) -> FollowupState:
        raise NotImplementedError

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        _check_member(interaction, self.user_id)
        state = await self.save(_reflections(interaction))
        await _redraw(interaction, state, self.surface)


class PlanMarkButton(
    _LoopButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"checkin:plan:(?P<round_id>\d+):(?P<user_id>\d+):(?P<mark>[a-z_]+):(?P<surface>[ar])",
):
    """Done / Partly / Not done / Plan changed: records the mark of last week's plan at once."""

    def __init__(
        self, round_id: int, user_id: int, mark: str, surface: str, chosen: str | None = None
    ) -> None:
        custom_id = f"checkin:plan:{round_id}:{user_id}:{mark}:{surface}"
        label = PLAN_MARK_LABELS.get(mark, mark)
        super().__init__(_button(label, custom_id, selected=chosen == mark, row=1))
        self.round_id, self.user_id, self.mark, self.surface = round_id, user_id, mark, surface

    async def save(self, reflections: Reflections) -> FollowupState:
        return await reflections.mark_plan(self.round_id, self.user_id, self.mark)


class OnPathButton(
    _LoopButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"checkin:path:(?P<round_id>\d+):(?P<user_id>\d+):(?P<value>[a-z]+):(?P<surface>[ar])",
):
    """Yes / Partly / No to "did this week's work move your most important problem?"."""

    def __init__(
        self, round_id: int, user_id: int, value: str, surface: str, chosen: str | None = None
    ) -> None:
        custom_id = f"checkin:path:{round_id}:{user_id}:{value}:{surface}"
        label = ON_PATH_LABELS.get(value, value)
        super().__init__(_button(label, custom_id, selected=chosen == value, row=3))
        self.round_id, self.user_id, self.value, self.surface = round_id, user_id, value, surface

    async def save(self, reflections: Reflections) -> FollowupState:
        return await reflections.set_on_path(self.round_id, self.user_id, self.value)


class ShareButton(
    _LoopButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"checkin:share:(?P<round_id>\d+):(?P<user_id>\d+):(?P<share>[01]):(?P<surface>[ar])",
):
    """ "Share my blocker with the cohort" (1) or "Keep it private" (0)."""

    def __init__(
        self, round_id: int, user_id: int, share: int, surface: str, chosen: bool = False
    ) -> None:
        custom_id = f"checkin:share:{round_id}:{user_id}:{share}:{surface}"
        label = "Share my blocker with the cohort" if share else "Keep it private"
        super().__init__(_button(label, custom_id, selected=bool(share) == chosen, row=4))
        self.round_id, self.user_id, self.share, self.surface = round_id, user_id, share, surface

    async def save(self, reflections: Reflections) -> FollowupState:
        return await reflections.set_share(self.round_id, self.user_id, bool(self.share))


class WhyButton(
    FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"checkin:why:(?P<round_id>\d+):(?P<user_id>\d+):(?P<surface>[ar])",
):
    """ "Add a why": a one-field modal for a one-line reason, after the plan is marked."""

    def __init__(self, round_id: int, user_id: int, surface: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Add a why",
                style=discord.ButtonStyle.secondary,
                custom_id=f"checkin:why:{round_id}:{user_id}:{surface}",
                row=2,
            )
        )
        self.round_id, self.user_id, self.surface = round_id, user_id, surface

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        _check_member(interaction, self.user_id)
        reflections = _reflections(interaction)
        state = await reflections.state(self.round_id, self.user_id, check_open=True)
        await interaction.response.send_modal(WhyModal(reflections, state, self.surface))


class WhyModal(HammingModal):
    """One short field: why the plan went as it did (one line, at most WHY_MAX characters)."""

    def __init__(self, reflections: Reflections, state: FollowupState, surface: str) -> None:
        super().__init__(title="Why did the plan go that way?", timeout=30 * 60.0)
        self._reflections, self._state, self._surface = reflections, state, surface
        self.why: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.short,
            custom_id="why",
            required=False,
            max_length=WHY_MAX,
            default=state.plan_note,
        )
        self.add_item(
            discord.ui.Label(
                text="One line (optional)",
                description=f"At most {WHY_MAX} characters; only you and moderators see it.",
                component=self.why,
            )
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        state = await self._reflections.set_why(
            self._state.round_id, self._state.user_id, self.why.value
        )
        await _redraw(interaction, state, self._surface)


DYNAMIC_ITEMS = (PlanMarkButton, OnPathButton, ShareButton, WhyButton)
