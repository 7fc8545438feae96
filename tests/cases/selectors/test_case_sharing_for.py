"""The sharing section of a case page: the lead sees consents and history; others only who takes part."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.selectors.participations import case_sharing_for
from cases.services.consents import consent_revoke
from cases.services.participations import participation_invite
from tests.cases.sharing import invite_on_consent, law, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_the_lead_service_sees_the_consents_the_open_participations_and_the_history(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    participation_invite(case=case, service=services["saso"], invited_by=orp_counsellor, legal_basis=law("laci-85f"))
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    sharing = case_sharing_for(user=orp_counsellor, case=case)

    assert sharing["can_manage"] is True
    assert [(row.service.code, row.basis_label) for row in sharing["participations"]] == [
        ("semp", "Service pilote du dossier"),
        ("saso", "art. 85f LACI (collaboration interinstitutionnelle)"),
    ]
    assert sharing["participations"][1].needs_information is True
    assert [row.service.code for row in sharing["ended"]] == ["oai"]
    assert [(row.pk, row.state) for row in sharing["consents"]] == [(consent.pk, "revoked")]


def test_a_participating_service_sees_who_takes_part_but_never_the_consents(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)

    sharing = case_sharing_for(user=oai_counsellor, case=case)

    assert sharing["can_manage"] is False
    assert [row.service.code for row in sharing["participations"]] == ["semp", "oai"]
    assert sharing["consents"] == [] and sharing["ended"] == []


def test_the_lead_service_sees_only_consents_that_name_it(orp_counsellor, ssr_social_worker, services):
    semp_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    saso_case = open_case(lead_service=services["saso"], opened_by=ssr_social_worker, person=semp_case.person)
    record_consent(semp_case, orp_counsellor, [services["oai"]])

    assert case_sharing_for(user=ssr_social_worker, case=saso_case)["consents"] == []


def test_an_expired_consent_shows_as_expired_and_its_participation_as_without_access(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    consent = record_consent(case, orp_counsellor, [services["oai"]], signed_on=today - dt.timedelta(days=30))
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    # Time passes: the consent reached its end yesterday.
    type(consent).objects.filter(pk=consent.pk).update(valid_until=today - dt.timedelta(days=1))

    sharing = case_sharing_for(user=orp_counsellor, case=case)

    assert sharing["consents"][0].state == "expired"
    assert sharing["participations"][1].in_force is False


def test_the_section_costs_the_same_queries_for_2_and_for_40_consents(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            sharing = case_sharing_for(user=orp_counsellor, case=case)
            for consent in sharing["consents"]:
                list(consent.services.all())
        return len(captured)

    for _ in range(2):
        record_consent(case, orp_counsellor, [services["oai"], services["saso"]])
    with_2 = queries()
    for _ in range(38):
        record_consent(case, orp_counsellor, [services["oai"]])
    with_40 = queries()

    assert with_2 == with_40
