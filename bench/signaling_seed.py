"""Seed rooms for bench/signaling.py (run inside ``manage.py shell``); prints JSON with long-lived tickets.

Environment: ``BENCH_ROOMS`` rooms of ``BENCH_PER_ROOM`` participants (host + client + extras).
Users get unusable passwords and are bulk-created (Argon2 would take minutes for a thousand).
"""

import json
import os
import secrets
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from scheduling.models import Appointment, Organization, Provider, ServiceType
from video.models import Participant
from video.services import room_create_for_appointment
from video.tickets import ticket_issue


def main() -> None:
    rooms, per_room = int(os.environ["BENCH_ROOMS"]), int(os.environ["BENCH_PER_ROOM"])
    tag = secrets.token_hex(4)
    org = Organization.objects.create(name=f"bench {tag}", kind="law_firm", timezone="UTC")
    service = ServiceType.objects.create(
        code=f"bench-{tag}", name="bench", provider_kind="lawyer", duration_minutes=60, max_participants=per_room
    )
    host = User.objects.create(email=f"host-{tag}@bench.invalid", full_name="Bench Host", password="!", role="lawyer")
    provider = Provider.objects.create(user=host, kind="lawyer", organization=org, timezone="UTC")
    provider.services.set([service])
    users = User.objects.bulk_create(
        User(email=f"u{i}-{tag}@bench.invalid", full_name=f"Bench {i}", password="!")
        for i in range(rooms * (per_room - 1))
    )
    start = timezone.now() - timedelta(minutes=5)
    now = timezone.now()
    out = []
    for r in range(rooms):
        members = users[r * (per_room - 1) : (r + 1) * (per_room - 1)]
        appointment = Appointment.objects.create(
            provider=provider,
            service=service,
            client=members[0],
            start=start,
            end=start + timedelta(hours=1),
            blocked_start=start,
            blocked_end=start + timedelta(hours=1),
            client_timezone="UTC",
        )
        room = room_create_for_appointment(appointment=appointment)
        Participant.objects.bulk_create(
            Participant(room=room, user=u, role="witness", admitted=True) for u in members[1:]
        )
        people = [host, *members]
        out.append(
            {
                "room_id": room.room_id,
                "tickets": [
                    ticket_issue(user_id=u.pk, room_id=room.room_id, now=now, ttl_seconds=3600) for u in people
                ],
            }
        )
    print(json.dumps(out))


main()
