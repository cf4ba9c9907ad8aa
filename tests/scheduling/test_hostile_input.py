"""Regressions from a hostile trial run: every one of these was a 500 or a silent acceptance once."""

from datetime import time

import pytest
import time_machine
from django.test import Client

from scheduling.models import Appointment, ServiceType
from tests.conftest import client_for
from tests.factories import PASSWORD, make_provider, make_service

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/register/", "/api/v1/appointments/"])
def test_json_nested_beyond_recursion_limit_is_400(client_user, path):
    body = "[" * 5000 + "]" * 5000
    response = client_for(client_user).post(path, body, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_request")


@pytest.mark.parametrize(("start", "end"), [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02")])
def test_slot_query_at_the_ends_of_the_calendar_is_400(api, berlin_lawyer, consultation, start, end):
    response = api.get(
        f"/api/v1/providers/{berlin_lawyer.pk}/slots/",
        {"service": consultation.pk, "start": start, "end": end, "tz": "Pacific/Kiritimati"},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:00Z", "0001-01-01T00:00:00+14:00"])
def test_booking_and_rescheduling_at_the_ends_of_the_calendar_is_400(client_user, berlin_lawyer, consultation, start):
    api = client_for(client_user)
    booked = api.post(
        "/api/v1/appointments/",
        {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": start},
        format="json",
    )
    assert (booked.status_code, booked.json()["error"]["fields"]) == (
        400,
        {"start": ["The time must lie between 1971 and 2199."]},
    )
    with time_machine.travel("2030-01-01T00:00Z", tick=False):
        appointment_id = api.post(
            "/api/v1/appointments/",
            {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": "2030-01-07T08:00:00Z"},
            format="json",
        ).json()["id"]
        moved = api.post(f"/api/v1/appointments/{appointment_id}/reschedule/", {"start": start}, format="json")
    assert moved.status_code == 400
    page = Client()
    page.post("/accounts/login/", {"email": client_user.email, "password": PASSWORD})
    assert (
        page.post(f"/providers/{berlin_lawyer.pk}/book/", {"service": consultation.pk, "start": start}).status_code
        == 400
    )
    assert page.post(f"/appointments/{appointment_id}/reschedule/", {"start": start}).status_code == 400
    assert Appointment.objects.count() == 1


def test_absurd_service_numbers_are_refused(staff_user):
    response = client_for(staff_user).post(
        "/api/v1/services/",
        {
            "code": "t1",
            "name": "T",
            "provider_kind": "lawyer",
            "duration_minutes": 30,
            "minimum_notice_minutes": 10**18,
            "fee": "-5",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"minimum_notice_minutes", "fee"}
    assert ServiceType.objects.count() == 0


def test_post_without_trailing_slash_is_redirected_with_method_kept(client_user):
    response = client_for(client_user).post("/api/v1/appointments?x=1", {}, format="json")
    assert (response.status_code, response["Location"]) == (308, "/api/v1/appointments/?x=1")


def test_unknown_api_path_answers_json_404_even_in_debug(api, settings):
    settings.DEBUG = True
    response = api.get("/api/v1/nope/")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_lawyer_cannot_be_given_a_notary_service_or_a_made_up_language(staff_user):
    notarization = make_service(code="poa", provider_kind="notary")
    response = client_for(staff_user).post(
        "/api/v1/providers/",
        {
            "email": "l@example.com",
            "password": "a-long-enough-passphrase",
            "full_name": "L",
            "kind": "lawyer",
            "timezone": "Asia/Shanghai",
            "languages": ["klingon"],
            "service_ids": [notarization.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"languages"}
    response = client_for(staff_user).post(
        "/api/v1/providers/",
        {
            "email": "l@example.com",
            "password": "a-long-enough-passphrase",
            "full_name": "L",
            "kind": "lawyer",
            "timezone": "Asia/Shanghai",
            "languages": ["zh-hans"],
            "service_ids": [notarization.pk],
        },
        format="json",
    )
    assert response.json()["error"]["fields"] == {"service_ids": ["Not a lawyer service: poa."]}


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Asia/Shanghai", "right/UTC"])
def test_technical_tz_database_entries_are_not_zones(api, zone):
    response = api.post(
        "/api/v1/auth/register/",
        {"email": "z@example.com", "password": "a-long-enough-passphrase", "full_name": "Z", "timezone": zone},
        format="json",
    )
    assert "timezone" in response.json()["error"]["fields"]


@time_machine.travel("2030-01-01T00:00Z", tick=False)
def test_a_provider_cannot_book_their_own_time(berlin_lawyer, consultation):
    response = client_for(berlin_lawyer.user).post(
        "/api/v1/appointments/",
        {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": "2030-01-07T08:00:00Z"},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "cannot_book_self")


@time_machine.travel("2030-01-01T00:00Z", tick=False)
def test_the_provider_sees_the_clients_notes(client_user, consultation):
    provider = make_provider("p@example.com", zone="UTC", services=[consultation], weekly=[(1, time(9), time(10))])
    client_for(client_user).post(
        "/api/v1/appointments/",
        {
            "provider": provider.pk,
            "service": consultation.pk,
            "start": "2030-01-07T09:00:00Z",
            "notes": "Wage arrears <b>since</b> May",
        },
        format="json",
    )
    page = Client()
    page.post("/accounts/login/", {"email": provider.user.email, "password": PASSWORD})
    html = page.get(f"/appointments/{Appointment.objects.get().pk}/").content.decode()
    assert "Wage arrears &lt;b&gt;since&lt;/b&gt; May" in html


def test_empty_booking_form_is_400_not_404(client_user, berlin_lawyer):
    page = Client()
    page.post("/accounts/login/", {"email": client_user.email, "password": PASSWORD})
    assert page.post(f"/providers/{berlin_lawyer.pk}/book/", {}).status_code == 400
