"""Pure domain logic of the weekly check-ins: questions, the schedule and a round's times,
answers and their embed fields, participation and the digest's lines.

Weeks are in weeks.py, streaks in streaks.py and the drift check in drift.py.
No discord, no await, no I/O. Every instant is timezone-aware UTC; IANA zones come in only
as parameters (`next_prompt_at`), and `now` is always passed in.

Answers are handled by position, so a moderator's own question set keeps these roles:
position 1 names the member's problems (drift compares against it), 1 and 2 are pre-filled
from the member's previous check-in, 3 is "what I did" (drift reads it, and its placeholder
shows what the member planned last week) and 5 is "next week".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.sending import THREAD_CHANNEL_PERMISSIONS
from bot.text import LineRule
from bot.time import next_weekly_at
from cogs.checkins.weeks import require_aware

FEATURE_NAME = "checkins"  # as registered with the core (/me notifications names it)

# --- Questions ------------------------------------------------------------------------------

LABEL_MAX = 45  # Discord's limit on a modal text input's label
QUESTION_MAX = 100  # Discord's limit on a text input's placeholder, where the question is shown
MAX_QUESTIONS = 5  # a Discord modal holds at most five text inputs
QUESTION_FIELD_MAX = LABEL_MAX + len(" | ") + QUESTION_MAX  # max_length of an edit-modal field

PROBLEMS_INDEX = 0  # "Most important problems in your field"
APPROACH_INDEX = 1  # "What you are doing about them"
DID_INDEX = 2  # "What you did this week"
NEXT_WEEK_INDEX = 4  # "Next week"
PREFILLED_INDICES = (PROBLEMS_INDEX, APPROACH_INDEX)
# Without these three a check-in says nothing; the other answers may be left empty.
REQUIRED_INDICES = frozenset({PROBLEMS_INDEX, APPROACH_INDEX, DID_INDEX})


class ConfigError(DomainError):
    """A moderator's check-in settings are not acceptable; the message says why in plain words."""


class AnswerError(DomainError):
    """A member's answers are not acceptable; the message says why in plain words."""


LABEL_RULE = LineRule(
    LABEL_MAX,
    ConfigError,
    empty="Question {number} has no label.",
    too_long="The label of question {number} is {length} characters long; "
    "labels can be at most {limit} (Discord's limit).",
)
QUESTION_RULE = LineRule(
    QUESTION_MAX,
    ConfigError,
    empty="Question {number} ({label}) has no question text.",
    too_long="Question {number} ({label}) is {length} characters long; "
    "questions can be at most {limit}.",
)


@dataclass(frozen=True, slots=True)
class Question:
    """One check-in question: `label` titles the modal field, `text` is the full question."""

    label: str
    text: str


DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question(
        "Most important problems in your field",
        "What are the most important problems in your field right now?",
    ),
    Question(
        "What you are doing about them",
        "What are you doing about them, and why is that the path?",
    ),
    Question("What you did this week", "What did you read, write, publish or try this week?"),
    Question("What is blocking you", "What is blocking you, or what would help?"),
    Question("Next week", "What will you do next week?"),
)


def validate_questions(questions: Sequence[Question]) -> tuple[Question, ...]:
    """The questions with surrounding spaces removed, or ConfigError saying what is wrong.

    Accepted: 1 to 5 questions; each label 1 to 45 characters, each question 1 to 100
    characters; no two labels alike (ignoring case).
    """
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ConfigError(
            f"A check-in needs 1 to {MAX_QUESTIONS} questions; {len(questions)} were given."
        )
    cleaned: list[Question] = []
    seen: dict[str, int] = {}
    for number, question in enumerate(questions, start=1):
        label = LABEL_RULE.tidy(question.label, number=number)
        text = QUESTION_RULE.tidy(question.text, number=number, label=label)
        key = label.casefold()
        if key in seen:
            raise ConfigError(
                f'Questions {seen[key]} and {number} share the label "{label}"; '
                "each label must be different."
            )
        seen[key] = number
        cleaned.append(Question(label, text))
    return tuple(cleaned)


def question_field_value(question: Question) -> str:
    """How one question is shown in the moderator's edit modal: `Label | Full question`."""
    return f"{question.label} | {question.text}"


