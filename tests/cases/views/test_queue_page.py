"""The triage queue: by priority with its reasons, filterable, searchable, never beyond what one may see."""

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseStatus
from cases.selectors.revolving_door import person_revolving_door
from cases.services import case_transition
from cases.services.assessments import ScoreInput, assessment_record
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db


def _references(response) -> list[str]:
    return [row.case.reference for row in response.context["page"].rows]


def test_the_queue_puts_multi_benefit_cases_first_and_says_why(client_for, orp_counsellor, services):
    plain = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    urgent = open_case(
        lead_service=services["semp"],
        opened_by=orp_counsellor,
        receives_unemployment=True,
        receives_social_assistance=True,
    )

    response = client_for(orp_counsellor).get(reverse("cases:queue"))

    assert response.status_code == 200
    assert _references(response) == [urgent.reference, plain.reference]
    body = html.unescape(response.content.decode())
    assert "prestations de 2 systèmes (AC, AS)" in body and "(+3)" in body


def test_the_queue_shows_only_waiting_cases_the_service_may_see(client_for, orp_counsellor, services):
    mine = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    moved_on = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    for status in (CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN):
        moved_on = case_transition(
            case=moved_on, to_status=status, expected_version=moved_on.version, changed_by=orp_counsellor
        )
    open_case(lead_service=services["oai"])

    assert _references(client_for(orp_counsellor).get(reverse("cases:queue"))) == [mine.reference]


def test_the_queue_flags_the_revolving_door(client_for, ssr_social_worker, services):
    person = PersonFactory()
    open_case(lead_service=services["semp"], person=person)
    open_case(lead_service=services["oai"], person=person)
    third = open_case(lead_service=services["saso"], person=person, opened_by=ssr_social_worker)

    response = client_for(ssr_social_worker).get(reverse("cases:queue"))

    row = response.context["page"].rows[0]
    assert (row.case.reference, row.revolving_door) == (third.reference, True)
    assert "Effet tourniquet" in response.content.decode()


def _flag_of(client, reference: str) -> tuple[bool, list[str]]:
    rows = {row.case.reference: row for row in client.get(reverse("cases:queue")).context["page"].rows}
    return rows[reference].revolving_door, [label for label, _points in rows[reference].reasons]


def test_the_queue_flag_appears_on_the_second_hand_off_not_the_first(client_for, ssr_social_worker, services):
    person = PersonFactory()
    open_case(lead_service=services["semp"], person=person)
    first = open_case(lead_service=services["saso"], person=person, opened_by=ssr_social_worker)
    client = client_for(ssr_social_worker)

    assert _flag_of(client, first.reference) == (False, ["1 transfert en 12 mois"])

    open_case(lead_service=services["oai"], person=person)
    second = open_case(lead_service=services["saso"], person=person, opened_by=ssr_social_worker)

    assert _flag_of(client, second.reference) == (True, ["3 transferts en 12 mois"])


def test_the_queue_counts_moves_between_ac_ai_and_as_only_as_the_persons_index_does(
    client_for, ssr_social_worker, services
):
    person = PersonFactory()
    open_case(lead_service=services["smig"], person=person)
    open_case(lead_service=services["sfpo"], person=person)
    case = open_case(lead_service=services["saso"], person=person, opened_by=ssr_social_worker)

    flagged, reasons = _flag_of(client_for(ssr_social_worker), case.reference)

    assert (flagged, reasons) == (False, [])
    assert person_revolving_door(person=person).hops_last_12_months == 0


def test_the_queue_searches_by_name_avs_number_and_reference(client_for, orp_counsellor, services):
    marie = open_case(lead_service=services["semp"], person=PersonFactory(first_name="Marie", last_name="Perret"))
    other = open_case(lead_service=services["semp"], person=PersonFactory(first_name="Jean", last_name="Jacot"))
    client = client_for(orp_counsellor)

    assert _references(client.get(reverse("cases:queue"), {"q": "perret"})) == [marie.reference]
    assert _references(client.get(reverse("cases:queue"), {"q": other.person.avs_number})) == [other.reference]
    assert _references(client.get(reverse("cases:queue"), {"q": marie.reference.lower()})) == [marie.reference]
    assert _references(client.get(reverse("cases:queue"), {"q": "756.1234.5678.90"})) == []


