"""Logging set-up: text or JSON lines, with the bot token scrubbed from everything written."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

REDACTED = "[redacted]"
_URL = re.compile(r"https?://[^\s'\"<>\\]+")


def redact_links(text: str, keep_hosts: Iterable[str]) -> str:
    """Links in `text` cut to scheme and host, except links to `keep_hosts` (Discord's API).

    discord.py's DEBUG lines echo whole gateway payloads, and an option a moderator typed can
    be a link whose path or query is a secret (a private calendar feed): it must not reach a
    log file whole.
    """
    kept = {host.lower() for host in keep_hosts}

    def cut(match: re.Match[str]) -> str:
        try:
            parts = urlsplit(match[0])
            host = (parts.hostname or "").lower()
        except ValueError:
            return "<link>"
        if host in kept:
            return match[0]
        hidden = "/…" if parts.path not in ("", "/") or parts.query else ""
        return f"{parts.scheme}://{host}{hidden}"

    return _URL.sub(cut, text)


class RedactingFormatter(logging.Formatter):
    """Formats a record, then removes secrets, so not even a traceback can leak them."""

    def __init__(self, secrets: list[str], as_json: bool, keep_hosts: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._secrets = [s for s in secrets if s]
        self._as_json = as_json
        self._keep_hosts = tuple(keep_hosts)

    def format(self, record: logging.LogRecord) -> str:
        if self._as_json:
            entry = {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
            if record.exc_info:
                entry["exception"] = self.formatException(record.exc_info)
            text = json.dumps(entry)
        else:
            text = super().format(record)
        if record.name.startswith("discord"):
            text = redact_links(text, self._keep_hosts)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(
    level: str, fmt: str, secrets: list[str], keep_hosts: Iterable[str] = ()
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets, as_json=fmt == "json", keep_hosts=keep_hosts))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at INFO is useful; its HTTP debug lines are not.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
