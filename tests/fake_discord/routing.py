"""The REST route table: handlers register with ``@route(method, pattern)``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fake_discord.messaging import Upload

if TYPE_CHECKING:
    from tests.fake_discord.server import FakeDiscord


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    uploads: list[Upload] = field(default_factory=list)

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    def body(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["FakeDiscord", Req], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


ROUTES: list[Route] = []
_SNOWFLAKE = r"(?P<{}>[0-9]+)"


def route(method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler. ``{name}`` matches a snowflake, ``{name:str}`` any path segment."""

    def expand(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        return f"(?P<{name}>[^/]+)" if kind == "str" else _SNOWFLAKE.format(name)

    pattern = re.compile(re.sub(r"\{([^}]+)\}", expand, template) + r"\Z")

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, pattern, handler, auth))
        return handler

    return register


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method != method:
            continue
        match = candidate.pattern.match(path)
        if match:
            return candidate, match.groupdict()
    return None


def ok(body: Any, status: int = 200) -> Reply:
    return Reply(status, body)


def no_content() -> Reply:
    return Reply(204, None)
