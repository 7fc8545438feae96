"""The allocation engine against brute force on small random instances, and its contracts."""

import itertools
import random

import pytest

from measures import solver
from measures.solver import Instance, Request, Score, score_of, solve

SECTORS = ("laci", "smig")
KINDS = ("professional", "occupation")


def random_instance(seed: int) -> Instance:
    """5-7 requests, 2-3 measures, 2 sectors, tight capacities and budgets so that choices matter."""
    rng = random.Random(seed)
    measures = list(range(1, rng.randint(2, 3) + 1))
    requests = []
    for rid in range(1, rng.randint(5, 7) + 1):
        preferences = tuple(rng.sample(measures, rng.randint(1, len(measures))))
        requests.append(
            Request(
                id=rid,
                sector=rng.choice(SECTORS),
                kind=rng.choice(KINDS),
                urgent=rng.random() < 0.3,
                seniority=rng.randint(0, 3),  # equal seniorities happen: ties fall back on the id
                preferences=preferences,
            )
        )
    capacity = {(m, k): rng.randint(0, 2) for m in measures for k in KINDS if rng.random() < 0.85}
    budget_places = {(m, s): rng.randint(0, 3) for m in measures for s in SECTORS if rng.random() < 0.85}
    budget_amount = {key: rng.choice((0, 100_000, 250_000, 400_000, 10**9)) for key in budget_places}
    cost = {(r.id, m): rng.choice((90_000, 120_000, 150_000)) for r in requests for m in measures}
    return Instance(
        requests=tuple(requests),
        active_measures=frozenset(m for m in measures if rng.random() < 0.9),
        capacity=capacity,
        budget_places=budget_places,
        budget_amount=budget_amount,
        cost=cost,
    )


def feasible(instance: Instance, assignment: dict[int, int]) -> bool:
    try:
        solver._check_feasible(instance, assignment)
    except solver.SolverError:
        return False
    return True


def brute_force_best(instance: Instance) -> Score:
    """Every assignment of each request to one of its preferences or to nothing; the best lexicographic score."""
    options = [[None, *r.preferences] for r in instance.requests]
    best = Score(0, 0, 0)
    for choice in itertools.product(*options):
        assignment = {r.id: m for r, m in zip(instance.requests, choice, strict=True) if m is not None}
        if feasible(instance, assignment):
            best = max(best, score_of(instance, assignment), key=Score.as_tuple)
    return best


SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_is_as_good_as_the_brute_force_optimum(seed):
    instance = random_instance(seed)

    solution = solve(instance)

    assert solution.score == brute_force_best(instance)
    assert solution.objective == solver.objective_of(solution.weights, instance, solution.assignment)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_never_exceeds_a_capacity_or_a_budget_and_explains_every_unserved_request(seed):
    instance = random_instance(seed)

    solution = solve(instance)

    assert feasible(instance, solution.assignment)
    assert set(solution.assignment) | set(solution.unserved) == {r.id for r in instance.requests}
    assert not set(solution.assignment) & set(solution.unserved)
    assert set(solution.unserved.values()) <= {solver.NO_CAPACITY, solver.SECTOR_BUDGET, solver.NO_FEASIBLE_PREFERENCE}


@pytest.mark.parametrize("seed", range(10))
def test_it_gives_the_same_answer_every_time(seed):
    instance = random_instance(seed)

    runs = [solve(instance) for _ in range(3)]

    assert all(run.assignment == runs[0].assignment for run in runs)
    assert all(run.unserved == runs[0].unserved for run in runs)


def instance_of(requests, *, capacity=None, places=None, amount=None, cost=None, active=(1, 2, 3)):
    return Instance(
        requests=tuple(requests),
        active_measures=frozenset(active),
        capacity=capacity if capacity is not None else {(1, "professional"): 1},
        budget_places=places if places is not None else {(1, "laci"): 5},
        budget_amount=amount if amount is not None else {(1, "laci"): 10**9},
        cost=cost or {},
    )


