"""The after-reading ask's buttons ("I left a comment", "Not this time") and the link modal.

Each custom_id carries the session and the member it was sent to: only that member may press.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.checks import hamming
from bot.client import HammingBot
from bot.ui import HammingModal, HammingView, PersistentButton, ensure_presser, reports_errors
from cogs.reading.comments import record_comment_answer
from cogs.reading.logic import MAX_URL

NOT_YOURS = "This question was sent to another member; yours arrive in your own DMs."


class CommentLinkModal(HammingModal):
    def __init__(self, session_id: int, user_id: int) -> None:
        super().__init__(title="Your comment")
        self.session_id = session_id
        self.user_id = user_id
        self.link: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="reading-comment-link",
            required=False,
            max_length=MAX_URL,
            placeholder="https://www.lesswrong.com/posts/...?commentId=...",
        )
        self.add_item(
            discord.ui.Label(
                text="Link to your comment (optional)",
                description="On the reading's own forum; it is kept, never opened.",
                component=self.link,
            )
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = hamming(interaction)
        link = await record_comment_answer(
            bot.db, self.session_id, self.user_id, "commented", self.link.value, bot.clock.now()
        )
        text = "Noted: you left a comment" + (f" (<{link}>)." if link else ".") + " Thank you!"
        await interaction.response.edit_message(content=text, view=None)


class CommentedButton(
    PersistentButton, template=r"reading:comment:(?P<session>\d+):(?P<user>\d+):left"
):
    def __init__(self, session_id: int, user_id: int) -> None:
        super().__init__(
            f"reading:comment:{session_id}:{user_id}:left",
            "I left a comment",
            discord.ButtonStyle.success,
        )
        self.session_id = session_id
        self.user_id = user_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        ensure_presser(interaction, self.user_id, NOT_YOURS)
        await interaction.response.send_modal(CommentLinkModal(self.session_id, self.user_id))


class NotThisTimeButton(
    PersistentButton, template=r"reading:comment:(?P<session>\d+):(?P<user>\d+):skip"
):
    def __init__(self, session_id: int, user_id: int) -> None:
        super().__init__(f"reading:comment:{session_id}:{user_id}:skip", "Not this time")
        self.session_id = session_id
        self.user_id = user_id

    @reports_errors
    async def callback(self, interaction: discord.Interaction[HammingBot]) -> None:
        ensure_presser(interaction, self.user_id, NOT_YOURS)
        bot = hamming(interaction)
        await record_comment_answer(
            bot.db, self.session_id, self.user_id, "skipped", None, bot.clock.now()
        )
        await interaction.response.edit_message(
            content="Noted: not this time. See you at the next reading.", view=None
        )


COMMENT_ITEMS = (CommentedButton, NotThisTimeButton)


def comment_view(session_id: int, user_id: int) -> HammingView:
    view = HammingView(timeout=None)
    view.add_item(CommentedButton(session_id, user_id))
    view.add_item(NotThisTimeButton(session_id, user_id))
    return view
