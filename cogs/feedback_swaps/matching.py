"""Who reviews which draft this round: the pure matching core of feedback swaps.

The round is a weighted b-matching, solved exactly as a min-cost flow:

    source --(one arc per review a reviewer may give)--> reviewer
    reviewer --(cap 1)--> draft            (or via a per-(reviewer, author) hub, cap 1, when
                                             the author has several open drafts)
    draft --(one arc per reviewer slot)--> sink

Arc weights are the explicit constants below; the parallel arcs on both ends carry decreasing
bonuses, so cumulative value is concave in the number of reviewers a draft gets (coverage is
spread) and in the load a reviewer takes (load is spread). Successive shortest paths with
Johnson potentials finds, for every flow value, the cheapest flow; we stop at the first
augmenting path that no longer adds weight, which gives the maximum-weight plan. Every arc has
capacity 1, so each augmentation moves one unit and the result is integral.

Speed (pure Python): the network first holds only each reviewer's and each draft's best few
pairings; the optimal node potentials then price every other eligible pairing, the most
improving are added and the network is solved again, until none improves. The final potentials
certify optimality over all pairings, so the plan is exact, not a heuristic. Deterministic: the
same inputs in any order give the same plan (ties fall to a fixed function of the ids).

Hard rules are enforced by the graph (no arc exists), never by weights: nobody reviews their
own draft, nobody is paired with someone on either one's avoid list, capacities hold, at most one
review per (reviewer, draft) and per (reviewer, author) in a round. A recent repeat is an arc
with a heavy penalty, so it is used only when every fresh alternative leaves a slot empty.

The flow network and its solver are in matching_flow.py; the rules around the matcher (input
checks, cadence, timing) in logic.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cogs.feedback_swaps.matching_flow import INF, PairingNetwork, most_improving

# --- limits -------------------------------------------------------------------------------
MAX_PER_ROUND = 3  # the 1..3 reviews a member offers per round
MAX_REVIEWERS_PER_DRAFT = 5  # the coverage ladder below is defined for at most this many
DEFAULT_REVIEWERS_PER_DRAFT = 2
DEFAULT_REPEAT_WINDOW = 6  # rounds within which a pair counts as "met recently"

# --- weights ------------------------------------------------------------------------------
# Tiers, from most to least important. Each tier's smallest step outweighs the largest total
# that any single assignment can carry in all the tiers below it, with a wide margin (x10 or
# more), so an exchange touching a few assignments can never trade a higher-tier unit for
# lower-tier gains.
#
# 1. Coverage. The k-th reviewer of a draft (k = 0, 1, ...) is worth
#    COVERAGE_STEP * (MAX_REVIEWERS_PER_DRAFT - k): a concave ladder, so the first reviewer of
#    any draft (50M) beats the second reviewer of another (40M) even with every lower-tier bonus
#    added, and the smallest rung (10M) beats the heaviest repeat penalty: an open slot is filled
#    whenever any eligible reviewer has room, which is what "nobody silently dropped" rests on.
COVERAGE_STEP = 10_000_000
# 2. Carried drafts. Added to every slot of a draft for each round it was carried (capped), so
#    when reviewers are scarce the drafts that already waited go first. 3 x 1M < COVERAGE_STEP,
#    so waiting never buys a second reviewer ahead of another draft's first. It sits above the
#    repeat penalty on purpose: a draft that already missed a round may use a recent pairing
#    rather than miss another.
CARRIED_BONUS = 1_000_000
CARRIED_CAP = 3
# 3. Recent repeats. A pair (in either direction) that met within the repeat window costs
#    REPEAT_PENALTY, rising linearly to nearly 2x for a pair that met last round, so when a repeat
#    is unavoidable the oldest one is used. 200k > 10 x (give to get + soft); the max, 400k, is
#    < CARRIED_BONUS and < the smallest coverage rung: a repeat is taken only to fill a slot (or
#    serve a carried draft) that nothing fresh can.
REPEAT_PENALTY = 200_000
# 4. Give to get. An author with a draft up this round who is also in the reviewer pool gets this
#    on their first review only (not per review, so authors are not piled up). 10k > 10 x the
#    largest soft total of one assignment (below), and < REPEAT_PENALTY: we do not force a
#    recent repeat just to give an author something to review.
GIVE_TO_GET_BONUS = 10_000
# 5. Soft preferences, per assignment. The author's frame request (`frame`: a reviewer from
#    outside their fields, or one who shares one) first: FRAME_BONUS is larger than the most
#    the other soft terms can shift in a one-for-one swap (topics 90 + owed 50 + load 2 x 45),
#    so an outside (close) reviewer with room always displaces one who is not, unless that costs
#    a higher tier (coverage, carried, repeats, give to get). Max soft total 300 + 90 + 50 =
#    440 < GIVE_TO_GET_BONUS / 10. Then topic match (per shared topic, capped) first, then owed
#    reviews (ledger balance = received - given, per review owed, capped), and a load step charged
#    for each review beyond a reviewer's first, so work spreads across the pool. The load step
#    sits between one and two shared topics: a reviewer takes a second draft over an idle
#    colleague only for a clearly better topic fit.
TOPIC_MATCH_BONUS = 30
TOPIC_MATCH_CAP = 3
OWED_REVIEW_BONUS = 10
OWED_REVIEW_CAP = 5
LOAD_STEP = 45
FRAME_BONUS = 300
FRAMES = ("any", "close", "outside")


# --- inputs -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Reviewer:
    """A member offering reviews this round."""

    member_id: int
    topics: frozenset[str] = frozenset()
    per_round: int = 1  # 1..MAX_PER_ROUND reviews this round
    balance: int = 0  # ledger: reviews received minus reviews given; > 0 means they owe
    name: str = ""  # shown in reasons; defaults to a Discord mention
    fields: frozenset[str] = frozenset()  # their background (physics, economics, ...)


@dataclass(frozen=True, slots=True)
class Draft:
    """An open draft asking for review."""

    draft_id: int
    author_id: int
    topics: frozenset[str] = frozenset()
    carried_rounds: int = 0  # rounds it already went without a reviewer
    frame: str = "any"  # any | close (shares a field) | outside (shares none): a preference
    author_fields: frozenset[str] = frozenset()


# --- outputs ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Assignment:
    draft_id: int
    reviewer_id: int
    weight: int  # pair_weight of this pairing (coverage and load terms live on the plan)
    reason: str
    repeat_rounds_ago: int | None = None  # set when this pair met within the repeat window


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A draft that got fewer reviewers than asked; carry it when `assigned` is 0."""

    draft_id: int
    assigned: int
    missing: int
    reason: str