def test_serving_one_more_request_beats_giving_someone_their_first_choice():
    # A takes measure 1 (its first choice) or 2; B only wants 1. The greedy answer (A in 1) serves one.
    a = Request(id=1, sector="laci", kind="professional", urgent=True, seniority=0, preferences=(1, 2))
    b = Request(id=2, sector="laci", kind="professional", urgent=False, seniority=1, preferences=(1,))
    instance = instance_of(
        [a, b],
        capacity={(1, "professional"): 1, (2, "professional"): 1},
        places={(1, "laci"): 1, (2, "laci"): 1},
        amount={(1, "laci"): 10**9, (2, "laci"): 10**9},
    )

    solution = solve(instance)

    assert solution.assignment == {1: 2, 2: 1}


def test_an_urgent_request_beats_a_normal_one_for_the_last_place():
    normal = Request(id=1, sector="laci", kind="professional", urgent=False, seniority=0, preferences=(1,))
    urgent = Request(id=2, sector="laci", kind="professional", urgent=True, seniority=1, preferences=(1,))

    solution = solve(instance_of([normal, urgent]))

    assert solution.assignment == {2: 1}
    assert solution.unserved == {1: solver.NO_CAPACITY}


def test_the_older_request_gets_the_last_place_when_everything_else_is_equal():
    requests = [
        Request(id=rid, sector="laci", kind="professional", urgent=False, seniority=seniority, preferences=(1,))
        for rid, seniority in ((1, 5), (2, 1), (3, 3))
    ]

    solution = solve(instance_of(requests))

    assert solution.assignment == {2: 1}


def test_the_reasons_tell_capacity_budget_and_impossible_preferences_apart():
    full = Request(id=1, sector="laci", kind="professional", urgent=True, seniority=0, preferences=(1,))
    no_capacity = Request(id=2, sector="laci", kind="professional", urgent=False, seniority=1, preferences=(1,))
    no_money = Request(id=3, sector="smig", kind="professional", urgent=False, seniority=2, preferences=(2,))
    impossible = Request(id=4, sector="smig", kind="occupation", urgent=False, seniority=3, preferences=(1, 3))
    instance = instance_of(
        [full, no_capacity, no_money, impossible],
        capacity={(1, "professional"): 1, (2, "professional"): 4, (3, "occupation"): 2},
        places={(1, "laci"): 3, (2, "smig"): 3, (3, "smig"): 1},
        amount={(1, "laci"): 10**9, (2, "smig"): 50_000, (3, "smig"): 10**9},
        cost={(3, 2): 150_000},
        active=(1, 2),  # measure 3 is not active in the period
    )

    solution = solve(instance)

    assert solution.assignment == {1: 1}
    assert solution.unserved == {
        2: solver.NO_CAPACITY,
        3: solver.SECTOR_BUDGET,
        4: solver.NO_FEASIBLE_PREFERENCE,
    }


def test_an_instance_without_any_possible_place_has_no_variables():
    lonely = Request(id=1, sector="sas", kind="professional", urgent=False, seniority=0, preferences=())

    solution = solve(instance_of([lonely]))

    assert solution.variables == 0
    assert solution.unserved == {1: solver.NO_FEASIBLE_PREFERENCE}


@pytest.mark.parametrize("seed", range(20))
def test_the_relaxation_bound_is_never_below_the_integer_optimum(seed):
    instance = random_instance(seed)

    solution = solve(instance)

    assert solver.relaxation_bound(instance) >= solution.objective - 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_no_unserved_request_could_be_added_to_the_solution(seed):
    instance = random_instance(seed)

    solution = solve(instance)

    for request in instance.requests:
        if request.id in solution.unserved:
            for measure in request.preferences:
                assert not feasible(instance, {**solution.assignment, request.id: measure})


def shifted(instance: Instance, *, by: int) -> Instance:
    """The same instance with request and measure ids moved by `by` (a disjoint copy)."""
    return Instance(
        requests=tuple(
            Request(
                id=r.id + by,
                sector=r.sector,
                kind=r.kind,
                urgent=r.urgent,
                seniority=r.seniority,
                preferences=tuple(m + by for m in r.preferences),
            )
            for r in instance.requests
        ),
        active_measures=frozenset(m + by for m in instance.active_measures),
        capacity={(m + by, k): v for (m, k), v in instance.capacity.items()},
        budget_places={(m + by, s): v for (m, s), v in instance.budget_places.items()},
        budget_amount={(m + by, s): v for (m, s), v in instance.budget_amount.items()},
        cost={(r + by, m + by): v for (r, m), v in instance.cost.items()},
    )


