"""The Bot subclass: setup_hook wires what main() opened (database, clock) into the features."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import hashlib
import importlib
import json
import logging
import pkgutil
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot import __version__, guilds
from bot.backups import EVERY as BACKUP_EVERY
from bot.backups import Backups
from bot.clock import Clock
from bot.db import Database
from bot.features import FeatureCog, FeatureStatus, implements, package_of
from bot.metrics import Metrics, discord_http_trace
from bot.pacing import RequestPacer, amortise_bucket_cleanup, pace_for, pace_requests
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.ui import reply_error

if TYPE_CHECKING:
    from bot.web import WebServer

log = logging.getLogger(__name__)

# The admin cog owns the /config and /me groups that other features attach to: load it first.
CORE_COG = "admin"
SWITCH_INTERVAL = 0.0005  # seconds; see run_bot


class HammingTree(app_commands.CommandTree["HammingBot"]):
    async def on_error(
        self, interaction: discord.Interaction[HammingBot], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "unknown"
        user_fault = await reply_error(interaction, error)
        outcome = "refused" if user_fault else "failed"
        interaction.client.metrics.inc("hamming_commands_total", command=command, outcome=outcome)
        log.info(
            "command /%s by %s in guild %s: %s (%s)",
            command,
            interaction.user.id,
            interaction.guild_id,
            outcome,
            type(error).__name__,
        )


class HammingBot(commands.Bot):
    def __init__(self, *, settings: Settings, db: Database, clock: Clock) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.members = True  # privileged: enable "Server Members Intent" in the portal
        intents.guild_scheduled_events = True
        metrics = Metrics()
        # Stay under Discord's global limit instead of learning it from 429s (bot/pacing.py).
        self.pacer = RequestPacer(*pace_for(settings.discord_global_rate_limit))
        http_trace = discord_http_trace(metrics)
        pace_requests(http_trace, self.pacer)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=HammingTree,
            help_command=None,
            # Members type text that we echo; never let it ping @everyone, @here or a role.
            allowed_mentions=discord.AllowedMentions.none(),
            # Lower than the 2 s default: on_ready is not used for work, so waiting buys nothing.
            guild_ready_timeout=0.5,
            http_trace=http_trace,
        )
        self.settings = settings
        self.db = db
        self.clock = clock
        self.metrics = metrics
        self.scheduler = Scheduler(db, clock, self.metrics)
        self._scheduler_started = asyncio.Event()
        self.web: WebServer | None = None
        self.backups: Backups | None = None
        if settings.backup_dir is not None:
            self.backups = Backups(
                settings.database_path, settings.backup_dir, settings.backup_keep, clock, metrics
            )
        self.started_monotonic = time.monotonic()
        # Every loaded feature by name (bot/features.py), in load order: the server-wide tools
        # (/setup, /help, /me, /config reset and export, the digest, calendars) walk it.
        self.features: dict[str, FeatureCog] = {}
        self._scheduler_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        amortise_bucket_cleanup(self.http)
        point_discord_py_at(settings)
        self.metrics.describe("hamming_commands_total", "Application commands by name and outcome")
        self.metrics.gauge(
            "hamming_gateway_latency_seconds",
            "Gateway heartbeat latency",
            lambda: self.latency if self.latency == self.latency else -1.0,
        )

    # -- wiring ------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        # Before any planner runs: servers that removed the bot get nothing planned.
        self.scheduler.removed_guilds = await guilds.list_removed_ids(self.db)
        if self.backups is not None:
            self.scheduler.add_periodic("backup", self.backups.run, BACKUP_EVERY)
        for name in feature_packages():
            await self.load_extension(f"cogs.{name}")
        if self.settings.http_port:
            # Imported only when served: aiohttp's server side is 2.3 MiB a bot without the
            # HTTP endpoints (HTTP_PORT=0) never needs (bench/processes.py).
            from bot.web import WebServer

            self.web = WebServer(self)
            await self.web.start(self.settings.http_host, self.settings.http_port)
        await self.sync_commands()
        # The scheduler starts once per process, after the first READY so that handlers see a
        # warm cache; never from on_ready, which fires again after every reconnect.
        self._scheduler_task = asyncio.create_task(self._start_scheduler_when_ready())

    async def _start_scheduler_when_ready(self) -> None:
        await self.wait_until_ready()
        await self.scheduler.start()
        self._scheduler_started.set()
        release_start_up_memory()
        log.info("scheduler started")

    async def close(self) -> None:
        if self._scheduler_task is not None and not self._scheduler_task.done():
            self._scheduler_task.cancel()
        await self.scheduler.shutdown()
        if self.web is not None:
            await self.web.stop()
        await super().close()

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[HammingBot],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        self.metrics.inc("hamming_commands_total", command=command.qualified_name, outcome="ok")

    # -- servers that remove (and re-add) the bot -----------------------------------------------

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked or removed: stop its schedules and feeds now; its data goes after retention
        (cogs/admin/membership.py) unless the bot is added back first."""
        self.scheduler.removed_guilds.add(guild.id)
        await guilds.mark_removed(self.db, guild.id, self.clock.now())
        log.info("removed from guild %s; schedules stopped, data purged after retention", guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._back_in(guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        # A re-add may arrive as either event (or at start-up, if it happened while down).
        await self._back_in(guild)

    async def _back_in(self, guild: discord.Guild) -> None:
        if guild.id not in self.scheduler.removed_guilds:
            return
        self.scheduler.removed_guilds.discard(guild.id)
        await guilds.clear_removed(self.db, guild.id)
        log.info("added back to guild %s; replanning its schedules", guild.id)
        await self._scheduler_started.wait()  # a start-up in progress plans it by itself
        await self.scheduler.replan()

    async def attach_feature(self, feature: FeatureCog) -> None:
        """Wire a feature in (its cog_load): everything it declares, nothing by side channels."""
        package = package_of(feature)
        if package is not None and package != feature.name:
            raise ValueError(f"feature {feature.name!r} must live in cogs/{feature.name}/")
        if feature.name in self.features:
            raise ValueError(f"feature {feature.name!r} is loaded twice")
        if feature.config_group is not None:
            config = self.tree.get_command("config")
            assert isinstance(config, app_commands.Group), "the admin cog must load first"
            config.add_command(feature.config_group)
        if feature.dynamic_items:
            self.add_dynamic_items(*feature.dynamic_items)
        for job in feature.jobs():
            self.scheduler.register(job.kind, job.handler)
        for name, planner in feature.planners():
            self.scheduler.add_planner(name, planner)
        for periodic in feature.periodic():
            self.scheduler.add_periodic(periodic.name, periodic.func, periodic.every)
        self.features[feature.name] = feature
        if self.scheduler.started:
            # Loaded into a running bot (a reload): plan its schedules now, as start-up would
            # have; the other features' plans are untouched.
            task = asyncio.create_task(self.scheduler.replan(feature.planners()))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def detach_feature(self, feature: FeatureCog) -> None:
        """Unwire everything attach_feature wired (its cog_unload), so a reload works."""
        if self.features.get(feature.name) is feature:
            del self.features[feature.name]
        if feature.config_group is not None:
            config = self.tree.get_command("config")
            if isinstance(config, app_commands.Group):
                config.remove_command(feature.config_group.name)
        if feature.dynamic_items:
            self.remove_dynamic_items(*feature.dynamic_items)
        for job in feature.jobs():
            self.scheduler.unregister(job.kind)
        for name, _planner in feature.planners():
            self.scheduler.remove_planner(name)
        for periodic in feature.periodic():
            self.scheduler.remove_periodic(periodic.name)

    def features_with(self, hook: str) -> list[FeatureCog]:
        """The loaded features that implement `hook` (bot/features.py), in load order."""
        return [f for f in self.features.values() if implements(f, hook)]

    async def zone_changed(self, guild_id: int) -> None:
        """The server's time zone changed: every feature replans what it keeps in local time."""
        for feature in self.features_with("zone_changed"):
            try:
                await feature.zone_changed(guild_id)
            except Exception:
                # The change itself stands; the feature's next planner run catches up.
                log.exception(
                    "%s could not replan guild %s for its new zone", feature.name, guild_id
                )

    async def member_zone_changed(self, guild_id: int, user_id: int) -> None:
        """A member's own time zone changed: features replan what they keep in it."""
        for feature in self.features_with("member_zone_changed"):
            try:
                await feature.member_zone_changed(guild_id, user_id)
            except Exception:
                # The change itself stands; what was planned keeps its old time.
                log.exception(
                    "%s could not replan member %s in guild %s for their new zone",
                    feature.name,
                    user_id,
                    guild_id,
                )

    async def feature_statuses(self, guild_id: int) -> list[FeatureStatus]:
        return [await f.status(guild_id) for f in self.features_with("status")]

    # -- command sync ------------------------------------------------------------------------

    async def sync_commands(self) -> None:
        """Sync only when the command tree changed: Discord rate-limits command updates."""
        targets: list[discord.Object | None] = (
            [discord.Object(g) for g in self.settings.dev_guild_ids]
            if self.settings.dev_guild_ids
            else [None]
        )
        for guild in targets:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(
            json.dumps(
                {
                    "commands": payload,
                    "targets": [g.id if g else None for g in targets],
                    "api": self.settings.discord_api_base,
                    "app": self.application_id,
                },
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        row = await self.db.fetchone("SELECT value FROM bot_meta WHERE key = 'command_tree_hash'")
        if row is not None and row["value"] == digest:
            log.info("application commands unchanged; not syncing")
            return
        for guild in targets:
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to %s", len(synced), guild.id if guild else "all servers")
        await self.db.execute(
            "INSERT INTO bot_meta (key, value) VALUES ('command_tree_hash', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (digest,),
        )

    # -- health ------------------------------------------------------------------------------

    @property
    def gateway_connected(self) -> bool:
        ws = self.ws
        return ws is not None and ws.open and self.is_ready()

    @property
    def version(self) -> str:
        return __version__


def release_start_up_memory() -> None:
    """Give the heap that start-up used and freed back to the system.

    Start-up parses every member of every server (10,000 members: tens of MiB of JSON) and
    rebuilds the schedule; glibc keeps the freed pages mapped, so a long-running bot would
    carry them forever. malloc_trim returns them (3.6 MiB of 88 in bench/processes.py).
    Elsewhere than glibc this does nothing.
    """
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    with contextlib.suppress(AttributeError):
        libc.malloc_trim(0)


def point_discord_py_at(settings: Settings) -> None:
    """Aim discord.py's REST and gateway at the configured base URLs (proxies, test servers)."""
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def feature_packages() -> list[str]:
    """Every package under cogs/ that has a setup(), the core one first."""
    names = []
    for info in sorted(pkgutil.iter_modules(list(cogs.__path__)), key=lambda i: i.name):
        if not info.ispkg:
            continue
        if not hasattr(importlib.import_module(f"cogs.{info.name}"), "setup"):
            log.warning("cogs/%s has no setup(bot); it is not loaded", info.name)
            continue
        names.append(info.name)
    if CORE_COG in names:
        names.remove(CORE_COG)
        names.insert(0, CORE_COG)
    return names


async def run_bot(
    settings: Settings,
    clock: Clock,
    on_created: Callable[[HammingBot], None] | None = None,
) -> None:
    """The bot's whole life: open the database, connect, serve until closed.

    `on_created` lets an in-process test hold the bot; `python -m bot` passes nothing.
    """
    from bot.db import open_database

    # aiosqlite runs every statement on a worker thread. Under load the event loop holds the
    # GIL and the worker waits up to the 5 ms default switch interval for each hand-off, so
    # queries queued behind the database lock crawl (fan-out: 46 sends/s; 180 with 0.5 ms).
    sys.setswitchinterval(SWITCH_INTERVAL)
    async with open_database(settings.database_path) as db:
        bot = HammingBot(settings=settings, db=db, clock=clock)
        if on_created is not None:
            on_created(bot)
        async with bot:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
            await bot.start(settings.discord_token.get_secret_value())
