"""`python -m bot [run|migrate|check|backup PATH]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot import __version__
from bot.db import DatabaseError, backup_database, open_database
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Hamming, a Discord bot for a cohort of independent AI-alignment researchers."
        " Settings come from the environment or a .env file (see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"hamming {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default)", description="Run the bot.")
    sub.add_parser(
        "migrate",
        help="apply pending database migrations and exit",
        description="Apply pending database migrations and exit.",
    )
    sub.add_parser(
        "check",
        help="validate settings and the database without connecting to Discord",
        description="Validate settings and the database without connecting to Discord.",
    )
    backup = sub.add_parser(
        "backup",
        help="write a consistent copy of the database to PATH (safe while the bot runs)",
        description="Write a consistent copy of the live database (SQLite online backup).",
    )
    backup.add_argument("path", type=Path, help="where to write the copy")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"hamming: cannot start: {exc}", file=sys.stderr)
        return 2
    from bot.logs import configure_logging

    configure_logging(
        settings.log_level,
        settings.log_format,
        [settings.discord_token.get_secret_value()],
        # discord.py's own lines keep links to Discord whole; other links lose path and query.
        keep_hosts=[
            urlsplit(settings.discord_api_base).hostname or "",
            urlsplit(settings.discord_gateway_url).hostname or "",
            "discord.com",
            "discord.gg",
            "gateway.discord.gg",
        ],
    )
    try:
        if command == "migrate":
            return asyncio.run(_migrate(settings))
        if command == "check":
            return asyncio.run(_check(settings))
        if command == "backup":
            asyncio.run(backup_database(settings.database_path, args.path))
            print(f"backup written to {args.path}")
            return 0
        return asyncio.run(_run(settings))
    except DatabaseError as exc:
        print(f"hamming: database: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


async def _migrate(settings: Settings) -> int:
    async with open_database(settings.database_path):
        pass
    print(f"database {settings.database_path} is up to date")
    return 0


async def _check(settings: Settings) -> int:
    if not settings.database_path.expanduser().exists():
        print(
            f"settings ok; database {settings.database_path} does not exist yet"
            " (it is created on first run or by `python -m bot migrate`)"
        )
        return 0
    # Opened without the instance lock so it can check the database of a running bot.
    async with open_database(settings.database_path, lock=False, apply=False) as db:
        pending = db.pending
    state = (
        "up to date"
        if not pending
        else f"{len(pending)} migration(s) pending: {', '.join(pending)}"
    )
    print(f"settings ok; database {settings.database_path} ok ({state})")
    return 0


async def _run(settings: Settings) -> int:
    import discord

    from bot.client import run_bot
    from bot.clock import SystemClock

    try:
        await run_bot(settings, SystemClock())
    except discord.LoginFailure:
        print(
            "hamming: cannot start: Discord refused DISCORD_TOKEN; copy a fresh token from"
            " the Developer Portal (Bot -> Reset Token)",
            file=sys.stderr,
        )
        return 2
    except discord.PrivilegedIntentsRequired:
        print(
            "hamming: cannot start: enable the Server Members Intent for the bot in the"
            " Developer Portal (Bot -> Privileged Gateway Intents)",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
