"""Video fixtures: an open consultation room (lawyer host + client) and a notarization room (lobby on)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone as dj_timezone

from scheduling.models import Appointment
from tests.factories import make_provider, make_service, make_user
from video.models import Participant, Room
from video.services import room_create_for_appointment


@dataclass
class RoomSetup:
    room: Room
    host: object  # User
    client: object  # User
    host_participant: Participant
    client_participant: Participant


def make_room(*, kind="lawyer", start=None, minutes=30, code=None, max_participants=4, prefix="") -> RoomSetup:
    """A room whose appointment starts at ``start`` (default: 5 minutes ago, so it is open now)."""
    start = start or dj_timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    service = make_service(
        code=code or f"{prefix}{kind}-{minutes}",
        duration_minutes=minutes,
        provider_kind=kind,
        max_participants=max_participants,
    )
    provider = make_provider(f"{prefix}{kind}@example.com", zone="Europe/Berlin", services=[service], kind=kind)
    client = make_user(f"{prefix}client@example.com", timezone="America/New_York", full_name="Chen Client")
    appointment = Appointment.objects.create(
        provider=provider,
        service=service,
        client=client,
        start=start,
        end=start + timedelta(minutes=minutes),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=minutes),
        client_timezone="America/New_York",
    )
    room = room_create_for_appointment(appointment=appointment)
    return RoomSetup(
        room=room,
        host=provider.user,
        client=client,
        host_participant=room.participants.get(user=provider.user),
        client_participant=room.participants.get(user=client),
    )


@pytest.fixture
def open_room(db):
    return make_room()


@pytest.fixture
def fixed_room(db):
    """A consultation 2024-05-06 12:00-12:30Z (grace 15 min: the room closes 12:45Z)."""
    return make_room(start=datetime(2024, 5, 6, 12, 0, tzinfo=UTC))
