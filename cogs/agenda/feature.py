"""What the agenda tells the core: declarations and the hooks for /about, /me export and
forget and membership reconciliation (see bot/features.py). It keeps no server settings
(the blank-slate interval is a check-in setting), so /config export and reset skip it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.db import Transaction
from bot.features import FeatureCog, FeatureStatus, Forgotten
from cogs.agenda import store
from cogs.agenda.logic import FEATURE_NAME, PARTS
from cogs.agenda.service import Agendas
from cogs.agenda.views import BlankSlateButton

if TYPE_CHECKING:
    from bot.client import HammingBot


class AgendaFeature(FeatureCog):
    """What the research agenda tells the core (bot/features.py)."""

    name = FEATURE_NAME
    title = "Research agendas"
    command_prefixes = ("agenda",)
    setup_hint = (
        "Nothing to configure: members write theirs with `/agenda edit`. The blank-slate"
        " rewrite comes with the check-ins (`/config checkins blank-slate`)."
    )
    dynamic_items = (BlankSlateButton,)

    def __init__(self, bot: HammingBot) -> None:
        super().__init__(bot)
        self.agendas = Agendas(bot)

    async def status(self, guild_id: int) -> FeatureStatus:
        count = await store.count_members_with_agenda(self.bot.db, guild_id)
        return FeatureStatus(self.title, True, f"{count} member(s) keep a research agenda.")

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        versions = await store.list_versions(self.bot.db, guild_id, user_id)
        private = await store.get_private(self.bot.db, guild_id, user_id)
        return {
            "privacy": "private" if private else "cohort",
            "versions": [
                {
                    "version": v.version,
                    "saved_at": v.saved_at.isoformat(),
                    "blank_slate": v.blank_slate,
                    **{
                        part.label: text for part, text in zip(PARTS, v.agenda.texts(), strict=True)
                    },
                }
                for v in versions
            ],
        }

    async def forget_member(self, tx: Transaction, guild_id: int, user_id: int) -> Forgotten:
        return Forgotten(await store.delete_member_data(tx, guild_id, user_id))

    async def list_member_ids(self, guild_id: int) -> set[int]:
        return await store.list_member_ids(self.bot.db, guild_id)
