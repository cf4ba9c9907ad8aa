"""Seed data for the fault tests, run inside the live server's environment; prints JSON.

``manage.py shell -c "from tests.faults.seed import main; main(names=['a'], clients=4, slots=20)"``:
per name, one open room (host, client ids, room id) and a bookable provider (UTC, every day
00:00-23:30) with ``clients`` API tokens and the first ``slots`` offered slot starts (UTC, from tomorrow).
"""

import json
import secrets
from datetime import time, timedelta


def main(*, names=("default",), clients: int = 1, slots: int = 4) -> None:
    """Print ``{name: seed}`` for each of ``names``."""
    print(json.dumps({name: one(clients=clients, slots=slots) for name in names}))


def one(*, clients: int, slots: int) -> dict:
    from django.utils import timezone as dj_timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from scheduling import selectors
    from tests.factories import make_provider, make_service
    from tests.video.conftest import make_room

    tag = secrets.token_hex(4)
    room = make_room(prefix=f"faults-{tag}-")
    service = make_service(code=f"faults-{tag}-booking", duration_minutes=30)
    provider = make_provider(
        f"faults-{tag}-provider@example.com",
        zone="UTC",
        services=[service],
        weekly=[(d, time(0), time(23, 30)) for d in range(1, 8)],
    )
    tokens = []
    for n in range(clients):
        user = User.objects.create_user(f"faults-{tag}-c{n}@example.com", None, full_name=f"Client {n}")
        tokens.append(Token.objects.create(user=user).key)
    now = dj_timezone.now()
    offered = selectors.provider_slot_list(
        provider=provider,
        service=service,
        range_start=now + timedelta(days=1),
        range_end=now + timedelta(days=3),
        now=now,
    )
    return {
        "room_id": room.room.room_id,
        "host": room.host.pk,
        "client": room.client.pk,
        "provider": provider.pk,
        "service": service.pk,
        "tokens": tokens,
        "slots": [s.start.strftime("%Y-%m-%dT%H:%M:%SZ") for s in offered[:slots]],
    }
