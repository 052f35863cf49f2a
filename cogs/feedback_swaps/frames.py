"""Frames and the review checklist: pure rules (no discord, no await).

A member's *fields* are their background (physics, economics, ...), separate from the topics
they review. A draft may ask for a reviewer from *outside* its author's fields or *close* to
them; the matcher treats that as a weighted preference (matching.py). The *checklist* is a
few points from the seed a reviewer may tick when they say they sent their feedback.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cogs.feedback_swaps.logic import RuleError, topics_text

DEFAULT_FIELDS: tuple[str, ...] = (
    "physics",
    "mathematics",
    "CS theory",
    "ML engineering",
    "neuroscience",
    "biology",
    "economics",
    "philosophy",
    "psychology",
    "policy",
)
DEFAULT_CHECKLIST: tuple[str, ...] = (
    "examples before abstractions",
    "are the key problems named, and why they are central",
    "what would test the idea",
    "what would success look like",
    "what would a reader from another field not follow?",
)
# A select menu offers each point as an option: its label and value hold at most 100
# characters, and the card's embed field (1,024) holds 8 bulleted points of that length.
MAX_POINTS = 8
POINT_MAX = 100

FRAME_LABELS = {
    "any": "any reviewer",
    "close": "a reviewer who shares one of your fields",
    "outside": "a reviewer from outside your fields",
}


@dataclass(frozen=True, slots=True)
class FrameSettings:
    guild_id: int
    fields: tuple[str, ...] = DEFAULT_FIELDS
    checklist: tuple[str, ...] = DEFAULT_CHECKLIST

    def with_changes(self, **changes: Any) -> FrameSettings:
        return replace(self, **changes)


def shown_frame_settings(s: FrameSettings) -> dict[str, str]:
    """How each setting reads in the audit log (/config audit)."""
    return {
        "feedback.fields": json.dumps(list(s.fields), ensure_ascii=False),
        "feedback.checklist": json.dumps(list(s.checklist), ensure_ascii=False),
    }


def exported_lists(s: FrameSettings) -> dict[str, list[str]]:
    """For /config export."""
    return {"fields": list(s.fields), "checklist": list(s.checklist)}


def parse_checklist(text: str) -> tuple[str, ...]:
    """The checklist from a form: one point per line; leading bullets are dropped; an empty
    form means no checklist."""
    points: list[str] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        point = " ".join(raw.split()).lstrip("-*•· ").rstrip(" ;")
        if not point:
            continue
        if len(point) > POINT_MAX:
            raise RuleError(
                f"'{point[:50]}…' is longer than {POINT_MAX} characters; keep each point short."
            )
        if point.casefold() in seen:
            continue
        seen.add(point.casefold())
        points.append(point)
    if len(points) > MAX_POINTS:
        raise RuleError(f"That is {len(points)} points; the checklist holds at most {MAX_POINTS}.")
    return tuple(points)


def check_frame(frame: str, author_fields: Sequence[str], known: Sequence[str]) -> None:
    """A frame other than `any` is measured against the author's fields, so they need some."""
    if frame not in FRAME_LABELS:
        raise RuleError(f"Unknown frame '{frame}'; choose any, close or outside.")
    if frame != "any" and not author_fields:
        raise RuleError(
            f"To ask for {FRAME_LABELS[frame]}, tell me your fields first with "
            f"`/feedback join fields:` (from: {', '.join(known)}), or use `frame: any`."
        )


def frame_line(frame: str, author_fields: Sequence[str]) -> str:
    """The line the author reads after requesting with a frame."""
    return (
        f"Frame: {FRAME_LABELS[frame]} ({topics_text(author_fields)}) is preferred; coverage, "
        "no repeat pairs, avoid lists and give to get still come first."
    )


def ticked_points(values: Iterable[str], checklist: Sequence[str]) -> tuple[str, ...]:
    """The points a reviewer ticked, in checklist order; only the current checklist counts."""
    chosen = set(values)
    points = tuple(p for p in checklist if p in chosen)
    if not points:
        raise RuleError(
            "None of those points is on the checklist any more (a moderator changed it). "
            "Your feedback is still counted as sent."
        )
    return points


def bullets(points: Sequence[str]) -> str:
    return "\n".join(f"• {p}" for p in points)


def checklist_digest(ticks_by_review: dict[int, list[str]]) -> str | None:
    """One digest line over the reviews sent this week: how many ticked the checklist and
    which point was covered most (counts only, no names). None when no review was sent."""
    if not ticks_by_review:
        return None
    ticked = [points for points in ticks_by_review.values() if points]
    line = f"Reviews with the checklist: {len(ticked)} of {len(ticks_by_review)}"
    if ticked:
        counts = Counter(p for points in ticked for p in points)
        top = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]  # ties: alphabetical
        line += f"; most covered: {top}"
    return line + "."
