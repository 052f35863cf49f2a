"""Logging set-up: text or JSON lines, with the bot token scrubbed from everything written."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """Formats a record, then removes secrets, so not even a traceback can leak them."""

    def __init__(self, secrets: list[str], as_json: bool) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._secrets = [s for s in secrets if s]
        self._as_json = as_json

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
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, fmt: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets, as_json=fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at INFO is useful; its HTTP debug lines are not.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
