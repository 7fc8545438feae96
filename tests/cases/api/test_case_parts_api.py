"""The API of the parts of a case file in the OpenAPI schema: every path, described in French, without warnings."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/cases/{reference}/consents/",
    "/api/cases/{reference}/consents/{id}/",
    "/api/cases/{reference}/assessments/",
    "/api/cases/{reference}/assessments/{id}/",
    "/api/cases/{reference}/tasks/",
    "/api/cases/{reference}/tasks/{id}/",
    "/api/cases/{reference}/tasks/{id}/complete/",
    "/api/cases/{reference}/tasks/{id}/cancel/",
    "/api/cases/{reference}/journal/",
    "/api/cases/{reference}/journal/{id}/",
    "/api/cases/{reference}/referrals/",
    "/api/cases/{reference}/referrals/{id}/",
    "/api/cases/{reference}/referrals/{id}/accept/",
    "/api/cases/{reference}/referrals/{id}/refuse/",
    "/api/cases/{reference}/referrals/{id}/withdraw/",
]


def test_the_schema_lists_every_path_of_the_case_parts_with_a_french_summary(client_for, orp_counsellor):
    response = client_for(orp_counsellor).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in PATHS:
        assert path in paths, path
    assert paths["/api/cases/{reference}/journal/"]["post"]["summary"] == "Écrire dans le journal"
    assert paths["/api/cases/{reference}/tasks/{id}/complete/"]["post"]["summary"] == "Marquer une tâche faite"
    operations = [operation for path in PATHS for operation in paths[path].values()]
    assert all(operation["summary"] and operation["description"] for operation in operations)


def test_the_schema_validates_without_any_warning(tmp_path):
    # Raises (SchemaGenerationError) on any warning or error of drf-spectacular.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/cases/{reference}/referrals/{id}/accept/" in (tmp_path / "schema.yaml").read_text()
