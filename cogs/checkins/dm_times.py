"""When a member's DM prompt is due: the round's prompt time on their own clock. Pure.

The rule (`/config checkins delivery mode: dm|both`):

- A round opens at the server's prompt time. A member's DM prompt is due at the first instant
  at or after the opening at which *their* clock (their `/me timezone`, else the server's zone)
  shows the prompt time, on the prompt's date (the server's local date of the opening) or a
  later one. A member west of the server gets it later the same day; a member east of it,
  whose morning has already passed when the round opens, gets it the next morning.
- A round caught up late (the bot was down at its time) counts from when it was planned: a
  member whose prompt time fell between the planned and the actual opening gets it at the
  opening, not the next morning.
- The DM must come before the reminder (or the close, when there is no reminder). When the
  member's own prompt time falls at or after that limit, the DM goes at the opening instead.
- Wall-clock times are DST-correct: a time skipped by a spring-forward gap is the first instant
  after the gap, a repeated one its first occurrence (`bot.timeparse.localize`).

So the due instant is always within [opens, limit), and limit <= closes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timeparse import localize
from cogs.checkins.weeks import require_aware


def dm_prompt_due(
    planned: datetime,
    opens: datetime,
    limit: datetime,
    at: time,
    zone: ZoneInfo,
    server_zone: ZoneInfo,
) -> datetime:
    """The instant (UTC) a member in `zone` gets the DM prompt of a round.

    `planned` is when the round was scheduled to open and `opens` when it did (later after
    downtime, when it was caught up): a member's prompt time that fell between the two is
    sent at the opening, not a day late. `at` is the prompt's local time of day, `limit` the
    reminder (or close) instant the DM must precede; `server_zone` fixes the prompt's date.
    See the module docstring.
    """
    for name, value in (("planned", planned), ("opens", opens), ("limit", limit)):
        require_aware(value, name)
    planned = min(planned, opens)
    first_day: date = max(planned.astimezone(server_zone).date(), planned.astimezone(zone).date())
    # At most two days: any wall time on the day after the member's date at `planned` is later.
    for offset in range(3):
        candidate, _ = localize(datetime.combine(first_day + timedelta(days=offset), at), zone)
        if candidate >= planned:
            due = max(candidate, opens)
            return due if due < limit else opens
    raise AssertionError("unreachable: a local time recurs within two days")


def dm_prompt_sendable(now: datetime, limit: datetime) -> bool:
    """Whether a DM prompt may still go: before the reminder (which stands in after it)."""
    return now < limit
