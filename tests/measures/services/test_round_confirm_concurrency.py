"""Two members confirm two rounds competing for the same last places at the same moment: one wins, none overbooks.

Runs on the real PostgreSQL (real transactions, row locks); skipped without DATABASE_URL,
which CI forbids (CII_FORBID_SKIPS).
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from measures.models import AllocationRound, Placement
from measures.services.allocation import round_confirm, round_open, round_propose
from tests.measures.allocation_builders import PERIOD, measure_with_budget, place_request


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_never_overbook(coordination_member, orp_counsellor, ssr_social_worker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks between two real transactions; CI runs it on PostgreSQL")
    measure = measure_with_budget(by=coordination_member, places=2, sector_places={"laci": 2, "sas": 2})
    rounds = []
    for caseworker, sector in ((orp_counsellor, "laci"), (ssr_social_worker, "sas")):
        # The second round's urgent SAS requests take the two places the first round gave to LACI.
        for _ in range(2):
            place_request(by=caseworker, preferences=[measure], sector=sector, urgent=sector == "sas")
        round_ = round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=coordination_member)
        round_propose(round=round_, by=coordination_member)
        round_.refresh_from_db()
        rounds.append(round_)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(round_: AllocationRound) -> None:
        try:
            barrier.wait(timeout=10)
            round_confirm(round=round_, by=coordination_member, expected_version=round_.version)
            outcomes.append("confirmed")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(round_,)) for round_ in rounds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["confirmed", "refused"]
    assert Placement.objects.filter(measure=measure).count() == 2
    assert AllocationRound.objects.filter(status=AllocationRound.Status.CONFIRMED).count() == 1
