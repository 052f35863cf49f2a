"""Frames in the matcher (a weighted preference, with a property test) and the pure rules of
fields and the review checklist."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.feedback_swaps.frames import (
    DEFAULT_CHECKLIST,
    check_frame,
    checklist_digest,
    parse_checklist,
    ticked_points,
)
from cogs.feedback_swaps.logic import RuleError, parse_topic_list, parse_topics
from cogs.feedback_swaps.matching import (
    FRAME_BONUS,
    GIVE_TO_GET_BONUS,
    LOAD_STEP,
    OWED_REVIEW_BONUS,
    OWED_REVIEW_CAP,
    TOPIC_MATCH_BONUS,
    TOPIC_MATCH_CAP,
    Draft,
    Reviewer,
    frame_fit,
    pair_weight,
    plan_round,
    recent_meetings,
)

PHYS, ECON = frozenset({"physics"}), frozenset({"economics"})


def test_outside_reviewer_preferred_over_a_better_topic_and_owed_fit() -> None:
    close = Reviewer(1, frozenset({"a", "b", "c"}), balance=5, fields=PHYS)
    outside = Reviewer(2, fields=ECON)
    draft = Draft(10, 3, frozenset({"a", "b", "c"}), frame="outside", author_fields=PHYS)
    plan = plan_round([close, outside], [draft], reviewers_per_draft=1)
    assert [a.reviewer_id for a in plan.assignments] == [2]
    assert plan.assignments[0].reason.startswith("from outside the author's frame: economics")


def test_close_request_prefers_a_shared_field() -> None:
    close = Reviewer(1, fields=PHYS | ECON)
    outside = Reviewer(2, frozenset({"a"}), fields=frozenset({"biology"}))
    draft = Draft(10, 3, frozenset({"a"}), frame="close", author_fields=PHYS)
    plan = plan_round([close, outside], [draft], reviewers_per_draft=1)
    assert [a.reviewer_id for a in plan.assignments] == [1]
    assert "close to the author's frame: both in physics" in plan.assignments[0].reason


def test_unmet_frame_is_said_and_hard_rules_stay_first() -> None:
    """The only outside reviewer is on a recent repeat and is needed elsewhere by coverage:
    the frame gives way, and the reason says so."""
    close = Reviewer(1, fields=PHYS)
    outside = Reviewer(2, fields=ECON)
    framed = Draft(10, 3, frame="outside", author_fields=PHYS)
    plan = plan_round([close, outside], [framed], recent_pairs=[(2, 3, 1)], reviewers_per_draft=1)
    assert [a.reviewer_id for a in plan.assignments] == [1]
    assert "no reviewer from outside the author's frame had capacity" in plan.assignments[0].reason
    # Avoid lists: never broken for a frame.
    plan = plan_round([close, outside], [framed], avoid_pairs=[(3, 2)], reviewers_per_draft=1)
    assert [a.reviewer_id for a in plan.assignments] == [1]
    # Coverage: the outside reviewer covers the only draft nobody else may take.
    other = Draft(11, 4, author_fields=ECON)
    plan = plan_round(
        [close, outside], [framed, other], avoid_pairs=[(1, 4)], reviewers_per_draft=1
    )
    assert {(a.draft_id, a.reviewer_id) for a in plan.assignments} == {(10, 1), (11, 2)}


def test_unknown_fields_meet_no_frame() -> None:
    assert not frame_fit(frozenset(), Draft(1, 2, frame="outside", author_fields=PHYS))
    assert not frame_fit(ECON, Draft(1, 2, frame="outside"))
    assert not frame_fit(ECON, Draft(1, 2, frame="any", author_fields=PHYS))
    assert frame_fit(ECON, Draft(1, 2, frame="outside", author_fields=PHYS))
    assert frame_fit(PHYS | ECON, Draft(1, 2, frame="close", author_fields=PHYS))
    with pytest.raises(ValueError):
        plan_round([], [Draft(1, 2, frame="far")])


def test_frame_bonus_sits_in_the_soft_tier() -> None:
    """It outweighs what the other soft terms can shift in a swap, and stays far below give to
    get (so the tiers above it are untouched)."""
    swing = (
        TOPIC_MATCH_BONUS * TOPIC_MATCH_CAP + OWED_REVIEW_BONUS * OWED_REVIEW_CAP + 2 * LOAD_STEP
    )
    assert swing < FRAME_BONUS
    assert 10 * (FRAME_BONUS + swing) < GIVE_TO_GET_BONUS


def test_inlined_weight_counts_the_frame() -> None:
    r = Reviewer(1, frozenset({"a"}), fields=ECON)
    d = Draft(10, 2, frozenset({"a"}), frame="outside", author_fields=PHYS)
    plan = plan_round([r], [d])
    assert (
        plan.assignments[0].weight == pair_weight(r, d, None, 6) == TOPIC_MATCH_BONUS + FRAME_BONUS
    )


# --- the property ---------------------------------------------------------------------------
FIELDS = st.frozensets(st.sampled_from(["physics", "economics", "biology"]), max_size=2)
TOPICS = st.frozensets(st.sampled_from(["a", "b"]), max_size=2)
Instance = tuple[
    list[Reviewer], list[Draft], list[tuple[int, int, int]], list[tuple[int, int]], int, int
]


@st.composite
def framed_instances(draw: st.DrawFn, members: int = 7) -> Instance:
    ids = st.integers(1, members)
    fields = {m: draw(FIELDS) for m in range(1, members + 1)}
    pool = draw(st.lists(ids, unique=True, max_size=members))
    reviewers = [
        Reviewer(
            m,
            draw(TOPICS),
            draw(st.integers(1, 3)),
            draw(st.integers(-2, 6)),
            fields=fields[m],
        )
        for m in pool
    ]
    drafts = []
    for k in range(draw(st.integers(0, 5))):
        author = draw(ids)
        drafts.append(
            Draft(
                100 + k,
                author,
                draw(TOPICS),
                draw(st.integers(0, 3)),
                frame=draw(st.sampled_from(["any", "close", "outside"])),
                author_fields=fields[author],
            )
        )
    recent = draw(st.lists(st.tuples(ids, ids, st.integers(1, 8)), max_size=6))
    avoid = draw(st.lists(st.tuples(ids, ids), max_size=3))
    return reviewers, drafts, recent, avoid, draw(st.integers(1, 3)), draw(st.integers(0, 6))


@settings(max_examples=300, deadline=None)
@given(framed_instances())
def test_a_fitting_reviewer_with_room_is_chosen(inst: Instance) -> None:
    """Whenever a reviewer who meets a draft's frame has room and choosing them breaks no
    rule above the frame (own draft, avoid lists, one review per author, no recent repeat,
    and no reviewer loses the only review that gives them give to get), one is chosen."""
    reviewers, drafts, recent, avoid, rpd, window = inst
    plan = plan_round(reviewers, drafts, recent, avoid, rpd, window)
    met = recent_meetings(recent, window)
    avoided = {frozenset(p) for p in avoid}
    authors = {d.author_id for d in drafts}
    author_of = {d.draft_id: d.author_id for d in drafts}
    load: dict[int, int] = {}
    on: dict[int, list[int]] = {}
    for a in plan.assignments:
        load[a.reviewer_id] = load.get(a.reviewer_id, 0) + 1
        on.setdefault(a.draft_id, []).append(a.reviewer_id)
    reviews_author = {(a.reviewer_id, author_of[a.draft_id]) for a in plan.assignments}
    by_id = {r.member_id: r for r in reviewers}
    for d in drafts:
        if d.frame == "any":
            continue
        mine = on.get(d.draft_id, [])
        if any(frame_fit(by_id[m].fields, d) for m in mine):
            continue
        # A slot the fitting reviewer could take: a free one, or one held by a reviewer whose
        # leaving costs no give to get.
        slot = len(mine) < rpd or any(not (m in authors and load[m] == 1) for m in mine)
        for r in reviewers:
            m = r.member_id
            free = (
                frame_fit(r.fields, d)
                and m != d.author_id
                and frozenset((m, d.author_id)) not in avoided
                and (min(m, d.author_id), max(m, d.author_id)) not in met
                and (m, d.author_id) not in reviews_author
                and load.get(m, 0) < r.per_round
            )
            assert not (free and slot), (d, r, plan)


# --- fields and the checklist ------------------------------------------------------------------
def test_fields_are_parsed_like_topics() -> None:
    assert parse_topics("Physics, cs THEORY", ["physics", "CS theory"], "field") == (
        "physics",
        "CS theory",
    )
    with pytest.raises(RuleError, match=r"Unknown field: astrology\. Pick from"):
        parse_topics("astrology", ["physics"], "field")
    with pytest.raises(RuleError, match="a field cannot contain one"):
        parse_topic_list("physics, chemistry", "field")
    with pytest.raises(RuleError, match="at least one field"):
        parse_topic_list("\n \n", "field")


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("- one\n* two\n• three;\n\n", ("one", "two", "three")),
        ("Same\nsame\n", ("Same",)),
        ("", ()),
    ],
)
def test_checklist_parsed(text: str, points: tuple[str, ...]) -> None:
    assert parse_checklist(text) == points


@pytest.mark.parametrize(
    ("text", "error"),
    [("x" * 101, "longer than 100"), ("\n".join(f"p{i}" for i in range(9)), "at most 8")],
)
def test_checklist_refused(text: str, error: str) -> None:
    with pytest.raises(RuleError, match=error):
        parse_checklist(text)


def test_frame_needs_the_authors_fields() -> None:
    check_frame("any", (), ["physics"])
    check_frame("outside", ("physics",), ["physics"])
    with pytest.raises(RuleError, match="/feedback join fields:"):
        check_frame("close", (), ["physics"])


def test_ticks_follow_the_current_checklist() -> None:
    assert ticked_points(
        ["what would test the idea", "examples before abstractions", "stale"], DEFAULT_CHECKLIST
    ) == ("examples before abstractions", "what would test the idea")
    with pytest.raises(RuleError, match="changed it"):
        ticked_points(["stale"], DEFAULT_CHECKLIST)


def test_checklist_digest_counts_only() -> None:
    assert checklist_digest({}) is None
    assert checklist_digest({1: []}) == "Reviews with the checklist: 0 of 1."
    line = checklist_digest({1: ["b", "a"], 2: ["a"], 3: [], 4: ["b"]})
    assert line == "Reviews with the checklist: 3 of 4; most covered: a."
