"""Errors a person caused and can fix: shown to them ephemerally, in plain words."""

from __future__ import annotations

from discord import app_commands


class UserError(app_commands.AppCommandError):
    """What was wrong, and what is accepted. Raised anywhere under a command or component."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotModerator(app_commands.CheckFailure):
    """The person is neither Manage Server nor in the configured moderator role."""

    def __init__(self, role_mention: str | None) -> None:
        who = "people with the Manage Server permission"
        if role_mention:
            who += f" or the {role_mention} role"
        super().__init__(f"Only moderators can do this: {who}.")
        self.message = str(self.args[0])
