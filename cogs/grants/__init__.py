"""Grant deadlines: opportunities, reminders at several offsets, subscriptions, feed imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    # Imported here, not at the top: the feed worker (python -m cogs.grants.feed_worker) is a
    # fresh process per feed and should not pay for discord.py's import.
    from cogs.grants.cog import GrantsCog

    await bot.add_cog(GrantsCog(bot))
