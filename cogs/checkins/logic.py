"""Pure domain logic of the weekly check-ins: questions, weeks, schedule, streaks, drift.

No discord, no await, no I/O. Every instant is timezone-aware UTC; IANA zones come in only
as parameters (`next_prompt_at`), and `now` is always passed in.

Answers are handled by position, so a moderator's own question set keeps these roles:
position 1 names the member's problems (drift compares against it), 1 and 2 are pre-filled
from the member's previous check-in, 3 is "what I did" (drift reads it, and its placeholder
shows what the member planned last week) and 5 is "next week".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.time import next_weekly_at

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
        label = " ".join(question.label.split())
        text = " ".join(question.text.split())
        if not label:
            raise ConfigError(f"Question {number} has no label.")
        if len(label) > LABEL_MAX:
            raise ConfigError(
                f"The label of question {number} is {len(label)} characters long; "
                f"labels can be at most {LABEL_MAX} (Discord's limit)."
            )
        if not text:
            raise ConfigError(f"Question {number} ({label}) has no question text.")
        if len(text) > QUESTION_MAX:
            raise ConfigError(
                f"Question {number} ({label}) is {len(text)} characters long; "
                f"questions can be at most {QUESTION_MAX}."
            )
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

    Raises ConfigError naming the field (1 to 5) and what is accepted.
    """
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


# --- Weeks ----------------------------------------------------------------------------------

_WEEK_KEY = re.compile(r"(\d{4})-W(\d{2})")


def week_key(local_date: date) -> str:
    """The ISO week of a local date, like "2026-W48" (ISO week-year, so 2027-01-01 is 2026-W53)."""
    iso = local_date.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def week_range(key: str) -> tuple[date, date]:
    """The Monday and Sunday of an ISO week key; ValueError if the key is not a real week."""
    match = _WEEK_KEY.fullmatch(key)
    if match is None:
        raise ValueError(f'"{key}" is not a week; weeks are written like "2026-W48".')
    year, week = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}.") from None
    return monday, monday + timedelta(days=6)


def shift_week(key: str, weeks: int) -> str:
    """The week `weeks` after `key` (before it when negative)."""
    monday, _ = week_range(key)
    return week_key(monday + timedelta(weeks=weeks))


def weeks_ending(last_week: str, count: int = 12) -> list[str]:
    """The `count` weeks up to and including `last_week`, oldest first."""
    return [shift_week(last_week, offset) for offset in range(1 - count, 1)]


def week_title(key: str) -> str:
    """A week for people: "Week 48 · Mon 23 Nov – Sun 29 Nov 2026"."""
    monday, sunday = week_range(key)
    week = int(key.rsplit("W", 1)[1])
    start = f"{monday:%a} {monday.day} {monday:%b}" + (
        f" {monday.year}" if monday.year != sunday.year else ""
    )
    return f"Week {week} · {start} – {sunday:%a} {sunday.day} {sunday:%b %Y}"


# --- Schedule -------------------------------------------------------------------------------

CATCH_UP_MIN_OPEN = timedelta(hours=12)
MAX_CLOSE_AFTER_HOURS = 7 * 24  # a round closes before the next week's prompt


@dataclass(frozen=True, slots=True)
class RoundTimes:
    """When one round opens, closes and (if at all) reminds; all UTC."""

    opens: datetime
    closes: datetime
    reminder_at: datetime | None


