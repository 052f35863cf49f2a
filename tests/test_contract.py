"""The feature contract holds for every feature: declared, wired, forgettable, reloadable.

See bot/features.py and docs/ARCHITECTURE.md. These tests find features by looking (the
packages under cogs/, the SQLite schema, the import statements), so a new feature, table or
module is checked without anyone remembering to add it here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot import members
from bot.client import CORE_COG, HammingBot, feature_packages
from bot.features import FeatureCog, implements, package_of
from tests.conftest import BotRunner, Cohort
from tests.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
# Columns ending in _id or _by that name something other than a member.
NOT_MEMBERS = {
    "guild_id",
    "channel_id",
    "voice_channel_id",
    "message_id",
    "thread_id",
    "event_id",
    "round_id",
    "draft_id",
    "assignment_id",
    "item_id",
    "session_id",
    "poll_id",
    "series_id",
    "feed_id",
    "grant_id",
    "moderator_role_id",
    "cohort_role_id",
}
# Member columns that forgetting a member deliberately keeps, and why.
KEPT_ON_FORGET = {
    # A's avoid entry naming B is A's data: kept, so A is never paired with B if B rejoins.
    ("feedback_avoid", "avoided_id"),
}


def feature_names() -> list[str]:
    return [name for name in feature_packages() if name != CORE_COG]


async def test_every_feature_package_is_one_feature_cog_named_after_it(
    loaded_bot: HammingBot,
) -> None:
    assert sorted(loaded_bot.features) == sorted(feature_names())
    commands = {c.qualified_name for c in loaded_bot.tree.walk_commands()}
    config = loaded_bot.tree.get_command("config")
    assert isinstance(config, app_commands.Group)
    kinds: list[str] = []
    for name, feature in loaded_bot.features.items():
        assert isinstance(feature, FeatureCog)
        assert feature.name == name == package_of(feature)
        assert feature.title and feature.setup_hint
        assert feature.command_prefixes, name
        for prefix in feature.command_prefixes:
            assert any(c == prefix or c.startswith(prefix + " ") for c in commands), prefix
        for permission in feature.channel_permissions:
            assert permission in discord.Permissions.VALID_FLAGS, (name, permission)
        if feature.config_group is not None:
            assert config.get_command(feature.config_group.name) is feature.config_group
        for item in feature.dynamic_items:
            assert item in loaded_bot._connection._view_store._dynamic_items.values()
        kinds += [job.kind.name for job in feature.jobs()]
        # Every feature keeps data about members, so it must export and forget it.
        for hook in ("status", "export_member", "forget_member", "list_member_ids"):
            assert implements(feature, hook), (name, hook)
    assert len(kinds) == len(set(kinds)), "two features declare the same kind"


async def test_every_member_column_is_covered_by_a_forget_hook(loaded_bot: HammingBot) -> None:
    """Every table column that holds a member id is deleted or cleared by /me forget."""
    db = loaded_bot.db
    statements: list[str] = []
    conn = db._conn
    await conn._execute(conn._conn.set_trace_callback, statements.append)  # type: ignore[no-untyped-call]
    try:
        async with db.transaction() as tx:
            await members.forget_core(tx, 1, 2)
            for feature in loaded_bot.features_with("forget_member"):
                await feature.forget_member(tx, 1, 2)
    finally:
        await conn._execute(conn._conn.set_trace_callback, None)  # type: ignore[no-untyped-call]
    writes = [" ".join(s.split()) for s in statements if re.match(r"\s*(DELETE|UPDATE)\b", s, re.I)]
    member_columns = []
    for table in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for column in await db.fetchall(f"PRAGMA table_info({table['name']})"):
            name = column["name"]
            if re.search(r"(_id|_by)$", name) and name not in NOT_MEMBERS:
                member_columns.append((table["name"], name))
    assert ("checkin_answers", "user_id") in member_columns  # the scan finds what it should
    missing = [
        (table, column)
        for table, column in member_columns
        if (table, column) not in KEPT_ON_FORGET
        and not any(
            re.search(rf"\b(FROM|UPDATE)\s+{table}\b", w, re.I) and re.search(rf"\b{column}\b", w)
            for w in writes
        )
    ]
    assert missing == [], f"/me forget leaves these member columns alone: {missing}"


def runtime_imports(path: Path, package: str) -> set[str]:
    """Modules of `package` that `path` imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(package + "."):
                found.add(node.module.removeprefix(package + "."))
            elif node.module == package:
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(package + "."):
                    found.add(alias.name.removeprefix(package + "."))
    return found


@pytest.mark.parametrize("feature", feature_names())
def test_no_runtime_import_cycle_inside_a_feature(feature: str) -> None:
    package = f"cogs.{feature}"
    folder = ROOT / "cogs" / feature
    graph = {
        path.stem: runtime_imports(path, package) - {path.stem}
        for path in folder.glob("*.py")
        if path.stem != "__init__"
    }
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            raise AssertionError(f"import cycle in {package}: {' -> '.join(cycle)}")
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


async def test_every_extension_reloads_in_a_running_bot_and_its_commands_answer(
    fake_discord: FakeDiscord, cohort: Cohort, runner: BotRunner
) -> None:
    bot = await runner.start()
    before = sorted(c.qualified_name for c in bot.tree.walk_commands())
    for extension in list(bot.extensions):
        await bot.reload_extension(extension)
    assert sorted(c.qualified_name for c in bot.tree.walk_commands()) == before
    assert sorted(bot.features) == sorted(feature_names())
    declared = {job.kind.name for f in bot.features.values() for job in f.jobs()}
    assert declared <= set(bot.scheduler._kinds)
    for command in ("about", "help", "checkin history", "feedback status", "grants list"):
        result = await fake_discord.invoke(cohort.guild, cohort.alice, command)
        answered = result if result.type != 5 else await result.final()  # 5: deferred
        assert answered.accepted and (answered.content or answered.embeds or answered.followups)
    shown = await fake_discord.invoke(cohort.guild, cohort.owner, "config show")
    assert shown.embeds, shown
    listed = await fake_discord.invoke(cohort.guild, cohort.alice, "reading list")
    assert listed.content or listed.embeds
