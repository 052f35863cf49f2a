"""Bad input into every string option and modal field the command tree exposes.

The commands come from ``bot.tree.walk_commands()`` of the running bot, their option limits from
what the bot synced to Discord, and the forms from invoking every command and clicking every
button: a new command, option or form is covered without touching this file. Each case must be
answered (a plain ephemeral refusal or a correct result), crash nothing, ping nobody, and leave
the database exactly as it was when refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.fake_discord.harness import InteractionResult
from tests.fake_discord.options import STRING
from tests.reliability.inputs_checks import Tally, run_case, short
from tests.reliability.inputs_corpus import (
    CORPUS,
    DISCORD_INPUT_MAX,
    DISCORD_OPTION_MAX,
    cases,
    dealt,
)
from tests.reliability.inputs_defaults import required_options, valid_field
from tests.reliability.inputs_modals import ModalOpener, find_modal_openers
from tests.reliability.inputs_world import (
    World,
    configure,
    dump,
    leaf_commands,
    running_world,
    synced_options,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    db_path = tmp_path_factory.mktemp("inputs") / "data" / "hamming.sqlite3"
    async with running_world(db_path) as built:
        await configure(built, built.cohort, built.voice)
        yield built
        leftover = built.fake.pop_violations()
    assert leftover == [], leftover


def free_text_options(world: World) -> list[tuple[str, dict[str, Any]]]:
    """(command, option) for every string option a member types freely (no fixed choices)."""
    found = []
    for command in leaf_commands(world.bot):
        for option in synced_options(world.fake, command.qualified_name):
            if option["type"] == STRING and not option.get("choices"):
                found.append((command.qualified_name, option))
    return found


async def test_every_string_option_survives_the_corpus(world: World) -> None:
    """Each string option x corpus entry: answered, no crash, no ping, unchanged when refused."""
    cohort = world.cohort
    tally = Tally()
    targets = free_text_options(world)
    assert len(targets) >= 30, f"the walk found only {len(targets)} free-text options"
    used: set[str] = set()
    for turn, (command, option) in enumerate(targets):
        low = option.get("min_length", 0)
        high = min(option.get("max_length", DISCORD_OPTION_MAX), DISCORD_OPTION_MAX)
        others = await required_options(world, cohort, world.voice, command, but=option["name"])
        skipped = len(cases(cohort.cohort_role, cohort.bob, min_length=0, max_length=high))
        entries = cases(cohort.cohort_role, cohort.bob, min_length=max(low, 0), max_length=high)
        tally.skipped += skipped - len(entries)
        for case in dealt(entries, turn):
            used.add(case.name.split("[")[0])
            given = others | {option["name"]: case.value}

            async def act(given: dict[str, Any] = given, name: str = command) -> InteractionResult:
                return await world.fake.invoke(cohort.guild, cohort.owner, name, given)

            label = f"/{command} {option['name']} <{case.name}> {short(case.value)}"
            await run_case(world, tally, label, act, foreign_user=cohort.bob)
    print(f"\nstring options: {len(targets)}; {tally.summary()}")
    assert used == set(CORPUS), f"never dealt: {set(CORPUS) - used}"
    assert tally.failures == [], "\n".join(tally.failures)


async def test_every_modal_field_survives_the_corpus(world: World) -> None:
    """Each field of each form (opened by a command or a button) x corpus entry."""
    cohort = world.cohort
    openers = await find_modal_openers(world)
    titles = sorted({o.title for o in openers})
    assert len(openers) >= 4, f"found only these forms: {titles}"
    tally = Tally()
    fields = 0
    # Accepted forms add up (e.g. two open drafts per member): when a form stops opening for a
    # member, the next one of a pool of cohort members fills it in.
    pool = [cohort.owner] + [
        world.fake.add_member(cohort.guild, f"fuzzer{i}", roles=[cohort.cohort_role])
        for i in range(40)
    ]
    for opener in openers:
        members = list(pool)  # each form starts with the owner (moderator forms need one)
        probe = await opener.open(cohort.owner)
        assert probe.modal is not None
        for field in probe.modal.fields:
            if field.get("type") != 4:
                continue
            fields += 1
            high = min(field.get("max_length") or DISCORD_INPUT_MAX, DISCORD_INPUT_MAX)
            low = max(field.get("min_length") or 0, 1 if field.get("required", True) else 0)
            every = cases(cohort.cohort_role, cohort.bob, min_length=0, max_length=high)
            entries = cases(cohort.cohort_role, cohort.bob, min_length=low, max_length=high)
            tally.skipped += len(every) - len(entries)
            for case in dealt(entries, fields):
                label = f"{opener.name} [{field.get('label')}] <{case.name}> {short(case.value)}"
                await run_case(
                    world,
                    tally,
                    label,
                    fill(world, opener, field, case.value, members),
                    foreign_user=cohort.bob,
                )
    print(f"\nforms: {titles}; fields: {fields}; {tally.summary()}")
    assert tally.failures == [], "\n".join(tally.failures)


def fill(
    world: World, opener: ModalOpener, target: dict[str, Any], value: str, pool: list[int]
) -> Any:
    async def act() -> InteractionResult:
        opened = await opener.open(pool[0])
        while opened.modal is None and len(pool) > 1:
            pool.pop(0)
            opened = await opener.open(pool[0])
        assert opened.modal is not None, f"{opener.name} no longer opens a form: {opened!r}"
        world.faults.clear()  # a refusal to open (e.g. draft limit) is not this case's answer
        values = {
            f["custom_id"]: (value if f["custom_id"] == target["custom_id"] else valid_field(f))
            for f in opened.modal.fields
            if f.get("type") == 4
        }
        return await world.fake.submit_modal(opened, pool[0], values)

    return act


async def test_sql_metacharacters_are_stored_as_text(world: World) -> None:
    """A reading titled with SQL is kept verbatim and every table survives it."""
    cohort = world.cohort
    tables_before = [line for line in dump(world.db_path) if line.startswith("CREATE TABLE")]
    title = "'); DROP TABLE reading_items;-- ok"
    added = await world.fake.invoke(cohort.guild, cohort.alice, "reading add", {"title": title})
    assert "DROP TABLE" in (added.content or "") + str(added.embeds)
    # Stored verbatim (parameterised SQL), and offered back as typed; the list's first page
    # depends on which other tests of this module ran first on this worker, so ask for it.
    with sqlite3.connect(world.db_path) as conn:
        stored = conn.execute("SELECT title FROM reading_items WHERE title = ?", (title,))
        assert stored.fetchall() == [(title,)]
    offered = await world.fake.autocomplete(
        cohort.guild, cohort.alice, "reading remove", "item", "DROP TABLE"
    )
    assert any(title in str(choice["name"]) for choice in offered), offered
    tables_after = [line for line in dump(world.db_path) if line.startswith("CREATE TABLE")]
    assert tables_after == tables_before


async def test_corpus_has_every_kind_the_issue_names() -> None:

    text = "".join(CORPUS.values())
    for needle in ("@everyone", "<@&", "DROP TABLE", "javascript:", "file:", "\u202e", "\u200b"):
        assert needle in text
    assert any(len(v) >= 10_000 for v in CORPUS.values()) and "" in CORPUS.values()
