"""The drift check: do a member's recent "what I did" answers share words with the problems
they named? Pure: no discord, no await; a light stemmer, stop words and filler words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


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
