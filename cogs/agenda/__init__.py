"""A research agenda that evolves: each member's four-part agenda, versioned, diffed, private
or shared with the cohort; it pre-fills the check-in and is rewritten from a blank slate."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.agenda.cog import AgendaCog

    await bot.add_cog(AgendaCog(bot))