@dataclass(frozen=True, slots=True)
class Idle:
    """A pool member who reviews nothing this round, and why."""

    member_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class RoundPlan:
    assignments: tuple[Assignment, ...]  # sorted by (draft_id, reviewer_id)
    unmatched: tuple[Unmatched, ...]  # sorted by draft_id
    idle: tuple[Idle, ...]  # sorted by member_id
    total_weight: int  # the objective: pair + reviewer-unit + slot weights


# --- weights and reasons ------------------------------------------------------------------
def shared_topics(reviewer: Reviewer, draft: Draft) -> list[str]:
    return sorted(reviewer.topics & draft.topics)


def frame_fit(fields: frozenset[str], draft: Draft) -> bool:
    """Does a reviewer with these fields meet the draft's frame request? A reviewer or author
    who named no field meets neither (their frame is unknown)."""
    if draft.frame == "any" or not fields or not draft.author_fields:
        return False
    shares = not fields.isdisjoint(draft.author_fields)
    return shares if draft.frame == "close" else not shares


def repeat_penalty(rounds_ago: int | None, repeat_window: int) -> int:
    """Penalty for a pair that met `rounds_ago` rounds ago (None: not within the window)."""
    if rounds_ago is None or rounds_ago > repeat_window or repeat_window <= 0:
        return 0
    return REPEAT_PENALTY + REPEAT_PENALTY * (repeat_window - rounds_ago) // repeat_window


