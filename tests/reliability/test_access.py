"""Nobody let in where they do not belong: moderators, other servers, other members' buttons,
the bot token, and the database's file mode.

One fake Discord with two servers shares one bot for the whole module.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.conftest import Cohort
from tests.fake_discord.options import STRING
from tests.reliability.inputs_defaults import required_options
from tests.reliability.inputs_world import (
    TOKEN,
    World,
    add_cohort,
    configure,
    dump,
    leaf_commands,
    result_text,
    running_world,
    settle,
    synced_options,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

REFUSED = "Only moderators can do this"
# Written out on purpose: a new moderator command must be added here, and a new command that
# forgets its moderator check shows up as missing from the walk's refusals.
EXPECTED_MODERATOR_COMMANDS = {
    "setup",
    "config show",
    "config timezone",
    "config moderator-role",
    "config cohort-role",
    "config retention",
    "config audit",
    "config export",
    "config reset",
    "config digest schedule",
    "config digest off",
    "config checkins schedule",
    "config checkins questions",
    "config checkins delivery",
    "config checkins drift",
    "config checkins off",
    "config checkins blank-slate",
    "config feedback schedule",
    "config feedback topics",
    "config feedback fields",
    "config feedback checklist",
    "config feedback off",
    "config grants setup",
    "config reading setup",
    "config reading calendar-rotate",
    "config writeups channel",
    "config writeups nudge",
    "config web on",
    "config web rotate",
    "config web off",
    "checkin prompt-now",
    "feedback report",
    "feedback match-now",
    "grants add",
    "grants edit",
    "grants remove",
    "grants starter-pack",
    "grants import",
    "grants import-refresh",
    "grants import-stop",
    "reading starter-pack",
    "reading recurring",
    "reading recurring-stop",
}


class Two:
    def __init__(self, world: World, other: Cohort, other_voice: int) -> None:
        self.world = world
        self.a = world.cohort
        self.b = other
        self.b_voice = other_voice


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Two]:
    db_path = tmp_path_factory.mktemp("access") / "data" / "hamming.sqlite3"
    async with running_world(db_path, "Server A", log_level=logging.DEBUG) as world:
        other, other_voice = add_cohort(world.fake, "Server B")
        await world.fake.wait_until_ready(timeout=10, require_sync=False)
        await configure(world, world.cohort, world.voice)
        await configure(world, other, other_voice)
        yield Two(world, other, other_voice)
        leftover = world.fake.pop_violations()
    assert leftover == [], leftover


async def _run(world: World, cohort: Cohort, user: int, name: str, voice: int) -> str:
    options = await required_options(world, cohort, voice, name)
    result = await settle(await world.fake.invoke(cohort.guild, user, name, options))
    return result_text(result)


async def test_moderator_commands_are_exactly_the_expected_ones(two: Two) -> None:
    """Walk the tree as a plain member: the refused set is the moderator list, no more, no less."""
    world, a = two.world, two.a
    refused = set()
    for command in leaf_commands(world.bot):
        name = command.qualified_name
        if name in ("me forget",):
            continue  # only asks for a confirmation; nothing for a moderator check to guard
        text = await _run(world, a, a.alice, name, world.voice)
        if REFUSED in text:
            refused.add(name)
    assert refused == EXPECTED_MODERATOR_COMMANDS, (
        f"not refused: {sorted(EXPECTED_MODERATOR_COMMANDS - refused)};"
        f" refused but not expected: {sorted(refused - EXPECTED_MODERATOR_COMMANDS)}"
    )


@pytest.mark.parametrize("who", ["manage_server", "moderator_role"])
async def test_moderators_are_let_in(two: Two, who: str) -> None:
    """Manage Server alone, and the moderator role alone, each pass every moderator check."""
    world, a = two.world, two.a
    user = a.owner if who == "manage_server" else a.moderator
    if who == "manage_server":  # owner must not pass thanks to the moderator role
        assert a.moderator_role not in world.fake.world.guilds[a.guild].members[user].roles
    names = {c.qualified_name for c in leaf_commands(world.bot)} & EXPECTED_MODERATOR_COMMANDS
    refused = [n for n in sorted(names) if REFUSED in await _run(world, a, user, n, world.voice)]
    assert refused == []
    await configure(world, a, world.voice)  # some of them turned features off


async def test_nothing_of_one_server_is_visible_from_the_other(two: Two) -> None:
    """Autocomplete, lists and ids: B never sees or changes A's grants, readings, drafts."""
    world, a, b = two.world, two.a, two.b
    fake = world.fake
    await fake.invoke(a.guild, a.owner, "grants add", {"name": "Alpha grant"})
    await fake.invoke(a.guild, a.owner, "reading add", {"title": "Alpha reading"})
    before = _rows_of(world, a.guild)
    leaks: list[str] = []
    ids_tried = 0
    for command in leaf_commands(world.bot):
        name = command.qualified_name
        for option in synced_options(fake, name):
            if option["type"] != STRING or not option.get("autocomplete"):
                continue
            opt = option["name"]
            offered_a = await fake.autocomplete(a.guild, a.owner, name, opt, "")
            offered_b = await fake.autocomplete(b.guild, b.owner, name, opt, "")
            # Choices both servers offer alike (feature names, time zones) belong to neither.
            own = {str(c["value"]) for c in offered_a} - {str(c["value"]) for c in offered_b}
            for typed in ("Alpha", "Seed", "1", "2"):
                offered = await fake.autocomplete(b.guild, b.owner, name, opt, typed)
                if any("Alpha" in c["name"] or str(c["value"]) in own for c in offered):
                    leaks.append(f"/{name} {opt}={typed!r} in B offers A's {offered}")
            for value in own:
                ids_tried += 1
                given = await required_options(world, b, two.b_voice, name, but=opt)
                world.faults.clear()
                result = await settle(
                    await fake.invoke(b.guild, b.owner, name, given | {opt: value})
                )
                text = result_text(result)
                if "Alpha" in text or not any(fault for _, fault in world.faults):
                    leaks.append(f"/{name} {opt}={value!r} from A accepted in B: {text[:120]}")
    assert ids_tried >= 8, f"only {ids_tried} of A's ids were tried in B"
    for name in ("grants list", "reading list", "reading sessions", "feedback status"):
        text = result_text(await settle(await fake.invoke(b.guild, b.owner, name)))
        if "Alpha" in text:
            leaks.append(f"/{name} in B shows A's items")
    assert leaks == []
    assert _rows_of(world, a.guild) == before, "acting in B changed A's rows"


