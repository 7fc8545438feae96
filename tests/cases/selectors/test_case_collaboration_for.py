"""The collaboration section of the case page: only what the rules let the user read, at a fixed cost."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cases.models import Referral
from cases.selectors.journal import case_collaboration_for
from cases.services.journal import attachment_create, journal_entry_create
from cases.services.referrals import referral_accept
from cii_platform.access import Capability, access_revoke
from tests.cases.attachments import pdf
from tests.cases.referrals import propose
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _shared_case(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    return case


def _texts(section) -> set[str]:
    return {entry.text for entry in section["journal"]}


def test_each_service_reads_the_network_entries_and_its_own_never_another_s(
    orp_counsellor, oai_counsellor, coordination_member, services
):
    case = _shared_case(orp_counsellor, services)
    journal_entry_create(case=case, author=orp_counsellor, text="réseau ORP", visibility="network")
    journal_entry_create(case=case, author=orp_counsellor, text="interne ORP", visibility="service")
    journal_entry_create(case=case, author=oai_counsellor, text="interne AI", visibility="service")
    attachment_create(case=case, uploaded_by=oai_counsellor, title="Rapport AI", document=pdf(), visibility="service")

    lead = case_collaboration_for(user=orp_counsellor, case=case)
    invited = case_collaboration_for(user=oai_counsellor, case=case)
    colleague = case_collaboration_for(user=coordination_member, case=case)

    assert _texts(lead) == {"réseau ORP", "interne ORP"}
    assert _texts(invited) == {"réseau ORP", "interne AI"}
    assert _texts(colleague) == {"réseau ORP", "interne ORP"}
    assert [a.title for a in invited["attachments"]] == ["Rapport AI"]
    assert lead["attachments"] == []
    assert (lead["can_write"], invited["can_write"], colleague["can_write"]) == (True, True, False)


def test_a_service_without_access_gets_nothing_even_if_asked_with_the_case(
    orp_counsellor, oai_counsellor, ssr_social_worker, services
):
    case = _shared_case(orp_counsellor, services)
    journal_entry_create(case=case, author=orp_counsellor, text="réseau", visibility="network")
    propose(case, services["saso"], orp_counsellor, basis="lasoc-28")

    outsider = case_collaboration_for(user=ssr_social_worker, case=case)
    access_revoke(service=services["oai"], obj=case, capability=Capability.VIEW, revoked_by=orp_counsellor)
    revoked = case_collaboration_for(user=oai_counsellor, case=case)

    for section in (outsider, revoked):
        assert (section["journal"], section["attachments"], section["referrals"]) == ([], [], [])
        assert section["revolving_door"]["rows"] == []
        assert not section["can_write"]


def test_the_section_shows_the_last_20_entries_and_says_there_are_more(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    for number in range(21):
        journal_entry_create(case=case, author=orp_counsellor, text=f"entrée {number}", visibility="network")

    section = case_collaboration_for(user=orp_counsellor, case=case)

    assert len(section["journal"]) == 20
    assert section["journal"][0].text == "entrée 20"
    assert section["journal_more"]


def test_referral_reasons_are_shown_to_the_services_concerned_only(
    orp_counsellor, oai_counsellor, ssr_social_worker, services
):
    case = _shared_case(orp_counsellor, services)
    propose(case, services["saso"], orp_counsellor, basis="lasoc-28", reason="Aide sociale à examiner.")
    referral_accept(referral=Referral.objects.get(), accepted_by=ssr_social_worker)

    lead = case_collaboration_for(user=orp_counsellor, case=case)["referrals"]
    target = case_collaboration_for(user=ssr_social_worker, case=case)["referrals"]
    other = case_collaboration_for(user=oai_counsellor, case=case)["referrals"]

    assert [(r.show_reason, r.status) for r in lead] == [(True, "accepted")]
    assert target[0].show_reason
    assert not other[0].show_reason
    html = render_to_string(
        "cases/journal/_case_section.html",
        {"collaboration": case_collaboration_for(user=oai_counsellor, case=case)},
        request=RequestFactory().get("/"),
    )
    assert "Aide sociale à examiner." not in html
    assert "réservé aux services concernés" in html


def test_the_revolving_door_counts_every_file_of_the_person_but_details_only_the_visible_ones(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    hidden = open_case(lead_service=services["oai"], person=case.person)
    third = open_case(lead_service=services["saso"], person=case.person)

    door = case_collaboration_for(user=orp_counsellor, case=case)["revolving_door"]

    assert (door["index"].hop_count, door["index"].flagged) == (2, True)
    assert [row["reference"] for row in door["rows"]] == [case.reference]
    assert [code for code, _label, _days in door["visible"].days] == ["semp"]
    html = render_to_string(
        "cases/journal/_case_section.html",
        {"collaboration": case_collaboration_for(user=orp_counsellor, case=case)},
        request=RequestFactory().get("/"),
    )
    assert "Effet tourniquet" in html
    assert hidden.reference not in html and third.reference not in html


def test_the_section_costs_the_same_queries_for_10_and_for_60_rows(orp_counsellor, oai_counsellor, services):
    case = _shared_case(orp_counsellor, services)
    others = [open_case(lead_service=services["saso"], person=case.person) for _ in range(2)]

    def add(count: int) -> None:
        for number in range(count):
            journal_entry_create(case=case, author=oai_counsellor, text=f"n{number}", visibility="network")
            attachment_create(
                case=case, uploaded_by=orp_counsellor, title=f"p{number}", document=pdf(), visibility="network"
            )
            referral = propose(case, services["smig"], orp_counsellor, basis="lai-68bis")
            Referral.objects.filter(pk=referral.pk).update(status="refused", refusal_reason="non")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            section = case_collaboration_for(user=orp_counsellor, case=case)
            render_to_string("cases/journal/_case_section.html", {"collaboration": section})
        return len(captured)

    add(10)
    with_10 = queries()
    add(50)
    with_60 = queries()

    assert with_10 == with_60
    assert others
