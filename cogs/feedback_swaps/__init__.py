"""Feedback swaps: drafts, a reviewer pool, matched rounds, follow-ups and a give-to-get ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import HammingBot


async def setup(bot: HammingBot) -> None:
    from cogs.feedback_swaps.cog import FeedbackCog

    await bot.add_cog(FeedbackCog(bot))
