"""Weekly Hamming check-ins: the prompt, answers, reminders, streaks, drift and stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.checkins.cog import CheckinsCog

    await bot.add_cog(CheckinsCog(bot))
