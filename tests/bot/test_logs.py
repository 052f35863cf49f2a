"""Log lines: the token is scrubbed everywhere; links in discord.py's lines lose path and query."""

from __future__ import annotations

import logging

from bot.logs import REDACTED, RedactingFormatter, redact_links

SECRET_FEED = "https://calendar.google.com/calendar/ical/abc%40group/private-s3cr3t/basic.ics"


def record(name: str, message: str) -> logging.LogRecord:
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, message, None, None)


def test_links_lose_path_and_query_except_to_kept_hosts() -> None:
    text = f"payload {{'url': '{SECRET_FEED}', 'x': 'https://discord.com/api/v10/users/@me'}}"
    shown = redact_links(text, ["discord.com"])
    assert "s3cr3t" not in shown and "https://calendar.google.com/…" in shown
    assert "https://discord.com/api/v10/users/@me" in shown
    assert redact_links("see https://example.org/", []) == "see https://example.org"


def test_discord_lines_are_cut_and_the_token_is_scrubbed_from_every_line() -> None:
    formatter = RedactingFormatter(["tok.en"], as_json=True, keep_hosts=["discord.com"])
    gateway = formatter.format(record("discord.gateway", f"WebSocket Event: {SECRET_FEED} tok.en"))
    assert "s3cr3t" not in gateway and "tok.en" not in gateway and REDACTED in gateway
    ours = formatter.format(record("cogs.grants.importer", "imported https://x.org/path"))
    assert "https://x.org/path" in ours  # our own lines redact feed links where they log them
