"""The feedback-swaps matcher: table tests for each rule, properties, and a brute-force check."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.feedback_swaps.matching import (
    GIVE_TO_GET_BONUS,
    LOAD_STEP,
    OWED_REVIEW_BONUS,
    OWED_REVIEW_CAP,
    REPEAT_PENALTY,
    TOPIC_MATCH_BONUS,
    TOPIC_MATCH_CAP,
    Draft,
    Reviewer,
    RoundPlan,
    pair_weight,
    plan_round,
    recent_meetings,
    repeat_penalty,
    reviewer_unit_weight,
    slot_weight,
)


def rv(member_id: int, *topics: str, per_round: int = 1, balance: int = 0) -> Reviewer:
    return Reviewer(member_id, frozenset(topics), per_round, balance, name=f"m{member_id}")


def dr(draft_id: int, author_id: int, *topics: str, carried: int = 0) -> Draft:
    return Draft(draft_id, author_id, frozenset(topics), carried)


def pairs(plan: RoundPlan) -> set[tuple[int, int]]:
    return {(a.reviewer_id, a.draft_id) for a in plan.assignments}


# --- an independent objective and checkers, from the spec's named weight functions ---------
def objective(
    reviewers: Sequence[Reviewer],
    drafts: Sequence[Draft],
    chosen: set[tuple[int, int]],
    met: dict[tuple[int, int], int],
    window: int,
) -> int:
    by_id = {r.member_id: r for r in reviewers}
    by_draft = {d.draft_id: d for d in drafts}
    authors = {d.author_id for d in drafts}
    total = 0
    for rid, did in chosen:
        d = by_draft[did]
        key = (min(rid, d.author_id), max(rid, d.author_id))
        total += pair_weight(by_id[rid], d, met.get(key), window)
    load = Counter(rid for rid, _ in chosen)
    got = Counter(did for _, did in chosen)
    for r in reviewers:
        total += sum(
            reviewer_unit_weight(k, has_draft=r.member_id in authors)
            for k in range(load[r.member_id])
        )
    for d in drafts:
        total += sum(slot_weight(d, k) for k in range(got[d.draft_id]))
    return total


def eligible(r: Reviewer, d: Draft, avoid: set[tuple[int, int]]) -> bool:
    a, b = r.member_id, d.author_id
    return a != b and (a, b) not in avoid and (b, a) not in avoid


def brute_force_best(
    reviewers: Sequence[Reviewer],
    drafts: Sequence[Draft],
    recent: Sequence[tuple[int, int, int]],
    avoid: set[tuple[int, int]],
    rpd: int,
    window: int,
) -> int:
    met = recent_meetings(recent, window)
    cands = [(r, d) for r in reviewers for d in drafts if eligible(r, d, avoid)]
    best = -(1 << 62)

    def walk(k: int, chosen: set[tuple[int, int]]) -> None:
        nonlocal best
        if k == len(cands):
            best = max(best, objective(reviewers, drafts, chosen, met, window))
            return
        walk(k + 1, chosen)
        r, d = cands[k]
        load = sum(1 for rid, _ in chosen if rid == r.member_id)
        got = sum(1 for _, did in chosen if did == d.draft_id)
        same_author = any(
            rid == r.member_id and dd.author_id == d.author_id
            for rid, did in chosen
            for dd in drafts
            if dd.draft_id == did
        )
        if load < r.per_round and got < rpd and not same_author:
            walk(k + 1, chosen | {(r.member_id, d.draft_id)})

    walk(0, set())
    return best


def check_plan(
    reviewers: Sequence[Reviewer],
    drafts: Sequence[Draft],
    recent: Sequence[tuple[int, int, int]],
    avoid_list: Sequence[tuple[int, int]],
    rpd: int,
    window: int,
    plan: RoundPlan,
) -> None:
    """Every property the matcher promises, stated so each can fail on its own."""
    by_id = {r.member_id: r for r in reviewers}
    by_draft = {d.draft_id: d for d in drafts}
    avoid = set(avoid_list)
    met = recent_meetings(recent, window)
    authors = {d.author_id for d in drafts}
    chosen = pairs(plan)
    load = Counter(a.reviewer_id for a in plan.assignments)
    got = Counter(a.draft_id for a in plan.assignments)

    # Hard rules.
    assert len(chosen) == len(plan.assignments), "a (reviewer, draft) pair twice"
    per_author = Counter((rid, by_draft[did].author_id) for rid, did in chosen)
    assert max(per_author.values(), default=0) <= 1, "two drafts of one author to one reviewer"
    for rid, did in chosen:
        assert eligible(by_id[rid], by_draft[did], avoid), "own draft or avoid list"
    for rid, n in load.items():
        assert n <= by_id[rid].per_round
    for n in got.values():
        assert n <= rpd

    # Nobody silently dropped.
    unmatched = {u.draft_id: u for u in plan.unmatched}
    for d in drafts:
        if got[d.draft_id] == rpd:
            assert d.draft_id not in unmatched
        else:
            u = unmatched[d.draft_id]
            assert u.assigned == got[d.draft_id] and u.missing == rpd - got[d.draft_id]
            assert u.reason
    idle = {i.member_id: i for i in plan.idle}
    for r in reviewers:
        assert (load[r.member_id] == 0) == (r.member_id in idle)
        if r.member_id in idle:
            assert idle[r.member_id].reason
    # ... and, stronger: no pairing could simply be added (a reviewer with room, an eligible
    # draft with an open slot, not yet paired with that author). The fallback reasons are
    # therefore never used.
    for r in reviewers:
        if load[r.member_id] >= r.per_round:
            continue
        for d in drafts:
            if got[d.draft_id] < rpd and eligible(r, d, avoid):
                assert per_author[r.member_id, d.author_id] == 1, (r, d)
    assert not any("higher-priority" in u.reason for u in plan.unmatched)
    assert not any("not needed" in i.reason for i in plan.idle)

    def ago(rid: int, author: int) -> int | None:
        return met.get((min(rid, author), max(rid, author)))

    # Give to get: an idle author in the pool could not take a fresh draft from someone who
    # does not need it (a non-author, or an author with another draft to review).
    for aid in authors & idle.keys():
        for rid, did in chosen:
            d = by_draft[did]
            if eligible(by_id[aid], d, avoid) and ago(aid, d.author_id) is None:
                assert rid in authors and load[rid] == 1, (aid, rid, did)

    # Repeats only when no fresh reviewer with room could take the slot instead.
    for a in plan.assignments:
        d = by_draft[a.draft_id]
        assert a.repeat_rounds_ago == ago(a.reviewer_id, d.author_id)
        if a.repeat_rounds_ago is None:
            continue
        assert "repeat" in a.reason
        for r in reviewers:
            fresh_sub = (
                load[r.member_id] < r.per_round
                and eligible(r, d, avoid)
                and ago(r.member_id, d.author_id) is None
                and per_author[r.member_id, d.author_id] == 0
            )
            assert not fresh_sub, (a, r)

    # The reported weight is the objective.
    assert plan.total_weight == objective(reviewers, drafts, chosen, met, window)
    assert sum(a.weight for a in plan.assignments) == sum(
        pair_weight(by_id[a.reviewer_id], by_draft[a.draft_id], a.repeat_rounds_ago, window)
        for a in plan.assignments
    )


# --- table tests ------------------------------------------------------------------------------
def test_own_draft_never_assigned() -> None:
    """A lone author is not given their own draft; both sides are reported."""
    plan = plan_round([rv(1, per_round=3)], [dr(10, 1)])
    assert plan.assignments == ()
    assert "own draft" in plan.unmatched[0].reason
    assert plan.unmatched[0].assigned == 0
    assert "own draft" in plan.idle[0].reason


@pytest.mark.parametrize("avoid", [(1, 2), (2, 1)])
def test_avoid_list_respected_both_ways(avoid: tuple[int, int]) -> None:
    """Whoever put whom on their list, the two are never paired."""
    plan = plan_round([rv(1), rv(3)], [dr(20, 2)], avoid_pairs=[avoid], reviewers_per_draft=2)
    assert pairs(plan) == {(3, 20)}
    assert plan.unmatched[0].missing == 1
    assert "avoid list" in plan.idle[0].reason and plan.idle[0].member_id == 1


def test_repeat_avoided_when_fresh_reviewer_exists() -> None:
    """A pair that met last round is skipped when someone fresh is free."""
    plan = plan_round(
        [rv(1, "evals"), rv(3)], [dr(20, 2, "evals")], [(1, 2, 1)], reviewers_per_draft=1
    )
    assert pairs(plan) == {(3, 20)}
    assert plan.assignments[0].repeat_rounds_ago is None


def test_repeat_allowed_with_reason_when_no_other_way() -> None:
    """The only possible reviewer is a recent pair: used, and the reason says so."""
    plan = plan_round([rv(1)], [dr(20, 2)], recent_pairs=[(2, 1, 3)])  # met the other way round
    (a,) = plan.assignments
    assert a.repeat_rounds_ago == 3
    assert "repeat of a pairing from 3 rounds ago" in a.reason


def test_pairs_outside_window_are_fresh() -> None:
    """A meeting older than the window does not count."""
    plan = plan_round([rv(1)], [dr(20, 2)], recent_pairs=[(1, 2, 7)], repeat_window=6)
    assert plan.assignments[0].repeat_rounds_ago is None
    assert repeat_penalty(7, 6) == 0
    assert REPEAT_PENALTY <= repeat_penalty(6, 6) < repeat_penalty(1, 6) < 2 * REPEAT_PENALTY


def test_older_repeat_preferred_to_newer() -> None:
    """When a repeat is unavoidable the pair that met longest ago is used."""
    plan = plan_round([rv(1), rv(3)], [dr(20, 2)], [(1, 2, 1), (3, 2, 5)], reviewers_per_draft=1)
    assert pairs(plan) == {(3, 20)}


def test_odd_count_everyone_covered_once() -> None:
    """Three authors reviewing each other, one each, two wanted: everyone gets one, reported."""
    plan = plan_round([rv(1), rv(2), rv(3)], [dr(10, 1), dr(20, 2), dr(30, 3)])
    assert Counter(a.draft_id for a in plan.assignments) == {10: 1, 20: 1, 30: 1}
    assert {u.draft_id for u in plan.unmatched} == {10, 20, 30}
    assert all(u.reason.startswith("got 1 of 2") for u in plan.unmatched)
    assert plan.idle == ()


def test_first_reviewer_of_every_draft_before_second_of_any() -> None:
    """Concave coverage: two reviewers who both fit draft A best still split across A and B."""
    reviewers = [rv(1, "a", "b", "c"), rv(2, "a", "b", "c")]
    drafts = [dr(10, 8, "a", "b", "c"), dr(20, 9)]
    plan = plan_round(reviewers, drafts)
    assert Counter(a.draft_id for a in plan.assignments) == {10: 1, 20: 1}


def test_uneven_capacity_uses_the_big_reviewer() -> None:
    """One reviewer offering three covers what the others cannot."""
    reviewers = [rv(1, per_round=3), rv(2)]
    drafts = [dr(10, 7), dr(20, 8), dr(30, 9)]
    plan = plan_round(reviewers, drafts, reviewers_per_draft=1)
    assert len(plan.assignments) == 3 and plan.unmatched == ()
    assert Counter(a.reviewer_id for a in plan.assignments) == {1: 2, 2: 1}


def test_load_spread_before_piling_on() -> None:
    """With enough people, nobody takes a second review."""
    reviewers = [rv(1, per_round=3), rv(2, per_round=3), rv(3, per_round=3)]
    plan = plan_round(reviewers, [dr(10, 7), dr(20, 8), dr(30, 9)], reviewers_per_draft=1)
    assert Counter(a.reviewer_id for a in plan.assignments) == {1: 1, 2: 1, 3: 1}


def test_author_in_pool_gets_a_draft() -> None:
    """Give to get beats a better topic fit and an owed review."""
    reviewers = [rv(1), rv(5, "evals", balance=4)]  # 1 has a draft up; 5 fits and owes
    drafts = [dr(10, 1), dr(20, 2, "evals")]
    plan = plan_round(reviewers, drafts, reviewers_per_draft=1)
    assert (1, 20) in pairs(plan)
    reason = next(a.reason for a in plan.assignments if a.reviewer_id == 1)
    assert "give to get" in reason


def test_carried_draft_prioritised() -> None:
    """One slot, two drafts: the one that already waited gets it; the other is reported."""
    plan = plan_round(
        [rv(1, "evals")], [dr(10, 7, "evals"), dr(20, 8, carried=1)], reviewers_per_draft=1
    )
    assert pairs(plan) == {(1, 20)}
    (u,) = plan.unmatched
    assert u.draft_id == 10 and u.assigned == 0
    assert u.reason == "no reviewer this round: the one reviewer who may review it is fully booked"
    assert "waited a round" in plan.assignments[0].reason


def test_carried_draft_may_use_a_repeat() -> None:
    """A draft that already waited takes a recent pairing rather than wait again."""
    plan = plan_round(
        [rv(1)], [dr(10, 7), dr(20, 8, carried=2)], [(1, 8, 2)], reviewers_per_draft=1
    )
    assert pairs(plan) == {(1, 20)}


def test_one_review_per_author() -> None:
    """An author with two drafts gets two different reviewers."""
    plan = plan_round([rv(1, per_round=2), rv(2)], [dr(10, 9), dr(20, 9)], reviewers_per_draft=1)
    assert {a.reviewer_id for a in plan.assignments} == {1, 2}


def test_reasons_mention_topics_and_owed_reviews() -> None:
    """The one-line reason names the shared topics and the debt."""
    plan = plan_round(
        [rv(1, "interpretability", "evals", balance=2)],
        [dr(10, 2, "interpretability", "evals", "policy")],
    )
    assert (
        plan.assignments[0].reason == "both work on evals and interpretability; m1 owes 2 reviews"
    )
    plan = plan_round([Reviewer(5, balance=1)], [dr(10, 2)])
    assert plan.assignments[0].reason == "<@5> owes a review"


def test_everyone_idle_reason_when_drafts_full() -> None:
    """A reviewer left over because every draft is full says so."""
    plan = plan_round([rv(1), rv(2)], [dr(10, 9)], reviewers_per_draft=1)
    (i,) = plan.idle
    assert i.reason == "every draft they may review already has 1 reviewer"


def test_empty_round() -> None:
    """No drafts and no reviewers is a valid, empty plan."""
    assert plan_round([], []) == RoundPlan((), (), (), 0)
    plan = plan_round([], [dr(10, 1)])
    assert "nobody is in the reviewer pool" in plan.unmatched[0].reason


@pytest.mark.parametrize(
    ("reviewers", "drafts", "kwargs"),
    [
        ([rv(1, per_round=0)], [], {}),
        ([rv(1, per_round=4)], [], {}),
        ([rv(1), rv(1)], [], {}),
        ([], [dr(1, 1), dr(1, 2)], {}),
        ([], [dr(1, 1, carried=-1)], {}),
        ([], [], {"reviewers_per_draft": 0}),
        ([], [], {"reviewers_per_draft": 6}),
        ([], [], {"repeat_window": -1}),
        ([], [], {"recent_pairs": [(1, 2, 0)]}),
    ],
)
def test_bad_input_rejected(
    reviewers: list[Reviewer], drafts: list[Draft], kwargs: dict[str, object]
) -> None:
    """Out-of-range inputs raise ValueError rather than produce a quiet plan."""
    with pytest.raises(ValueError):
        plan_round(reviewers, drafts, **kwargs)  # type: ignore[arg-type]


def test_weight_tiers_are_strict() -> None:
    """Each tier's unit outweighs everything one assignment can carry below it."""
    soft = TOPIC_MATCH_BONUS * TOPIC_MATCH_CAP + OWED_REVIEW_BONUS * OWED_REVIEW_CAP + 2 * LOAD_STEP
    assert 10 * soft < GIVE_TO_GET_BONUS
    assert 10 * (GIVE_TO_GET_BONUS + soft) < REPEAT_PENALTY
    d0, d3 = dr(1, 1), dr(2, 2, carried=9)
    assert slot_weight(d0, 0) > slot_weight(d3, 1) + 2 * REPEAT_PENALTY + GIVE_TO_GET_BONUS
    assert slot_weight(d0, 4) > 2 * REPEAT_PENALTY + GIVE_TO_GET_BONUS + soft