def pair_weight(
    reviewer: Reviewer, draft: Draft, rounds_ago: int | None, repeat_window: int
) -> int:
    """Weight of one (reviewer, draft) pairing: frame fit + topic fit + owed reviews - repeat
    penalty."""
    topics = min(len(reviewer.topics & draft.topics), TOPIC_MATCH_CAP)
    owed = min(max(reviewer.balance, 0), OWED_REVIEW_CAP)
    return (
        (FRAME_BONUS if frame_fit(reviewer.fields, draft) else 0)
        + TOPIC_MATCH_BONUS * topics
        + OWED_REVIEW_BONUS * owed
        - repeat_penalty(rounds_ago, repeat_window)
    )


def reviewer_unit_weight(k: int, *, has_draft: bool) -> int:
    """Weight of a reviewer's (k+1)-th review this round: give to get, minus load spreading."""
    return (GIVE_TO_GET_BONUS if k == 0 and has_draft else 0) - LOAD_STEP * k


def slot_weight(draft: Draft, k: int) -> int:
    """Weight of a draft's (k+1)-th reviewer: concave coverage ladder plus carried priority."""
    return COVERAGE_STEP * (MAX_REVIEWERS_PER_DRAFT - k) + CARRIED_BONUS * min(
        draft.carried_rounds, CARRIED_CAP
    )


def _plural(n: int, word: str) -> str:
    return f"a {word}" if n == 1 else f"{n} {word}s"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def display_name(reviewer: Reviewer) -> str:
    return reviewer.name or f"<@{reviewer.member_id}>"


def assignment_reason(
    reviewer: Reviewer, draft: Draft, *, rounds_ago: int | None, gives_to_get: bool
) -> str:
    """One line saying why this pairing, e.g. "both work on interpretability; Ana owes a review"."""
    who = display_name(reviewer)
    parts: list[str] = []
    if draft.frame != "any":
        parts.append(frame_reason(reviewer, draft))
    topics = shared_topics(reviewer, draft)
    if topics:
        parts.append(f"both work on {_join(topics)}")
    if reviewer.balance > 0:
        parts.append(f"{who} owes {_plural(reviewer.balance, 'review')}")
    if gives_to_get:
        parts.append(f"{who} has a draft up this round (give to get)")
    if draft.carried_rounds > 0:
        parts.append(f"the draft has waited {_plural(draft.carried_rounds, 'round')}")
    if rounds_ago is not None:
        parts.append(
            f"repeat of a pairing from {_plural(rounds_ago, 'round')} ago: no fresh reviewer "
            "could take this slot without leaving a draft short"
        )
    if not parts:
        parts.append(f"{who} had room and the draft needed a reviewer")
    return "; ".join(parts)


def frame_reason(reviewer: Reviewer, draft: Draft) -> str:
    """How the draft's frame request went, e.g. "from outside the author's frame: economics".
    Read by both sides, so it names the author in the third person."""
    if frame_fit(reviewer.fields, draft):
        if draft.frame == "outside":
            return f"from outside the author's frame: {_join(sorted(reviewer.fields))}"
        shared = sorted(reviewer.fields & draft.author_fields)
        return f"close to the author's frame: both in {_join(shared)}"
    side = "outside" if draft.frame == "outside" else "close to"
    return f"no reviewer from {side} the author's frame had capacity this round"


# --- the plan -----------------------------------------------------------------------------
def _pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def recent_meetings(
    recent_pairs: Iterable[tuple[int, int, int]], repeat_window: int
) -> dict[tuple[int, int], int]:
    """Unordered member pair -> rounds since they last met, for meetings within the window."""
    met: dict[tuple[int, int], int] = {}
    for reviewer_id, author_id, rounds_ago in recent_pairs:
        if rounds_ago < 1:
            raise ValueError(f"rounds_ago must be >= 1, got {rounds_ago}")
        if rounds_ago > repeat_window or reviewer_id == author_id:
            continue
        key = _pair_key(reviewer_id, author_id)
        if rounds_ago < met.get(key, INF):
            met[key] = rounds_ago
    return met


