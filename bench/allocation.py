"""Benchmark: an allocation round of 5 000 waiting requests over 50 measures and 5 sectors.

Generates (once) a canton of 50 measures with places of the three kinds, budget lines for
five sectors, some placements already running and 5 000 waiting requests with one to three
ranked preferences (urgent one in five; a quarter wish to start later in the year), in the
PostgreSQL database of DATABASE_URL. Then it times, median of --runs runs:

* end to end from the database: `round_propose(simulate=True)` (reading requests, preferences,
  capacities, budgets, loans and placements, building the instance, solving, building the lines),
  and the real proposal (the same plus writing the 5 000 lines), rolled back after each run;
* the solver alone: `measures.solver.solve` on the instance already built.

Optimality is checked twice: HiGHS's proof (per independent component, `mip_rel_gap = 0`: the
objective equals the proven bound), and a second method: the same instance without the solver's
exact reformulations (every CHF row kept in centimes, no cut, no component split) solved from scratch
by SciPy's `milp` (its own copy of HiGHS, with presolve), whose optimum must be the same.
Capacities and budgets are re-checked exactly in integers. The load average of the machine is
printed before and after (other processes share its two cores).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cii_bench_allocation .venv/bin/python bench/allocation.py

Goal of issue 4: solver under 0.1 s, end to end under 0.5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import visible_cases as canton  # noqa: E402  (sets Django up)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cii_platform.accounts.models import Role, User  # noqa: E402
from cii_platform.accounts.services import account_create  # noqa: E402
from cii_platform.partners.models import PartnerService  # noqa: E402
from measures import solver  # noqa: E402
from measures.models import (  # noqa: E402
    AllocationRound,
    Branch,
    BudgetYear,
    Measure,
    MeasureCapacity,
    PlaceKind,
    Placement,
    PlacePreference,
    PlaceRequest,
    Provider,
    RequestPriority,
    SectorBudget,
    Typology,
)
from measures.services import allocation  # noqa: E402

YEAR = 2031
PERIOD = (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
SECTORS = ("laci", "mip", "sas", "smig", "oai")
SECTOR_SERVICE = {"laci": "semp", "mip": "semp", "sas": "saso", "smig": "smig", "oai": "oai"}
KINDS = (PlaceKind.OCCUPATION, PlaceKind.SOCIO_PROFESSIONAL, PlaceKind.PROFESSIONAL)
MEMBER = "bench.coordination"


def ensure_member() -> User:
    existing = User.objects.filter(username=MEMBER).first()
    if existing is not None:
        return existing
    return account_create(
        username=MEMBER,
        first_name="Banc",
        last_name="Coordination",
        email="bench.coordination@example.ch",
        service=PartnerService.objects.get(code="semp"),
        office=None,
        roles=(Role.COORDINATION_GROUP,),
        password="bench-only-password",  # noqa: S106
    )


def populate(*, requests: int, measures: int, seed: int, member: User) -> None:
    """The canton of the benchmark, generated once (deterministic for a seed)."""
    if PlaceRequest.objects.filter(reference__startswith="BA").count() == requests:
        return
    canton.log(f"Generating {measures} measures and {requests} requests …")
    rng = random.Random(seed)
    PlacePreference.objects.filter(request__reference__startswith="BA").delete()
    Placement.objects.filter(request__reference__startswith="BA").delete()
    AllocationRound.objects.filter(period_start__year=YEAR).delete()
    PlaceRequest.objects.filter(reference__startswith="BA").delete()
    services = {s.code: s for s in PartnerService.objects.all()}
    provider, _created = Provider.objects.get_or_create(name="Prestataire du banc d'essai")
    branch, _created = Branch.objects.get_or_create(code="banc", defaults={"name": "Banc d'essai"})
    budget_year, _created = BudgetYear.objects.get_or_create(year=YEAR)
    rows = []
    for index in range(measures):
        measure, _created = Measure.objects.get_or_create(
            code=f"banc-{index:02d}",
            defaults={
                "name": f"Atelier de banc {index:02d}",
                "provider": provider,
                "branch": branch,
                "typology": Typology.QUALIFICATION,
                "price_per_place_month": Decimal(rng.choice((900, 1200, 1500, 1800, 2400))),
                "active_from": dt.date(2020, 1, 1),
            },
        )
        rows.append(measure)
    MeasureCapacity.objects.filter(measure__in=rows, year=YEAR).delete()
    SectorBudget.objects.filter(measure__in=rows, year=budget_year).delete()
    capacities, budgets = [], []
    for measure in rows:
        for kind in KINDS:
            if rng.random() < 0.7:
                capacities.append(
                    MeasureCapacity(measure=measure, year=YEAR, place_kind=kind, places=rng.randint(8, 30))
                )
        for sector in SECTORS:
            if rng.random() < 0.8:
                places = rng.randint(4, 20)
                # Most lines buy their places for the whole year; one in five is short of CHF.
                months = 12 if rng.random() < 0.8 else rng.randint(7, 11)
                budgets.append(
                    SectorBudget(
                        year=budget_year,
                        measure=measure,
                        sector=sector,
                        places=places,
                        amount=measure.price_per_place_month * places * months,
                        updated_by=member,
                    )
                )
    MeasureCapacity.objects.bulk_create(capacities)
    SectorBudget.objects.bulk_create(budgets)
    requests_rows, preferences = [], []
    starts = [PERIOD[0]] * 9 + [dt.date(YEAR, month, 1) for month in (4, 7, 10)]
    for number in range(requests):
        sector = rng.choice(SECTORS)
        requests_rows.append(
            PlaceRequest(
                reference=f"BA{number:07d}",
                pseudonym=f"Personne banc {number}",
                requested_by=member,
                service=services[SECTOR_SERVICE[sector]],
                sector=sector,
                place_kind=rng.choice(KINDS),
                priority=RequestPriority.URGENT if rng.random() < 0.2 else RequestPriority.NORMAL,
                desired_start=rng.choice(starts),
            )
        )
    PlaceRequest.objects.bulk_create(requests_rows, batch_size=2000)
    created = timezone.now() - dt.timedelta(days=400)
    with connection.cursor() as cursor:  # spread the ages: the oldest request first
        cursor.execute(
            "UPDATE measures_placerequest SET created_at = %s + (id * interval '1 hour') WHERE reference LIKE 'BA%%'",
            [created],
        )
    for request in PlaceRequest.objects.filter(reference__startswith="BA"):
        for rank, measure in enumerate(rng.sample(rows, rng.randint(1, 3)), start=1):
            preferences.append(PlacePreference(request=request, rank=rank, measure=measure))
    PlacePreference.objects.bulk_create(preferences, batch_size=5000)
    # A few placements already running take places and CHF.
    running = []
    for request in PlaceRequest.objects.filter(reference__startswith="BA").order_by("id")[: requests // 50]:
        measure = rng.choice(rows)
        running.append(
            Placement(
                request=request,
                measure=measure,
                sector=request.sector,
                place_kind=request.place_kind,
                starts_on=dt.date(YEAR - 1, 9, 1),
                planned_end_on=dt.date(YEAR, 6, 30),
                status=Placement.Status.ACTIVE,
                price_per_month=measure.price_per_place_month,
                created_by=member,
            )
        )
    Placement.objects.bulk_create(running)
    PlaceRequest.objects.filter(pk__in=[p.request_id for p in running]).update(status=PlaceRequest.Status.PLACED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--measures", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        canton.log("Run it against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
        return 1
    canton.ensure_database()
    call_command("migrate", verbosity=0)
    canton.ensure_people()
    member = ensure_member()
    populate(requests=args.requests, measures=args.measures, seed=args.seed, member=member)
    round_ = AllocationRound.objects.filter(period_start=PERIOD[0], status=AllocationRound.Status.OPEN).first()
    if round_ is None:
        round_ = allocation.round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=member)

    def simulate() -> allocation.RoundResult:
        return allocation.round_propose(round=round_, by=member, simulate=True)

    def propose() -> None:
        with transaction.atomic():
            allocation.round_propose(round=round_, by=member)
            transaction.set_rollback(True)
        round_.refresh_from_db()

    requests = allocation._candidate_requests(round_)
    measures = allocation._measures_of(requests)
    remaining = allocation.remaining_for_period(
        period_start=PERIOD[0], period_end=PERIOD[1], measure_ids=measures.keys()
    )
    instance = allocation.build_instance(
        requests=requests, period_start=PERIOD[0], period_end=PERIOD[1], remaining=remaining, measures=measures
    )
    solution = solver.solve(instance)
    solver._check_feasible(instance, solution.assignment)
    relaxation = solver.relaxation_bound(instance)
    canton.log("Cross-check: the plain model (no reformulation) by branch and cut …")
    started = time.perf_counter()
    plain = solver.plain_milp_objective(instance)
    plain_s = time.perf_counter() - started
    optimal = solution.objective == math.floor(solution.dual_bound + 1e-6) and solution.objective == plain
    load_before = os.getloadavg()
    solver_ms = median_ms(lambda: solver.solve(instance), args.runs)
    simulate_ms = median_ms(simulate, args.runs)
    propose_ms = median_ms(propose, max(3, args.runs // 2))
    load_after = os.getloadavg()
    usable = sum(1 for r in instance.requests for m in r.preferences if instance.fit(r, m))
    served = solution.score.served
    reasons: dict[str, int] = {}
    for reason in solution.unserved.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    print(f"\n{len(instance.requests)} waiting requests, {args.measures} measures, {len(SECTORS)} sectors")
    print(
        f"served {served} (urgent {solution.score.urgent_served}, rank gain {solution.score.rank_gain}); "
        f"unserved: {reasons}; {usable} fit preferences, {solution.variables} variables, "
        f"{solution.constraints} rows; {solution.components} component(s) solved by branch and cut "
        f"(largest {solution.largest_component} variables); {solution.exchanges} seniority exchanges; "
        f"median of {args.runs} runs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after\n"
    )
    print("| measured | median (ms) | goal (ms) |")
    print("|---|---:|---:|")
    print(f"| solver alone (`solver.solve`) | {solver_ms:.1f} | 100 |")
    print(f"| end to end, simulation (`round_propose(simulate=True)`) | {simulate_ms:.1f} | 500 |")
    print(f"| end to end, proposal writing {len(requests)} lines | {propose_ms:.1f} | — |")
    print(
        f"\nOptimality: objective {solution.objective}; HiGHS's proven bound {solution.dual_bound:.1f}; "
        f"the plain model solved by SciPy's milp ({plain_s:.1f} s): {plain}; "
        f"LP relaxation bound {relaxation:.1f}: {'OPTIMAL' if optimal else 'NOT PROVEN'}; "
        "capacities and budgets checked exactly in integers."
    )
    return 0 if optimal else 1


if __name__ == "__main__":
    sys.exit(main())
