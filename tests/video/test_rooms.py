"""Rooms, join tickets and ICE servers: booking creates the room, the room endpoint, case V8."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import client_for
from tests.factories import make_user
from video import tickets
from video.models import AttendanceEvent, ParticipantRole, Room
from video.services import room_end

pytestmark = pytest.mark.django_db

NOON = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


@time_machine.travel("2021-11-01T12:00Z", tick=False)
def test_booking_creates_the_room_with_host_and_client(client_user, berlin_lawyer, consultation):
    response = client_for(client_user).post(
        "/api/v1/appointments/",
        {
            "provider": berlin_lawyer.pk,
            "service": consultation.pk,
            "start": "2021-11-08T10:00:00+01:00",
            "client_timezone": "America/New_York",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    room = Room.objects.get(appointment_id=response.json()["id"])
    assert response.json()["room_id"] == room.room_id
    assert len(room.room_id) == 32
    assert sorted(room.participants.values_list("role", "admitted")) == [("client", True), ("host", True)]
    assert room.lobby_enabled is False
    assert room.opens_at.isoformat() == "2021-11-08T08:45:00+00:00"
    assert room.closes_at.isoformat() == "2021-11-08T09:45:00+00:00"


def test_notarization_room_has_the_lobby_on(db):
    from tests.video.conftest import make_room

    setup = make_room(kind="notary")
    assert setup.room.lobby_enabled is True
    assert (setup.host_participant.admitted, setup.client_participant.admitted) == (True, False)


def test_room_ids_are_random_and_unique(db):
    from tests.video.conftest import make_room

    first, second = make_room(prefix="a-"), make_room(prefix="b-")
    assert first.room.room_id != second.room.room_id


def test_room_states_through_its_window(fixed_room):
    room = fixed_room.room
    assert room.state_at(NOON - timedelta(minutes=15, seconds=1)) == "scheduled"
    assert room.state_at(NOON - timedelta(minutes=15)) == "open"
    assert room.state_at(NOON + timedelta(minutes=44, seconds=59)) == "open"
    assert room.state_at(NOON + timedelta(minutes=45)) == "closed"


@time_machine.travel("2024-05-06T11:50Z", tick=False)
def test_room_endpoint_for_a_participant(fixed_room, settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.TURN_SECRET = "s3cret"
    room = fixed_room.room
    response = client_for(fixed_room.client).get(f"/api/v1/rooms/{room.room_id}/")
    assert response.status_code == 200, response.json()
    body = response.json()
    pid = fixed_room.client_participant.pk
    username = f"1714999500:{pid}"
    credential = base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()
    assert {k: v for k, v in body.items() if k != "ticket"} == {
        "room_id": room.room_id,
        "appointment": room.appointment_id,
        "role": "client",
        "peer_id": str(pid),
        "opens_at": "2024-05-06T11:45:00Z",
        "closes_at": "2024-05-06T12:45:00Z",
        "state": "open",
        "lobby": False,
        "ws_url": f"ws://testserver/ws/rooms/{room.room_id}/",
        "ice_servers": [
            {"urls": ["stun:stun.example.org:3478"]},
            {
                "urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
                "username": username,
                "credential": credential,
            },
        ],
    }
    claims = tickets.ticket_verify(body["ticket"], room_id=room.room_id, now=datetime(2024, 5, 6, 11, 50, tzinfo=UTC))
    assert (claims.user_id, claims.expires) == (fixed_room.client.pk, 1714996200 + 120)


def test_v8_turn_credentials_follow_coturn_rest_scheme():
    expires = datetime(2024, 5, 6, 12, 45, tzinfo=UTC)
    assert tickets.turn_credentials(participant_id=42, expires_at=expires, secret="s3cret") == (
        "1714999500:42",
        "/NB7iibjccM6uiV+4v4zAsGKX2w=",
    )


def test_v8_turn_expiry_covers_the_appointment_plus_grace(fixed_room, settings):
    settings.TURN_URLS, settings.TURN_SECRET, settings.VIDEO_ROOM_GRACE_MINUTES = ["turn:t.example.org"], "k", 30
    servers = tickets.ice_servers(participant_id=7, expires_at=fixed_room.room.closes_at)
    assert servers[-1]["username"] == f"{int(datetime(2024, 5, 6, 13, 0, tzinfo=UTC).timestamp())}:7"


def test_no_turn_without_a_secret(settings):
    settings.STUN_URLS, settings.TURN_URLS, settings.TURN_SECRET = [], ["turn:t.example.org"], ""
    assert tickets.ice_servers(participant_id=7, expires_at=NOON) == []


def test_room_endpoint_is_404_for_others_and_missing_rooms(fixed_room):
    stranger = make_user("stranger@example.com")
    api = client_for(stranger)
    for room_id in (fixed_room.room.room_id, "no-such-room"):
        response = api.get(f"/api/v1/rooms/{room_id}/")
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_room_endpoint_needs_authentication(fixed_room, api):
    assert api.get(f"/api/v1/rooms/{fixed_room.room.room_id}/").status_code == 401


@time_machine.travel("2024-05-06T12:10Z", tick=False)
def test_v6_ended_room_refuses_new_tickets(fixed_room):
    room_end(room_pk=fixed_room.room.pk, host_pk=fixed_room.host_participant.pk)
    response = client_for(fixed_room.client).get(f"/api/v1/rooms/{fixed_room.room.room_id}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "room_ended"
    assert list(AttendanceEvent.objects.values_list("kind", flat=True)) == ["end"]


def test_ticket_is_bound_to_room_user_and_expiry():
    now = NOON
    ticket = tickets.ticket_issue(user_id=5, room_id="room-a", now=now, ttl_seconds=60)
    assert tickets.ticket_verify(ticket, room_id="room-a", now=now + timedelta(seconds=59)).user_id == 5
    with pytest.raises(tickets.TicketInvalid):
        tickets.ticket_verify(ticket, room_id="room-b", now=now)
    with pytest.raises(tickets.TicketInvalid):
        tickets.ticket_verify(ticket, room_id="room-a", now=now + timedelta(seconds=60))
    with pytest.raises(tickets.TicketInvalid):
        tickets.ticket_verify(ticket[:-2] + "xx", room_id="room-a", now=now)
    for junk in (None, 5, "", "x" * 2000):
        with pytest.raises(tickets.TicketInvalid):
            tickets.ticket_verify(junk, room_id="room-a", now=now)


@time_machine.travel("2024-05-06T11:50Z", tick=False)
def test_host_invites_an_interpreter_within_the_limit(fixed_room):
    interpreter = make_user("interpreter@example.com")
    api = client_for(fixed_room.host)
    url = f"/api/v1/rooms/{fixed_room.room.room_id}/participants/"
    response = api.post(url, {"email": "interpreter@example.com", "role": "interpreter"}, format="json")
    assert response.status_code == 201, response.json()
    participant = fixed_room.room.participants.get(user=interpreter)
    assert response.json() == {
        "peer_id": str(participant.pk),
        "email": "interpreter@example.com",
        "role": "interpreter",
        "guest": False,
    }
    assert participant.role == ParticipantRole.INTERPRETER
    make_user("witness@example.com")
    assert api.post(url, {"email": "witness@example.com", "role": "witness"}, format="json").status_code == 201
    make_user("third@example.com")
    full = api.post(url, {"email": "third@example.com", "role": "witness"}, format="json")
    assert (full.status_code, full.json()["error"]["code"]) == (409, "room_full")
    by_client = client_for(fixed_room.client).post(
        url, {"email": "third@example.com", "role": "witness"}, format="json"
    )
    assert by_client.status_code == 403


def test_a_provider_booking_themselves_is_only_the_host(db):
    from scheduling.models import Appointment
    from tests.factories import make_provider, make_service
    from video.services import room_create_for_appointment

    service = make_service(code="self")
    provider = make_provider("self@example.com", zone="UTC", services=[service])
    start = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
    appointment = Appointment.objects.create(
        provider=provider,
        service=service,
        client=provider.user,
        start=start,
        end=start + timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=30),
        client_timezone="UTC",
    )
    room = room_create_for_appointment(appointment=appointment)
    assert list(room.participants.values_list("role", flat=True)) == ["host"]
