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


def test_committed_openapi_schema_is_current(tmp_path):
    """docs/openapi.yaml is what the code serves; refresh it with `make schema`."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "openapi.yaml"
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "HOME": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert out.read_text() == (root / "docs" / "openapi.yaml").read_text(), (
        "run `make schema` and commit docs/openapi.yaml"
    )


def _schema(api) -> dict:
    return api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_schedule_times_are_hh_mm_in_the_schema_as_they_are_on_the_wire(api):
    """Found by schemathesis: ``format: time`` promised ``HH:MM:SS`` while the API reads and writes ``09:00``."""
    weekly = _schema(api)["components"]["schemas"]["Weekly"]["properties"]
    assert weekly["start"] == {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"}


def test_list_answers_of_the_notary_api_are_arrays_in_the_schema(api):
    """Found by schemathesis: the case list, a case's journal and the host sites were declared as one object."""
    paths = _schema(api)["paths"]
    for path in ["/api/v1/notary/cases/", "/api/v1/notary/cases/{case_id}/journal/", "/api/v1/notary/host-sites/"]:
        body = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["type"] == "array", path


def test_each_case_transition_declares_its_own_input(api):
    paths = _schema(api)["paths"]
    body = paths["/api/v1/notary/cases/{case_id}/verify_identity/"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/IdentityInputRequest"}
    assert "requestBody" not in paths["/api/v1/notary/cases/{case_id}/submit/"]["post"]
