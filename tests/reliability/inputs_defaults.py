"""Valid values for every option and modal field, so that one field at a time can be made bad."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cohort
from tests.fake_discord.options import BOOLEAN, CHANNEL, INTEGER, NUMBER, ROLE, STRING, USER
from tests.reliability.inputs_world import World, synced_options, valid_field

__all__ = ["required_options", "valid_field", "valid_value"]

GUILD_VOICE = 2

# Free-text options that need a meaningful value when another option is the one under test.
VALID_TEXT = {
    "zone": "Europe/Berlin",
    "time": "18:00",
    "until": "in 2 days",
    "when": "in 4 days at 18:00",
    "closes": "in 2 days",
    "options": "in 4 days at 18:00, in 5 days at 18:00",
    "url": "http://127.0.0.1:9/feed.ics",  # refused at once: a private address,
    "title": "A reading",
    "name": "A grant",
    "duration": "90m",
    "offsets": "7d,1d",
    "reminders": "24h, 1h",
}


async def valid_value(
    world: World, cohort: Cohort, voice: int, command: str, option: dict[str, Any]
) -> Any:
    kind, name = option["type"], option["name"]
    if option.get("choices"):
        return option["choices"][0]["value"]
    if kind in (INTEGER, NUMBER):
        return option.get("min_value", 1)
    if kind == BOOLEAN:
        return False
    if kind == CHANNEL:
        return voice if GUILD_VOICE in (option.get("channel_types") or []) else cohort.channel
    if kind == ROLE:
        return cohort.cohort_role
    if kind == USER:
        return cohort.alice
    assert kind == STRING, f"/{command} {name}: no valid value for option type {kind}"
    if option.get("autocomplete"):
        offered = await world.fake.autocomplete(cohort.guild, cohort.owner, command, name, "")
        if offered:
            return offered[0]["value"]
    return VALID_TEXT.get(name, "ok")


async def required_options(
    world: World, cohort: Cohort, voice: int, command: str, but: str | None = None
) -> dict[str, Any]:
    """Valid values for the command's required options, except ``but``."""
    return {
        option["name"]: await valid_value(world, cohort, voice, command, option)
        for option in synced_options(world.fake, command)
        if option.get("required") and option["name"] != but
    }