def _validate(
    reviewers: Sequence[Reviewer],
    drafts: Sequence[Draft],
    reviewers_per_draft: int,
    repeat_window: int,
) -> None:
    if not 1 <= reviewers_per_draft <= MAX_REVIEWERS_PER_DRAFT:
        raise ValueError(f"reviewers_per_draft must be 1..{MAX_REVIEWERS_PER_DRAFT}")
    if repeat_window < 0:
        raise ValueError("repeat_window must be >= 0")
    if len({r.member_id for r in reviewers}) != len(reviewers):
        raise ValueError("duplicate reviewer member_id")
    if len({d.draft_id for d in drafts}) != len(drafts):
        raise ValueError("duplicate draft_id")
    for r in reviewers:
        if not 1 <= r.per_round <= MAX_PER_ROUND:
            raise ValueError(f"per_round must be 1..{MAX_PER_ROUND} (member {r.member_id})")
    for d in drafts:
        if d.carried_rounds < 0:
            raise ValueError(f"carried_rounds must be >= 0 (draft {d.draft_id})")
        if d.frame not in FRAMES:
            raise ValueError(f"frame must be one of {FRAMES} (draft {d.draft_id})")


def plan_round(
    reviewers: Iterable[Reviewer],
    drafts: Iterable[Draft],
    recent_pairs: Iterable[tuple[int, int, int]] = (),
    avoid_pairs: Iterable[tuple[int, int]] = (),
    reviewers_per_draft: int = DEFAULT_REVIEWERS_PER_DRAFT,
    repeat_window: int = DEFAULT_REPEAT_WINDOW,
) -> RoundPlan:
    """The maximum-weight assignment of reviewers to drafts for one round.

    `recent_pairs` holds (reviewer_id, author_id, rounds_ago) with rounds_ago >= 1; a pair counts
    as met in either direction. `avoid_pairs` holds (member_id, avoided_id) from private avoid
    lists; it forbids the pair in both directions. The result does not depend on input order.
    """
    pool = sorted(reviewers, key=lambda r: r.member_id)
    open_drafts = sorted(drafts, key=lambda d: d.draft_id)
    _validate(pool, open_drafts, reviewers_per_draft, repeat_window)
    met = recent_meetings(recent_pairs, repeat_window)
    avoid = {_pair_key(a, b) for a, b in avoid_pairs}
    authors = {d.author_id for d in open_drafts}
    drafts_by_author: dict[int, list[int]] = {}
    for j, d in enumerate(open_drafts):
        drafts_by_author.setdefault(d.author_id, []).append(j)

    # Every eligible pairing and its weight. The hard rules (own draft, avoid lists) are applied
    # here, once: an ineligible pair never becomes an arc.
    # This loop runs reviewers x drafts times, so it inlines `pair_weight` (the tests hold the
    # two equal): the owed part per reviewer, the topic part per pair, the penalty only on repeats.
    weights: dict[tuple[int, int], int] = {}
    met_ago: dict[tuple[int, int], int] = {}
    topic_sets = [d.topics for d in open_drafts]
    framed = [d.frame != "any" for d in open_drafts]
    fits: set[tuple[int, int]] = set()  # pairings that meet the draft's frame request
    for i, r in enumerate(pool):
        owed = OWED_REVIEW_BONUS * min(max(r.balance, 0), OWED_REVIEW_CAP)
        mine = r.topics
        for author, js in drafts_by_author.items():
            key = _pair_key(author, r.member_id)
            if author == r.member_id or key in avoid:
                continue
            rounds_ago = met.get(key)
            base = owed - repeat_penalty(rounds_ago, repeat_window)
            for j in js:
                shared = len(mine & topic_sets[j]) if mine else 0
                weights[i, j] = base + TOPIC_MATCH_BONUS * (
                    shared if shared < TOPIC_MATCH_CAP else TOPIC_MATCH_CAP
                )
                if framed[j] and frame_fit(r.fields, open_drafts[j]):
                    weights[i, j] += FRAME_BONUS
                    fits.add((i, j))
                if rounds_ago is not None:
                    met_ago[i, j] = rounds_ago

    # Column generation: solve on a sparse set of promising pairings, then check every other
    # eligible pairing against the optimal duals; add any with negative reduced cost and solve
    # again. When none is left the duals certify the plan optimal on the full graph. Measured at
    # 300 members: one solve on ~5k of 45k pairings, 0.3 s; the full graph takes ~2 s.
    active = _initial_pairs(pool, open_drafts, weights, fits, authors, reviewers_per_draft)
    draft_authors = [d.author_id for d in open_drafts]
    unit_weights = [
        [reviewer_unit_weight(k, has_draft=r.member_id in authors) for k in range(r.per_round)]
        for r in pool
    ]
    slot_weights = [[slot_weight(d, k) for k in range(reviewers_per_draft)] for d in open_drafts]
    while True:
        net = PairingNetwork(
            draft_authors, drafts_by_author, active, weights, unit_weights, slot_weights
        )
        missing = most_improving(net, weights, active)
        if not missing:
            break
        active.update(missing)

    return _read_plan(pool, open_drafts, weights, met_ago, net.chosen(), reviewers_per_draft)


