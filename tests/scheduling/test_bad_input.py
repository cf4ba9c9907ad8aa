"""Hostile and malformed input: always a 4xx with a code, never a 500, nothing stored."""

import pytest
import time_machine

from scheduling.models import Appointment
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def slots(api, provider, **query):
    return api.get(f"/api/v1/providers/{provider}/slots/", query)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2024-09-02", "end": "2024-09-02", "tz": "Mars/Olympus"}, "tz"),
        ({"start": "2024-09-02", "end": "2024-09-02", "tz": "../../etc/passwd"}, "tz"),
        ({"start": "2024-02-30", "end": "2024-03-01"}, "start"),
        ({"start": "02/09/2024", "end": "2024-09-02"}, "start"),
        ({"start": "2024-09-05", "end": "2024-09-02"}, "end"),
        ({"start": "2024-01-01", "end": "2024-03-03"}, "end"),
        ({"end": "2024-09-02"}, "start"),
        ({"start": "2024-09-02", "end": "2024-09-02", "service": "x"}, "service"),
    ],
)
def test_bad_slot_queries_are_400_with_the_field_named(api, berlin_lawyer, consultation, query, field):
    query.setdefault("service", consultation.pk)
    response = slots(api, berlin_lawyer.pk, **query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_sixty_two_days_is_allowed(api, berlin_lawyer, consultation):
    response = slots(api, berlin_lawyer.pk, service=consultation.pk, start="2030-01-01", end="2030-03-03")
    assert response.status_code == 200


@pytest.mark.parametrize("provider_id", ["999999", "abc", "-1", "99999999999999999999999"])
def test_unknown_provider_is_404(api, consultation, provider_id):
    response = slots(api, provider_id, service=consultation.pk, start="2030-01-01", end="2030-01-01")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


@time_machine.travel("2024-09-01T00:00Z", tick=False)
@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"start": "2024-09-02T10:00:00"}, 400, "invalid"),  # naive local time
        ({"start": "2024-09-02 25:00Z"}, 400, "invalid"),
        ({"start": "not a date"}, 400, "invalid"),
        ({"start": 12345}, 400, "invalid"),
        ({"start": "2024-09-02T08:07:00Z"}, 400, "not_available"),  # off the grid
        ({"start": "2024-09-02T08:00:30Z"}, 400, "not_available"),
        ({"start": "2024-09-02T03:00:00Z"}, 400, "not_available"),  # before hours
        ({"start": "2024-08-30T08:00:00Z"}, 400, "not_available"),  # in the past
        ({"start": "2024-09-01T08:00:00Z"}, 400, "not_available"),  # Sunday
        ({"start": "2024-09-02T08:00:00Z", "client_timezone": "Nowhere/Land"}, 400, "invalid"),
        ({"start": "2024-09-02T08:00:00Z", "provider": 999999}, 404, "not_found"),
        ({"start": "2024-09-02T08:00:00Z", "service": 999999}, 404, "not_found"),
        ({"start": "2024-09-02T08:00:00Z", "provider": "x"}, 400, "invalid"),
        ({"start": "2024-09-02T08:00:00Z", "notes": "x" * 3000}, 400, "invalid"),
        ({"start": "9999-12-31T23:59:00-23:59"}, 400, "invalid"),  # overflows UTC
    ],
)
def test_bad_booking_payloads(client_user, berlin_lawyer, consultation, payload, status, code):
    body = {"provider": berlin_lawyer.pk, "service": consultation.pk, **payload}
    response = client_for(client_user).post("/api/v1/appointments/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert Appointment.objects.count() == 0


def test_wrong_content_type_is_415(client_user):
    response = client_for(client_user).post("/api/v1/appointments/", "provider=1", content_type="text/plain")
    assert (response.status_code, response.json()["error"]["code"]) == (415, "unsupported_media_type")


def test_malformed_json_is_400(client_user):
    response = client_for(client_user).post("/api/v1/appointments/", "{not json", content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_request")


def test_oversized_body_is_413(client_user):
    response = client_for(client_user).post(
        "/api/v1/appointments/", '{"notes": "' + "x" * 400_000 + '"}', content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (413, "payload_too_large")


def test_json_array_body_is_400(client_user):
    response = client_for(client_user).post("/api/v1/appointments/", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_idempotency_key_too_long_is_400(client_user, berlin_lawyer, consultation):
    response = client_for(client_user).post(
        "/api/v1/appointments/",
        {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": "2030-09-02T08:00:00Z"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 300,
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")
