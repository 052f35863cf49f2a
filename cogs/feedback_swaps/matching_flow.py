"""The flow network a round is solved on, and its maximum-weight flow solver.

The matcher (matching.py) builds a `PairingNetwork` over the pairings it is considering:
source -> reviewer (one unit arc per review the reviewer may give, costed by its unit weight),
reviewer -> draft (the pairing's weight; via a per-(reviewer, author) hub when the author has
several open drafts, so a reviewer takes at most one of them), draft -> sink (one unit arc per
reviewer slot). Only numbers cross this line: no reviewer or draft, no weighting rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from heapq import heappop, heappush

INF = 1 << 62

# Pairings priced in per reviewer per pass. Adding every improving pairing at once floods the
# network when the first duals are rough (600k of 2M pairings at 2,000 members); too few per
# pass means many re-solves (3 per reviewer: 8x slower at 2,000 members than 30).
PRICED_PER_REVIEWER = 30


def most_improving(
    net: PairingNetwork, weights: dict[tuple[int, int], int], active: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Absent pairings with negative reduced cost: the most negative few of each reviewer."""
    found: dict[int, list[tuple[int, int]]] = {}
    pot = net.pot
    r_pot = [pot[v] for v in net.r_node]
    d_pot = [pot[v] for v in net.d_node]
    # Only an author with several drafts has hubs; elsewhere the reviewer's potential is used.
    hub_author = [a if a in net.hub_authors else None for a in net.draft_authors]
    hub = net.hub
    for ij, w in weights.items():
        i, j = ij
        author = hub_author[j]
        start = r_pot[i] if author is None else pot[hub.get((i, author), net.r_node[i])]
        rc = start - w - d_pot[j]
        if rc < 0 and ij not in active:
            found.setdefault(i, []).append((rc, j))
    missing: list[tuple[int, int]] = []
    for i, cands in found.items():
        cands.sort()
        missing.extend((i, j) for _, j in cands[:PRICED_PER_REVIEWER])
    return missing


class PairingNetwork:
    """The flow network over the active pairings, solved on construction.

    `unit_weights[i]` are reviewer i's successive reviews' weights, `slot_weights[j]` draft j's
    successive reviewers' weights, `weights[i, j]` the pairing's own weight.
    """

    def __init__(
        self,
        draft_authors: Sequence[int],
        drafts_by_author: dict[int, list[int]],
        active: Iterable[tuple[int, int]],
        weights: dict[tuple[int, int], int],
        unit_weights: Sequence[Sequence[int]],
        slot_weights: Sequence[Sequence[int]],
    ) -> None:
        # Nodes: 0 source, 1 sink (the lowest id after the source, so on ties it is settled
        # first and the search stops early), reviewers, drafts, per-(reviewer, author) hubs.
        self.draft_authors = draft_authors
        n_r = len(unit_weights)
        self.r_node = [2 + i for i in range(n_r)]
        self.d_node = [2 + n_r + j for j in range(len(draft_authors))]
        self.n_nodes = 2 + n_r + len(draft_authors)
        self.head: list[int] = []
        self.tail: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []
        self.hub: dict[tuple[int, int], int] = {}
        self.pair_arc: dict[tuple[int, int], int] = {}
        self.hub_authors = {a for a, js in drafts_by_author.items() if len(js) > 1}
        for i, units in enumerate(unit_weights):
            for w in units:
                self._add(0, self.r_node[i], -w)
        for i, j in sorted(active):
            author = draft_authors[j]
            start = self.r_node[i]
            if len(drafts_by_author[author]) > 1:  # one review per (reviewer, author)
                hub = self.hub.get((i, author))
                if hub is None:
                    hub = self.hub[i, author] = self.n_nodes
                    self.n_nodes += 1
                    self._add(start, hub, 0)
                start = hub
            self.pair_arc[i, j] = self._add(start, self.d_node[j], -weights[i, j])
        for j, slots in enumerate(slot_weights):
            for w in slots:
                self._add(self.d_node[j], 1, -w)
        adj: list[list[int]] = [[] for _ in range(self.n_nodes)]
        for e, u in enumerate(self.tail):
            adj[u].append(e)
        self.pot = max_weight_flow(self.n_nodes, adj, self.head, self.tail, self.cap, self.cost)

    def _add(self, u: int, v: int, c: int) -> int:
        e = len(self.head)
        self.head.extend((v, u))
        self.tail.extend((u, v))
        self.cap.extend((1, 0))
        self.cost.extend((c, -c))
        return e

    def chosen(self) -> list[tuple[int, int]]:
        return sorted(ij for ij, e in self.pair_arc.items() if self.cap[e] == 0)


# --- the solver ---------------------------------------------------------------------------
SOURCE, SINK = 0, 1


