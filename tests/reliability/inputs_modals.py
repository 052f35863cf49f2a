"""Finding every form (modal) the bot can show: invoke every command, then click every button."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.fake_discord.harness import InteractionResult, InteractionTimeout
from tests.reliability.inputs_defaults import required_options
from tests.reliability.inputs_world import World, configure, leaf_commands, settle

# Commands that end or delete something. They run last in the discovery pass (they may open a
# form too) and the server is configured again afterwards, so the fuzzing finds everything on.
ENDING = re.compile(r"\b(off|stop|leave|forget|withdraw|remove|cancel|reset)\b|-stop$")


@dataclass
class ModalOpener:
    name: str
    title: str
    open: Callable[[int], Awaitable[InteractionResult]]  # as this member


async def find_modal_openers(world: World) -> list[ModalOpener]:
    cohort, fake = world.cohort, world.fake
    names = [c.qualified_name for c in leaf_commands(world.bot)]
    names.sort(key=lambda n: bool(ENDING.search(n)))
    openers: list[ModalOpener] = []
    for name in names:
        options = await required_options(world, cohort, world.voice, name)

        def opener(
            name: str = name, options: dict[str, object] = options
        ) -> Callable[[int], Awaitable[InteractionResult]]:
            async def open_(user: int) -> InteractionResult:
                return await fake.invoke(cohort.guild, user, name, options)

            return open_

        result = await _settled(opener()(cohort.owner))
        if result is not None and result.modal is not None:
            openers.append(ModalOpener(f"/{name}", result.modal.title, opener()))
    await configure(world, cohort, world.voice)
    seen: set[str] = set()
    channels = [*fake.world.guilds[cohort.guild].channel_ids]
    dm = fake.dm_channel_id(cohort.owner)
    channels += [dm] if dm is not None else []
    for channel_id in channels:
        for message in fake.messages(channel_id):
            if message.ephemeral:
                continue
            for row in message.components:
                for item in row.get("components") or []:
                    custom_id = item.get("custom_id")
                    shape = re.sub(r"\d+", "#", custom_id or "")
                    if item.get("type") != 2 or not custom_id or shape in seen:
                        continue
                    seen.add(shape)
                    opener = _button(world, message.id, custom_id)
                    result = await _settled(opener(cohort.owner))
                    if result is not None and result.modal is not None:
                        title = result.modal.title
                        openers.append(ModalOpener(f"button {shape}", title, opener))
    # A form reached both by a command and by a button (e.g. the check-in) is fuzzed once.
    distinct = {o.title: o for o in reversed(openers)}
    return list(distinct.values())


def _button(
    world: World, message_id: int, custom_id: str
) -> Callable[[int], Awaitable[InteractionResult]]:
    async def click(user: int) -> InteractionResult:
        return await world.fake.click(message_id, user, custom_id=custom_id)

    return click


async def _settled(pending: Awaitable[InteractionResult]) -> InteractionResult | None:
    try:
        return await settle(await pending)
    except (InteractionTimeout, AssertionError):
        return None
