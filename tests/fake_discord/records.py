"""What the fake server remembers about traffic: requests, violations, Discord-style errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestRecord:
    method: str
    path: str  # relative to /api/v10, without query string
    query: dict[str, str]
    json: Any  # the JSON body, or the multipart payload_json, or None
    status: int
    time: float  # server monotonic clock at arrival
    duration: float
    files: list[tuple[str, bytes]] = field(default_factory=list)
    response: Any = None


@dataclass(frozen=True)
class Violation:
    """A breach of Discord's contract: by the bot (request) or by this server (response)."""

    kind: str  # request-schema, response-schema, limit, unknown-route, interaction, gateway
    method: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.method} {self.path}: {self.message}"


class DiscordError(Exception):
    """Raised by a route handler; becomes a Discord-shaped error response.

    ``violation`` names the kind when the error means the bot broke a rule (it is then recorded).
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        violation: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation
        self.detail = detail or message

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


def not_found(what: str, code: int) -> DiscordError:
    return DiscordError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_EVENT = 10070
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063
ALREADY_ACKNOWLEDGED = 40060
CANNOT_DM = 50007
MISSING_PERMISSIONS = 50013
EMPTY_MESSAGE = 50006
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035
MAX_EVENTS = 30038
