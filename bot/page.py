"""The cohort page: one read-only web page per server, behind a secret URL.

Features give their public part through the `cohort_page` hook as plain data (`PageSection`s
of `PageItem`s, and at most a `PageChart` of numbers); this module renders it with Jinja2
(autoescape on), so no feature writes markup and nothing a member typed can become HTML. The
participation chart is an inline SVG drawn here from numbers. Jinja2 is imported on the first
page served: a bot whose servers never turn the page on does not pay for it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import to_unix
from bot.db import Database, Transaction

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class PageItem:
    """One line of a section: plain text only (escaped when rendered)."""

    title: str
    when: datetime | None = None  # shown in the viewer's own zone (UTC without script)
    detail: str = ""
    link: str | None = None  # http(s) only; anything else is dropped
    link_text: str = ""
    countdown: bool = False  # "in 3 days" beside the time


@dataclass(frozen=True)
class PageChart:
    """Bars of a share (0..1) per label, e.g. check-in participation per week."""

    labels: tuple[str, ...]
    shares: tuple[float, ...]
    caption: str


@dataclass(frozen=True)
class PageSection:
    title: str
    items: tuple[PageItem, ...] = ()
    empty: str = "Nothing here yet."
    order: int = 50  # lower first
    chart: PageChart | None = None
    note: str = ""


@dataclass(frozen=True)
class Page:
    cohort: str
    sections: tuple[PageSection, ...]
    generated_at: datetime
    feeds: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url)


# --- secrets (the page is on while its row exists) ------------------------------------------


async def get_secret(db: Database | Transaction, guild_id: int) -> str | None:
    row = await db.fetchone("SELECT secret FROM cohort_pages WHERE guild_id = ?", (guild_id,))
    return None if row is None else str(row["secret"])


async def set_new_secret(tx: Transaction, guild_id: int, now: datetime) -> str:
    """Turn the page on, or rotate its secret: the old URL stops answering at once."""
    secret = secrets.token_urlsafe(24)
    await tx.execute(
        "INSERT INTO cohort_pages (guild_id, secret, created_at, rotated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET secret = excluded.secret,"
        " rotated_at = excluded.rotated_at",
        (guild_id, secret, to_unix(now), to_unix(now)),
    )
    return secret


async def delete_secret(tx: Transaction, guild_id: int) -> int:
    return await tx.execute("DELETE FROM cohort_pages WHERE guild_id = ?", (guild_id,))


async def guild_for_secret(db: Database, secret: str) -> int | None:
    row = await db.fetchone("SELECT guild_id, secret FROM cohort_pages WHERE secret = ?", (secret,))
    # compare_digest as well: the index lookup decides, this keeps the final check constant-time.
    if row is None or not secrets.compare_digest(str(row["secret"]), secret):
        return None
    return int(row["guild_id"])


def page_url(public_base_url: str, secret: str) -> str:
    return f"{public_base_url.rstrip('/')}/cohort/{secret}"


# --- rendering -------------------------------------------------------------------------------


def safe_link(url: str | None) -> str | None:
    """Only http(s) links reach the page (never javascript:, data:, …)."""
    if url and url.lower().startswith(("https://", "http://")) and len(url) <= 2000:
        return url
    return None


def chart_svg(chart: PageChart) -> dict[str, Any]:
    """Geometry of the bar chart, drawn by the template as inline SVG (numbers only)."""
    width, height, gap = 600, 160, 6
    count = max(len(chart.shares), 1)
    bar = (width - gap * (count + 1)) / count
    bars = []
    for index, (label, share) in enumerate(zip(chart.labels, chart.shares, strict=True)):
        share = min(max(share, 0.0), 1.0)
        bar_height = round(share * (height - 30), 1)
        x = round(gap + index * (bar + gap), 1)
        bars.append(
            {
                "x": x,
                "y": round(height - 20 - bar_height, 1),
                "width": round(bar, 1),
                "height": bar_height,
                "label": label,
                "percent": round(share * 100),
                "label_x": round(x + bar / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "caption": chart.caption}


@cache
def _environment() -> Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _stylesheet() -> str:
    """Read once, like the template: a page request does no file I/O of its own."""
    return (TEMPLATES / "cohort.css").read_text(encoding="utf-8")


def render(page: Page) -> str:
    """The page's HTML (blocking but fast: a few ms; called on the event loop)."""
    sections = sorted(page.sections, key=lambda s: (s.order, s.title))
    return (
        _environment()
        .get_template("cohort.html")
        .render(
            page=page,
            sections=sections,
            chart_of=lambda section: chart_svg(section.chart),
            safe_link=safe_link,
            iso=lambda when: when.isoformat(timespec="minutes").replace("+00:00", "Z"),
            utc=lambda when: f"{when:%a %d %b %Y %H:%M} UTC",
            stylesheet=_stylesheet(),
        )
    )


def etag_for(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def sections_of(found: Sequence[Sequence[PageSection]]) -> tuple[PageSection, ...]:
    return tuple(section for sections in found for section in sections)
