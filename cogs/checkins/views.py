"""Check-in components: the persistent buttons and the answer and question modals.

The buttons are DynamicItems whose custom_id carries the round id (and, for "away", the
member it belongs to), so they work after a restart; everything else is read from the
database when they are clicked. They reach the feature through `bot.features`, so this
module imports no service at run time (the jobs use its views to send the prompt).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.checks import ensure_moderator, hamming
from bot.client import HammingBot
from bot.ui import (
    HammingModal,
    HammingView,
    PersistentButton,
    UserError,
    clip,
    ensure_presser,
    reports_errors,
)
from cogs.checkins.logic import (
    ANSWER_MAX,
    FEATURE_NAME,
    MAX_QUESTIONS,
    QUESTION_FIELD_MAX,
    Question,
    is_required,
    question_field_value,
)
from cogs.checkins.store import Round
from cogs.checkins.weeks import week_title

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog
    from cogs.checkins.service import Answers

MODAL_TIMEOUT = 3 * 60 * 60.0  # long enough to write five thoughtful answers


def _answers(interaction: discord.Interaction[HammingBot]) -> Answers:
    feature = hamming(interaction).features.get(FEATURE_NAME)
    if feature is None:
        raise UserError("Check-ins are not running right now; try again in a minute.")
    return cast("CheckinsCog", feature).answers


async def open_answer_modal(
    interaction: discord.Interaction[HammingBot], answers: Answers, which: Round | int
) -> None:
    """Show the answer modal for a round (an id from a button, or the open round)."""
    form = await answers.answer_form(which, interaction.user.id)
    round_id = form.round_.id

    async def submit(submitted: discord.Interaction[HammingBot], values: Sequence[str]) -> None:
        checked = await answers.check_submission(round_id, submitted.user.id, values)
        await submitted.response.defer(ephemeral=True, thinking=True)
        reply = await answers.submit(checked)
        # Last week's plan and Hamming's question, through the feature (reflections_view
        # imports this module for the reminder's buttons).
        feature = cast("CheckinsCog", hamming(submitted).features.get(FEATURE_NAME))
        card, view = await feature.loop_panel(round_id, submitted.user.id)
        await submitted.followup.send(reply, embed=card, view=view, ephemeral=True)

    modal = AnswerModal(form.round_, form.defaults, form.placeholders, submit)
    await interaction.response.send_modal(modal)


# --- persistent buttons ---------------------------------------------------------------------


class CheckInButton(PersistentButton, template=r"checkin:answer:(?P<round_id>\d+)"):
    """Opens the answer modal for one round; shown on the prompt and in reminders."""

    def __init__(self, round_id: int, *, closed: bool = False) -> None:
        super().__init__(
            f"checkin:answer:{round_id}",
            "Week closed" if closed else "Check in",
            discord.ButtonStyle.secondary if closed else discord.ButtonStyle.primary,
            disabled=closed,
        )
        self.round_id = round_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        await open_answer_modal(interaction, _answers(interaction), self.round_id)


class AwayButton(PersistentButton, template=r"checkin:away:(?P<round_id>\d+):(?P<user_id>\d+)"):
    """In a reminder: "I'm away this week" skips that round for the member it was sent to."""

    def __init__(self, round_id: int, user_id: int) -> None:
        super().__init__(
            f"checkin:away:{round_id}:{user_id}",
            "I'm away this week",
            discord.ButtonStyle.secondary,
        )
        self.round_id = round_id
        self.user_id = user_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        ensure_presser(
            interaction,
            self.user_id,
            "This button belongs to the member the reminder was for. To skip weeks "
            "yourself, use `/checkin skip`.",
        )
        text = await _answers(interaction).skip_round(interaction.user.id, self.round_id)
        await interaction.response.send_message(text, ephemeral=True)


def prompt_view(
    round_id: int, *, closed: bool = False, extra: discord.ui.Item[Any] | None = None
) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(CheckInButton(round_id, closed=closed))
    if extra is not None:  # the agenda's blank-slate button, on the rounds that carry it
        view.add_item(extra)
    return view


def reminder_view(round_id: int, user_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(CheckInButton(round_id))
    view.add_item(AwayButton(round_id, user_id))
    return view


# --- modals ---------------------------------------------------------------------------------

SubmitAnswers = Callable[[discord.Interaction[HammingBot], Sequence[str]], Awaitable[None]]


class AnswerModal(HammingModal):
    """One paragraph field per question: label, the full question as its description."""

    def __init__(
        self,
        round_: Round,
        defaults: Mapping[int, str],
        placeholders: Sequence[str],
        on_answers: SubmitAnswers,
    ) -> None:
        super().__init__(
            title=clip(f"Check-in · {week_title(round_.week).split(' · ')[0]}", 45),
            timeout=MODAL_TIMEOUT,
        )
        self._on_answers = on_answers
        self.inputs: list[discord.ui.TextInput[Any]] = []
        for index, question in enumerate(round_.questions):
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                style=discord.TextStyle.paragraph,
                custom_id=f"answer-{index}",
                required=is_required(index),
                max_length=ANSWER_MAX,
                default=defaults.get(index),
                placeholder=placeholders[index] if index < len(placeholders) else None,
            )
            self.inputs.append(text_input)
            self.add_item(
                discord.ui.Label(
                    text=question.label, description=question.text, component=text_input
                )
            )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._on_answers(interaction, [text_input.value for text_input in self.inputs])


SubmitFields = Callable[[discord.Interaction[HammingBot], Sequence[str]], Awaitable[None]]


class QuestionsModal(HammingModal):
    """Five fields, each `Label | Full question`, pre-filled with the current questions."""

    def __init__(self, questions: Sequence[Question], on_fields: SubmitFields) -> None:
        super().__init__(title="Check-in questions", timeout=MODAL_TIMEOUT)
        self._on_fields = on_fields
        self.inputs: list[discord.ui.TextInput[Any]] = []
        for index in range(MAX_QUESTIONS):
            current = questions[index] if index < len(questions) else None
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                style=discord.TextStyle.paragraph,
                custom_id=f"question-{index}",
                required=False,
                # Room beyond 45 + 3 + 100, so an over-long label gets a clear explanation.
                max_length=2 * QUESTION_FIELD_MAX,
                default=question_field_value(current) if current else None,
                placeholder="Label | Full question (leave empty for no question here)",
            )
            self.inputs.append(text_input)
            self.add_item(
                discord.ui.Label(
                    text=f"Question {index + 1}",
                    description="Short label (≤ 45 characters) | full question (≤ 100)",
                    component=text_input,
                )
            )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        # The form outlives the command's check (it stays open for many minutes): whoever
        # submits must still be a moderator now. A refusal is answered ephemerally by on_error.
        return await ensure_moderator(interaction)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._on_fields(interaction, [text_input.value for text_input in self.inputs])
