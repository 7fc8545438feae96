"""The allocation engine: an optimal, deterministic distribution of places (integer programming, HiGHS).

Pure Python, numpy, SciPy and HiGHS (highspy), no Django: `measures.services.allocation` builds an `Instance`
from the database and writes the `Solution` back.

The model
---------
One binary variable x[r, m] per request r and *usable* preference m (see below).

* each request gets at most one measure: sum_m x[r, m] <= 1;
* capacity: for each (measure, kind of place), the requests of that kind placed in
  the measure fit the remaining places: sum_r x[r, m] <= capacity[m, kind];
* sector places: for each (measure, sector), sum_r x[r, m] <= budget_places[m, sector];
* sector CHF: for each (measure, sector), sum_r cost[r, m] * x[r, m] <= budget_amount[m, sector]
  (amounts in centimes, integers, so that the check after solving is exact).

Objective (maximised), lexicographic through integer weights. With S an upper bound
on the number of requests that can be served, G = (most preferences) - 1 the largest
rank gain, P = S*G + 1 and C = S*(P + G) + 1, serving request r in its preference of
rank k is worth

    weight(r, k) = C + P * [r is urgent] + (G + 1 - k)

so that (1) serving one more request beats any gain in priority and rank together
(the priority and rank terms of a whole solution stay below C), (2) among solutions
serving as many requests, serving one more urgent request beats any gain in ranks
(the rank terms stay below P), (3) then better ranks win. The weights are integers
below 2**53 for any realistic round (S = 5 000 gives C ~ 5e7), and HiGHS runs with
`mip_rel_gap = 0`, so the optimum is proven, not approximated.

How it is solved. The model is built with numpy over all pairs at once. The CHF rows are the hard
part (knapsacks), so they are first reformulated exactly: a budget line's places are capped at the
number of its cheapest candidates that fit the amount; its CHF row is dropped when all candidates cost
the same (the cap is then the constraint) or when the dearest candidates the places allow fit the
amount anyway; a remaining row is divided by the gcd of its costs and gets its Chvátal-Gomory roundings
by each of its coefficients (valid on integers; on the benchmark they bring the LP relaxation's number
of served requests down to the integer optimum). Capacity and places rows that cannot bind (no more
candidates than places) are left out. The problem then splits into independent components (requests
linked through shared rows): in a component where no capacity, places or CHF row can bind, each
request takes its best preference; each other one is solved by HiGHS's branch and cut (highspy, one
thread, `mip_rel_gap = 0`, presolve off), whose dual bound equals the optimum it returns: the optimum
is proven, not approximated. `solve` also checks the point against every row exactly in integers, and against the
instance itself after the post-rule.

Determinism: variables are laid out in a fixed order (requests by seniority, then id;
preferences by rank), components in the order of their first variable, HiGHS is deterministic
for a given model (one thread, fixed random seed), and the post-rule below only depends on
that order. Same input, same output.

Seniority post-rule (ties broken by request age): among optimal solutions, an older
request is served rather than a younger one when they are interchangeable: same
sector, same kind of place, same priority, the younger one's measure is the older
one's preference of the same rank, and the sector's CHF still fits the older one's
cost. Such an exchange keeps every constraint and the objective; it is applied,
oldest unserved first, until none applies.

Unserved reasons (`reasons_for_unserved`): a preference is *unfit* for a request on
its own when the measure is not active in the period, offers no places of the
request's kind, or the request's sector has no budget line for it. Then:

* every preference unfit (or none given) → ``no_feasible_preference``;
* otherwise, if at some fit preference the measure still has a place of the kind
  but the sector's remaining places or CHF do not cover the request → ``sector_budget``;
* otherwise (every fit preference is full for that kind) → ``no_capacity``.

At an optimum one of these always holds: a request with a fit preference that still
had both a place and the budget would be served (serving one more request is worth
more than anything else). After a manual adjustment a request may become servable;
the rule then answers None.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csc_array
from scipy.sparse.csgraph import connected_components

NO_CAPACITY = "no_capacity"
SECTOR_BUDGET = "sector_budget"
NO_FEASIBLE_PREFERENCE = "no_feasible_preference"

HIGHS_OPTIONS: dict[str, bool | int | float | str] = {
    "output_flag": False,
    "mip_rel_gap": 0.0,
    "threads": 1,  # one thread: deterministic, and the machine's cores serve the web requests
    "random_seed": 0,
    "time_limit": 60.0,
    # The model comes reformulated (see the docstring); HiGHS's presolve, symmetry detection and restarts
    # then cost more than they save (presolve alone doubles the time of the benchmark's round).
    "presolve": "off",
    "mip_detect_symmetry": False,
    "mip_allow_restart": False,
    # Feasibility jump and the root reduced-cost heuristic run before the root LP finds what its rounding
    # finds anyway on these models: without them the benchmark's round is solved in half the time.
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


class SolverError(RuntimeError):
    """HiGHS did not prove an optimum (time limit, numerical trouble) or returned an infeasible point."""


@dataclass(frozen=True)
class Request:
    """A request as the solver sees it. `seniority` orders requests, smaller = older (e.g. created_at rank)."""

    id: int
    sector: str
    kind: str
    urgent: bool
    seniority: int
    preferences: tuple[int, ...]
    """Measure ids, first choice first (rank = index + 1)."""

    def rank_of(self, measure_id: int) -> int:
        return self.preferences.index(measure_id) + 1


@dataclass(frozen=True)
class Instance:
    """What is left to distribute in a period, and who asks for it.

    Keys absent from `capacity` (measure, kind) or from `budget_places` / `budget_amount`
    (measure, sector) mean "no such places / no budget line": such preferences are unfit.
    Remaining values may be 0 (everything used already): then the preference is fit but blocked.
    """

    requests: tuple[Request, ...]
    active_measures: frozenset[int]
    capacity: Mapping[tuple[int, str], int]
    budget_places: Mapping[tuple[int, str], int]
    budget_amount: Mapping[tuple[int, str], int]
    """Remaining CHF in centimes."""
    cost: Mapping[tuple[int, int], int]
    """Cost in centimes of request r in measure m, keyed (r, m)."""

    def fit(self, request: Request, measure_id: int) -> bool:
        """Whether the preference is possible on its own (ignoring what others use)."""
        return (
            measure_id in self.active_measures
            and (measure_id, request.kind) in self.capacity
            and (measure_id, request.sector) in self.budget_places
            and (measure_id, request.sector) in self.budget_amount
        )

    def ordered_requests(self) -> list[Request]:
        return sorted(self.requests, key=lambda r: (r.seniority, r.id))


@dataclass(frozen=True)
class Score:
    """The lexicographic value of a solution: requests served, urgent ones served, rank gains."""

    served: int
    urgent_served: int
    rank_gain: int

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.served, self.urgent_served, self.rank_gain)


@dataclass
class Solution:
    assignment: dict[int, int]
    """request id → measure id, for served requests."""
    unserved: dict[int, str]
    """request id → reason, for every request not served."""
    score: Score
    objective: int
    """Value of the weighted objective (see the module docstring)."""
    dual_bound: float
    solve_seconds: float
    variables: int
    constraints: int
    exchanges: int = 0
    """Seniority exchanges applied after solving."""
    weights: dict[str, int] = field(default_factory=dict)
    method: str = ""
    """"milp" when a component needed branch and cut, "whole" when none did (no row could bind), "none"."""
    components: int = 0
    """Independent components that needed branch and cut."""
    largest_component: int = 0
    """Variables of the largest of them."""


@dataclass(frozen=True)
class _Model:
    """The integer program in arrays: column j is the pair `pairs[j]`, maximise `weight @ x` s.t. `matrix @ x <= upper`.

    Every coefficient and bound is an integer (stored as float for HiGHS): a 0/1 point's feasibility
    is checked exactly in integers.
    """

    pairs: list[tuple[Request, int]]
    weight: np.ndarray
    """Integer objective coefficient of each column (int64)."""
    matrix: csc_array
    upper: np.ndarray
    weights: dict[str, int]
    request_of: np.ndarray
    """Position (by seniority) of each column's request; a request's columns are consecutive, best first."""
    request_rows: int
    """The first rows are the requests' "one measure at most" rows."""

    @property
    def rows(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def constraint(self) -> LinearConstraint | None:
        """The rows as SciPy wants them (for `milp` / `linprog`), None without rows."""
        if not self.rows:
            return None
        return LinearConstraint(self.matrix, -np.inf, self.upper)


def _rank_gain(max_rank: int, rank: int) -> int:
    return max_rank - rank


def weights_for(instance: Instance, pairs: Iterable[tuple[Request, int]]) -> dict[str, int]:
    """The integer weights C (count), P (priority) and the rank span G for this instance (module docstring)."""
    servable = len({request.id for request, _m in pairs})
    return _weights(instance, servable)


def _weights(instance: Instance, servable: int) -> dict[str, int]:
    total_places = sum(max(v, 0) for v in instance.capacity.values())
    bound = max(1, min(servable, total_places))
    gain = max((len(r.preferences) for r in instance.requests), default=1) - 1
    gain = max(gain, 0)
    priority = bound * gain + 1
    count = bound * (priority + gain) + 1
    return {"C": count, "P": priority, "G": gain, "S": bound}


def score_of(instance: Instance, assignment: Mapping[int, int]) -> Score:
    by_id = {r.id: r for r in instance.requests}
    gain = max((len(r.preferences) for r in instance.requests), default=1) - 1
    served = len(assignment)
    urgent = sum(1 for rid in assignment if by_id[rid].urgent)
    ranks = sum(_rank_gain(gain + 1, by_id[rid].rank_of(m)) for rid, m in assignment.items())
    return Score(served, urgent, ranks)


def objective_of(weights: Mapping[str, int], instance: Instance, assignment: Mapping[int, int]) -> int:
    score = score_of(instance, assignment)
    return weights["C"] * score.served + weights["P"] * score.urgent_served + score.rank_gain


@dataclass(frozen=True)
class _Pairs:
    pairs: list[tuple[Request, int]]
    table: np.ndarray
    """Per pair: request position (by seniority), rank, urgent, capacity key index, sector key index, cost."""
    capacity_keys: list[tuple[int, str]]
    sector_keys: list[tuple[int, str]]


def _usable_pairs(instance: Instance, order: list[Request]) -> _Pairs:
    """Fit preferences that could hold the request alone given what remains (the others cannot be served);
    requests in `order` (by seniority), preferences by rank, keys numbered in order of appearance."""
    pairs: list[tuple[Request, int]] = []
    rows: list[tuple[int, int, int, int, int, int]] = []
    costs = instance.cost
    capacity_index: dict[tuple[int, str], int] = {}
    sector_index: dict[tuple[int, str], int] = {}
    # (kind, sector) → measure → (capacity row, sector row, CHF left), or None when the preference cannot hold
    # anyone of that kind and sector: computed once per line, not once per request.
    lines: dict[tuple[str, str], dict[int, tuple[int, int, int] | None]] = {}
    for position, request in enumerate(order):
        preferences = request.preferences
        if not preferences:
            continue
        line = lines.setdefault((request.kind, request.sector), {})
        repeated = len(set(preferences)) < len(preferences)
        urgent = int(request.urgent)
        for rank, measure_id in enumerate(preferences, start=1):
            if repeated and measure_id in preferences[: rank - 1]:
                continue  # a repeated measure keeps its first rank (`Request.rank_of`)
            if measure_id in line:
                entry = line[measure_id]
            else:
                entry = line[measure_id] = _line_entry(
                    instance, measure_id, request.kind, request.sector, capacity_index, sector_index
                )
            if entry is None:
                continue
            cost = costs.get((request.id, measure_id), 0)
            if cost > entry[2]:
                continue
            pairs.append((request, measure_id))
            rows.append((position, rank, urgent, entry[0], entry[1], cost))
    return _Pairs(
        pairs=pairs,
        table=np.array(rows, dtype=np.int64).reshape(-1, 6),
        capacity_keys=list(capacity_index),
        sector_keys=list(sector_index),
    )


def _line_entry(
    instance: Instance,
    measure_id: int,
    kind: str,
    sector: str,
    capacity_index: dict[tuple[int, str], int],
    sector_index: dict[tuple[int, str], int],
) -> tuple[int, int, int] | None:
    key_kind, key_sector = (measure_id, kind), (measure_id, sector)
    left = instance.capacity.get(key_kind)
    budget = instance.budget_places.get(key_sector)
    amount = instance.budget_amount.get(key_sector)
    if measure_id not in instance.active_measures or left is None or budget is None or amount is None:
        return None
    if left < 1 or budget < 1:
        return None
    return (
        capacity_index.setdefault(key_kind, len(capacity_index)),
        sector_index.setdefault(key_sector, len(sector_index)),
        amount,
    )


def _sector_rows(
    cost: np.ndarray,
    sector_row: np.ndarray,
    places_left: np.ndarray,
    amount_left: list[int],
    *,
    reformulate: bool,
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, int]]]:
    """The places cap of each (measure, sector) and the CHF rows (columns, integer coefficients, bound).

    Exact reformulations of a CHF line (its knapsack row is what makes the problem hard): no more requests
    than its cheapest candidates that fit the amount, which caps the places; the CHF row goes when every
    candidate costs the same (the cap *is* the constraint) or when the dearest candidates the places allow
    fit the amount anyway (the row can never bind). A remaining row is divided by the gcd of its costs
    (price x months: at least the price) and rounded down, the same on integers with small coefficients,
    and gets its Chvátal-Gomory roundings by each coefficient d (sum of floor(w / d) x <= floor(amount / d),
    valid on integers), which cut off most fractional points serving "a part" of a dear request.
    """
    sector_count = len(places_left)
    order = np.lexsort((cost, sector_row))  # by key, cheapest first
    bounds_at = np.searchsorted(sector_row[order], np.arange(sector_count + 1))
    places_cap = places_left.copy()
    rows: list[tuple[np.ndarray, np.ndarray, int]] = []
    for key in range(sector_count):
        cols = order[bounds_at[key] : bounds_at[key + 1]]
        if not len(cols):
            continue
        key_costs = cost[cols]
        amount = amount_left[key]
        if not reformulate:
            rows.append((cols, key_costs, amount))
            continue
        fitting = int(np.searchsorted(np.cumsum(key_costs), amount, side="right"))
        places_cap[key] = cap = min(int(places_cap[key]), fitting)
        if cap == 0 or key_costs[0] == key_costs[-1] or int(key_costs[-cap:].sum()) <= amount:
            continue
        gcd = int(np.gcd.reduce(key_costs))
        coefficients = key_costs // gcd
        bound = amount // gcd
        rows.append((cols, coefficients, bound))
        for divisor in np.unique(coefficients[coefficients > 1]).tolist():
            rounded = coefficients // divisor
            if int(rounded.sum()) > bound // divisor and not (rounded.max() == 1 and bound // divisor >= cap):
                rows.append((cols, rounded, bound // divisor))
    return places_cap, rows


def _build(instance: Instance, *, reformulate: bool = True, order: list[Request] | None = None) -> _Model:
    """The integer program; `reformulate=False` keeps every row as stated, CHF in centimes (benchmark cross-check).

    Built with numpy over all columns at once (a Python loop runs per preference only to read the instance).
    """
    usable = _usable_pairs(instance, order if order is not None else instance.ordered_requests())
    capacity_keys, sector_keys = usable.capacity_keys, usable.sector_keys
    weights = _weights(instance, len(np.unique(usable.table[:, 0])))
    position, rank, urgent, kind_row, sector_row, cost = usable.table.T
    weight = weights["C"] + weights["P"] * urgent + (weights["G"] + 1 - rank)
    capacity_left = np.array([instance.capacity[key] for key in capacity_keys], dtype=np.int64)
    places_left = np.array([instance.budget_places[key] for key in sector_keys], dtype=np.int64)
    amount_left = [instance.budget_amount[key] for key in sector_keys]
    pairs = usable.pairs
    columns = len(pairs)
    capacity_count, sector_count = len(capacity_keys), len(sector_keys)

    row_parts: list[np.ndarray] = []
    col_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    upper_parts: list[np.ndarray] = []
    next_row = 0

    def add_rows(row_ids: np.ndarray, cols: np.ndarray, values: np.ndarray, bounds: np.ndarray) -> None:
        """Rows numbered 0..len(bounds)-1 locally, `row_ids` per nonzero."""
        nonlocal next_row
        row_parts.append(row_ids + next_row)
        col_parts.append(cols)
        value_parts.append(values)
        upper_parts.append(bounds)
        next_row += len(bounds)

    all_cols = np.arange(columns)
    ones = np.ones(columns, dtype=np.int64)
    # One measure per request (only for requests with two usable preferences or more).
    per_request = np.bincount(position, minlength=len(instance.requests))
    multi = per_request[position] > 1
    if multi.any():
        requests_with_rows, local = np.unique(position[multi], return_inverse=True)
        add_rows(local, all_cols[multi], ones[multi], np.ones(len(requests_with_rows), dtype=np.int64))
    request_rows = next_row
    # Capacity per (measure, kind); a row that cannot bind (no more candidates than places) is left out.
    candidates = np.bincount(kind_row, minlength=capacity_count)
    keep = candidates > capacity_left if reformulate else np.ones(capacity_count, dtype=bool)
    if keep.any():
        local_of = np.cumsum(keep) - 1
        mask = keep[kind_row]
        add_rows(local_of[kind_row[mask]], all_cols[mask], ones[mask], capacity_left[keep])
    # Places and CHF per (measure, sector).
    places_cap, chf_rows = _sector_rows(cost, sector_row, places_left, amount_left, reformulate=reformulate)
    candidates = np.bincount(sector_row, minlength=sector_count)
    keep = candidates > places_cap if reformulate else candidates > 0
    if keep.any():
        local_of = np.cumsum(keep) - 1
        mask = keep[sector_row]
        add_rows(local_of[sector_row[mask]], all_cols[mask], ones[mask], places_cap[keep])
    if chf_rows:
        add_rows(
            np.repeat(np.arange(len(chf_rows)), [len(cols) for cols, _c, _b in chf_rows]),
            np.concatenate([cols for cols, _c, _b in chf_rows]),
            np.concatenate([coefficients for _c, coefficients, _b in chf_rows]),
            np.array([bound for _c, _c2, bound in chf_rows], dtype=np.int64),
        )
    if row_parts:
        matrix = csc_array(
            (
                np.concatenate(value_parts).astype(float),
                (np.concatenate(row_parts), np.concatenate(col_parts)),
            ),
            shape=(next_row, columns),
        )
        upper = np.concatenate(upper_parts).astype(float)
    else:
        matrix = csc_array((0, columns))
        upper = np.zeros(0)
    return _Model(
        pairs=pairs,
        weight=weight.astype(np.int64),
        matrix=matrix,
        upper=upper,
        weights=weights,
        request_of=position,
        request_rows=request_rows,
    )


def _check_feasible(instance: Instance, assignment: Mapping[int, int]) -> None:
    """Exact integer check of every constraint (the LP tolerances must not leak into a real allocation)."""
    by_id = {r.id: r for r in instance.requests}
    used_cap: dict[tuple[int, str], int] = defaultdict(int)
    used_places: dict[tuple[int, str], int] = defaultdict(int)
    used_amount: dict[tuple[int, str], int] = defaultdict(int)
    for rid, m in assignment.items():
        r = by_id[rid]
        if m not in r.preferences or not instance.fit(r, m):
            raise SolverError(f"request {rid} assigned to a measure it cannot take ({m})")
        used_cap[(m, r.kind)] += 1
        used_places[(m, r.sector)] += 1
        used_amount[(m, r.sector)] += instance.cost.get((rid, m), 0)
    for key, used in used_cap.items():
        if used > instance.capacity[key]:
            raise SolverError(f"capacity exceeded for {key}")
    for key, used in used_places.items():
        if used > instance.budget_places[key]:
            raise SolverError(f"sector places exceeded for {key}")
    for key, used in used_amount.items():
        if used > instance.budget_amount[key]:
            raise SolverError(f"sector CHF exceeded for {key}")


def _seniority_exchanges(instance: Instance, assignment: dict[int, int], order: list[Request] | None = None) -> int:
    """Apply the seniority post-rule in place (module docstring); return how many exchanges were made.

    Served requests are indexed by (measure, sector, kind, urgent, rank): the members of one such
    group are interchangeable for every constraint but the CHF amount, which is checked. Requests are
    visited oldest first, again until a whole pass changes nothing.
    """
    order = order if order is not None else instance.ordered_requests()
    position = {r.id: i for i, r in enumerate(order)}
    costs = instance.cost
    used_amount: dict[tuple[int, str], int] = defaultdict(int)
    groups: dict[tuple[int, str, str, bool, int], list[int]] = defaultdict(list)  # positions, oldest first
    for rid, m in assignment.items():
        r = order[position[rid]]
        used_amount[(m, r.sector)] += costs.get((rid, m), 0)
        groups[(m, r.sector, r.kind, r.urgent, r.rank_of(m))].append(position[rid])
    for members in groups.values():
        members.sort()
    # A group only ever swaps an older member for a younger one: its key set is fixed. So each request's
    # preferences that lead to a group are found once: (position, request, [(group, measure, cost)]).
    candidates: list[tuple[int, Request, list[tuple[list[int], int, int]]]] = []
    for index, request in enumerate(order):
        entries = []
        for m in request.preferences:
            group = groups.get((m, request.sector, request.kind, request.urgent, request.rank_of(m)))
            if group is not None:
                entries.append((group, m, costs.get((request.id, m), 0)))
        if entries:
            candidates.append((index, request, entries))
    amounts = instance.budget_amount
    exchanges = 0
    changed = True
    while changed:
        changed = False
        for older_position, older, entries in candidates:
            if older.id in assignment:
                continue
            for members, m, older_cost in entries:
                if not members or members[-1] <= older_position:
                    continue
                key = (m, older.sector)
                for index in range(len(members) - 1, -1, -1):  # the youngest first
                    if members[index] <= older_position:
                        break
                    younger = order[members[index]]
                    delta = older_cost - costs.get((younger.id, m), 0)
                    if used_amount[key] + delta > amounts[key]:
                        continue
                    del members[index]
                    bisect.insort(members, older_position)
                    del assignment[younger.id]
                    assignment[older.id] = m
                    used_amount[key] += delta
                    exchanges += 1
                    changed = True
                    break
                if older.id in assignment:
                    break
    return exchanges


def reasons_for_unserved(
    instance: Instance, assignment: Mapping[int, int], requests: Iterable[Request] | None = None
) -> dict[int, str | None]:
    """The reason each unserved request (of `requests`, default all) is not served, by the rule of the docstring.

    None means the request could be served as things stand (only after manual adjustments).
    """
    by_id = {r.id: r for r in instance.requests}
    costs = instance.cost
    used_cap: dict[tuple[int, str], int] = defaultdict(int)
    used_places: dict[tuple[int, str], int] = defaultdict(int)
    used_amount: dict[tuple[int, str], int] = defaultdict(int)
    for rid, m in assignment.items():
        r = by_id[rid]
        used_cap[(m, r.kind)] += 1
        used_places[(m, r.sector)] += 1
        used_amount[(m, r.sector)] += costs.get((rid, m), 0)
    # What is left per (measure, kind) and (measure, sector); None for a preference that is unfit.
    capacity_room = {key: left - used_cap[key] >= 1 for key, left in instance.capacity.items()}
    places_room = {key: left - used_places[key] for key, left in instance.budget_places.items()}
    amount_room = {key: left - used_amount[key] for key, left in instance.budget_amount.items()}
    active = instance.active_measures
    reasons: dict[int, str | None] = {}
    for request in requests if requests is not None else instance.requests:
        if request.id in assignment:
            continue
        reason: str | None = NO_FEASIBLE_PREFERENCE
        for m in request.preferences:
            key_kind, key_sector = (m, request.kind), (m, request.sector)
            room = capacity_room.get(key_kind)
            if m not in active or room is None or key_sector not in places_room or key_sector not in amount_room:
                continue  # unfit
            if reason == NO_FEASIBLE_PREFERENCE:
                reason = NO_CAPACITY
            if not room:
                continue
            if places_room[key_sector] < 1 or amount_room[key_sector] < costs.get((request.id, m), 0):
                reason = SECTOR_BUDGET
                break
            reason = None  # a place and the budget are there: servable
        reasons[request.id] = reason
    return reasons


def _branch_and_cut(weight: np.ndarray, matrix: csc_array, upper: np.ndarray) -> tuple[np.ndarray, float]:
    """Maximise `weight @ x` s.t. `matrix @ x <= upper`, x in {0, 1}, with HiGHS's branch and cut
    (`mip_rel_gap = 0`): the optimal point and HiGHS's proven bound (equal to its value)."""
    columns = len(weight)
    highs = highspy.Highs()
    for option, value in HIGHS_OPTIONS.items():
        highs.setOptionValue(option, value)
    lp = highspy.HighsLp()
    lp.num_col_ = columns
    lp.num_row_ = int(matrix.shape[0])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = weight.astype(float)
    lp.col_lower_ = np.zeros(columns)
    lp.col_upper_ = np.ones(columns)
    lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * columns
    highs.passModel(lp)
    if highs.run() == highspy.HighsStatus.kError and highs.getModelStatus() == highspy.HighsModelStatus.kNotset:
        # Another HiGHS user in this process started the thread pool with more threads than ours.
        highspy.Highs.resetGlobalScheduler(True)
        highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS: {highs.modelStatusToString(status)}")
    x = np.asarray(highs.getSolution().col_value, dtype=float) > 0.5
    return x, float(highs.getInfo().mip_dual_bound)


def _fits(matrix: csc_array, upper: np.ndarray, chosen: np.ndarray) -> bool:
    """Exact check of integer rows for the 0/1 columns `chosen` (boolean mask)."""
    return bool(np.all(np.rint(matrix @ chosen.astype(float)) <= upper))


def _components(matrix: csc_array) -> tuple[int, np.ndarray]:
    """Connected components of the columns (two columns are connected when they share a row); the labels
    depend only on the model (its column and row order), so the components are solved in a fixed order."""
    rows, columns = matrix.shape
    incidence = matrix.tocoo()
    graph = coo_array(
        (np.ones(incidence.nnz), (incidence.col, incidence.row + columns)), shape=(columns + rows, columns + rows)
    )
    count, labels = connected_components(graph, directed=False)
    return count, labels[:columns]


@dataclass(frozen=True)
class _Optimum:
    chosen: np.ndarray
    """The optimal 0/1 point (boolean per column)."""
    bound: float
    """The proven upper bound: HiGHS's bound per component, plus the weight of the components without branching."""
    method: str
    components: int
    """Components that needed branch and cut."""
    largest: int
    """Columns of the largest of them."""


def _optimum(model: _Model) -> _Optimum:
    """The optimum, component by component.

    The problem splits into independent components (requests linked through shared capacity, places or
    CHF rows, or through one request's preferences): the optimum is the union of the components' optima.
    In a component where every capacity, places and CHF row holds all its columns at once, each request
    simply takes its best preference (its first column: every weight is positive and the first rank weighs
    most). The other components go to HiGHS's branch and cut with `mip_rel_gap = 0`, which proves their
    optimum (its dual bound equals it).
    """
    weight = model.weight
    count, labels = _components(model.matrix)
    binding = np.rint(model.matrix @ np.ones(len(weight))) > model.upper
    binding[: model.request_rows] = False
    by_row = model.matrix.tocsr()
    row_label = labels[by_row.indices[by_row.indptr[:-1]]]  # every row has a column (built so)
    constrained = np.zeros(count, dtype=bool)
    constrained[row_label[binding]] = True
    first = np.ones(len(weight), dtype=bool)
    first[1:] = model.request_of[1:] != model.request_of[:-1]
    chosen = first & ~constrained[labels]
    bound = float(weight[chosen].sum())
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(count + 1))
    solved, largest = 0, 0
    for component in np.flatnonzero(constrained).tolist():
        members = order[starts[component] : starts[component + 1]]
        rows_of = model.matrix[:, members].tocsr()
        live = np.flatnonzero(np.diff(rows_of.indptr) > 0)
        x, component_bound = _branch_and_cut(weight[members], csc_array(rows_of[live].tocsc()), model.upper[live])
        chosen[members[x]] = True
        bound += component_bound
        solved += 1
        largest = max(largest, len(members))
    return _Optimum(
        chosen=chosen, bound=bound, method="milp" if solved else "whole", components=solved, largest=largest
    )


def solve(instance: Instance) -> Solution:
    """The optimal allocation of `instance` (module docstring); raises `SolverError` if no optimum is proven."""
    started = time.perf_counter()
    order = instance.ordered_requests()
    model = _build(instance, order=order)
    assignment: dict[int, int] = {}
    dual_bound = 0.0
    method = "none"
    objective = 0
    components = largest = 0
    if model.pairs:
        optimum = _optimum(model)
        chosen, dual_bound, method = optimum.chosen, optimum.bound, optimum.method
        components, largest = optimum.components, optimum.largest
        if not _fits(model.matrix, model.upper, chosen):
            raise SolverError("the solution breaks a row of the model")
        objective = int(model.weight[chosen].sum())
        if objective < math.floor(dual_bound + 1e-6):
            raise SolverError(f"optimum not proven: {objective} < {dual_bound}")
        for col in np.flatnonzero(chosen).tolist():
            request, measure_id = model.pairs[col]
            assignment[request.id] = measure_id
    exchanges = _seniority_exchanges(instance, assignment, order)
    _check_feasible(instance, assignment)
    reasons = reasons_for_unserved(instance, assignment)
    unexplained = [rid for rid, reason in reasons.items() if reason is None]
    if unexplained:
        raise SolverError(f"requests left unserved although servable: {unexplained[:5]}")
    elapsed = time.perf_counter() - started
    score = score_of(instance, assignment)
    return Solution(
        assignment=assignment,
        unserved={rid: reason for rid, reason in reasons.items() if reason is not None},
        score=score,
        objective=model.weights["C"] * score.served + model.weights["P"] * score.urgent_served + score.rank_gain,
        dual_bound=dual_bound,
        solve_seconds=elapsed,
        variables=len(model.pairs),
        constraints=model.rows,
        exchanges=exchanges,
        weights=model.weights,
        method=method,
        components=components,
        largest_component=largest,
    )


def plain_milp_objective(instance: Instance) -> int:
    """The optimum found by SciPy's `milp` (its own copy of HiGHS, branch and cut from scratch) on the model
    *without* the reformulations, cuts and fixings (a second method, to cross-check `solve`); same weights."""
    model = _build(instance, reformulate=False)
    if not model.pairs:
        return 0
    result = milp(
        -model.weight.astype(float),
        integrality=np.ones(len(model.pairs)),
        bounds=Bounds(0, 1),
        constraints=[model.constraint] if model.constraint is not None else None,
        options={"presolve": True, "mip_rel_gap": 0.0, "disp": False, "time_limit": 600.0},
    )
    if result.status != 0 or result.x is None:
        raise SolverError(f"HiGHS (plain model): {result.message}")
    return round(-float(result.fun))


def relaxation_bound(instance: Instance) -> float:
    """The optimum of the LP relaxation (0 <= x <= 1) with the same weights: an upper bound of the objective."""
    model = _build(instance)
    if not model.pairs:
        return 0.0
    result = milp(
        -model.weight.astype(float),
        integrality=np.zeros(len(model.pairs)),
        bounds=Bounds(0, 1),
        constraints=[model.constraint] if model.constraint is not None else None,
        options={"presolve": True, "disp": False},
    )
    if result.status != 0:
        raise SolverError(f"HiGHS (relaxation): {result.message}")
    return -float(result.fun)
