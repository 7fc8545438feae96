"""The access gate: a service reaches only what is granted to it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseFile
from cases.selectors import case_list_visible, case_page_visible
from cases.services import LEAD_SERVICE_BASIS
from cii_platform.access import (
    Capability,
    access_can,
    access_filter_visible,
    access_grant,
    access_model_wide_leaks,
    access_revoke,
    access_services_with,
)
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_a_user_of_one_service_does_not_see_an_object_granted_only_to_another(orp_counsellor, oai_counsellor, services):
    semp_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    assert list(access_filter_visible(user=orp_counsellor, queryset=CaseFile.objects.all())) == [semp_case]
    assert list(access_filter_visible(user=oai_counsellor, queryset=CaseFile.objects.all())) == []
    assert access_can(user=oai_counsellor, obj=semp_case) is False


def test_granting_view_to_a_second_service_opens_the_object_to_it_and_is_audited(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    granted = access_grant(
        service=services["oai"],
        obj=case,
        capability=Capability.VIEW,
        legal_basis="Consentement de la personne",
        granted_by=orp_counsellor,
    )

    assert granted is True
    assert access_can(user=oai_counsellor, obj=case) is True
    assert access_can(user=oai_counsellor, obj=case, capability=Capability.CHANGE) is False
    assert set(access_services_with(obj=case).values_list("code", flat=True)) == {"semp", "oai"}
    grant_event = AuditEvent.objects.filter(action=AuditAction.PERMISSION_GRANT, object_id=str(case.pk)).first()
    assert grant_event.detail == {"service": "oai", "capability": "view"}
    assert grant_event.legal_basis == "Consentement de la personne"


def test_granting_twice_changes_nothing(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    again = access_grant(
        service=services["semp"],
        obj=case,
        capability=Capability.VIEW,
        legal_basis=LEAD_SERVICE_BASIS,
        granted_by=orp_counsellor,
    )

    assert again is False
    assert case.service_grants.count() == 2  # view and change of the lead service


def test_a_grant_that_has_expired_gives_no_access(oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)
    access_grant(
        service=services["oai"],
        obj=case,
        capability=Capability.VIEW,
        legal_basis="Consentement",
        granted_by=None,
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )

    assert access_can(user=oai_counsellor, obj=case) is False
    assert not case_list_visible(user=oai_counsellor).exists()


def test_granting_again_renews_the_basis_and_the_end_of_a_grant(oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)
    past = timezone.now() - dt.timedelta(days=1)
    access_grant(
        service=services["oai"],
        obj=case,
        capability=Capability.VIEW,
        legal_basis="old",
        granted_by=None,
        expires_at=past,
    )
    future = timezone.now() + dt.timedelta(days=30)

    renewed = access_grant(
        service=services["oai"],
        obj=case,
        capability=Capability.VIEW,
        legal_basis="new",
        granted_by=None,
        expires_at=future,
    )

    assert renewed is True
    assert access_can(user=oai_counsellor, obj=case) is True
    grant = case.service_grants.get(group=services["oai"].permission_group)
    assert (grant.legal_basis, grant.expires_at) == ("new", future)


def test_revoking_a_grant_removes_access_at_once(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)
    assert access_can(user=oai_counsellor, obj=case)

    revoked = access_revoke(
        service=services["oai"], obj=case, capability=Capability.VIEW, revoked_by=orp_counsellor, reason="retrait"
    )

    assert revoked is True
    assert access_can(user=oai_counsellor, obj=case) is False
    assert not access_filter_visible(user=oai_counsellor, queryset=CaseFile.objects.all()).exists()
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_REVOKE, object_id=str(case.pk)).exists()


def test_a_platform_administrator_gets_no_access_to_case_contents(platform_admin, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    assert platform_admin.service == services["semp"]
    assert access_can(user=platform_admin, obj=case) is False
    assert not case_list_visible(user=platform_admin).exists()


@pytest.mark.parametrize("persona", ["gp_cii_member", "cnip_staff", "data_protection_officer", "outsider"])
def test_roles_without_casework_see_no_case_of_their_service(persona, request, services):
    user = request.getfixturevalue(persona)
    open_case(lead_service=user.service, opened_by=None)

    assert not case_list_visible(user=user).exists()


def test_an_inactive_or_anonymous_user_sees_nothing(orp_counsellor, services):
    from django.contrib.auth.models import AnonymousUser

    open_case(lead_service=services["semp"], opened_by=None)
    orp_counsellor.is_active = False

    assert not case_list_visible(user=orp_counsellor).exists()
    assert not case_list_visible(user=AnonymousUser()).exists()  # type: ignore[arg-type]


def test_no_service_group_holds_a_model_wide_permission_after_the_demo_canton_is_loaded(db):
    from cii_platform.core.demo import load_demo_canton

    load_demo_canton()

    assert list(access_model_wide_leaks()) == []


def test_a_model_wide_permission_on_a_service_group_is_detected(services):
    from django.contrib.auth.models import Permission

    services["oai"].permission_group.permissions.add(Permission.objects.get(codename="view_casefile"))

    assert list(access_model_wide_leaks()) == [services["oai"]]


def _bulk_cases(service, count: int, start: int) -> None:
    """Cases granted to `service` as case_open would, in bulk (case_open costs ~10 queries each)."""
    from django.contrib.auth.models import Permission

    from cases.models import CaseFileGroupObjectPermission
    from tests.factories import PersonFactory, programme

    person, reseau = PersonFactory(), programme()
    cases = CaseFile.objects.bulk_create(
        CaseFile(reference=f"CII-2026-{start + n:05d}", lead_service=service, person=person, programme=reseau)
        for n in range(count)
    )
    permissions = Permission.objects.filter(codename__in=["view_casefile", "change_casefile"])
    CaseFileGroupObjectPermission.objects.bulk_create(
        CaseFileGroupObjectPermission(group_id=service.permission_group_id, permission=permission, content_object=case)
        for case in cases
        for permission in permissions
    )


def _listing_queries(user, count: int, after: str | None = None) -> int:
    user.__dict__.pop("_access_group_ids", None)  # as in a new request
    with CaptureQueriesContext(connection) as queries:
        page = case_page_visible(user=user, after=after)
        flags = [row.can_change for row in page.rows]
    assert len(flags) == min(count, 50)
    assert all(flags)
    return len(queries)


def test_listing_visible_objects_costs_the_same_queries_for_10_and_for_1000_objects(orp_counsellor, services):
    _bulk_cases(services["semp"], 10, start=1)
    with_10 = _listing_queries(orp_counsellor, 10)

    _bulk_cases(services["semp"], 990, start=11)
    with_1000 = _listing_queries(orp_counsellor, 1000)

    assert with_10 == with_1000
    assert with_1000 <= 3  # the user's groups, the page, the page's flags
    middle = CaseFile.objects.order_by("id").values_list("id", flat=True)[500]
    assert _listing_queries(orp_counsellor, 1000, after=str(middle)) == with_1000


def test_the_flags_of_a_page_say_which_rows_the_service_may_change(orp_counsellor, oai_counsellor, services):
    own = open_case(lead_service=services["oai"], opened_by=None)
    shared = open_case(lead_service=services["semp"], opened_by=None)
    access_grant(service=services["oai"], obj=shared, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    rows = case_page_visible(user=oai_counsellor, after=None).rows

    assert [(row.reference, row.can_change) for row in rows] == [(shared.reference, False), (own.reference, True)]


def test_a_deep_page_bounds_the_grant_subquery_by_its_cursor(orp_counsellor, services):
    sql = str(case_list_visible(user=orp_counsellor, before_id=500).query)

    assert sql.count("< 500") == 2  # the outer rows and the grant sub-query


def test_listing_uses_one_exists_subquery_not_get_objects_for_user(orp_counsellor, services):
    open_case(lead_service=services["semp"], opened_by=None)

    sql = str(case_list_visible(user=orp_counsellor)[:50].query).upper()

    assert "EXISTS" in sql
    assert " IN (SELECT" not in sql.replace("EXISTS(SELECT", "")