def test_medium_cohort_checks_out() -> None:
    """A seeded 60-member round satisfies every property."""
    rng = random.Random(7)
    topics = ["a", "b", "c", "d", "e", "f"]
    reviewers = [
        rv(m, *rng.sample(topics, 2), per_round=rng.randint(1, 3), balance=rng.randint(-2, 4))
        for m in range(60)
    ]
    drafts = [dr(100 + k, a, *rng.sample(topics, 1)) for k, a in enumerate(range(0, 60, 2))]
    recent = [(rng.randrange(60), rng.randrange(60), rng.randint(1, 10)) for _ in range(200)]
    avoid = [(rng.randrange(60), rng.randrange(60)) for _ in range(10)]
    plan = plan_round(reviewers, drafts, recent, avoid)
    check_plan(reviewers, drafts, recent, avoid, 2, 6, plan)


# --- properties -------------------------------------------------------------------------------
TOPICS = st.frozensets(st.sampled_from(["a", "b", "c"]), max_size=2)


@st.composite
def instances(
    draw: st.DrawFn, members: int = 7, max_drafts: int = 5, max_per_round: int = 3
) -> tuple[
    list[Reviewer], list[Draft], list[tuple[int, int, int]], list[tuple[int, int]], int, int
]:
    ids = st.integers(1, members)
    pool = draw(st.lists(ids, unique=True, max_size=members))
    reviewers = [
        Reviewer(
            m,
            draw(TOPICS),
            draw(st.integers(1, max_per_round)),
            draw(st.integers(-2, 6)),
        )
        for m in pool
    ]
    n_drafts = draw(st.integers(0, max_drafts))
    drafts = [
        Draft(100 + k, draw(ids), draw(TOPICS), draw(st.integers(0, 4))) for k in range(n_drafts)
    ]
    recent = draw(st.lists(st.tuples(ids, ids, st.integers(1, 8)), max_size=8))
    avoid = draw(st.lists(st.tuples(ids, ids), max_size=4))
    rpd = draw(st.integers(1, 3))
    window = draw(st.integers(0, 6))
    return reviewers, drafts, recent, avoid, rpd, window


