"""Booking through the API: cases S3, S5, S10 of cases/scheduling.md, idempotency, cancel, reschedule, access."""

from datetime import time

import pytest
import time_machine

from scheduling.models import Appointment, IdempotencyRecord
from tests.conftest import client_for
from tests.factories import make_provider, make_service

pytestmark = pytest.mark.django_db


def book(api, provider, service, start, **extra):
    headers = {}
    if "key" in extra:
        headers["HTTP_IDEMPOTENCY_KEY"] = extra.pop("key")
    return api.post(
        "/api/v1/appointments/",
        {"provider": provider.pk, "service": service.pk, "start": start, **extra},
        format="json",
        **headers,
    )


@time_machine.travel("2021-11-01T12:00Z", tick=False)
def test_s3_new_york_pick_is_stored_in_utc(client_user):
    service = make_service(code="c30", duration_minutes=30)
    provider = make_provider(
        "ny@example.com", zone="America/New_York", services=[service], weekly=[(1, time(9), time(17))]
    )
    response = book(
        client_for(client_user), provider, service, "2021-11-08T10:00:00-05:00", client_timezone="America/New_York"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["start_utc"], body["end_utc"]) == ("2021-11-08T15:00:00Z", "2021-11-08T15:30:00Z")
    assert (body["start"], body["end"]) == ("2021-11-08T10:00:00-05:00", "2021-11-08T10:30:00-05:00")
    stored = Appointment.objects.get(pk=body["id"])
    assert stored.start.isoformat() == "2021-11-08T15:00:00+00:00"
    assert (body["sequence"], body["status"]) == (0, "confirmed")


@time_machine.travel("2024-03-05T08:10Z", tick=False)
def test_s5_minimum_notice_in_slots_and_on_write(client_user):
    service = make_service(code="paris", duration_minutes=30, minimum_notice_minutes=120)
    provider = make_provider(
        "paris@example.com", zone="Europe/Paris", services=[service], weekly=[(2, time(9), time(17))]
    )
    api = client_for(client_user)
    slots = api.get(
        f"/api/v1/providers/{provider.pk}/slots/",
        {"service": service.pk, "start": "2024-03-05", "end": "2024-03-05", "tz": "Europe/Paris"},
    ).json()
    assert slots["slots"][0] == {
        "start": "2024-03-05T11:30:00+01:00",
        "end": "2024-03-05T12:00:00+01:00",
        "start_utc": "2024-03-05T10:30:00Z",
    }
    assert len(slots["slots"]) == 11
    refused = book(api, provider, service, "2024-03-05T10:00:00Z")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_available"
    assert Appointment.objects.count() == 0


