"""Indicators over a period: what each figure counts, whose cases, hidden small cells, bounded queries."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseFile, CaseStatus, FollowUpCheck, Meeting, Outcome, OutOfCriteriaReason, Participation
from cases.selectors.indicators import IndicatorScope, indicator_scope, indicators_compute, suppress_small_counts
from cases.selectors.revolving_door import revolving_door_by_person
from cases.services.case_files import case_transition
from cii_platform.access import Capability, access_grant
from tests.factories import PersonFactory, open_case, programme

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _case(service, user=None, *, opened: dt.date = dt.date(2024, 3, 1), **kwargs) -> CaseFile:
    case = open_case(lead_service=service, opened_by=user, **kwargs)
    CaseFile.objects.filter(pk=case.pk).update(opened_at=_at(opened))
    case.refresh_from_db()
    return case


def _walk(case: CaseFile, user, *statuses, **closing) -> CaseFile:
    for status in statuses:
        extra = closing if status in (CaseStatus.CLOSED, CaseStatus.OUT_OF_CRITERIA) else {}
        case = case_transition(case=case, to_status=status, expected_version=case.version, changed_by=user, **extra)
    return case


def _closed(service, user, outcome: Outcome, *, opened: dt.date, closed: dt.date) -> CaseFile:
    case = _walk(
        _case(service, user, opened=opened),
        user,
        CaseStatus.ASSESSMENT,
        CaseStatus.ACTION_PLAN,
        CaseStatus.CLOSED,
        outcome=outcome,
        outcome_date=closed,
    )
    CaseFile.objects.filter(pk=case.pk).update(closed_at=_at(closed, 16))
    return case


def _values(table, key: str) -> list[float | None]:
    return [cell.value for cell in table.row(key).cells]


def _report(user, **kwargs):
    return indicators_compute(
        user=user, date_from=kwargs.pop("date_from", FROM), date_to=kwargs.pop("date_to", TO), **kwargs
    )


def test_it_counts_signalled_accepted_ongoing_ended_and_each_outcome(orp_counsellor, gp_cii_member, services):
    semp = services["semp"]
    for _ in range(3):
        _case(semp, orp_counsellor)
    _walk(_case(semp, orp_counsellor), orp_counsellor, CaseStatus.ASSESSMENT)
    _walk(
        _case(semp, orp_counsellor),
        orp_counsellor,
        CaseStatus.OUT_OF_CRITERIA,
        out_of_criteria_reason=OutOfCriteriaReason.OVER_AGE,
    )
    _walk(
        _case(semp, orp_counsellor),
        orp_counsellor,
        CaseStatus.ASSESSMENT,
        CaseStatus.OUT_OF_CRITERIA,
        out_of_criteria_reason=OutOfCriteriaReason.NO_MULTIPLE_PROBLEMS,
    )
    _closed(semp, orp_counsellor, Outcome.JOB, opened=dt.date(2024, 2, 1), closed=dt.date(2024, 6, 1))
    _closed(semp, orp_counsellor, Outcome.DROPPED_OUT, opened=dt.date(2024, 2, 1), closed=dt.date(2024, 6, 1))

    table = _report(gp_cii_member).by_service

    figures = {key: table.row(key).cells[0].value for key in ("signalled", "accepted", "ongoing", "ended")}
    assert figures == {"signalled": 8, "accepted": 4, "ongoing": 4, "ended": 4}
    assert (_values(table, "out_of_criteria")[0], _values(table, "closed")[0], _values(table, "solutions")[0]) == (
        2,
        2,
        1,
    )
    assert _values(table, "reason_over_age")[0] == _values(table, "reason_no_multiple_problems")[0] == 1
    assert _values(table, "outcome_job")[0] == _values(table, "outcome_dropped_out")[0] == 1
    assert [column.label for column in table.columns] == ["Total", "OAI", "SASO", "SEMP", "SFPO", "SMIG"]
    assert _values(table, "signalled") == [8, 0, 0, 8, 0, 0]


def test_a_caseworker_counts_only_the_cases_their_service_may_see(
    orp_counsellor, oai_counsellor, gp_cii_member, services
):
    for _ in range(3):
        _case(services["semp"], orp_counsellor)
    shared = _case(services["oai"], oai_counsellor)
    for _ in range(4):
        _case(services["oai"], oai_counsellor)
    access_grant(service=services["semp"], obj=shared, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    mine = _report(orp_counsellor).by_service
    canton = _report(gp_cii_member).by_service

    assert mine.row("signalled").cells[0].value == 4
    assert [cell.display for cell in mine.row("signalled").cells[:2]] == ["4", "< 3"]  # 1 OAI case, hidden
    assert canton.row("signalled").cells[0].value == 8


def test_the_coordination_group_counts_what_its_service_sees(coordination_member, services):
    for _ in range(3):
        _case(services["semp"])
    _case(services["oai"])

    report = _report(coordination_member)

    assert report.scope == IndicatorScope.SERVICE
    assert report.by_service.row("signalled").cells[0].value == 3


def test_the_indicators_are_not_for_other_roles(cnip_staff, data_protection_officer, platform_admin, outsider):
    for user in (cnip_staff, data_protection_officer, platform_admin, outsider):
        assert indicator_scope(user=user) is None
        with pytest.raises(Http404):
            _report(user)


def test_the_period_counts_the_cases_signalled_from_its_first_to_its_last_day(gp_cii_member, services):
    for day in (dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 1)):
        _case(services["semp"], opened=day)
    late_evening = _case(services["semp"], opened=dt.date(2024, 12, 31))
    CaseFile.objects.filter(pk=late_evening.pk).update(opened_at=_at(dt.date(2024, 12, 31), 23))

    assert _report(gp_cii_member).by_service.row("signalled").cells[0].value == 3


def test_a_programme_narrows_the_figures_and_drops_the_programme_table(gp_cii_member, services):
    for _ in range(3):
        _case(services["sfpo"], programme=programme("cm-fp"))
    for _ in range(4):
        _case(services["saso"])

    everything = _report(gp_cii_member)
    cm_fp = _report(gp_cii_member, programme=programme("cm-fp"))

    assert everything.by_programme is not None
    by_programme = {
        column.label: cell.value
        for column, cell in zip(
            everything.by_programme.columns, everything.by_programme.row("signalled").cells, strict=True
        )
    }
    assert by_programme["Total"] == 7
    assert by_programme["Case management formation professionnelle (CM FP)"] == 3
    assert by_programme["Réseau CII NE"] == 4
    assert cm_fp.by_programme is None
    assert cm_fp.by_service.row("signalled").cells[0].value == 3


def test_the_median_duration_counts_days_from_signalement_to_closure(orp_counsellor, gp_cii_member, services):
    for days in (30, 50, 100, 400):
        opened = dt.date(2024, 1, 10)
        _closed(services["semp"], orp_counsellor, Outcome.JOB, opened=opened, closed=opened + dt.timedelta(days=days))
    _closed(services["semp"], orp_counsellor, Outcome.JOB, opened=dt.date(2024, 1, 10), closed=dt.date(2024, 1, 17))

    table = _report(gp_cii_member).by_service
    cell = table.row("median_duration").cells[0]

    assert (cell.value, cell.basis, cell.display) == (50, 5, "50 j")
    assert table.row("median_duration").cells[3].value == 50  # SEMP


def test_an_even_number_of_cases_takes_the_mean_of_the_two_middle_durations(orp_counsellor, gp_cii_member, services):
    for days in (10, 20, 30, 41):
        opened = dt.date(2024, 2, 1)
        _closed(services["semp"], orp_counsellor, Outcome.JOB, opened=opened, closed=opened + dt.timedelta(days=days))

    assert _report(gp_cii_member).by_service.row("median_duration").cells[0].value == 25


def test_the_time_to_the_first_network_meeting_takes_the_earliest_meeting(orp_counsellor, gp_cii_member, services):
    opened = dt.date(2024, 4, 1)
    for first_after in (7, 14, 21):
        case = _case(services["semp"], orp_counsellor, opened=opened)
        for days in (first_after + 30, first_after):
            Meeting.objects.create(
                case=case, held_on=opened + dt.timedelta(days=days), decisions="Plan", recorded_by=orp_counsellor
            )
    _case(services["semp"], orp_counsellor, opened=opened)  # no meeting yet: not counted

    cell = _report(gp_cii_member).by_service.row("median_first_meeting").cells[0]

    assert (cell.value, cell.basis) == (14, 3)


def test_a_median_over_fewer_than_three_cases_is_hidden(orp_counsellor, gp_cii_member, services):
    _closed(services["semp"], orp_counsellor, Outcome.JOB, opened=dt.date(2024, 1, 10), closed=dt.date(2024, 3, 10))
    _closed(services["semp"], orp_counsellor, Outcome.JOB, opened=dt.date(2024, 1, 10), closed=dt.date(2024, 5, 10))

    cell = _report(gp_cii_member).by_service.row("median_duration").cells[0]

    assert cell.suppressed and cell.display == "< 3"


def test_hand_offs_count_the_lead_participations_beyond_the_first(gp_cii_member, services):
    cases = [_case(services["semp"]) for _ in range(4)]
    for case, hand_offs in zip(cases, (0, 1, 2, 1), strict=True):
        for _ in range(hand_offs):
            Participation.objects.filter(case=case, role=Participation.Role.LEAD, ended_at=None).update(
                ended_at=timezone.now()
            )
            Participation.objects.create(case=case, service=services["saso"], role=Participation.Role.LEAD)

    cell = _report(gp_cii_member).by_service.row("handoffs_per_case").cells[0]

    assert (cell.value, cell.display) == (1.0, "1.00")


def _lead_from(case: CaseFile, day: dt.date) -> None:
    Participation.objects.filter(case=case, role=Participation.Role.LEAD).update(started_at=_at(day))


def test_cases_of_persons_caught_in_the_revolving_door_are_counted_as_the_queue_flags_them(gp_cii_member, services):
    caught, settled = PersonFactory(), PersonFactory()
    for service, day in (("semp", dt.date(2024, 2, 1)), ("oai", dt.date(2024, 5, 1)), ("saso", dt.date(2024, 9, 1))):
        _lead_from(_case(services[service], person=caught, opened=day), day)
    for service, day in (("semp", dt.date(2024, 2, 1)), ("saso", dt.date(2024, 9, 1))):
        _lead_from(_case(services[service], person=settled, opened=day), day)
    for _ in range(3):
        _case(services["smig"], opened=dt.date(2024, 6, 1))

    table = _report(gp_cii_member).by_service

    # Columns: total, then each service; the three cases of the person with two hand-offs in 2024.
    assert table.figure("revolving_door") == "3"
    assert sum(value or 0 for value in _values(table, "revolving_door")[1:]) == 3
    assert revolving_door_by_person(person_ids=[caught.pk], today=TO)[caught.pk].flagged
    assert not revolving_door_by_person(person_ids=[settled.pk], today=TO)[settled.pk].flagged


def test_lasting_reintegration_is_the_share_still_integrated_among_answered_checks(
    orp_counsellor, gp_cii_member, services
):
    answers = {6: [True, True, True, False, None], 12: [True, False, False, None, None]}
    for index in range(5):
        case = _closed(
            services["semp"], orp_counsellor, Outcome.JOB, opened=dt.date(2024, 1, 10), closed=dt.date(2024, 3, 1)
        )
        for months, answered in answers.items():
            # Closing scheduled the checks; the test answers them.
            FollowUpCheck.objects.update_or_create(
                case=case,
                months_after=months,
                defaults={
                    "due_on": dt.date(2024, 3, 1) + dt.timedelta(days=30 * months),
                    "checked_on": dt.date(2025, 3, 1) if answered[index] is not None else None,
                    "still_integrated": answered[index],
                },
            )

    table = _report(gp_cii_member).by_service

    assert (table.row("lasting_6").cells[0].value, table.row("lasting_6").cells[0].display) == (75, "75 %")
    assert round(table.row("lasting_12").cells[0].value) == 33
    assert table.row("lasting_12").cells[0].basis == 3


def test_a_cell_hidden_alone_in_a_sum_takes_another_one_with_it():
    # Row 0: total 10 = 2 + 8 + 0: the 2 would come back as 10 − 8 − 0, so the 8 is hidden too.
    hidden = suppress_small_counts([[10, 2, 8, 0]], [((0, 0), [(0, 1), (0, 2), (0, 3)])])

    assert hidden == {(0, 1), (0, 2)}


def test_a_total_under_three_is_hidden_with_its_parts():
    hidden = suppress_small_counts([[2, 1, 1, 0]], [((0, 0), [(0, 1), (0, 2), (0, 3)])])

    assert hidden == {(0, 0), (0, 1), (0, 2)}


def test_hiding_spreads_until_no_sum_gives_a_cell_away():
    # Two rows (signalled = ongoing + ended) by two columns (total = A + B).
    values = [[9, 5, 4], [7, 3, 4], [2, 2, 0]]  # signalled, ongoing, ended
    sums = [((row, 0), [(row, 1), (row, 2)]) for row in range(3)]
    sums += [((0, column), [(1, column), (2, column)]) for column in range(3)]

    hidden = suppress_small_counts(values, sums)

    assert {(2, 0), (2, 1)} <= hidden  # the two small cells
    for total, parts in sums:  # no sum hides exactly one of its cells
        assert sum(cell in hidden for cell in [total, *parts]) != 1


def test_zero_is_shown(gp_cii_member, services):
    for _ in range(3):
        _case(services["semp"])

    table = _report(gp_cii_member).by_service

    assert table.figure("closed") == "0"
    assert table.figure("signalled") == "3"
    assert table.figure("median_duration") == "—"


def test_the_queries_do_not_grow_with_the_number_of_cases(orp_counsellor, gp_cii_member, services):
    def queries(user) -> int:
        user.__dict__.pop("_access_group_ids", None)
        with CaptureQueriesContext(connection) as captured:
            _report(user)
        return len(captured)

    def add(count: int) -> None:
        for index in range(count):
            case = _case(services["semp" if index % 2 else "oai"], orp_counsellor if index % 2 else None)
            Meeting.objects.create(case=case, held_on=dt.date(2024, 3, 20), decisions="x", recorded_by=orp_counsellor)

    add(10)
    with_10 = (queries(orp_counsellor), queries(gp_cii_member))
    add(50)
    with_60 = (queries(orp_counsellor), queries(gp_cii_member))

    assert with_10 == with_60
    assert max(with_60) <= 16


def test_a_cell_hidden_to_protect_a_small_one_says_so_rather_than_under_three(gp_cii_member, services):
    for _ in range(8):
        _case(services["semp"])
    for _ in range(2):
        _case(services["oai"])

    cells = _report(gp_cii_member).by_service.row("signalled").cells

    assert [cell.display for cell in cells] == ["10", "< 3", "0", "masqué", "0", "0"]
