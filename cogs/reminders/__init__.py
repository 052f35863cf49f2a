"""Personal reminders: `/remind me when: what:` DMs a member at the time they chose."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.reminders.cog import RemindersCog

    await bot.add_cog(RemindersCog(bot))