@time_machine.travel("2024-05-01T00:00Z", tick=False)
def test_s10_sao_paulo_slot_rendered_with_offset_then_gone_everywhere_and_second_post_409(client_user, other_user):
    service = make_service(code="sp", duration_minutes=30)
    provider = make_provider(
        "sp@example.com", zone="America/Sao_Paulo", services=[service], weekly=[(1, time(9), time(10))]
    )
    api = client_for(client_user)
    url = f"/api/v1/providers/{provider.pk}/slots/"
    query = {"service": service.pk, "start": "2024-05-06", "end": "2024-05-06"}
    before = api.get(url, {**query, "tz": "America/Sao_Paulo"}).json()["slots"][0]
    assert before == {
        "start": "2024-05-06T09:00:00-03:00",
        "end": "2024-05-06T09:30:00-03:00",
        "start_utc": "2024-05-06T12:00:00Z",
    }
    assert book(api, provider, service, "2024-05-06T12:00:00Z").status_code == 201
    for tz in ("UTC", "America/Sao_Paulo"):
        left = [s["start_utc"] for s in api.get(url, {**query, "tz": tz}).json()["slots"]]
        assert left == ["2024-05-06T12:30:00Z"]
    second = book(client_for(other_user), provider, service, "2024-05-06T09:00:00-03:00")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "slot_taken"
    assert Appointment.objects.count() == 1


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_idempotent_replay_returns_same_body_and_one_row(client_user, berlin_lawyer, consultation):
    api = client_for(client_user)
    first = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z", key="abc-123")
    replay = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z", key="abc-123")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert first.content == replay.content
    assert Appointment.objects.count() == 1
    other_body = book(api, berlin_lawyer, consultation, "2024-09-02T09:00:00Z", key="abc-123")
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_idempotency_keys_are_per_user(client_user, other_user, berlin_lawyer, consultation):
    assert (
        book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z", key="k").status_code == 201
    )
    theirs = book(client_for(other_user), berlin_lawyer, consultation, "2024-09-02T09:00:00Z", key="k")
    assert theirs.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_buffer_collision_is_not_available_and_session_overlap_is_slot_taken(client_user, other_user):
    service = make_service(code="buffered", duration_minutes=30, buffer_after_minutes=15)
    provider = make_provider(
        "buf@example.com", zone="Europe/Berlin", services=[service], weekly=[(1, time(9), time(12))]
    )
    assert book(client_for(client_user), provider, service, "2024-09-02T08:00:00Z").status_code == 201
    too_close = book(client_for(other_user), provider, service, "2024-09-02T08:30:00Z")
    assert (too_close.status_code, too_close.json()["error"]["code"]) == (400, "not_available")


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_cancel_releases_the_slot_and_raises_sequence(client_user, other_user, berlin_lawyer, consultation):
    api = client_for(client_user)
    appointment_id = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z").json()["id"]
    cancelled = api.post(f"/api/v1/appointments/{appointment_id}/cancel/", {"reason": "ill"}, format="json")
    assert cancelled.json() == {"status": "cancelled", "sequence": 1}
    again = api.post(f"/api/v1/appointments/{appointment_id}/cancel/", {}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_state")
    assert book(client_for(other_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z").status_code == 201


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_reschedule_keeps_id_and_uid_raises_sequence_and_frees_old_time(
    client_user, other_user, berlin_lawyer, consultation
):
    api = client_for(client_user)
    booked = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z").json()
    moved = api.post(
        f"/api/v1/appointments/{booked['id']}/reschedule/", {"start": "2024-09-02T09:00:00Z"}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    body = moved.json()
    assert (body["id"], body["uid"], body["sequence"], body["start_utc"]) == (
        booked["id"],
        booked["uid"],
        1,
        "2024-09-02T09:00:00Z",
    )
    assert book(client_for(other_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z").status_code == 201


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_reschedule_onto_a_taken_slot_is_409_and_changes_nothing(client_user, other_user, berlin_lawyer, consultation):
    mine = book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z").json()
    book(client_for(other_user), berlin_lawyer, consultation, "2024-09-02T09:00:00Z")
    response = client_for(client_user).post(
        f"/api/v1/appointments/{mine['id']}/reschedule/", {"start": "2024-09-02T09:00:00Z"}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "slot_taken")
    stored = Appointment.objects.get(pk=mine["id"])
    assert (stored.start.isoformat(), stored.sequence) == ("2024-09-02T08:00:00+00:00", 0)


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_another_users_appointment_is_404_for_read_cancel_and_reschedule(
    client_user, other_user, berlin_lawyer, consultation
):
    appointment_id = book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z").json()["id"]
    stranger = client_for(other_user)
    for method, path, data in [
        ("get", f"/api/v1/appointments/{appointment_id}/", None),
        ("post", f"/api/v1/appointments/{appointment_id}/cancel/", {}),
        ("post", f"/api/v1/appointments/{appointment_id}/reschedule/", {"start": "2024-09-02T09:00:00Z"}),
    ]:
        response = getattr(stranger, method)(path, data, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert stranger.get("/api/v1/appointments/").json() == []
    assert Appointment.objects.get(pk=appointment_id).status == "confirmed"


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_provider_sees_the_appointment_in_their_own_zone(client_user, berlin_lawyer, consultation):
    appointment_id = book(
        client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z", client_timezone="America/New_York"
    ).json()["id"]
    as_client = client_for(client_user).get(f"/api/v1/appointments/{appointment_id}/").json()
    as_provider = client_for(berlin_lawyer.user).get(f"/api/v1/appointments/{appointment_id}/").json()
    assert (as_client["start"], as_client["timezone"]) == ("2024-09-02T04:00:00-04:00", "America/New_York")
    assert (as_provider["start"], as_provider["timezone"]) == ("2024-09-02T10:00:00+02:00", "Europe/Berlin")


def test_anonymous_booking_is_401(api, berlin_lawyer, consultation):
    response = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_service_not_offered_by_provider_is_400(client_user, berlin_lawyer):
    other = make_service(code="other", duration_minutes=30)
    response = book(client_for(client_user), berlin_lawyer, other, "2024-09-02T08:00:00Z")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "service_not_offered")