def parse_question_fields(fields: Sequence[str]) -> tuple[Question, ...]:
    """The questions written in the moderator's edit modal, validated.

    The modal has five paragraph fields, one per question, each pre-filled with
    `question_field_value`. The format of a field is::

        Label | Full question

    - The label comes before the first `|`, the question after it (so a question may itself
      contain `|`, a label may not). Spaces around both are removed.
    - Line breaks count as spaces, so a long question may wrap onto a second line.
    - An empty field removes that question; the remaining ones keep their order.

    Raises ConfigError naming the field (1 to 5) and what is accepted, and saying that
    nothing was changed (the text the moderator reads).
    """
    try:
        return _parse_question_fields(fields)
    except ConfigError as exc:
        raise ConfigError(f"{exc} Nothing was changed.") from None


def _parse_question_fields(fields: Sequence[str]) -> tuple[Question, ...]:
    if len(fields) > MAX_QUESTIONS:
        raise ConfigError(f"At most {MAX_QUESTIONS} question fields are accepted.")
    questions: list[Question] = []
    for number, raw in enumerate(fields, start=1):
        value = " ".join(raw.split())
        if not value:
            continue
        label, bar, text = value.partition("|")
        if not bar:
            raise ConfigError(
                f"Field {number} has no `|`. Write each question as `Label | Full question`, "
                "for example `Next week | What will you do next week?`."
            )
        label, text = label.strip(), text.strip()
        if not label:
            raise ConfigError(f"Field {number} has nothing before the `|`; write a short label.")
        if not text:
            raise ConfigError(f"Field {number} has nothing after the `|`; write the question.")
        questions.append(Question(label, text))
    if not questions:
        raise ConfigError("All fields are empty; a check-in needs at least one question.")
    return validate_questions(questions)


# --- Schedule -------------------------------------------------------------------------------

CATCH_UP_MIN_OPEN = timedelta(hours=12)
MAX_CLOSE_AFTER_HOURS = 7 * 24  # a round closes before the next week's prompt


@dataclass(frozen=True, slots=True)
class RoundTimes:
    """When one round opens, closes and (if at all) reminds; all UTC."""

    opens: datetime
    closes: datetime
    reminder_at: datetime | None


def parse_24h_time(hhmm: str) -> time:
    """A stored prompt time, "HH:MM" on the 24-hour clock only, or ConfigError.

    Stricter than `bot.timeparse.parse_hhmm` (which reads what people type: "9am" too):
    this reads the settings' `prompt_time`, always written as HH:MM.
    """
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", hhmm.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f'"{hhmm}" is not a time of day; write it as HH:MM, like 09:30 or 18:00.')
    return time(int(match[1]), int(match[2]))


def next_prompt_at(now_utc: datetime, weekday: int, hhmm: str, zone: str | tzinfo) -> datetime:
    """The next prompt instant (UTC) strictly after `now_utc`.

    `weekday` is 0 for Monday to 6 for Sunday; `hhmm` is the local wall time in `zone`,
    which stays fixed across DST changes (see `bot.time.next_weekly_at` for gaps and repeats).
    """
    require_aware(now_utc, "now_utc")
    if not 0 <= weekday <= 6:
        raise ConfigError(f"The weekday must be 0 (Monday) to 6 (Sunday), not {weekday}.")
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    if not isinstance(tz, ZoneInfo):
        raise ValueError("zone must be an IANA zone name or ZoneInfo")
    return next_weekly_at(now_utc, weekday, parse_24h_time(hhmm), tz)


def round_times(
    prompt_at: datetime, close_after_hours: int = 72, reminder_hours_before_close: int = 24
) -> RoundTimes:
    """Open, close and reminder instants of the round prompted at `prompt_at`.

    Hours are real elapsed hours (UTC arithmetic), so a round spanning a DST change still
    lasts `close_after_hours`. The reminder exists only if it falls strictly after opening;
    `reminder_hours_before_close=0` turns it off.
    """
    require_aware(prompt_at, "prompt_at")
    if not 1 <= close_after_hours <= MAX_CLOSE_AFTER_HOURS:
        raise ConfigError(
            f"A round must close 1 to {MAX_CLOSE_AFTER_HOURS} hours after it opens, "
            f"not {close_after_hours}."
        )
    if reminder_hours_before_close < 0:
        raise ConfigError("The reminder cannot come after the round closes.")
    opens = prompt_at.astimezone(UTC)
    closes = opens + timedelta(hours=close_after_hours)
    reminder = closes - timedelta(hours=reminder_hours_before_close)
    if reminder_hours_before_close == 0 or reminder <= opens:
        return RoundTimes(opens, closes, None)
    return RoundTimes(opens, closes, reminder)


