"""DRF object permissions check `view` on GET too, and refuse with 404."""

import pytest
from django.http import Http404
from rest_framework.test import APIRequestFactory

from cii_platform.access import Capability, access_grant
from cii_platform.core.api import ObjectAccessPermission
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _request(method: str, user):  # type: ignore[no-untyped-def]
    request = getattr(APIRequestFactory(), method)("/api/cases/x/")
    request.user = user
    return request


def test_get_needs_view_on_the_object(oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    with pytest.raises(Http404):
        ObjectAccessPermission().has_object_permission(_request("get", oai_counsellor), None, case)

    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)
    assert ObjectAccessPermission().has_object_permission(_request("get", oai_counsellor), None, case) is True


def test_a_write_needs_change_even_with_view(oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    with pytest.raises(Http404):
        ObjectAccessPermission().has_object_permission(_request("patch", oai_counsellor), None, case)


def test_the_lead_service_may_write(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    assert ObjectAccessPermission().has_object_permission(_request("patch", orp_counsellor), None, case) is True