def union(first: Instance, second: Instance) -> Instance:
    return Instance(
        requests=first.requests + second.requests,
        active_measures=first.active_measures | second.active_measures,
        capacity={**first.capacity, **second.capacity},
        budget_places={**first.budget_places, **second.budget_places},
        budget_amount={**first.budget_amount, **second.budget_amount},
        cost={**first.cost, **second.cost},
    )


@pytest.mark.parametrize("seed", range(20))
def test_independent_groups_are_solved_apart_and_their_optima_add_up(seed):
    first, second = random_instance(seed), shifted(random_instance(seed + 100), by=1000)
    both = union(first, second)

    together = solve(both)

    expected = Score(0, 0, 0)
    for part in (first, second):
        best = brute_force_best(part)
        # Rank gains count from the longest preference list, which may be longer in the union.
        shift = max(len(r.preferences) for r in both.requests) - max(len(r.preferences) for r in part.requests)
        expected = Score(
            expected.served + best.served,
            expected.urgent_served + best.urgent_served,
            expected.rank_gain + best.rank_gain + shift * best.served,
        )
    assert together.score == expected
    assert together.components <= 2
    assert feasible(both, together.assignment)


def test_a_group_where_everyone_fits_is_taken_whole_without_branch_and_cut():
    requests = [
        Request(id=rid, sector="laci", kind="professional", urgent=False, seniority=rid, preferences=(1, 2))
        for rid in range(1, 4)
    ]
    instance = instance_of(
        requests,
        capacity={(1, "professional"): 5, (2, "professional"): 5},
        places={(1, "laci"): 5, (2, "laci"): 5},
        amount={(1, "laci"): 10**9, (2, "laci"): 10**9},
    )

    solution = solve(instance)

    assert solution.method == "whole"
    assert solution.components == 0
    assert solution.assignment == {1: 1, 2: 1, 3: 1}


def large_instance(seed: int) -> Instance:
    """A round like the benchmark's, smaller: 300 requests over 12 measures, one CHF line in five short."""
    rng = random.Random(seed)
    sectors, kinds = ("laci", "mip", "sas", "smig", "oai"), ("occupation", "socio_professional", "professional")
    measures = range(1, 13)
    price = {m: rng.choice((900, 1200, 1500, 1800, 2400)) * 100 for m in measures}
    capacity = {(m, k): rng.randint(2, 8) for m in measures for k in kinds if rng.random() < 0.7}
    places, amount = {}, {}
    for m in measures:
        for s in sectors:
            if rng.random() < 0.8:
                places[(m, s)] = rng.randint(1, 5)
                amount[(m, s)] = price[m] * places[(m, s)] * (12 if rng.random() < 0.8 else rng.randint(7, 11))
    requests, cost = [], {}
    for rid in range(1, 301):
        months = rng.choice((12, 12, 12, 9, 6, 3))
        request = Request(
            id=rid,
            sector=rng.choice(sectors),
            kind=rng.choice(kinds),
            urgent=rng.random() < 0.2,
            seniority=rid,
            preferences=tuple(rng.sample(list(measures), rng.randint(1, 3))),
        )
        requests.append(request)
        cost.update({(rid, m): price[m] * months for m in request.preferences})
    return Instance(
        requests=tuple(requests),
        active_measures=frozenset(measures),
        capacity=capacity,
        budget_places=places,
        budget_amount=amount,
        cost=cost,
    )


@pytest.mark.parametrize("seed", range(5))
def test_the_reformulated_model_has_the_optimum_of_the_model_as_stated(seed):
    instance = large_instance(seed)

    solution = solve(instance)

    assert solution.objective == solver.plain_milp_objective(instance)
    assert solution.objective == round(solution.dual_bound)
    assert feasible(instance, solution.assignment)
