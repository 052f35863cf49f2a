"""The bad-input corpus, and how one entry becomes what Discord's client would actually send.

Entries hold ``{user}``/``{role}`` placeholders, filled with real ids of the test server so that a
mention in the input would really ping someone if the bot let it through.
"""

from __future__ import annotations

from dataclasses import dataclass

# Discord caps a string option at 6000 characters and a text input at 4000 (and at the
# max_length the bot declared); its client refuses to send more, so longer input is clipped.
DISCORD_OPTION_MAX = 6000
DISCORD_INPUT_MAX = 4000

CORPUS: dict[str, str] = {
    "empty": "",
    "blank": "   \t ",
    "10k": "a" * 10_000,
    "10k-words": ("lorem ipsum " * 834)[:10_000],
    "rtl": "\u202eevil.exe\u202c مرحبا بالعالم עברית",
    "zero-width": "a\u200bb\u200c\u200dc\ufeff\u2060",
    "emoji": "🚀🧠 👩🏽‍🔬 🏳️‍🌈 1️⃣",
    "combining": "Z̷̢͉a̶͍l̵g̸o̴ e\u0301\u0301\u0301",
    "markdown": "**bold** __u__ ~~s~~ `x` ```py\nprint(1)\n``` > q ||spoiler|| [a](https://e.x)",
    "@everyone": "@everyone @here come look",
    "role-mention": "<@&{role}> please",
    "user-mention": "<@{user}> and <@!{user}>",
    "sql-drop": "'; DROP TABLE x;--",
    "sql-drop-real": "'); DROP TABLE guild_settings;--",
    "sql-or": "1' OR '1'='1",
    "javascript-url": "javascript:alert(1)",
    "file-url": "file:///etc/passwd",
    "data-url": "data:text/html,<script>alert(1)</script>",
    "feb-30": "2027-02-30 18:00",
    "year-9999": "9999-12-31 23:59",
    "dst-gap-past": "2026-03-29 02:30",
    "dst-gap": "2027-03-28 02:30",
    "dst-repeat": "2027-10-31 02:30",
    "nul-and-newlines": "a\x00b\r\nc\nd",
}


@dataclass(frozen=True)
class Case:
    name: str
    value: str


def cases(role_id: int, user_id: int, *, min_length: int, max_length: int) -> list[Case]:
    """The corpus as Discord's client would send it into a field of these length limits."""
    out = []
    for name, raw in CORPUS.items():
        value = raw.replace("{role}", str(role_id)).replace("{user}", str(user_id))
        if len(value) > max_length:
            value = value[:max_length]
            name = f"{name}[:{max_length}]"
        if len(value) < min_length:
            continue  # the client does not let anyone send this
        out.append(Case(name, value))
    return out


# Every option and field gets these; the rest of the corpus is dealt out in turn, ROTATING at a
# time, so each entry still reaches many options. The full cross product (every entry on every
# option) grew with each feature past what CI's ten minutes allow.
ALWAYS = frozenset(
    {
        "empty",
        "blank",
        "10k",
        "@everyone",
        "role-mention",
        "user-mention",
        "sql-drop-real",
        "nul-and-newlines",
    }
)
ROTATING = 4


def dealt(entries: list[Case], turn: int) -> list[Case]:
    """The entries one option or field is tried with: ALWAYS, and ROTATING of the others
    chosen by `turn` (its position in the walk), so that together they cover the corpus."""
    base = [c for c in entries if c.name.split("[")[0] in ALWAYS]
    others = [c for c in entries if c.name.split("[")[0] not in ALWAYS]
    if not others:
        return base
    start = (turn * ROTATING) % len(others)
    picked = [others[(start + k) % len(others)] for k in range(min(ROTATING, len(others)))]
    return base + picked
