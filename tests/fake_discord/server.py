"""FakeDiscord: an aiohttp server speaking enough of Discord's REST API and gateway for discord.py.

Every request body is validated against Discord's OpenAPI document, as is every answer; limits,
interaction deadlines and unknown routes are enforced. Breaches are kept in ``violations``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from types import TracebackType
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fake_discord import interactions, rest, spec
from tests.fake_discord.faults import Faults
from tests.fake_discord.gateway import Gateway
from tests.fake_discord.harness import InteractionHarness
from tests.fake_discord.messaging import NonceIndex, Upload
from tests.fake_discord.records import INVALID_FORM_BODY, DiscordError, RequestRecord, Violation
from tests.fake_discord.routing import Reply, Req, find_route
from tests.fake_discord.world_api import WorldApi

log = logging.getLogger(__name__)
API_PREFIX = "/api/v10"
_ = (rest, interactions)  # imported for their route registrations


class FakeDiscord(WorldApi, InteractionHarness):
    """A local Discord for one test: start it, build a guild, point discord.py at it."""

    def __init__(
        self,
        token: str = "test-token",
        *,
        nonce_window: float = 300.0,
        interaction_deadline: float = 3.0,
        followup_window: float = 15 * 60.0,
    ) -> None:
        spec.load()  # fail early, with a clear message, if ../shared is missing
        WorldApi.__init__(self)
        InteractionHarness.__init__(self)
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.followup_window = followup_window
        self.nonces = NonceIndex(nonce_window)
        self.faults = Faults()
        self.gateway = Gateway(self)
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{id}/{filename}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = int(self._runner.addresses[0][1])  # the port the OS chose for port=0
        self.host = host
        self.world.base_url = self.base_url

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def env(self) -> dict[str, str]:
        """Settings for a bot running in another process (names are a suggestion)."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    # ---- violations ---------------------------------------------------------------------
    def record_violation(self, kind: str, method: str, path: str, message: str) -> None:
        violation = Violation(kind, method, path, message)
        log.warning("fake discord violation: %s", violation)
        self.violations.append(violation)

    def pop_violations(self, kind: str | None = None, pattern: str = "") -> list[Violation]:
        """Remove and return violations a test expected (by kind and/or regex over the text)."""
        taken = [
            v
            for v in self.violations
            if (kind is None or v.kind == kind) and re.search(pattern, str(v))
        ]
        self.violations = [v for v in self.violations if v not in taken]
        return taken

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(f"  {v}" for v in self.violations)
            raise AssertionError(f"Discord contract violations recorded:\n{lines}")

    def check_gateway_parts(self, guild: dict[str, Any]) -> None:
        """Gateway events have no schema; check their parts against the REST response schemas."""
        parts: list[tuple[str, Any]] = [("GuildRoleResponse", r) for r in guild["roles"]]
        parts += [("GuildMemberResponse", m) for m in guild["members"]]
        parts += [
            ("GuildChannelResponse", {**c, "guild_id": guild["id"]}) for c in guild["channels"]
        ]
        parts += [("ThreadResponse", t) for t in guild["threads"]]
        for name, part in parts:
            for message in spec.validate_schema(name, part):
                self.record_violation(
                    "response-schema", "GATEWAY", "GUILD_CREATE", f"{name} {message}"
                )

    # ---- observability ------------------------------------------------------------------
    def requests_matching(self, method: str | None, path_regex: str) -> list[RequestRecord]:
        pattern = re.compile(path_regex)
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and pattern.search(r.path)
        ]

    @property
    def served_429s(self) -> int:
        return self.faults.served_429s

    @property
    def deduplicated_sends(self) -> list[int]:
        """Message ids returned again because a send repeated an earlier ``nonce``."""
        return list(self.nonces.deduplicated)

    # ---- faults -------------------------------------------------------------------------
    def fail_next(
        self, method: str | None, path_regex: str, status: int = 500, count: int = 1
    ) -> None:
        self.faults.fail_next(method, path_regex, status, count)

    def close_dms(self, user_id: int) -> None:
        self.faults.closed_dms.add(user_id)

    def open_dms(self, user_id: int) -> None:
        self.faults.closed_dms.discard(user_id)

    def set_latency(self, seconds: float) -> None:
        self.faults.latency = seconds

    def rate_limit(
        self,
        method: str | None = None,
        path_regex: str = ".*",
        *,
        count: int = 1,
        retry_after: float = 0.25,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` matching requests with 429 (per-route, or global)."""
        self.faults.rate_limit(
            method, path_regex, count=count, retry_after=retry_after, is_global=is_global
        )

    def route_bucket(
        self, method: str | None, path_regex: str, *, limit: int, per: float = 1.0
    ) -> None:
        """A real per-route bucket: X-RateLimit-* headers on answers, 429 once exhausted."""
        self.faults.route_bucket(method, path_regex, limit, per)

    def set_global_budget(self, per_second: float | None, *, burst: float | None = None) -> None:
        """Token bucket over all requests: beyond ``per_second`` the answer is a global 429."""
        self.faults.set_global_budget(per_second, burst, self.clock.monotonic())

    async def drop_gateway(self) -> None:
        await self.gateway.drop()

    async def reconnect_gateway(self) -> None:
        await self.gateway.reconnect()

    def advance_time(self, seconds: float) -> None:
        """Move the server clock forward (nonce window, follow-up window, deadlines)."""
        self.clock.offset += seconds

    # ---- HTTP plumbing ------------------------------------------------------------------
    async def _attachment(self, request: web.Request) -> web.Response:
        for message in self.world.messages.values():
            for attachment in message.attachments:
                if str(attachment.id) == request.match_info["id"]:
                    return web.Response(body=attachment.data, content_type=attachment.content_type)
        return web.Response(status=404)

    async def _rest(self, request: web.Request) -> web.Response:
        started = self.clock.monotonic()
        method = request.method
        path = "/" + request.match_info["tail"]
        query = dict(request.query)
        try:
            body, uploads = await _read_body(request)
        except ValueError as exc:
            body, uploads = None, []
            reply = _error_reply(
                DiscordError(400, 50109, "The request body contains invalid JSON.")
            )
            self.record_violation("request-schema", method, path, str(exc))
        else:
            reply = await self._answer(request, method, path, query, body, uploads)
        self._check_response(method, path, reply)
        record = RequestRecord(
            method,
            path,
            query,
            body,
            reply.status,
            started,
            self.clock.monotonic() - started,
            [(name, data) for _, name, data, _ in uploads],
            reply.body,
        )
        self.requests.append(record)
        headers = dict(reply.headers)
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # Exactly "application/json": discord.py treats "...; charset=utf-8" as text.
        headers["Content-Type"] = "application/json"
        return web.Response(status=reply.status, body=json.dumps(reply.body), headers=headers)

    async def _answer(
        self,
        request: web.Request,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        uploads: list[Upload],
    ) -> Reply:
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        found = find_route(method, path)
        if found is None:
            self.record_violation(
                "unknown-route", method, path, "the fake server has no such route"
            )
            return _error_reply(DiscordError(404, 0, "404: Not Found"))
        handler_route, params = found
        if handler_route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error_reply(DiscordError(401, 0, "401: Unauthorized"))
        if method in ("POST", "PUT", "PATCH") or body is not None:
            problems = spec.validate_request(method, path, body)
            if problems:
                for problem in problems:
                    self.record_violation("request-schema", method, path, problem)
                return _error_reply(
                    DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", errors={})
                )
        status = self.faults.take_failure(method, path)
        if status is not None:
            return Reply(status, {"message": f"{status}: Injected failure", "code": 0})
        limited, headers = self.faults.check_rate_limit(method, path, self.clock.monotonic())
        if limited is not None:
            return Reply(429, limited.body(), limited.headers)
        try:
            reply = await handler_route.handler(
                self, Req(method, path, params, query, body, uploads)
            )
        except DiscordError as error:
            if error.violation:
                self.record_violation(error.violation, method, path, error.detail)
            reply = _error_reply(error)
        reply.headers.update(headers)
        return reply

    def _check_response(self, method: str, path: str, reply: Reply) -> None:
        for problem in spec.validate_response(method, path, reply.status, reply.body):
            self.record_violation("response-schema", method, path, problem)


def _error_reply(error: DiscordError) -> Reply:
    return Reply(error.status, error.body())


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    if not request.body_exists:
        return None, []
    if request.content_type == "multipart/form-data":
        payload: Any = None
        uploads: list[Upload] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                content_type = part.headers.get("Content-Type")
                uploads.append((part.name or "", part.filename or "", bytes(data), content_type))
        return payload, uploads
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except json.JSONDecodeError as exc:
        raise ValueError(f"body is not JSON: {exc}") from exc
