"""The appointment changes under a live room: cancelled or rescheduled with people in it (issue 4).

Through the real services (``appointment_cancel``, ``appointment_reschedule``) and the real ASGI
stack: the room's sockets hear of it through the channel layer after commit (in-memory in pass 1,
Redis in pass 2).
"""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.utils import timezone as dj_timezone

from scheduling.models import Appointment
from scheduling.services import appointment_cancel, appointment_reschedule
from tests.factories import make_provider, make_service, make_user
from tests.video.test_signaling import add_participant, joined
from tests.video.ws import open_socket, open_with_ticket, recv_type, run_async, silent, until_closed
from video.models import AttendanceEvent, Participant, Presence
from video.services import room_create_for_appointment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _signaling_settings(settings):
    settings.STUN_URLS = []
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def _zone_away_from_midnight(*instants) -> str:
    """A provider zone in which every instant is between 02:00 and 21:00 local, so 24-hour rules offer it."""
    for zone in ("UTC", "Asia/Shanghai", "America/New_York"):
        if all(2 <= i.astimezone(ZoneInfo(zone)).hour < 21 for i in instants):
            return zone
    raise AssertionError("no zone fits")  # pragma: no cover - the three zones cover every hour


def booked_soon(*, minutes_ahead: int, kind="lawyer"):
    """An appointment starting ``minutes_ahead`` minutes from now on a 5-minute grid (its room is open when
    that is within 15 minutes), with a provider available all day in a zone away from midnight."""
    now = dj_timezone.now()
    start = (now + timedelta(minutes=minutes_ahead)).replace(second=0, microsecond=0)
    start += timedelta(minutes=(5 - start.minute % 5) % 5)
    zone = _zone_away_from_midnight(start, start + timedelta(days=1, hours=1))
    service = make_service(code=f"{kind}-soon", provider_kind=kind, slot_interval_minutes=5, minimum_notice_minutes=0)
    weekly = [(d, time(0, 0), time(23, 55)) for d in range(1, 8)]
    provider = make_provider(f"{kind}@example.com", zone=zone, services=[service], weekly=weekly, kind=kind)
    client = make_user("client@example.com", full_name="Chen Client")
    appointment = Appointment.objects.create(
        provider=provider,
        service=service,
        client=client,
        start=start,
        end=start + timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=30),
        client_timezone="UTC",
    )
    room = room_create_for_appointment(appointment=appointment)
    return appointment, room, provider.user, client


def test_cancelling_reaches_everyone_in_the_room_and_the_lobby_then_refuses_joins(db):
    appointment, room, host, client = booked_soon(minutes_ahead=10)
    hp, cp = room.participants.get(user=host), room.participants.get(user=client)
    interpreter = add_participant(room, "interpreter@example.com")

    async def scenario():
        host_ws = await joined(room.room_id, host)
        client_ws = await open_with_ticket(room.room_id, client)
        await recv_type(client_ws, "joined")
        interp_ws = await joined(room.room_id, interpreter.user)
        await recv_type(host_ws, "peer-joined"), await recv_type(host_ws, "peer-joined")
        await recv_type(client_ws, "peer-joined")
        await database_sync_to_async(appointment_cancel)(appointment=appointment, by=client, reason="ill")
        for comm in (host_ws, client_ws, interp_ws):
            assert await until_closed(comm) == ([{"type": "room-ended", "reason": "cancelled"}], 4410)
        late = await open_socket(room.room_id, user=host)
        assert await until_closed(late) == (
            [{"type": "error", "code": "room_ended", "message": "This session has ended."}],
            4410,
        )

    run_async(scenario)
    log = list(AttendanceEvent.objects.values_list("participant_id", "kind", "reason", "by_id"))
    assert log[:3] == [(hp.pk, "join", "", None), (cp.pk, "join", "", None), (interpreter.pk, "join", "", None)]
    assert log[3] == (cp.pk, "end", "cancelled", client.pk)
    assert sorted(log[4:]) == sorted([(p.pk, "leave", "cancelled", None) for p in (hp, cp, interpreter)])
    assert set(Participant.objects.filter(room=room).values_list("presence", flat=True)) == {Presence.OFFLINE}


def test_cancelling_a_notarization_reaches_the_one_waiting_in_the_lobby(db):
    appointment, room, host, client = booked_soon(minutes_ahead=10, kind="notary")
    assert room.lobby_enabled

    async def scenario():
        host_ws = await joined(room.room_id, host)
        client_ws = await open_socket(room.room_id, user=client)
        await recv_type(client_ws, "lobby")
        await recv_type(host_ws, "peer-waiting")
        await database_sync_to_async(appointment_cancel)(appointment=appointment, by=host)
        for comm in (host_ws, client_ws):
            assert await until_closed(comm) == ([{"type": "room-ended", "reason": "cancelled"}], 4410)

    run_async(scenario)
    kinds = list(AttendanceEvent.objects.values_list("kind", "reason"))
    # The host joined, ended it by cancelling and left; the client never got past the lobby.
    assert kinds == [("join", ""), ("end", "cancelled"), ("leave", "cancelled")]


def test_rescheduling_out_of_the_present_sends_everyone_out_with_the_new_window(db):
    appointment, room, host, client = booked_soon(minutes_ahead=10)
    new_start = appointment.start + timedelta(days=1)

    async def scenario():
        host_ws = await joined(room.room_id, host)
        client_ws = await joined(room.room_id, client)
        await recv_type(host_ws, "peer-joined")
        await database_sync_to_async(appointment_reschedule)(appointment=appointment, by=client, start=new_start)
        expected = {
            "type": "room-ended",
            "reason": "rescheduled",
            "opens_at": (new_start - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "closes_at": (new_start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for comm in (host_ws, client_ws):
            assert await until_closed(comm) == ([expected], 4409)
        early = await open_socket(room.room_id, user=client)
        assert await until_closed(early) == (
            [
                {
                    "type": "error",
                    "code": "room_not_open",
                    "message": "The room opens 15 minutes before the start.",
                }
            ],
            4409,
        )

    run_async(scenario)
    assert list(AttendanceEvent.objects.values_list("kind", "reason")) == [
        ("join", ""),
        ("join", ""),
        ("leave", "rescheduled"),
        ("leave", "rescheduled"),
    ]


def test_rescheduling_within_the_present_keeps_everyone_and_moves_the_closing_time(db, settings):
    appointment, room, host, client = booked_soon(minutes_ahead=3)  # starts within 3-8 minutes
    new_start = appointment.start + timedelta(minutes=5)  # opens (start - 15 min) at least 2 minutes ago
    client_peer = str(room.participants.get(user=client).pk)

    async def scenario():
        host_ws = await joined(room.room_id, host)
        client_ws = await joined(room.room_id, client)
        await recv_type(host_ws, "peer-joined")
        await database_sync_to_async(appointment_reschedule)(appointment=appointment, by=host, start=new_start)
        assert await silent(host_ws) and await silent(client_ws)
        # The room still relays.
        await host_ws.send_json_to({"type": "offer", "to": client_peer, "sdp": "v=0"})
        assert (await recv_type(client_ws, "offer"))["sdp"] == "v=0"
        await host_ws.disconnect()
        await client_ws.disconnect()

    run_async(scenario)
    assert list(AttendanceEvent.objects.values_list("kind", flat=True))[:2] == ["join", "join"]
    assert "rescheduled" not in AttendanceEvent.objects.values_list("reason", flat=True)
