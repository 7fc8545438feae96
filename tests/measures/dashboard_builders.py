"""The month prepared by hand for the dashboard tests (April 2026, 30 days) and its expected figures.

Measure A (CHF 1'500 a month, 10 professional places): LACI budgets 4 places, SAS 2;
LACI lends SAS 1 place from 10.04 to 30.06 (agreed), and proposes 2 to MIP (not
agreed: no effect). Measure B (CHF 3'000, 5 socio-professional places): SMIG budgets 3.

Placements in April: A/LACI from 05.01 (whole month: 1 place, CHF 1'500) and from
16.04 (15 days: 0.5, CHF 750); A/SAS ended 10.04 (10 days: 1/3, CHF 500); B/SMIG
planned to end 20.04 and not ended (20 days: 2/3, CHF 2'000). Not counted: a
cancelled one, one ended 31.03, one starting 01.05.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from measures.models import BudgetYear, PlaceKind, PlaceLoan, Placement
from tests.measures.factories import budget
from tests.measures.placement_builders import ask, offer, placement_row

APRIL = dt.date(2026, 4, 1)


def prepare_april(*, orp, ssr, smig, member) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    a = offer(name="A · horlogerie", places=10, price="1500.00")
    b = offer(name="B · cuisine", places=5, kind=PlaceKind.SOCIO_PROFESSIONAL, price="3000.00")
    budget(measure=a, year=2026, sector="laci", places=4, amount=Decimal("72000.00"), by=member)
    budget(measure=a, year=2026, sector="sas", places=2, amount=Decimal("36000.00"), by=member)
    budget(measure=b, year=2026, sector="smig", places=3, amount=Decimal("108000.00"), by=member)
    year = BudgetYear.objects.get(year=2026)
    now = timezone.now()
    PlaceLoan.objects.create(
        year=year,
        measure=a,
        from_sector="laci",
        to_sector="sas",
        proposer_sector="laci",
        places=1,
        starts_on=dt.date(2026, 4, 10),
        ends_on=dt.date(2026, 6, 30),
        status=PlaceLoan.Status.AGREED,
        proposed_by=member,
        answered_by=member,
        answered_at=now,
    )
    PlaceLoan.objects.create(
        year=year,
        measure=a,
        from_sector="laci",
        to_sector="mip",
        proposer_sector="laci",
        places=2,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 30),
        proposed_by=member,
    )
    laci = ask(orp, a, pseudonym="L-1")
    sas = ask(ssr, a, sector="sas", pseudonym="S-1")
    smig = ask(smig, b, sector="smig", kind=PlaceKind.SOCIO_PROFESSIONAL, pseudonym="M-1")
    placement_row(laci, a, starts_on=dt.date(2026, 1, 5), planned_end_on=dt.date(2026, 12, 31))
    placement_row(laci, a, starts_on=dt.date(2026, 4, 16), planned_end_on=dt.date(2026, 9, 30), status="planned")
    placement_row(
        sas, a, starts_on=dt.date(2026, 2, 1), planned_end_on=dt.date(2026, 7, 31), ended_on=dt.date(2026, 4, 10)
    )
    placement_row(
        sas, a, starts_on=dt.date(2026, 4, 1), planned_end_on=dt.date(2026, 7, 31), status=Placement.Status.CANCELLED
    )
    placement_row(smig, b, starts_on=dt.date(2026, 3, 1), planned_end_on=dt.date(2026, 4, 20), price="3000.00")
    placement_row(
        laci, a, starts_on=dt.date(2026, 1, 5), planned_end_on=dt.date(2026, 6, 30), ended_on=dt.date(2026, 3, 31)
    )
    placement_row(smig, b, starts_on=dt.date(2026, 5, 1), planned_end_on=dt.date(2026, 8, 31), price="3000.00")
    return SimpleNamespace(a=a, b=b, laci=laci, sas=sas, smig=smig)