def max_weight_flow(
    n_nodes: int,
    adj: list[list[int]],
    head: list[int],
    tail: list[int],
    cap: list[int],
    cost: list[int],
) -> list[int]:
    """Maximum-weight (min-cost, any value) flow from node 0 to node 1; mutates `cap`.

    Successive shortest paths on reduced costs, each Dijkstra stopping once the sink is settled,
    followed by every other zero-reduced-cost path (primal-dual). Stops at the first augmenting
    path that would not lower the cost. Returns node potentials that certify optimality: every
    residual arc has reduced cost >= 0, and potential(sink) == potential(source) once any flow
    moves (the source-sink bypass of a circulation is tight), so a caller can test arcs that
    were left out of the network against them.
    """
    pot = _dag_potentials(n_nodes, adj, head, cap, cost)
    while True:
        gap = pot[SINK] - pot[SOURCE]  # after an augmentation: the cost of the last path
        dist = [INF] * n_nodes
        prev = [-1] * n_nodes
        done = bytearray(n_nodes)
        dist[SOURCE] = 0
        heap: list[tuple[int, int]] = [(0, SOURCE)]
        while heap:
            du, u = heappop(heap)
            if done[u]:
                continue
            done[u] = 1
            if u == SINK:
                break
            base = du + pot[u]
            for e in adj[u]:
                if cap[e]:
                    v = head[e]
                    nd = base + cost[e] - pot[v]
                    if nd < dist[v]:
                        dist[v] = nd
                        prev[v] = e
                        heappush(heap, (nd, v))
        # Raising pot(v) by min(dist(v), delta) keeps reduced costs >= 0 for any delta in
        # [0, dist(sink)]; unsettled nodes have dist >= dist(sink).
        improving = bool(done[SINK]) and gap + dist[SINK] < 0
        # stopping: bring the sink level with the source (or leave it above when no flow moved)
        delta = dist[SINK] if improving else max(0, -gap)
        for v in range(n_nodes):
            d = dist[v]
            pot[v] += d if d < delta else delta
        if not improving:
            return pot
        _augment_zero_paths(adj, head, cap, cost, pot, prev)


def _augment_zero_paths(
    adj: list[list[int]],
    head: list[int],
    cap: list[int],
    cost: list[int],
    pot: list[int],
    prev: list[int],
) -> None:
    """Augment the path Dijkstra found, then further paths of zero reduced cost.

    With reduced costs all >= 0, a zero-reduced-cost path is a shortest path, so pushing along it
    keeps the flow cheapest for its value. One depth-first pass with per-node arc cursors, as in
    Dinic's algorithm, finds a blocking set of such paths (reaching past the nodes Dijkstra
    settled pays: measured, it halves the number of phases).
    """
    v = SINK
    while v != SOURCE:
        e = prev[v]
        cap[e] -= 1
        cap[e ^ 1] += 1
        v = head[e ^ 1]
    n = len(adj)
    cursor = [0] * n
    dead = bytearray(n)  # no zero path to the sink from here in this pass
    on_path = bytearray(n)  # zero-cost cycles exist in the residual graph
    while True:
        stack = [SOURCE]
        on_path[SOURCE] = 1
        path: list[int] = []
        while stack and stack[-1] != SINK:
            u = stack[-1]
            arcs = adj[u]
            n_arcs = len(arcs)
            base = pot[u]
            c = cursor[u]
            while c < n_arcs:
                e = arcs[c]
                if cap[e]:
                    w = head[e]
                    if not dead[w] and not on_path[w] and cost[e] + base == pot[w]:
                        break
                c += 1
            cursor[u] = c
            if c < n_arcs:
                e = arcs[c]
                w = head[e]
                stack.append(w)
                on_path[w] = 1
                path.append(e)
            else:
                dead[u] = 1
                on_path[u] = 0
                stack.pop()
                if path:
                    path.pop()
        if not stack:
            return
        for u in stack:
            on_path[u] = 0
        for e in path:
            cap[e] -= 1
            cap[e ^ 1] += 1


def _dag_potentials(
    n_nodes: int, adj: list[list[int]], head: list[int], cap: list[int], cost: list[int]
) -> list[int]:
    """Feasible potentials for the empty-flow graph, which is acyclic.

    Distances from a virtual root joined to every node by a cost-0 arc, relaxed in topological
    order: every arc then has reduced cost >= 0, including arcs out of nodes the source cannot
    reach (the pricing check in `most_improving` relies on those too).
    """
    indegree = [0] * n_nodes
    for u in range(n_nodes):
        for e in adj[u]:
            if cap[e]:
                indegree[head[e]] += 1
    order = [u for u in range(n_nodes) if indegree[u] == 0]
    dist = [0] * n_nodes
    k = 0
    while k < len(order):
        u = order[k]
        k += 1
        du = dist[u]
        for e in adj[u]:
            if cap[e]:
                v = head[e]
                if du + cost[e] < dist[v]:
                    dist[v] = du + cost[e]
                indegree[v] -= 1
                if indegree[v] == 0:
                    order.append(v)
    return dist
