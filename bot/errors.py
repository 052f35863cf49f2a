"""The one error base of pure logic: shown to the person ephemerally, in plain words.

Pure logic raises a `DomainError` subclass ("what was wrong; what is accepted"); code that
talks to Discord raises `bot.ui.UserError`. Both become the ephemeral answer in exactly one
place, `bot.ui.user_message_for`, for commands, buttons, selects and forms alike: no feature
translates one into the other by hand. This module imports nothing from discord, so pure
logic (and the feed worker, a fresh process per feed) stays free of it.
"""

from __future__ import annotations


class DomainError(ValueError):
    """Raised by pure logic when input breaks a rule; its text is shown to the person as it
    is, so it says what was wrong and what is accepted."""


# Discord's JSON error codes that the bot handles, named once.
CANNOT_MESSAGE_USER = 50007  # "Cannot send messages to this user" (closed DMs)
THREAD_ALREADY_EXISTS = 160004  # "A thread has already been created for this message"