def parse_hhmm(hhmm: str) -> time:
    """A local time of day from "HH:MM" (24-hour clock), or ConfigError."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", hhmm.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f'"{hhmm}" is not a time of day; write it as HH:MM, like 09:30 or 18:00.')
    return time(int(match[1]), int(match[2]))


def _require_utc(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def next_prompt_at(now_utc: datetime, weekday: int, hhmm: str, zone: str | tzinfo) -> datetime:
    """The next prompt instant (UTC) strictly after `now_utc`.

    `weekday` is 0 for Monday to 6 for Sunday; `hhmm` is the local wall time in `zone`,
    which stays fixed across DST changes (see `bot.time.next_weekly_at` for gaps and repeats).
    """
    _require_utc(now_utc, "now_utc")
    if not 0 <= weekday <= 6:
        raise ConfigError(f"The weekday must be 0 (Monday) to 6 (Sunday), not {weekday}.")
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    if not isinstance(tz, ZoneInfo):
        raise ValueError("zone must be an IANA zone name or ZoneInfo")
    return next_weekly_at(now_utc, weekday, parse_hhmm(hhmm), tz)


def round_times(
    prompt_at: datetime, close_after_hours: int = 72, reminder_hours_before_close: int = 24
) -> RoundTimes:
    """Open, close and reminder instants of the round prompted at `prompt_at`.

    Hours are real elapsed hours (UTC arithmetic), so a round spanning a DST change still
    lasts `close_after_hours`. The reminder exists only if it falls strictly after opening;
    `reminder_hours_before_close=0` turns it off.
    """
    _require_utc(prompt_at, "prompt_at")
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
    _require_utc(next_prompt, "next_prompt")
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
        _require_utc(value, name)
    return due <= now and closes - now >= CATCH_UP_MIN_OPEN


ON_TIME = timedelta(minutes=15)  # wake-up jitter and a first retry still count as on time


def prompt_should_post(due: datetime, now: datetime, closes: datetime) -> bool:
    """Whether a due prompt is posted now: on time (within 15 minutes), or catchable.

    The 12-hour rule is for prompts missed while the bot was down; a prompt on time is
    posted even when its round is shorter than 12 hours.
    """
    for name, value in (("due", due), ("now", now), ("closes", closes)):
        _require_utc(value, name)
    if due > now or now >= closes:
        return False
    return now - due <= ON_TIME or prompt_is_catchable(due, now, closes)


# --- Streaks --------------------------------------------------------------------------------

MILESTONES = (4, 8, 12, 26, 52)


def streak(
    weeks_answered: Collection[str],
    weeks_skipped: Collection[str],
    current_week: str,
    current_week_open: bool,
) -> int:
    """Consecutive answered weeks, counting back from now.

    Counting starts at the current week if it is answered; otherwise at the week before if
    the current round is still open (the member may yet answer), and an unanswered closed
    current week ends the streak at 0. Skipped weeks (`skip`, or weeks without a round)
    neither break nor count. Weeks after `current_week` are ignored.
    """
    answered = {week for week in weeks_answered if week <= current_week}
    skipped = set(weeks_skipped)
    if not answered:
        return 0
    earliest = min(answered)
    count = 0
    week = current_week
    if week not in answered and week not in skipped:
        if not current_week_open:
            return 0
        week = shift_week(week, -1)
    while week >= earliest:
        if week in answered:
            count += 1
        elif week not in skipped:
            break
        week = shift_week(week, -1)
    return count


def longest_streak(weeks_answered: Collection[str], weeks_skipped: Collection[str]) -> int:
    """The longest run of answered weeks ever, skipped weeks neither breaking nor counting."""
    if not weeks_answered:
        return 0
    answered, skipped = set(weeks_answered), set(weeks_skipped)
    best = run = 0
    week, last = min(answered), max(answered)
    while week <= last:
        if week in answered:
            run += 1
            best = max(best, run)
        elif week not in skipped:
            run = 0
        week = shift_week(week, 1)
    return best


def is_milestone(length: int) -> bool:
    """Whether a streak of this length is worth a mention: 4, 8, 12, 26, 52, then every year."""
    return length in MILESTONES or (length > MILESTONES[-1] and length % 52 == 0)


def milestone_reached(before: int, after: int) -> int | None:
    """The largest milestone a streak passed going from `before` to `after` weeks, if any."""
    reached = [n for n in range(before + 1, after + 1) if is_milestone(n)]
    return reached[-1] if reached else None


# --- Drift ----------------------------------------------------------------------------------


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A compact English stop-word list: words that carry no topic.
STOP_WORDS = _word_set(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    etc few for from further had has have having he her here hers herself him himself his how
    however i if in into is it its itself just let like me might more most much must my myself
    no nor not now of off on once one only or other our ours ourselves out over own per quite
    rather really same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up upon us very via was we were
    what when where whether which while who whom whose why will with within without would yet
    you your yours yourself yourselves
    dont didnt doesnt isnt wasnt arent werent cant couldnt wont wouldnt shouldnt im ive id ill
    youre youve weve theyre thats theres
    """
)
# Words any weekly update uses whatever its topic: many echo the questions, and the last
# line is the cohort's shared field, which every problem names and so tells none apart.
# Matched by stem, so "problems" and "worked" are filler too.
FILLER_WORDS = _word_set(
    """
    week today yesterday tomorrow time next last new good bit lot lots thing stuff still
    work get got make made try tried read write wrote written publish think thought want
    need problem field important research progress plan help
    ai alignment safety
    """
)
# Plurals the suffix rules below get wrong and that this cohort is likely to write.
_IRREGULAR = {
    "bias": "bias",
    "biases": "bias",
    "analyses": "analysis",
    "hypotheses": "hypothesis",
    "theses": "thesis",
    "crises": "crisis",
    "axes": "axis",
    "children": "child",
    "people": "person",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_VOWEL = re.compile(r"[aeiouy]")


def stem(word: str) -> str:
    """A light, explainable stem of a lower-case word, so that "models" matches "model".

    Rules, in order: a few irregular plurals; -ies -> -i, else -s -> "" (not after s, u
    or i: "process", "corpus", "analysis"); -ing and -ed are dropped when a syllable
    remains ("training" -> "train"); a final doubled consonant is undoubled ("running" ->
    "run"); a final -e is dropped ("evaluate", "evaluated", "evaluating" -> "evaluat");
    a final -y becomes -i ("policy", "policies" -> "polici"; "studied" -> "studi").
    Stems are only compared, never shown: reports show the words as written.
    Derivations ("interpretable"/"interpretability") are deliberately not merged.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and word[-2] not in "sui":
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWEL.search(base):
            word = base
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiousz":
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("y"):
        word = word[:-1] + "i"
    return word


_FILLER_STEMS = frozenset(stem(word) for word in FILLER_WORDS)


def keywords(text: str) -> list[tuple[str, str]]:
    """The topic words of a text as (stem, word as written, lower-cased), in order, repeated.

    Words are runs of letters and digits (hyphens split them: "reward-hacking" is two
    words); pure numbers, single letters, stop words and filler words are left out.
    """
    result: list[tuple[str, str]] = []
    for token in _TOKEN.findall(text.lower().replace("’", "'")):
        word = token[:-2] if token.endswith("'s") else token
        word = word.replace("'", "")
        if len(word) < 2 or word.isdigit() or word in STOP_WORDS:
            continue
        stemmed = stem(word)
        if stemmed in _FILLER_STEMS:
            continue
        result.append((stemmed, word))
    return result


@dataclass(frozen=True, slots=True)
class DriftReport:
    """How a member's recent "what I did" answers relate to the problems they named.

    `weeks_checked` is latest first; `matched_words_by_week` maps each of them to the words
    (as the member wrote them) shared with `problem_keywords`. `drifting` is true only when
    `weeks` answered weeks were checked and none had a word in common with the problems.
    """

    drifting: bool
    weeks: int
    weeks_checked: tuple[str, ...]
    matched_words_by_week: Mapping[str, tuple[str, ...]]
    problem_keywords: tuple[str, ...]


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def drift(
    problem_texts: Sequence[str], did_texts: Sequence[tuple[str, str]], weeks: int = 3
) -> DriftReport:
    """Whether the last `weeks` answered "what I did" answers all miss the named problems.

    `problem_texts` are the member's Q1 answers, latest first; the latest `weeks` of them
    are the problems (a problem named in the window counts for the whole window).
    `did_texts` are (week key, Q3 answer) pairs in any order; the latest `weeks` weeks with
    a non-empty answer are checked. The overlap is shared stems (see `stem` and `keywords`).
    With no problem words at all nothing can be judged, so the report is not drifting.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    problem_stems: dict[str, str] = {}
    for text in problem_texts[:weeks]:
        for stemmed, word in keywords(text):
            problem_stems.setdefault(stemmed, word)
    latest = sorted(
        ((week, text) for week, text in dict(did_texts).items() if text.strip()), reverse=True
    )[:weeks]
    matched = {
        week: _unique(word for stemmed, word in keywords(text) if stemmed in problem_stems)
        for week, text in latest
    }
    drifting = bool(problem_stems) and len(latest) == weeks and not any(matched.values())
    return DriftReport(
        drifting=drifting,
        weeks=weeks,
        weeks_checked=tuple(week for week, _ in latest),
        matched_words_by_week=matched,
        problem_keywords=tuple(problem_stems.values()),
    )


def _word_list(words: Sequence[str], limit: int) -> str:
    shown = ", ".join(f"“{word}”" for word in words[:limit])
    more = len(words) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def drift_message(report: DriftReport) -> str:
    """A gentle, plain-words paragraph for the member's history, with the matched words."""
    if not report.problem_keywords:
        return (
            "There are no problem words to compare with yet: the answers to the first "
            "question are empty or very short."
        )
    if not report.weeks_checked:
        return "No “what I did” answers to compare with the problems you named yet."
    lines: list[str] = []
    if report.drifting:
        lines.append(
            f"For the last {report.weeks} check-ins, what you did has not shared a word with "
            "the problems you named. That can be fine (a detour, groundwork, a break), and "
            "this is only a word check. If your problems have moved on, maybe update your "
            "answer to the first question; if not, is there a small step back towards them?"
        )
    else:
        lines.append("How your recent work connects, word for word, to the problems you named:")
    lines.append(f"Problem words: {_word_list(report.problem_keywords, 12)}.")
    for week in report.weeks_checked:
        words = report.matched_words_by_week.get(week, ())
        shown = f"matched {_word_list(words, 8)}" if words else "no words matched"
        lines.append(f"{week}: {shown}.")
    return "\n".join(lines)


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


def validate_answers(questions: Sequence[Question], answers: Sequence[str]) -> tuple[str, ...]:
    """The answers with surrounding spaces removed, or AnswerError saying what is wrong."""
    if len(answers) != len(questions):
        raise AnswerError(f"Expected {len(questions)} answers, got {len(answers)}.")
    cleaned: list[str] = []
    for index, (question, raw) in enumerate(zip(questions, answers, strict=True)):
        answer = raw.strip()
        if not answer and is_required(index):
            raise AnswerError(f"“{question.label}” needs an answer.")
        if len(answer) > ANSWER_MAX:
            raise AnswerError(
                f"“{question.label}” is {len(answer):,} characters long; "
                f"answers can be at most {ANSWER_MAX:,}."
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
    pairs = [(name, _truncate(value, EMBED_FIELD_VALUE_MAX)) for name, value in pairs]
    value_budget = budget - sum(len(name) for name, _ in pairs)
    if value_budget < 2 * len(pairs):
        raise ValueError(f"{budget} characters are too few for {len(pairs)} answer fields.")
    cap = _cap([len(value) for _, value in pairs], value_budget)
    return [(name, _truncate(value, cap)) for name, value in pairs]


# --- Participation --------------------------------------------------------------------------

PARTICIPATION_WEEKS = 12


@dataclass(frozen=True, slots=True)
class WeekParticipation:
    """How many of the cohort answered in one week."""

    week: str
    answered: int
    cohort_size: int

    @property
    def rate(self) -> float:
        """Answered as a share of the cohort, 0.0 for an empty cohort."""
        return self.answered / self.cohort_size if self.cohort_size else 0.0

    @property
    def label(self) -> str:
        """A short label for a chart axis: "W48"."""
        return self.week.rsplit("-", 1)[1]

    def chart_row(self) -> tuple[str, int, int]:
        """(label, answered, cohort size), the row `bot.charts.participation_chart_png` takes."""
        return (self.label, self.answered, self.cohort_size)


def participation(
    weeks: Iterable[str],
    answered_counts: Mapping[str, int],
    cohort_size_by_week: Mapping[str, int],
    limit: int = PARTICIPATION_WEEKS,
) -> list[WeekParticipation]:
    """The last `limit` of `weeks`, oldest first, with counts (0 where there are none).

    A week's cohort size is never below its answer count: a member who answered and then
    left was still in that week's cohort.
    """
    chosen = sorted(set(weeks))[-limit:] if limit > 0 else []
    result: list[WeekParticipation] = []
    for week in chosen:
        answered = max(answered_counts.get(week, 0), 0)
        cohort = max(cohort_size_by_week.get(week, 0), answered)
        result.append(WeekParticipation(week, answered, cohort))
    return result


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


def prompt_week(prompt_at: datetime, zone: str | tzinfo) -> str:
    """The week a prompt belongs to: the ISO week of its local date in the server's zone."""
    _require_utc(prompt_at, "prompt_at")
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return week_key(prompt_at.astimezone(tz).date())


def week_number(key: str) -> int:
    """48 for "2026-W48"."""
    week_range(key)  # validates
    return int(key.rsplit("W", 1)[1])


def weeks_between(first: str, last: str) -> list[str]:
    """Every week from `first` to `last` inclusive, oldest first (empty if first > last)."""
    if first > last:
        return []
    week_range(first)
    week_range(last)
    result = [first]
    while result[-1] < last:
        result.append(shift_week(result[-1], 1))
    return result


def weeks_without_round(round_weeks: Collection[str], first: str, last: str) -> set[str]:
    """The weeks from `first` to `last` that had no round (bot down, check-ins paused).

    Streaks treat them like skipped weeks: nobody could answer, so they neither break
    nor count.
    """
    held = set(round_weeks)
    return {week for week in weeks_between(first, last) if week not in held}


def skip_start_week(
    current_week: str, current_round_closed: bool | None, answered_current: bool
) -> str:
    """The first week a "skip" covers: this week, unless it is over or already answered.

    `current_round_closed` is None when this week has no round (yet), True when its round
    has closed, False while it is open.
    """
    if current_round_closed or answered_current:
        return shift_week(current_week, 1)
    return current_week


def skip_weeks(start_week: str, weeks: int) -> list[str]:
    """The `weeks` consecutive weeks from `start_week` a member will be away."""
    if weeks < 0:
        raise ValueError("weeks must not be negative")
    return [shift_week(start_week, offset) for offset in range(weeks)]


@dataclass(frozen=True, slots=True)
class MemberWeeks:
    """One member's record: the weeks answered and the weeks skipped (`/checkin skip`)."""

    answered: frozenset[str]
    skipped: frozenset[str]


def member_streaks(
    record: MemberWeeks,
    round_weeks: Collection[str],
    current_week: str,
    current_week_open: bool,
) -> tuple[int, int]:
    """(current streak, longest streak), treating weeks without a round like skipped weeks."""
    if not record.answered:
        return 0, 0
    first = min(min(record.answered), current_week)
    no_round = weeks_without_round(round_weeks, first, max(current_week, max(record.answered)))
    skipped = set(record.skipped) | no_round
    current = streak(record.answered, skipped, current_week, current_week_open)
    return current, longest_streak(record.answered, skipped)


# --- Streaks, folded (every member at once) ---------------------------------------------


class StreakFold(NamedTuple):  # a tuple, not a dataclass: a server loads one per member
    """A member's streaks after folding weeks oldest first.

    `run` is the streak ending at the last week folded and `best` the longest so far. The
    same rules as `member_streaks`: an answered week counts; a skipped week or one without a
    round neither counts nor breaks; any other week breaks the run. Folding can stop at any
    week and carry on later, so a server's streaks are kept folded through the last settled
    week and each call folds only what came after (bench/storage.py: 175 ms -> a few ms).
    """

    run: int = 0
    best: int = 0

    def with_answer(self) -> StreakFold:
        run = self.run + 1
        return StreakFold(run, max(self.best, run))

    def with_miss(self) -> StreakFold:
        return StreakFold(0, self.best)


def fold_streaks(
    start: Mapping[int, StreakFold],
    weeks: Sequence[str],
    answered: Mapping[int, Collection[str]],
    skipped: Mapping[int, Collection[str]],
    round_weeks: Collection[str],
) -> dict[int, StreakFold]:
    """Every member's fold carried through `weeks` (consecutive, oldest first).

    Members with neither a fold nor an answer in `weeks` are left out (nothing to count).
    """
    held = set(round_weeks) & set(weeks)
    folded: dict[int, StreakFold] = {}
    for user_id in start.keys() | answered.keys():
        state = start.get(user_id, StreakFold())
        mine, away = answered.get(user_id, ()), skipped.get(user_id, ())
        for week in weeks:
            if week in mine:
                state = state.with_answer()
            elif week in held and week not in away:
                state = state.with_miss()
        if state.best:
            folded[user_id] = state
    return folded


def live_streaks(
    fold: StreakFold, *, answered: bool, skipped: bool, has_round: bool, is_open: bool
) -> tuple[int, int]:
    """(current, longest) from a fold through last week and this week's state.

    This week, unlike a settled one, does not break the run while its round is still open.
    """
    if answered:
        fold = fold.with_answer()
    elif has_round and not skipped and not is_open:
        fold = fold.with_miss()
    return fold.run, fold.best


def streak_message(length: int, milestone: int | None) -> str:
    """The line a member reads after checking in."""
    if length <= 0:
        return "Your streak starts with your next check-in."
    weeks = "week" if length == 1 else "weeks"
    text = f"Your streak: **{length} {weeks}** in a row."
    if milestone is not None:
        text += f" 🎉 That is {milestone} weeks — a milestone. Keep going."
    return text


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
    named = [(name, _truncate(value, EMBED_FIELD_VALUE_MAX)) for name, value in named]
    value_budget = budget - sum(len(name) for name, _ in named)
    if value_budget < 2 * len(named):
        raise ValueError(f"{budget} characters are too few for {len(named)} fields.")
    cap = _cap([len(value) for _, value in named], value_budget)
    return [(name, _truncate(value, cap)) for name, value in named]


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


# The bot's permissions a check-in channel needs, by discord.py's flag names, as Discord's
# settings screen names them ("read_messages" is shown as View Channel).
REQUIRED_CHANNEL_PERMISSIONS = {
    "read_messages": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}


def missing_permissions(granted: Mapping[str, bool]) -> list[str]:
    """The names of the required channel permissions that `granted` lacks, in a fixed order."""
    return [name for flag, name in REQUIRED_CHANNEL_PERMISSIONS.items() if not granted.get(flag)]


def digest_lines(
    weeks: Sequence[WeekParticipation], milestones: Sequence[tuple[int, int]]
) -> list[str]:
    """The weekly digest's check-in lines: this week against the four before it, and the
    members whose streak reached a milestone (`milestones`: (member id, streak) pairs).

    `weeks` is oldest first and ends with this week.
    """
    if not weeks:
        return []
    this, before = weeks[-1], [w for w in weeks[-5:-1] if w.cohort_size]
    lines = [
        f"This week: {this.answered} of {max(this.cohort_size, this.answered)} checked in"
        f" ({this.rate:.0%})."
    ]
    if before:
        average = sum(w.rate for w in before) / len(before)
        trend = "up from" if this.rate > average else "down from" if this.rate < average else "as"
        lines.append(f"The four weeks before: {average:.0%} on average ({trend} that).")
    if milestones:
        named = ", ".join(f"<@{member}> {weeks_} weeks" for member, weeks_ in milestones[:10])
        more = f" and {len(milestones) - 10} more" if len(milestones) > 10 else ""
        lines.append(f"Streak milestones: {named}{more}.")
    return lines
