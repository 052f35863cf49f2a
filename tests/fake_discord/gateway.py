"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, chunking, RESUME with replay.

Every dispatch gets a sequence number and stays in the session's buffer, so a RESUME after a
dropped connection replays what the bot missed, followed by RESUMED.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.fake_discord.server import FakeDiscord

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
HEARTBEAT_INTERVAL_MS = 41_250
GUILD_MEMBERS_INTENT = 1 << 1
# Which intent each event needs; events not listed are always sent.
EVENT_INTENTS = {
    "GUILD_MEMBER_ADD": 1 << 1,
    "GUILD_MEMBER_UPDATE": 1 << 1,
    "GUILD_MEMBER_REMOVE": 1 << 1,
    "GUILD_SCHEDULED_EVENT_CREATE": 1 << 16,
    "GUILD_SCHEDULED_EVENT_UPDATE": 1 << 16,
    "GUILD_SCHEDULED_EVENT_DELETE": 1 << 16,
}


@dataclass
class Event:
    seq: int
    payload: dict[str, Any]
    on_sent: Callable[[], None] | None = None
    sent: bool = False


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    buffer: list[Event] = field(default_factory=list)
    connection: Connection | None = None
    guilds_sent: bool = False
    pending_chunks: int = 0

    def wants(self, name: str, guild_message: bool | None = None) -> bool:
        if name == "MESSAGE_CREATE" and guild_message is not None:
            needed = 1 << 9 if guild_message else 1 << 12
            return bool(self.intents & needed)
        needed = EVENT_INTENTS.get(name, 0)
        return not needed or bool(self.intents & needed)


class Connection:
    def __init__(self, ws: web.WebSocketResponse, transport: Any, compress: bool) -> None:
        self.ws = ws
        self.transport = transport
        self._compressor = zlib.compressobj() if compress else None
        self._lock = asyncio.Lock()
        self.cursor = 0  # last sequence number written on this connection
        self.wake = asyncio.Event()
        self.writer: asyncio.Task[None] | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                raise ConnectionResetError("gateway closed")
            if self._compressor is None:
                await self.ws.send_str(text)
            else:
                data = self._compressor.compress(text.encode())
                data += self._compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.identifies = 0
        self.resumes = 0
        self._session_counter = 0

    # ---- dispatching --------------------------------------------------------------------
    def dispatch(
        self,
        name: str,
        data: dict[str, Any],
        *,
        on_sent: Callable[[], None] | None = None,
        guild_message: bool | None = None,
    ) -> None:
        for session in self.sessions.values():
            if session.guilds_sent and session.wants(name, guild_message):
                self._enqueue(session, name, data, on_sent)

    def _enqueue(
        self,
        session: Session,
        name: str,
        data: Any,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        session.seq += 1
        payload = {"op": DISPATCH, "t": name, "s": session.seq, "d": data}
        session.buffer.append(Event(session.seq, payload, on_sent))
        if session.connection is not None:
            session.connection.wake.set()

    async def _writer(self, session: Session, connection: Connection) -> None:
        while not connection.ws.closed:
            await connection.wake.wait()
            connection.wake.clear()
            for event in session.buffer:
                if event.seq <= connection.cursor:
                    continue
                try:
                    await connection.send(event.payload)
                except (ConnectionResetError, RuntimeError):
                    return
                connection.cursor = event.seq
                if not event.sent:
                    event.sent = True
                    if event.on_sent is not None:
                        event.on_sent()

    # ---- websocket handler --------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        # discord.py asks for zlib-stream (or zstd-stream when `zstandard` is importable); we
        # honour zlib-stream and answer anything else in plain text frames, which it accepts.
        compress = request.query.get("compress") == "zlib-stream"
        connection = Connection(ws, request.transport, compress)
        self.connections.append(connection)
        session: Session | None = None
        try:
            await connection.send({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                if op == HEARTBEAT:
                    await connection.send({"op": HEARTBEAT_ACK})
                elif op == IDENTIFY:
                    session = await self._identify(connection, data)
                elif op == RESUME:
                    session = await self._resume(connection, data)
                elif op == REQUEST_MEMBERS and session is not None:
                    self._request_members(session, data)
                elif op not in (PRESENCE, VOICE):
                    self.fake.record_violation("gateway", "WS", "/", f"unknown opcode {op}")
        finally:
            if connection.writer is not None:
                connection.writer.cancel()
            if session is not None and session.connection is connection:
                session.connection = None
            self.connections.remove(connection)
        return ws

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self.fake.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return None
        self.identifies += 1
        self._session_counter += 1
        session = Session(f"fake-session-{self._session_counter}", int(data.get("intents") or 0))
        self.sessions[session.id] = session
        self._attach(session, connection, cursor=0)
        fake = self.fake
        ready = {
            "v": 10,
            "user": fake.world.users[fake.bot_user_id].to_json() | {"verified": True},
            "guilds": [{"id": str(g), "unavailable": True} for g in fake.bot_guilds()],
            "session_id": session.id,
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "session_type": "normal",
        }
        self._enqueue(session, "READY", ready)
        for guild in fake.world.guilds.values():
            if fake.bot_user_id not in guild.members:
                continue  # the bot was removed from it
            payload = fake.world.guild_json(guild, bot_user_id=fake.bot_user_id)
            fake.check_gateway_parts(payload)
            self._enqueue(session, "GUILD_CREATE", payload)
        session.guilds_sent = True
        return session

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.fake.token:
            await connection.send({"op": INVALID_SESSION, "d": False})
            return None
        self.resumes += 1
        if session.connection is not None:
            with contextlib.suppress(Exception):
                await session.connection.ws.close(code=4000)
        self._attach(session, connection, cursor=int(data.get("seq") or 0))
        self._enqueue(session, "RESUMED", {})
        return session

    def _attach(self, session: Session, connection: Connection, *, cursor: int) -> None:
        session.connection = connection
        connection.cursor = cursor
        connection.writer = asyncio.create_task(self._writer(session, connection))
        connection.wake.set()

    def _request_members(self, session: Session, data: dict[str, Any]) -> None:
        raw = data.get("guild_id")
        if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
            raw = str(raw)  # accepted on purpose: GATEWAY_INTEGER_SNOWFLAKES["op8.guild_id"]
        guild = self.fake.world.guilds.get(int(raw)) if isinstance(raw, str) else None
        if guild is None:
            self.fake.record_violation("gateway", "WS", "op 8", f"unknown guild_id {raw!r}")
            return
        if not session.intents & GUILD_MEMBERS_INTENT:
            self.fake.record_violation("gateway", "WS", "op 8", "requested members without intent")
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.user_id in wanted]
        query = data.get("query")
        if query:
            names = self.fake.world.users
            members = [m for m in members if names[m.user_id].username.startswith(query)]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [self.fake.world.member_json(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self._enqueue(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ---- faults -------------------------------------------------------------------------
    async def drop(self) -> None:
        """Abruptly drop every gateway connection (no close frame), as a network failure would."""
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
            else:
                await connection.ws.close(code=4000)

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes on ``resume_gateway_url``."""
        for connection in list(self.connections):
            with contextlib.suppress(ConnectionResetError):
                await connection.send({"op": RECONNECT, "d": None})

    async def close(self) -> None:
        for connection in list(self.connections):
            await connection.ws.close(code=1001)
