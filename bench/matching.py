"""Feedback-swaps matcher: speed and optimality on synthetic cohorts.

    python bench/matching.py [--quick]

For cohorts of 50, 300 and 2,000 members with a year of weekly pairing history (seeded), prints
the matcher's time and total weight beside the exact optimum found by an independent method
(scipy's HiGHS LP over the same flow polytope, which is totally unimodular, so its optimum is
integral) and their ratio, plus a hard-rule check of each plan. Targets: 300 members < 1 s;
weight >= 99% of the optimum. `--quick` runs the 50-member cohort only (CI).

Bench-only dependency: scipy (`pip install "scipy>=1.13,<2"`); without it the optimum column
reads n/a. `rows()` returns the table for `bench/run_all.py`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cogs.feedback_swaps.matching import (
    Draft,
    Reviewer,
    RoundPlan,
    pair_weight,
    plan_round,
    reviewer_unit_weight,
    slot_weight,
)

TOPICS = [
    "interpretability",
    "evals",
    "governance",
    "agent foundations",
    "rlhf",
    "scalable oversight",
    "robustness",
    "forecasting",
    "deception",
    "control",
    "policy",
    "theory",
]
FIELDS = ["physics", "CS theory", "neuroscience", "economics", "philosophy", "mathematics"]
SIZES = (50, 300, 2000)
REVIEWERS_PER_DRAFT = 2
REPEAT_WINDOW = 6
WEEKS_OF_HISTORY = 52
TARGET_SECONDS_300 = 1.0
TARGET_RATIO = 0.99


@dataclass(frozen=True)
class Cohort:
    reviewers: list[Reviewer]
    drafts: list[Draft]
    recent: list[tuple[int, int, int]]
    avoid: list[tuple[int, int]]


@dataclass(frozen=True)
class Row:
    members: int
    drafts: int
    seconds: float
    weight: int
    optimum: int | None
    optimum_seconds: float | None
    rules_ok: bool
    rules_note: str

    @property
    def ratio(self) -> float | None:
        return None if not self.optimum else self.weight / self.optimum


def cohort(members: int, seed: int = 20240601) -> Cohort:
    """Half the members post a draft; everyone reviews 1-3; a year of weekly pairings."""
    rng = random.Random(seed + members)
    ids = list(range(10_000, 10_000 + members))
    reviewers = [
        Reviewer(
            m,
            frozenset(rng.sample(TOPICS, rng.randint(1, 3))),
            rng.choices([1, 2, 3], weights=[5, 3, 2])[0],
            rng.randint(-3, 4),
        )
        for m in ids
    ]
    authors = rng.sample(ids, members // 2)
    drafts = [
        Draft(
            k + 1,
            a,
            frozenset(rng.sample(TOPICS, rng.randint(1, 2))),
            rng.choices([0, 1, 2], weights=[8, 1, 1])[0],
        )
        for k, a in enumerate(authors)
    ]
    recent: list[tuple[int, int, int]] = []
    for week in range(1, WEEKS_OF_HISTORY + 1):
        for author in rng.sample(ids, members // 2):
            for reviewer in rng.sample(ids, REVIEWERS_PER_DRAFT):
                if reviewer != author:
                    recent.append((reviewer, author, week))
    avoid = [tuple(rng.sample(ids, 2)) for _ in range(max(1, members // 20))]
    reviewers, drafts = _with_frames(reviewers, drafts, seed + members)
    return Cohort(reviewers, drafts, recent, [(a, b) for a, b in avoid])


def _with_frames(
    reviewers: list[Reviewer], drafts: list[Draft], seed: int
) -> tuple[list[Reviewer], list[Draft]]:
    """Fields for every member and a frame request on about a third of the drafts. A separate
    random stream, so the rest of the cohort is the one benchmarked before frames existed."""
    rng = random.Random(seed + 1)
    fields = {r.member_id: frozenset(rng.sample(FIELDS, rng.randint(1, 2))) for r in reviewers}
    return (
        [replace(r, fields=fields[r.member_id]) for r in reviewers],
        [
            replace(
                d,
                frame=rng.choices(["any", "outside", "close"], weights=[6, 2, 1])[0],
                author_fields=fields[d.author_id],
            )
            for d in drafts
        ],
    )


# --- independent checks -------------------------------------------------------------------
def _met(recent: list[tuple[int, int, int]]) -> dict[frozenset[int], int]:
    met: dict[frozenset[int], int] = {}
    for a, b, ago in recent:
        if a != b and ago <= REPEAT_WINDOW:
            key = frozenset((a, b))
            met[key] = min(ago, met.get(key, ago))
    return met


def _eligible(c: Cohort) -> list[tuple[int, int]]:
    """(reviewer index, draft index) pairs allowed by the hard rules, derived from scratch."""
    avoid = {frozenset(p) for p in c.avoid}
    return [
        (i, j)
        for i, r in enumerate(c.reviewers)
        for j, d in enumerate(c.drafts)
        if r.member_id != d.author_id and frozenset((r.member_id, d.author_id)) not in avoid
    ]


def check_rules(c: Cohort, plan: RoundPlan) -> tuple[bool, str]:
    """No self, no avoid, capacities, one per author, and no repeat with a free fresh substitute."""
    by_id = {r.member_id: r for r in c.reviewers}
    by_draft = {d.draft_id: d for d in c.drafts}
    avoid = {frozenset(p) for p in c.avoid}
    met = _met(c.recent)
    load = Counter(a.reviewer_id for a in plan.assignments)
    got = Counter(a.draft_id for a in plan.assignments)
    per_author = Counter((a.reviewer_id, by_draft[a.draft_id].author_id) for a in plan.assignments)
    problems = []
    for a in plan.assignments:
        author = by_draft[a.draft_id].author_id
        if a.reviewer_id == author:
            problems.append("self")
        if frozenset((a.reviewer_id, author)) in avoid:
            problems.append("avoid")
    if any(n > by_id[m].per_round for m, n in load.items()):
        problems.append("reviewer capacity")
    if any(n > REVIEWERS_PER_DRAFT for n in got.values()):
        problems.append("draft capacity")
    if any(n > 1 for n in per_author.values()) or len(set(plan.assignments)) != len(
        plan.assignments
    ):
        problems.append("duplicate pairing")
    repeats = 0
    for a in plan.assignments:
        d = by_draft[a.draft_id]
        if frozenset((a.reviewer_id, d.author_id)) not in met:
            continue
        repeats += 1
        for r in c.reviewers:
            key = frozenset((r.member_id, d.author_id))
            if (
                load[r.member_id] < r.per_round
                and r.member_id != d.author_id
                and key not in avoid
                and key not in met
                and per_author[r.member_id, d.author_id] == 0
            ):
                problems.append("avoidable repeat")
                break
    note = ", ".join(sorted(set(problems))) or f"ok ({repeats} needed repeats)"
    return not problems, note


def plan_weight(c: Cohort, plan: RoundPlan) -> int:
    """The objective recomputed from the named weight functions (not trusting total_weight)."""
    by_id = {r.member_id: r for r in c.reviewers}
    by_draft = {d.draft_id: d for d in c.drafts}
    met = _met(c.recent)
    authors = {d.author_id for d in c.drafts}
    total = sum(
        pair_weight(
            by_id[a.reviewer_id],
            by_draft[a.draft_id],
            met.get(frozenset((a.reviewer_id, by_draft[a.draft_id].author_id))),
            REPEAT_WINDOW,
        )
        for a in plan.assignments
    )
    load = Counter(a.reviewer_id for a in plan.assignments)
    got = Counter(a.draft_id for a in plan.assignments)
    for r in c.reviewers:
        has = r.member_id in authors
        total += sum(reviewer_unit_weight(k, has_draft=has) for k in range(load[r.member_id]))
    for d in c.drafts:
        total += sum(slot_weight(d, k) for k in range(got[d.draft_id]))
    return total


def optimum_lp(c: Cohort) -> int | None:
    """Max weight by LP (HiGHS): x per eligible pair, y per reviewer unit, z per draft slot."""
    try:
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix
    except ImportError:
        return None
    met = _met(c.recent)
    authors = {d.author_id for d in c.drafts}
    pairs = _eligible(c)
    n_r, n_d = len(c.reviewers), len(c.drafts)
    weights: list[int] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    hub: dict[tuple[int, int], int] = {}
    per_author = Counter(d.author_id for d in c.drafts)
    for col, (i, j) in enumerate(pairs):
        r, d = c.reviewers[i], c.drafts[j]
        weights.append(
            pair_weight(r, d, met.get(frozenset((r.member_id, d.author_id))), REPEAT_WINDOW)
        )
        rows += [i, n_r + j]  # flow out of reviewer i, into draft j
        cols += [col, col]
        vals += [1.0, 1.0]
        if per_author[d.author_id] > 1:
            ub_rows.append(hub.setdefault((i, d.author_id), len(hub)))
            ub_cols.append(col)
    col = len(pairs)
    for i, r in enumerate(c.reviewers):
        for k in range(r.per_round):
            weights.append(reviewer_unit_weight(k, has_draft=r.member_id in authors))
            rows.append(i)
            cols.append(col)
            vals.append(-1.0)
            col += 1
    for j, d in enumerate(c.drafts):
        for k in range(REVIEWERS_PER_DRAFT):
            weights.append(slot_weight(d, k))
            rows.append(n_r + j)
            cols.append(col)
            vals.append(-1.0)
            col += 1
    a_eq = coo_matrix((vals, (rows, cols)), shape=(n_r + n_d, col)).tocsr()
    a_ub = None
    b_ub = None
    if hub:
        a_ub = coo_matrix(([1.0] * len(ub_rows), (ub_rows, ub_cols)), shape=(len(hub), col)).tocsr()
        b_ub = np.ones(len(hub))
    res = linprog(
        -np.array(weights, dtype=float),
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=np.zeros(n_r + n_d),
        bounds=(0, 1),
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"LP failed: {res.message}")
    x = np.rint(res.x).astype(np.int64)
    if np.abs(res.x - x).max() > 1e-6:
        raise RuntimeError("LP optimum is not integral")
    return int(sum(int(w) * int(v) for w, v in zip(weights, x, strict=True) if v))


# --- the table ----------------------------------------------------------------------------
def measure(members: int, *, exact: bool = True) -> Row:
    c = cohort(members)
    start = time.perf_counter()
    plan = plan_round(c.reviewers, c.drafts, c.recent, c.avoid, REVIEWERS_PER_DRAFT, REPEAT_WINDOW)
    seconds = time.perf_counter() - start
    weight = plan_weight(c, plan)
    assert weight == plan.total_weight, "reported total_weight disagrees with the objective"
    ok, note = check_rules(c, plan)
    optimum = opt_seconds = None
    if exact:
        start = time.perf_counter()
        optimum = optimum_lp(c)
        opt_seconds = time.perf_counter() - start if optimum is not None else None
    return Row(members, len(c.drafts), seconds, weight, optimum, opt_seconds, ok, note)


def rows(quick: bool = False, *, exact: bool = True) -> list[Row]:
    """One row per cohort size; `quick` keeps only the 50-member cohort."""
    return [measure(n, exact=exact) for n in (SIZES[:1] if quick else SIZES)]


def render(table: list[Row]) -> str:
    head = (
        f"{'members':>7} {'drafts':>6} {'matcher s':>9} {'matcher weight':>15} "
        f"{'LP optimum':>15} {'LP s':>7} {'ratio':>8}  hard rules"
    )
    lines = [head, "-" * len(head)]
    for r in table:
        opt = "n/a" if r.optimum is None else str(r.optimum)
        opt_s = "n/a" if r.optimum_seconds is None else f"{r.optimum_seconds:.2f}"
        ratio = "n/a" if r.ratio is None else f"{r.ratio:.6f}"
        lines.append(
            f"{r.members:>7} {r.drafts:>6} {r.seconds:>9.3f} {r.weight:>15} {opt:>15} "
            f"{opt_s:>7} {ratio:>8}  {r.rules_note}"
        )
    lines.append(
        f"targets: 300 members < {TARGET_SECONDS_300:.0f} s; "
        f"weight >= {TARGET_RATIO:.0%} of optimum"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 50-member cohort only")
    parser.add_argument("--no-exact", action="store_true", help="skip the LP optimum")
    args = parser.parse_args()
    table = rows(args.quick, exact=not args.no_exact)
    print(render(table))
    bad = [r for r in table if not r.rules_ok or (r.ratio is not None and r.ratio < TARGET_RATIO)]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
