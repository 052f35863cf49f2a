"""The HTTP side: /healthz for orchestrators, /metrics for Prometheus, and feature routes."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot import guilds
from bot.calendar import feed_url, get_guild_for_secret, get_secret, render_ics

if TYPE_CHECKING:
    from bot.client import HammingBot

log = logging.getLogger(__name__)


def json_response(body: object, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


class WebServer:
    """aiohttp in the bot's own process and event loop."""

    def __init__(self, bot: HammingBot) -> None:
        self.bot = bot
        self.app = web.Application()
        self.app.router.add_get("/healthz", self.healthz)
        self.app.router.add_get("/metrics", self.metrics)
        self.app.router.add_get("/calendar/{secret}.ics", self.calendar)
        self.app.router.add_get("/cohort/{secret}", self.cohort_page)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp keeps the bound socket here; needed when port is 0
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("HTTP server listening on %s:%s", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, request: web.Request) -> web.Response:
        checks = {
            "gateway": self.bot.gateway_connected,
            "database": await self.bot.db.ping(),
            "scheduler": self.bot.scheduler.running,
        }
        down = [name for name, ok in checks.items() if not ok]
        body: dict[str, object] = {
            "status": "ok" if not down else "down",
            "version": self.bot.version,
            **checks,
        }
        if down:
            body["down"] = down
        return json_response(body, status=200 if not down else 503)

    async def calendar(self, request: web.Request) -> web.Response:
        """A server's events as iCalendar; the secret in the URL is the only key."""
        guild_id = await get_guild_for_secret(self.bot.db, request.match_info["secret"])
        # A server that removed the bot stops publishing at once (its data goes later).
        if guild_id is None or await guilds.is_removed(self.bot.db, guild_id):
            return web.Response(status=404, text="unknown calendar\n")
        events = [
            e
            for f in self.bot.features_with("calendar_events")
            for e in await f.calendar_events(guild_id)
        ]
        guild = self.bot.get_guild(guild_id)
        name = f"{guild.name} (Hamming)" if guild is not None else "Hamming"
        body = render_ics(name, events, self.bot.clock.now())
        return web.Response(body=body, content_type="text/calendar", charset="utf-8")

    async def cohort_page(self, request: web.Request) -> web.Response:
        """A server's cohort page; an unknown, rotated or switched-off secret is a plain 404,
        the same as any unknown path, so the answer says nothing about what exists."""
        from bot import page  # Jinja2 comes with it, on the first page served

        guild_id = await page.guild_for_secret(self.bot.db, request.match_info["secret"])
        if guild_id is None or await guilds.is_removed(self.bot.db, guild_id):
            raise web.HTTPNotFound()
        now = self.bot.clock.now()
        found = [
            await feature.cohort_page(guild_id, now)
            for feature in self.bot.features_with("cohort_page")
        ]
        guild = self.bot.get_guild(guild_id)
        feeds: tuple[tuple[str, str], ...] = ()
        base = self.bot.settings.public_base_url
        calendar_secret = await get_secret(self.bot.db, guild_id)
        if base and calendar_secret:
            feeds = (("Sessions and deadlines (iCalendar)", feed_url(base, calendar_secret)),)
        body = page.render(
            page.Page(
                cohort=guild.name if guild is not None else "The cohort",
                sections=page.sections_of(found),
                generated_at=now,
                feeds=feeds,
            )
        )
        etag = page.etag_for(body)
        headers = {
            "ETag": etag,
            "Cache-Control": "private, max-age=60",
            "Last-Modified": now.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';"
                " img-src 'self' data:; base-uri 'none'; form-action 'none'"
            ),
        }
        if etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        return web.Response(text=body, content_type="text/html", charset="utf-8", headers=headers)

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            text=self.bot.metrics.render(), content_type="text/plain", charset="utf-8"
        )