def cap_round_times(times: RoundTimes, next_prompt: datetime | None) -> RoundTimes:
    """The round's times, closing no later than the next prompt so rounds never overlap.

    Happens when a moderator opens a round early (`prompt-now`) or when a 168-hour round
    meets a DST change. The reminder keeps its distance before the (earlier) close, and is
    dropped if that would put it at or before the opening.
    """
    if next_prompt is None or next_prompt >= times.closes:
        return times
    require_aware(next_prompt, "next_prompt")
    closes = max(next_prompt, times.opens)
    reminder = None
    if times.reminder_at is not None:
        candidate = closes - (times.closes - times.reminder_at)
        reminder = candidate if candidate > times.opens else None
    return RoundTimes(times.opens, closes, reminder)


def prompt_is_catchable(due: datetime, now: datetime, closes: datetime) -> bool:
    """Whether a prompt that fell due while the bot was down should be posted now.

    Only if it is due and its round would still be open for at least 12 hours; otherwise
    the round is skipped rather than posted with too little time to answer.
    """
    for name, value in (("due", due), ("now", now), ("closes", closes)):
        require_aware(value, name)
    return due <= now and closes - now >= CATCH_UP_MIN_OPEN


ON_TIME = timedelta(minutes=15)  # wake-up jitter and a first retry still count as on time


def prompt_should_post(due: datetime, now: datetime, closes: datetime) -> bool:
    """Whether a due prompt is posted now: on time (within 15 minutes), or catchable.

    The 12-hour rule is for prompts missed while the bot was down; a prompt on time is
    posted even when its round is shorter than 12 hours.
    """
    for name, value in (("due", due), ("now", now), ("closes", closes)):
        require_aware(value, name)
    if due > now or now >= closes:
        return False
    return now - due <= ON_TIME or prompt_is_catchable(due, now, closes)


# --- Modal and embed helpers ----------------------------------------------------------------

ANSWER_MAX = 1024  # answers are shown as embed field values
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_TOTAL_MAX = 6000


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # end on a whole word unless that loses too much
        cut = cut[:space]
    return cut.rstrip() + "…"


def truncate_placeholder(text: str, limit: int = QUESTION_MAX) -> str:
    """`text` on one line and at most `limit` characters, ending with "…" when cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return _truncate(" ".join(text.split()), limit)


def prefill_values(previous_answers: Sequence[str | None]) -> dict[int, str]:
    """Field defaults for the answer modal: previous answers to Q1 and Q2, by position."""
    values: dict[int, str] = {}
    for index in PREFILLED_INDICES:
        if index < len(previous_answers):
            answer = (previous_answers[index] or "").strip()
            if answer:
                values[index] = answer[:ANSWER_MAX]
    return values


def placeholders(questions: Sequence[Question], last_next_week: str | None) -> list[str]:
    """Placeholders for the answer modal: each question, except that Q3 shows last week's plan."""
    result = [truncate_placeholder(question.text) for question in questions]
    plan = " ".join((last_next_week or "").split())
    if plan and len(result) > DID_INDEX:
        result[DID_INDEX] = truncate_placeholder(f"Last week you planned: {plan}")
    return result


def is_required(index: int) -> bool:
    """Whether the answer at this position must be filled in (Q1 to Q3)."""
    return index in REQUIRED_INDICES


NOT_SAVED = "Nothing was saved; press Check in again to fix it."


def validate_answers(questions: Sequence[Question], answers: Sequence[str]) -> tuple[str, ...]:
    """The answers with surrounding spaces removed, or AnswerError saying what is wrong
    (and that nothing was saved)."""
    if len(answers) != len(questions):
        raise AnswerError(f"Expected {len(questions)} answers, got {len(answers)}. {NOT_SAVED}")
    cleaned: list[str] = []
    for index, (question, raw) in enumerate(zip(questions, answers, strict=True)):
        answer = raw.strip()
        if not answer and is_required(index):
            raise AnswerError(f"“{question.label}” needs an answer. {NOT_SAVED}")
        if len(answer) > ANSWER_MAX:
            raise AnswerError(
                f"“{question.label}” is {len(answer):,} characters long; "
                f"answers can be at most {ANSWER_MAX:,}. {NOT_SAVED}"
            )
        cleaned.append(answer)
    return tuple(cleaned)


def _cap(lengths: Sequence[int], budget: int) -> int:
    """The largest per-value cap with sum(min(length, cap)) <= budget (water-filling)."""
    lo, hi = 0, max(lengths, default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(length, mid) for length in lengths) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def answer_embed_fields(
    questions: Sequence[Question], answers: Sequence[str], budget: int = EMBED_TOTAL_MAX
) -> list[tuple[str, str]]:
    """(name, value) embed fields for the non-empty answers, within Discord's limits.

    Names are the labels (at most 256 characters), values at most 1024. `budget` is what
    the fields may use of the embed's 6000 characters (subtract the title, description and
    footer); if they would not fit, the longest values are shortened evenly, with "…".
    """
    pairs = [
        (_truncate(" ".join(q.label.split()), EMBED_FIELD_NAME_MAX), answer.strip())
        for q, answer in zip(questions, answers, strict=False)
        if answer.strip()
    ]
    return _fit(pairs, budget, "answer fields")