@settings(max_examples=150, deadline=None)
@given(instances())
def test_properties_hold(
    inst: tuple[
        list[Reviewer], list[Draft], list[tuple[int, int, int]], list[tuple[int, int]], int, int
    ],
) -> None:
    """Hard rules, nobody dropped, no addable pair, give to get, repeats, reported weight."""
    reviewers, drafts, recent, avoid, rpd, window = inst
    plan = plan_round(reviewers, drafts, recent, avoid, rpd, window)
    check_plan(reviewers, drafts, recent, avoid, rpd, window, plan)


@settings(max_examples=40, deadline=None)
@given(instances(members=5, max_drafts=3, max_per_round=2), st.randoms(use_true_random=False))
def test_optimal_against_brute_force(
    inst: tuple[
        list[Reviewer], list[Draft], list[tuple[int, int, int]], list[tuple[int, int]], int, int
    ],
    shuffle: random.Random,
) -> None:
    """On tiny rounds the plan's weight equals the best of every feasible plan; order is moot."""
    reviewers, drafts, recent, avoid, rpd, window = inst
    reviewers = reviewers[:4]
    rpd = min(rpd, 2)
    plan = plan_round(reviewers, drafts, recent, avoid, rpd, window)
    assert plan.total_weight == brute_force_best(reviewers, drafts, recent, set(avoid), rpd, window)
    shuffle.shuffle(reviewers)
    shuffle.shuffle(drafts)
    assert plan_round(reviewers, drafts, recent[::-1], avoid, rpd, window) == plan


def test_inlined_pair_weight_matches_named_function() -> None:
    """plan_round's fast weight loop agrees with pair_weight."""
    r = rv(1, "a", "b", "c", "d", balance=9)
    d = dr(10, 2, "a", "b", "c", "d")
    plan = plan_round([r], [d], recent_pairs=[(1, 2, 2)])
    assert plan.assignments[0].weight == pair_weight(r, d, 2, 6)
