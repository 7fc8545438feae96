"""The revolving-door index: moves between AC, AI and AS over the last months, flagged on the second hand-off."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseFile, Participation, Referral
from cases.selectors.revolving_door import months_before, person_revolving_door, revolving_door_by_person
from cases.services.referrals import referral_accept
from tests.cases.referrals import propose
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _lead(person, service, start: dt.date, end: dt.date | None = None) -> CaseFile:
    """A case of `person` led by `service` from `start` to `end` (lead role dates set as the history says)."""
    case = open_case(lead_service=service, person=person)
    Participation.objects.filter(case=case, role="lead").update(
        started_at=_at(start), ended_at=_at(end) if end else None
    )
    return case


def test_the_flag_appears_on_the_second_hand_off_not_the_first(
    orp_counsellor, oai_counsellor, ssr_social_worker, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    person = case.person
    assert not person_revolving_door(person=person).flagged

    referral_accept(
        referral=propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER),
        accepted_by=oai_counsellor,
    )
    first = person_revolving_door(person=person)

    case = CaseFile.objects.get(pk=case.pk)
    referral_accept(
        referral=propose(case, services["saso"], oai_counsellor, kind=Referral.Kind.HANDOVER, basis="lai-68bis"),
        accepted_by=ssr_social_worker,
    )
    second = person_revolving_door(person=person)

    assert (first.hop_count, first.hops_last_12_months, first.returns, first.flagged) == (1, 1, 0, False)
    assert (second.hop_count, second.hops_last_12_months, second.returns, second.flagged) == (2, 2, 0, True)
    assert [(hop.from_short, hop.to_short) for hop in second.hops] == [("AC", "AI"), ("AI", "AS")]


def test_a_return_to_a_system_already_left_is_flagged_even_with_a_single_recent_hand_off(services):
    person = PersonFactory()
    _lead(person, services["semp"], TODAY - dt.timedelta(days=600), TODAY - dt.timedelta(days=420))
    _lead(person, services["saso"], TODAY - dt.timedelta(days=420), TODAY - dt.timedelta(days=100))
    _lead(person, services["semp"], TODAY - dt.timedelta(days=100))

    door = person_revolving_door(person=person, today=TODAY)

    assert (door.hop_count, door.hops_last_12_months, door.returns) == (2, 1, 1)
    assert [hop.is_return for hop in door.hops] == [False, True]
    assert door.flagged


def test_it_counts_the_days_in_each_system_within_the_window_once_for_overlapping_roles(services):
    person = PersonFactory()
    _lead(person, services["semp"], TODAY - dt.timedelta(days=1000), TODAY - dt.timedelta(days=200))
    _lead(person, services["semp"], TODAY - dt.timedelta(days=300), TODAY - dt.timedelta(days=150))
    _lead(person, services["oai"], TODAY - dt.timedelta(days=150))

    door = person_revolving_door(person=person, months=12, today=TODAY)

    since = months_before(TODAY, 12)
    assert door.since == since
    assert door.days_by_system == {"semp": (TODAY - dt.timedelta(days=150) - since).days, "oai": 150}
    assert [(code, days) for code, _label, days in door.days] == [("semp", 215), ("oai", 150)]
    assert door.hop_count == 1


def test_moves_before_the_window_are_not_counted_and_other_services_are_left_out(services):
    person = PersonFactory()
    _lead(person, services["semp"], TODAY - dt.timedelta(days=1500), TODAY - dt.timedelta(days=1200))
    _lead(person, services["oai"], TODAY - dt.timedelta(days=1200), TODAY - dt.timedelta(days=900))
    _lead(person, services["smig"], TODAY - dt.timedelta(days=300), TODAY - dt.timedelta(days=200))
    _lead(person, services["oai"], TODAY - dt.timedelta(days=200))

    door = person_revolving_door(person=person, months=24, today=TODAY)

    assert (door.hop_count, door.returns, door.flagged) == (0, 0, False)
    assert [stay.system for stay in door.stays] == ["oai"]


def test_a_person_without_lead_roles_in_these_systems_has_an_empty_index(services):
    person = PersonFactory()
    _lead(person, services["sfpo"], TODAY - dt.timedelta(days=30))

    door = person_revolving_door(person=person, today=TODAY)

    assert (door.hop_count, door.days, door.flagged) == (0, [], False)


def test_the_index_of_many_persons_costs_one_query(services):
    def persons(count: int) -> list[int]:
        ids = []
        for index in range(count):
            person = PersonFactory()
            _lead(person, services["semp"], TODAY - dt.timedelta(days=300 + index))
            _lead(person, services["saso"], TODAY - dt.timedelta(days=100 + index))
            ids.append(person.pk)
        return ids

    few, many = persons(3), persons(20)
    with CaptureQueriesContext(connection) as few_queries:
        revolving_door_by_person(person_ids=few, today=TODAY)
    with CaptureQueriesContext(connection) as many_queries:
        doors = revolving_door_by_person(person_ids=many, today=TODAY)

    assert len(few_queries) == len(many_queries) == 1
    assert all(door.hop_count == 1 for door in doors.values())


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 6, 15), 24, dt.date(2024, 6, 15)),
        (dt.date(2026, 1, 10), 12, dt.date(2025, 1, 10)),
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
    ],
)
def test_months_are_calendar_months(day, months, expected):
    assert months_before(day, months) == expected
