"""Reading group: the reading list, scheduled sessions with RSVPs and reminders, time polls,
discussion-lead rotation and a calendar feed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.reading.cog import ReadingCog

    await bot.add_cog(ReadingCog(bot))