def test_searching_never_finds_another_services_case(client_for, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], person=PersonFactory(last_name="Introuvable"))
    client = client_for(oai_counsellor)

    for term in ("Introuvable", case.person.avs_number, case.reference):
        assert _references(client.get(reverse("cases:queue"), {"q": term})) == []


def test_the_queue_filters_by_programme_region_and_lead_service(client_for, orp_counsellor, services):
    from tests.factories import programme

    youth = open_case(lead_service=services["semp"], programme=programme("cm-fp"), region="montagnes")
    open_case(lead_service=services["semp"], region="littoral")
    client = client_for(orp_counsellor)

    assert _references(client.get(reverse("cases:queue"), {"programme": "cm-fp"})) == [youth.reference]
    assert _references(client.get(reverse("cases:queue"), {"region": "montagnes"})) == [youth.reference]
    assert len(_references(client.get(reverse("cases:queue"), {"service": "semp"}))) == 2
    assert _references(client.get(reverse("cases:queue"), {"service": "oai"})) == []


def test_the_queue_costs_the_same_queries_for_10_and_for_60_cases(client_for, orp_counsellor, services):
    client = client_for(orp_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:queue")).status_code == 200
        return len(queries)

    for _ in range(10):
        open_case(lead_service=services["semp"], receives_unemployment=True, receives_disability=True)
    with_10 = page_queries()
    for _ in range(50):
        open_case(lead_service=services["semp"], receives_unemployment=True, receives_disability=True)
    with_60 = page_queries()

    assert with_10 == with_60


def test_the_queue_pages_by_priority_without_skipping_or_repeating(client_for, orp_counsellor, services):
    cases = [
        open_case(lead_service=services["semp"], receives_unemployment=bool(n % 2), receives_disability=bool(n % 2))
        for n in range(55)
    ]
    client = client_for(orp_counsellor)

    first = client.get(reverse("cases:queue"))
    second = client.get(reverse("cases:queue"), {"apres": first.context["page"].next_cursor})

    seen = _references(first) + _references(second)
    assert sorted(seen) == sorted(case.reference for case in cases)
    assert second.context["page"].next_cursor is None


def test_people_without_a_service_role_see_an_empty_queue(client_for, gp_cii_member, services):
    open_case(lead_service=services["saso"])

    assert _references(client_for(gp_cii_member).get(reverse("cases:queue"))) == []


def test_the_queue_can_show_only_cases_with_overdue_tasks(client_for, orp_counsellor, services):
    import datetime as dt

    from django.utils import timezone

    from cases.models import Task

    late = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    Task.objects.create(
        case=late,
        title="Rendez-vous médical",
        assigned_service=services["semp"],
        due_on=timezone.localdate() - dt.timedelta(days=3),
        created_by=orp_counsellor,
    )

    response = client_for(orp_counsellor).get(reverse("cases:queue"), {"overdue": "on"})

    assert _references(response) == [late.reference]


def test_the_queue_counts_the_dimensions_scored_3_in_the_latest_assessment(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assessment_record(
        case=case,
        author=orp_counsellor,
        assessed_on=yesterday,
        scores={"debts": ScoreInput(3), "housing": ScoreInput(3), "language": ScoreInput(1)},
    )

    assert _flag_of(client_for(orp_counsellor), case.reference) == (False, ["2 dimensions cotées 3"])


def test_the_queue_reads_its_page_in_one_query_beyond_the_session_and_the_filters(client_for, orp_counsellor, services):
    client = client_for(orp_counsellor)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("cases:queue"))
        sqls = [query["sql"] for query in captured]
        return [sql for sql in sqls if "cases_" in sql and 'FROM "cases_programme"' not in sql]

    person = PersonFactory()
    for service in ("saso", "oai", "semp"):
        open_case(lead_service=services[service], person=person, opened_by=orp_counsellor)

    assert len(queries()) == 1
