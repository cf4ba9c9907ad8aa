"""A notary's session cookie opens a room socket only after the second factor."""

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tests.factories import make_otp_device, session_key_for
from tests.video.conftest import make_room
from tests.video.ws import ORIGIN, run_async

pytestmark = pytest.mark.django_db(transaction=True)


def password_only_session(user) -> str:
    client = Client()
    client.force_login(user)  # the password step only
    return client.cookies["sessionid"].value


async def first_frame(room_id, cookie):
    comm = WebsocketCommunicator(
        application, f"/ws/rooms/{room_id}/", headers=[(b"origin", ORIGIN), (b"cookie", f"sessionid={cookie}".encode())]
    )
    connected, _ = await comm.connect(timeout=5)
    assert connected
    frame = await comm.receive_json_from(timeout=5)
    closed = await comm.receive_output(timeout=5) if frame["type"] == "error" else None
    await comm.disconnect()
    return frame, closed


def test_unverified_notary_session_is_refused_and_verified_one_joins():
    setup = make_room(kind="notary")
    make_otp_device(setup.host)
    password_only, verified = password_only_session(setup.host), session_key_for(setup.host)

    async def scenario():
        return await first_frame(setup.room.room_id, password_only), await first_frame(setup.room.room_id, verified)

    (frame, closed), (joined, _) = run_async(scenario)
    assert (frame["type"], frame["code"], closed) == (
        "error",
        "otp_required",
        {"type": "websocket.close", "code": 4401},
    )
    assert (joined["type"], joined["role"]) == ("joined", "host")