# How many pairings each reviewer and each draft starts with, beyond twice their capacity. Each
# solve costs about the same number of phases (~57 at 300 members) whatever its size, so the
# start set is sized to need no second solve at 300 members (measured: +3 needs three solves,
# 0.9 s; +8 needs one, 0.3 s; +14 is no better).
INITIAL_EXTRA_PAIRINGS = 8


def _mix(a: int, b: int) -> int:
    """A fixed pseudo-random tie-break from two ids, so ties spread instead of piling on low ids."""
    return ((a * 0x9E3779B1) ^ (b * 0x85EBCA77) ^ (a >> 7)) & 0xFFFFFFFF


def _initial_pairs(
    pool: Sequence[Reviewer],
    drafts: Sequence[Draft],
    weights: dict[tuple[int, int], int],
    fits: set[tuple[int, int]],
    authors: set[int],
    reviewers_per_draft: int,
) -> set[tuple[int, int]]:
    """Each reviewer's best few drafts and each draft's best few reviewers.

    Frames (measured on bench/matching.py's 300-member cohort, a third of drafts framed): a
    reviewer's list is ranked without the frame bonus, else every reviewer's few picks crowd
    onto the framed drafts and two more solves follow (1.5 s); a framed draft's list also takes
    its best reviewers without the give-to-get bonus, which otherwise ranks only authors and
    leaves fitting non-authors out. Ranked so: one extra small pass, 0.5 s."""
    by_reviewer: list[list[int]] = [[] for _ in pool]
    by_draft: list[list[int]] = [[] for _ in drafts]
    for i, j in weights:
        by_reviewer[i].append(j)
        by_draft[j].append(i)
    active: set[tuple[int, int]] = set()
    # Sort keys packed into one int: weight first (best first), then the tie-break.
    for i, js in enumerate(by_reviewer):
        mid = pool[i].member_id
        ranked = sorted(
            (
                (-(weights[i, j] - FRAME_BONUS * ((i, j) in fits)) << 32)
                | _mix(mid, drafts[j].draft_id),
                j,
            )
            for j in js
        )
        active.update((i, j) for _, j in ranked[: 2 * pool[i].per_round + INITIAL_EXTRA_PAIRINGS])
    bonus = [GIVE_TO_GET_BONUS if r.member_id in authors else 0 for r in pool]
    for j, is_ in enumerate(by_draft):
        did = drafts[j].draft_id
        ranked = sorted(
            ((-(weights[i, j] + bonus[i]) << 32) | _mix(pool[i].member_id, did), i) for i in is_
        )
        active.update((i, j) for _, i in ranked[: 2 * reviewers_per_draft + INITIAL_EXTRA_PAIRINGS])
        if drafts[j].frame != "any":
            # The give-to-get bonus ranks authors first above; fitting non-authors too.
            fitting = sorted((-weights[i, j], _mix(pool[i].member_id, did), i) for i in is_)
            active.update(
                (i, j) for _, _, i in fitting[: 2 * reviewers_per_draft + INITIAL_EXTRA_PAIRINGS]
            )
    return active


