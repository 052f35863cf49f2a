"""What the check-ins read from the agenda: the member's current agenda (to pre-fill the
check-in's problems and approach questions) and the blank-slate invitation's line and button.

Read-only and small on purpose: the check-ins import only this module of the agenda.
"""

from __future__ import annotations

from bot.db import Database
from cogs.agenda import store
from cogs.agenda.logic import CHECKIN_ANSWER_MAX, Agenda, blank_slate_round, cut
from cogs.agenda.messages import BLANK_SLATE_LINE
from cogs.agenda.views import BlankSlateButton

__all__ = [
    "BLANK_SLATE_LINE",
    "BlankSlateButton",
    "blank_slate_round",
    "checkin_prefill",
    "current_agenda",
]

# Check-in question positions (0-based) the agenda pre-fills: 1 the problems, 2 the approach.
_PREFILLED = {0: "problems", 1: "approach"}


async def current_agenda(db: Database, guild_id: int, user_id: int) -> Agenda | None:
    """The member's latest agenda in the server, or None when they have none."""
    version = await store.get_current(db, guild_id, user_id)
    return None if version is None else version.agenda


async def checkin_prefill(db: Database, guild_id: int, user_id: int) -> dict[int, str]:
    """Defaults for the check-in form by question position: the agenda's problems and
    approach, cut with "…" to the check-in answer limit; {} for a part left empty."""
    agenda = await current_agenda(db, guild_id, user_id)
    if agenda is None:
        return {}
    values = {index: getattr(agenda, part) for index, part in _PREFILLED.items()}
    return {index: cut(text, CHECKIN_ANSWER_MAX) for index, text in values.items() if text}
