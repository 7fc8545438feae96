"""The indicators page (aggregates only) and the follow-up pages after exit.

Caseworkers and coordination-group members see the figures of what their service
may see, GP CII members the canton's; anyone else gets a 404. The follow-up
pages are for caseworkers of the lead service: a check of another service's case
answers like a missing one and changes nothing.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseFile, CaseStatus, FollowUpCheck, Outcome
from cases.selectors.case_files import case_get_for_reading
from cases.selectors.indicators import follow_up_section_for
from cases.services.case_files import case_transition
from cases.services.follow_up import follow_up_schedule
from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case, programme

pytestmark = pytest.mark.django_db

INDICATORS = reverse("cases:indicators")
DUE = reverse("cases:follow_up_due")


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def _closed(user, service, *, days_ago: int, outcome: Outcome = Outcome.JOB) -> CaseFile:
    case = open_case(lead_service=service, opened_by=user)
    for status in (CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN):
        case = case_transition(case=case, to_status=status, expected_version=case.version, changed_by=user)
    case = case_transition(
        case=case,
        to_status=CaseStatus.CLOSED,
        expected_version=case.version,
        changed_by=user,
        outcome=outcome,
        outcome_date=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    follow_up_schedule(case=case)
    return case


# -- Indicators --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["orp_counsellor", "coordination_member", "gp_cii_member"])
def test_caseworkers_coordination_and_gp_cii_members_reach_the_indicators(request, client_for, persona, services):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(INDICATORS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Indicateurs par service pilote" in html
    assert '<th scope="row">Dossiers signalés</th>' in html


@pytest.mark.parametrize("persona", ["cnip_staff", "data_protection_officer", "platform_admin", "outsider"])
def test_other_roles_get_the_404_of_a_missing_page(request, client_for, persona, services):
    client = client_for(request.getfixturevalue(persona))

    response = client.get(INDICATORS)

    assert response.status_code == 404
    assert _without_csrf(response.content) == _without_csrf(client.get("/dossiers/indicateurs-inconnus/x/").content)


def test_the_indicators_ask_anonymous_visitors_to_log_in(client, services):
    response = client.get(INDICATORS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_gp_cii_sees_canton_figures_without_any_name_or_reference(client_for, gp_cii_member, services):
    cases = [open_case(lead_service=services[code]) for code in ("semp", "semp", "semp", "oai", "saso", "saso")]

    html = client_for(gp_cii_member).get(INDICATORS).content.decode()

    assert "Chiffres de tout le canton." in html
    for case in cases:
        assert case.reference not in html
        assert case.person.last_name not in html
        assert case.person.first_name not in html
    row = re.search(r"<th scope=\"row\">Dossiers signalés</th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td class=\"num\">(.*?)</td>", row)
    # Total 6; OAI 1 and SASO 2 hidden (two hidden cells: neither comes back by subtraction); SEMP 3.
    assert [re.sub(r"<[^>]+>", "", cell) for cell in cells] == ["6", "&lt; 3", "&lt; 3", "3", "0", "0"]


def test_a_caseworker_sees_the_figures_of_the_cases_their_service_may_see(
    client_for, orp_counsellor, oai_counsellor, services
):
    for _ in range(3):
        open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    for _ in range(5):
        open_case(lead_service=services["oai"], opened_by=oai_counsellor)

    html = client_for(orp_counsellor).get(INDICATORS).content.decode()

    assert "Chiffres des dossiers que votre service peut consulter." in html
    row = re.search(r"<th scope=\"row\">Dossiers signalés</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td class=\"num\">(.*?)</td>", row)[0] == "3"


def test_the_period_and_programme_can_be_chosen(client_for, gp_cii_member, services):
    for _ in range(3):
        open_case(lead_service=services["sfpo"], programme=programme("cm-fp"))
    today = timezone.localdate().strftime("%d.%m.%Y")

    html = (
        client_for(gp_cii_member)
        .get(INDICATORS, {"date_from": "01.01.2009", "date_to": today, "programme": "cm-fp"})
        .content.decode()
    )

    assert f"Dossiers signalés du 01.01.2009 au {today}" in html
    assert "Case management formation professionnelle (CM FP)</h2>" in html
    assert "Indicateurs par programme" not in html


def test_a_wrong_period_shows_a_french_message_and_no_figures(client_for, gp_cii_member, services):
    client = client_for(gp_cii_member)

    reversed_period = client.get(INDICATORS, {"date_from": "31.12.2025", "date_to": "01.01.2025"}).content.decode()
    bad_date = client.get(INDICATORS, {"date_from": "2025-13-45"}).content.decode()

    assert "La date de début doit précéder la date de fin." in reversed_period
    assert "Saisissez une date au format jj.mm.aaaa" in bad_date
    assert "Indicateurs par service pilote" not in reversed_period + bad_date


def test_the_indicators_page_costs_the_same_queries_for_10_and_for_60_cases(
    client_for, orp_counsellor, gp_cii_member, services
):
    clients = (client_for(orp_counsellor), client_for(gp_cii_member))

    def page_queries() -> tuple[int, ...]:
        counts = []
        for client in clients:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(INDICATORS).status_code == 200
            counts.append(len(queries))
        return tuple(counts)

    for index in range(10):
        _closed(orp_counsellor, services["semp"], days_ago=index)
    with_10 = page_queries()
    for index in range(50):
        open_case(lead_service=services["semp" if index % 2 else "saso"], opened_by=None)
    with_60 = page_queries()

    assert with_10 == with_60


# -- Follow-up after exit -------------------------------------------------------------------


def test_the_lead_caseworker_sees_the_checks_due_of_their_service_only(
    client_for, orp_counsellor, oai_counsellor, services
):
    due = _closed(orp_counsellor, services["semp"], days_ago=100)  # 3-month check due
    later = _closed(orp_counsellor, services["semp"], days_ago=10)  # nothing due yet
    other = _closed(oai_counsellor, services["oai"], days_ago=100)
    access_grant(service=services["semp"], obj=other, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    html = client_for(orp_counsellor).get(DUE).content.decode()

    assert due.reference in html and due.person.full_name in html
    assert "en retard" in html
    assert later.reference not in html
    assert other.reference not in html  # seen, not led: the lead service checks


def test_the_follow_up_pages_are_for_caseworkers_only(client_for, coordination_member, gp_cii_member, services):
    for user in (coordination_member, gp_cii_member):
        assert client_for(user).get(DUE).status_code == 404


def test_recording_an_answer_saves_it_audits_it_and_leaves_the_list(client_for, orp_counsellor, services):
    case = _closed(orp_counsellor, services["semp"], days_ago=100)
    check = FollowUpCheck.objects.get(case=case, months_after=3)
    client = client_for(orp_counsellor)
    url = reverse("cases:follow_up_record", args=[check.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "La personne est-elle toujours en emploi ou en formation ?" in page.content.decode()
    response = client.post(url, {"still_integrated": "oui", "note": "Toujours chez le même employeur"})

    assert response.status_code == 302 and response["Location"] == DUE
    check.refresh_from_db()
    assert (check.still_integrated, check.checked_by, check.note) == (
        True,
        orp_counsellor,
        "Toujours chez le même employeur",
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_id=str(case.pk), person_id=str(case.person_id)
    ).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, object_type="cases.followupcheck").exists()
    assert case.reference not in client.get(DUE).content.decode()


def test_an_answer_without_a_choice_shows_a_french_message_and_saves_nothing(client_for, orp_counsellor, services):
    check = FollowUpCheck.objects.get(case=_closed(orp_counsellor, services["semp"], days_ago=100), months_after=3)

    response = client_for(orp_counsellor).post(reverse("cases:follow_up_record", args=[check.pk]), {"note": "x"})

    assert response.status_code == 200
    assert "Indiquez si la personne est toujours en emploi ou en formation." in response.content.decode()
    check.refresh_from_db()
    assert check.checked_on is None


def test_a_check_not_yet_due_is_refused_with_its_date(client_for, orp_counsellor, services):
    check = FollowUpCheck.objects.get(case=_closed(orp_counsellor, services["semp"], days_ago=100), months_after=6)

    response = client_for(orp_counsellor).post(
        reverse("cases:follow_up_record", args=[check.pk]), {"still_integrated": "non"}
    )

    assert "n&#x27;est pas encore échu" in response.content.decode()
    check.refresh_from_db()
    assert check.checked_on is None


def test_another_service_gets_the_404_of_a_missing_check_and_changes_nothing(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = _closed(orp_counsellor, services["semp"], days_ago=100)
    check = FollowUpCheck.objects.get(case=case, months_after=3)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)
    client = client_for(oai_counsellor)

    forbidden_get = client.get(reverse("cases:follow_up_record", args=[check.pk]))
    forbidden_post = client.post(reverse("cases:follow_up_record", args=[check.pk]), {"still_integrated": "non"})
    missing = client.get(reverse("cases:follow_up_record", args=[check.pk + 1000]))

    assert forbidden_get.status_code == forbidden_post.status_code == missing.status_code == 404
    assert _without_csrf(forbidden_get.content) == _without_csrf(missing.content)
    check.refresh_from_db()
    assert check.checked_on is None
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_id=str(case.pk)).count() == 2


def test_the_list_of_checks_costs_the_same_queries_for_10_and_for_60_cases(client_for, orp_counsellor, services):
    client = client_for(orp_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DUE).status_code == 200
        return len(queries)

    for _ in range(10):
        _closed(orp_counsellor, services["semp"], days_ago=400)
    with_10 = page_queries()
    for _ in range(50):
        _closed(orp_counsellor, services["semp"], days_ago=400)
    with_60 = page_queries()

    assert with_10 == with_60


def test_the_list_of_checks_pages_by_due_date(client_for, orp_counsellor, services):
    for days_ago in range(30):
        _closed(orp_counsellor, services["semp"], days_ago=400 + days_ago)  # three checks due each
    client = client_for(orp_counsellor)

    first = client.get(DUE).content.decode()
    cursor = re.search(r'\?apres=([0-9-]+_\d+)"', first).group(1)
    second = client.get(DUE, {"apres": cursor}).content.decode()

    oldest = FollowUpCheck.objects.order_by("due_on", "id").select_related("case").first()
    newest = FollowUpCheck.objects.order_by("-due_on", "-id").select_related("case").first()
    assert f"{oldest.due_on:%d.%m.%Y}" in first
    assert f"{newest.due_on:%d.%m.%Y}" in second and f"{newest.due_on:%d.%m.%Y}" not in first


def test_the_case_page_section_shows_the_checks_and_the_answers(rf, orp_counsellor, oai_counsellor, services):
    case = _closed(orp_counsellor, services["semp"], days_ago=100)
    FollowUpCheck.objects.filter(case=case, months_after=3).update(
        checked_on=timezone.localdate(), still_integrated=False, note="Contrat terminé"
    )
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    lead = case_get_for_reading(user=orp_counsellor, reference=case.reference)
    partner = case_get_for_reading(user=oai_counsellor, reference=case.reference)
    lead_html = render_to_string(
        "cases/indicators/_case_section.html", {"follow_up": follow_up_section_for(user=orp_counsellor, case=lead)}
    )
    partner_html = render_to_string(
        "cases/indicators/_case_section.html", {"follow_up": follow_up_section_for(user=oai_counsellor, case=partner)}
    )

    assert "Suivi après la sortie" in lead_html and "Contrat terminé" in lead_html
    assert "Enregistrer le suivi à 6 mois" in lead_html
    assert "Enregistrer le suivi" not in partner_html and "pas encore enregistré" in partner_html