def _read_plan(
    pool: Sequence[Reviewer],
    drafts: Sequence[Draft],
    weights: dict[tuple[int, int], int],
    met_ago: dict[tuple[int, int], int],
    chosen: Sequence[tuple[int, int]],
    reviewers_per_draft: int,
) -> RoundPlan:
    authors = {d.author_id for d in drafts}
    load = [0] * len(pool)
    got = [0] * len(drafts)
    by_reviewer_author: set[tuple[int, int]] = set()
    on_draft = set(chosen)
    assignments: list[Assignment] = []
    total = 0
    for i, j in sorted(chosen, key=lambda ij: (drafts[ij[1]].draft_id, pool[ij[0]].member_id)):
        r, d = pool[i], drafts[j]
        rounds_ago = met_ago.get((i, j))
        total += weights[i, j]
        load[i] += 1
        got[j] += 1
        by_reviewer_author.add((i, d.author_id))
        assignments.append(
            Assignment(
                draft_id=d.draft_id,
                reviewer_id=r.member_id,
                weight=weights[i, j],
                reason=assignment_reason(
                    r, d, rounds_ago=rounds_ago, gives_to_get=r.member_id in authors
                ),
                repeat_rounds_ago=rounds_ago,
            )
        )
    for i, r in enumerate(pool):
        has_draft = r.member_id in authors
        total += sum(reviewer_unit_weight(k, has_draft=has_draft) for k in range(load[i]))
    for j, d in enumerate(drafts):
        total += sum(slot_weight(d, k) for k in range(got[j]))

    eligible_drafts: list[list[int]] = [[] for _ in pool]
    eligible_reviewers: list[list[int]] = [[] for _ in drafts]
    for i, j in weights:
        eligible_drafts[i].append(j)
        eligible_reviewers[j].append(i)

    unmatched: list[Unmatched] = []
    for j, d in enumerate(drafts):
        if got[j] >= reviewers_per_draft:
            continue
        who = eligible_reviewers[j]
        if not pool:
            why = "nobody is in the reviewer pool this round"
        elif not who:
            why = "nobody in the pool may review it (the author's own draft or an avoid list)"
        else:
            free = [i for i in who if load[i] < pool[i].per_round and (i, j) not in on_draft]
            if not free and len(who) == 1:
                why = "the one reviewer who may review it is fully booked"
            elif not free:
                why = f"all {len(who)} reviewers who may review it are fully booked"
            elif all((i, d.author_id) in by_reviewer_author for i in free):
                why = "the reviewers with room left already review another draft by this author"
            else:  # unreachable for an optimal plan; kept so nobody is ever dropped silently
                why = "left short to cover higher-priority drafts"
        lead = "no reviewer this round" if got[j] == 0 else f"got {got[j]} of {reviewers_per_draft}"
        unmatched.append(
            Unmatched(
                draft_id=d.draft_id,
                assigned=got[j],
                missing=reviewers_per_draft - got[j],
                reason=f"{lead}: {why}",
            )
        )

    idle: list[Idle] = []
    for i, r in enumerate(pool):
        if load[i]:
            continue
        js = eligible_drafts[i]
        if not drafts:
            why = "no drafts are open this round"
        elif not js:
            why = "no open draft they may review (their own draft or an avoid list)"
        elif all(got[j] >= reviewers_per_draft for j in js):
            why = (
                "every draft they may review already has "
                f"{reviewers_per_draft} reviewer{'s' if reviewers_per_draft > 1 else ''}"
            )
        else:  # unreachable for an optimal plan; kept so nobody is ever dropped silently
            why = "not needed to cover this round's drafts"
        idle.append(Idle(member_id=r.member_id, reason=why))

    return RoundPlan(
        assignments=tuple(assignments),
        unmatched=tuple(unmatched),
        idle=tuple(idle),
        total_weight=total,
    )
