"""Fixtures of the API tests of the parts of a case file: a case shared on consent, JSON calls."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import CaseFile, Consent
from cases.services.consents import consent_revoke
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case


@pytest.fixture
def shared_case(orp_counsellor, services) -> CaseFile:  # type: ignore[no-untyped-def]
    """A case led by SEMP (orp_counsellor), shared with OAI on the person's consent; SASO is not covered."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    return case


@pytest.fixture
def revoke_consent(orp_counsellor) -> Callable[[CaseFile], None]:  # type: ignore[no-untyped-def]
    """Revoke, as the lead service does, the consent on which OAI takes part in the case."""

    def revoke(case: CaseFile) -> None:
        consent = Consent.objects.get(person_id=case.person_id)
        consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor, note="Révocation orale.")

    return revoke


@pytest.fixture
def post_json() -> Callable[..., Any]:
    def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
        return client.post(url, data or {}, content_type="application/json")

    return post


@pytest.fixture
def count_queries() -> Callable[[Client, str], int]:
    """How many queries a GET of `url` costs (and it must answer 200).

    A first call is not counted: the session middleware may write the session on it.
    """

    def count(client: Client, url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        return len(queries)

    return count
