"""The OpenAPI schema is served, valid, and lists the contract's operations."""

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_the_contract_paths(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/services/",
        "/api/v1/providers/",
        "/api/v1/providers/{provider_id}/slots/",
        "/api/v1/providers/{provider_id}/schedule/",
        "/api/v1/appointments/",
        "/api/v1/appointments/{appointment_id}/cancel/",
        "/api/v1/appointments/{appointment_id}/reschedule/",
    ]:
        assert path in paths


def test_docs_page_is_served_without_network(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content
