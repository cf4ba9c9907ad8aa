"""Seed one open consultation room for live-server tests; prints ``{"room_id", "host", "client"}`` as JSON.

Run in the live server's environment: ``manage.py shell -c "from tests.video.live_seed import main; main()"``.
"""

import json
import secrets


def main() -> None:
    from tests.video.conftest import make_room

    setup = make_room(prefix=f"live-{secrets.token_hex(4)}-")
    sessions = {role: session_for(user) for role, user in (("host", setup.host), ("client", setup.client))}
    print(
        json.dumps(
            {"room_id": setup.room.room_id, "host": setup.host.pk, "client": setup.client.pk, "sessions": sessions}
        )
    )


def session_for(user) -> str:
    """A logged-in session key for ``user`` (what the login view would set, second factor included)."""
    from tests.factories import session_key_for

    return session_key_for(user)