# --- Configuration and rounds ---------------------------------------------------------------

VISIBILITIES = ("public", "moderators")
DEFAULT_DRIFT_WEEKS = 3


def validate_schedule(close_after_hours: int, reminder_hours_before_close: int) -> None:
    """ConfigError unless the round length and reminder offset make sense together.

    A round lasts 1 to 168 hours (it closes before next week's prompt); the reminder comes
    0 (no reminder) to close_after_hours - 1 hours before the close, so after the opening.
    """
    if not 1 <= close_after_hours <= MAX_CLOSE_AFTER_HOURS:
        raise ConfigError(
            f"close_after_hours must be 1 to {MAX_CLOSE_AFTER_HOURS} (a round closes before "
            f"the next week's prompt); {close_after_hours} was given."
        )
    if not 0 <= reminder_hours_before_close < close_after_hours:
        raise ConfigError(
            f"reminder_hours_before_close must be 0 (no reminder) to {close_after_hours - 1} "
            f"for a round open {close_after_hours} hours, so that the reminder comes after the "
            f"prompt; {reminder_hours_before_close} was given."
        )


# --- Embeds for history ---------------------------------------------------------------------


def fit_fields(
    pairs: Sequence[tuple[str, str]], budget: int = EMBED_TOTAL_MAX
) -> list[tuple[str, str]]:
    """(name, value) pairs within Discord's field limits and `budget` characters in total.

    Names are cut to 256 characters, values to 1024; if the whole would exceed `budget`,
    the longest values are shortened evenly, with "…". Empty values become "—".
    """
    named = [
        (_truncate(" ".join(name.split()) or "—", EMBED_FIELD_NAME_MAX), value.strip() or "—")
        for name, value in pairs
    ]
    return _fit(named, budget, "fields")


def _fit(pairs: Sequence[tuple[str, str]], budget: int, what: str) -> list[tuple[str, str]]:
    """Values cut to 1024 characters, then the longest shortened evenly to fit `budget`."""
    pairs = [(name, _truncate(value, EMBED_FIELD_VALUE_MAX)) for name, value in pairs]
    value_budget = budget - sum(len(name) for name, _ in pairs)
    if value_budget < 2 * len(pairs):
        raise ValueError(f"{budget} characters are too few for {len(pairs)} {what}.")
    cap = _cap([len(value) for _, value in pairs], value_budget)
    return [(name, _truncate(value, cap)) for name, value in pairs]


def answers_text(questions: Sequence[Question], answers: Sequence[str]) -> str:
    """A round's answers on a few lines: "**Label**: answer", empty answers left out."""
    lines = [
        f"**{question.label}**: {' '.join(answer.split())}"
        for question, answer in zip(questions, answers, strict=False)
        if answer.strip()
    ]
    return "\n".join(lines)


def questions_to_json(questions: Sequence[Question]) -> list[list[str]]:
    """A question set as stored: [[label, question], ...]."""
    return [[question.label, question.text] for question in questions]


def questions_from_json(data: object) -> tuple[Question, ...]:
    """A stored question set; the defaults when nothing (or something unreadable) is stored."""
    if not isinstance(data, list) or not data:
        return DEFAULT_QUESTIONS
    questions: list[Question] = []
    for item in data:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            return DEFAULT_QUESTIONS
        questions.append(Question(item[0], item[1]))
    return tuple(questions)


# The permissions the bot needs in the check-in channel, as discord.Permissions attribute
# names: the feature declares them (`channel_permissions`), /setup and the schedule check them.
CHANNEL_PERMISSIONS = THREAD_CHANNEL_PERMISSIONS
# How Discord's settings screen names them.
PERMISSION_NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}
# Iterating a discord.Permissions names View Channel by its older name.
_OLDER_NAMES = {"view_channel": "read_messages"}


def missing_permissions(
    granted: Mapping[str, bool], required: Sequence[str] = CHANNEL_PERMISSIONS
) -> list[str]:
    """The names of the `required` permissions that `granted` lacks, in their order."""
    return [
        PERMISSION_NAMES.get(flag, flag.replace("_", " ").title())
        for flag in required
        if not (granted.get(flag) or granted.get(_OLDER_NAMES.get(flag, flag)))
    ]