def _rows_of(world: World, guild_id: int) -> list[str]:
    return [line for line in dump(world.db_path) if str(guild_id) in line]


async def _confirmation(world: World, cohort: Cohort, user: int, name: str, **options: Any) -> Any:
    result = await settle(await world.fake.invoke(cohort.guild, user, name, options))
    assert result.message is not None and result.message.components, result_text(result)
    return result.message


async def _foreign_click(world: World, message: Any, intruder: int, label: str) -> str:
    before = dump(world.db_path)
    clicked = await settle(await world.fake.click(message, intruder, label=label))
    assert dump(world.db_path) == before, f"{label!r} by someone else changed the database"
    assert clicked.ephemeral, result_text(clicked)
    return result_text(clicked)


async def test_confirmations_act_only_for_who_asked(two: Two) -> None:
    """/me forget, /config reset and /grants remove: another member's press changes nothing."""
    world, a = two.world, two.a
    forget = await _confirmation(world, a, a.alice, "me forget")
    label = _first_button(forget)
    assert "belongs to" in await _foreign_click(world, forget, a.bob, label)
    feature = await world.fake.autocomplete(a.guild, a.owner, "config reset", "feature", "")
    reset = await _confirmation(world, a, a.owner, "config reset", feature=feature[0]["value"])
    await _foreign_click(world, reset, a.moderator, _first_button(reset))
    grant = await world.fake.autocomplete(a.guild, a.owner, "grants edit", "grant", "")
    remove = await _confirmation(world, a, a.owner, "grants remove", grant=grant[0]["value"])
    await _foreign_click(world, remove, a.moderator, _first_button(remove))


def _first_button(message: Any) -> str:
    labels = [c["label"] for row in message.components for c in row["components"] if "label" in c]
    destructive = [x for x in labels if x.lower() not in ("cancel", "no", "keep")]
    return str(destructive[0])


async def test_rsvp_is_per_member(two: Two) -> None:
    """Alice's Going and Bob's Can't are counted separately; Bob cannot change Alice's answer."""
    world, a = two.world, two.a
    fake = world.fake
    [announcement] = [
        m
        for m in fake.messages(a.channel)
        if any(
            "reading:rsvp" in str(c.get("custom_id")) for r in m.components for c in r["components"]
        )
    ][-1:]
    await fake.click(announcement, a.alice, custom_id=_rsvp(announcement, "going"))
    await fake.click(announcement, a.bob, custom_id=_rsvp(announcement, "cant"))
    labels = [
        c["label"] for row in fake.message(announcement.id).components for c in row["components"]
    ]
    assert "Going · 1" in labels and "Can't · 1" in labels, labels


def _rsvp(message: Any, choice: str) -> str:
    return next(
        str(c["custom_id"])
        for row in message.components
        for c in row["components"]
        if str(c.get("custom_id", "")).endswith(f":{choice}")
    )


async def test_database_and_backups_are_owner_only(two: Two) -> None:
    world = two.world
    backup = world.db_path.parent / "backups" / "copy.sqlite3"
    await world.bot.db.backup(backup)
    paths = [world.db_path, Path(f"{world.db_path}-wal"), Path(f"{world.db_path}-shm"), backup]
    modes = {p.name: oct(stat.S_IMODE(os.stat(p).st_mode)) for p in paths if p.exists()}
    assert {world.db_path.name, f"{world.db_path.name}-wal", backup.name} <= set(modes)
    assert set(modes.values()) == {"0o600"}, modes


async def test_the_token_appears_nowhere(two: Two) -> None:
    """Logs, every request and answer the fake saw, /about, /healthz and /metrics."""
    world, a = two.world, two.a
    about = result_text(await settle(await world.fake.invoke(a.guild, a.alice, "about")))
    # Traffic of its own, so the scan does not depend on which tests ran first on this worker.
    for command in ("help", "config show", "grants list", "reading list", "feedback status"):
        user = a.owner if command.startswith("config") else a.alice
        await settle(await world.fake.invoke(a.guild, user, command))
    port = world.bot.settings.http_port
    pages = [about]
    async with aiohttp.ClientSession() as session:
        for path in ("/healthz", "/metrics", "/calendar/nope.ics"):
            async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                pages.append(await response.text())
    assert "hamming_commands_total" in pages[2]
    texts = pages + [json.dumps([r.json, r.response, r.path, r.query]) for r in world.fake.requests]
    for record in world.log_records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    assert len(world.log_records) > 100 and len(world.fake.requests) > 20
    hits = [t[:200] for t in texts if TOKEN in t or TOKEN.split(".")[1] in t]
    assert hits == []
