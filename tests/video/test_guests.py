"""Guests: the host invites someone without an account by email; a signed link bound to the room and to them.

Access control (issue 4): the link works only for its room and its guest, expires with the room,
a newer invite replaces it, and a kick revokes it on the server.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core import mail
from django.test import Client

from config.asgi import application
from tests.conftest import client_for
from tests.video.conftest import make_room
from tests.video.test_signaling import joined, peer
from tests.video.ws import ORIGIN, open_with_ticket, recv, recv_type, run_async, until_closed
from video.models import AttendanceEvent, Participant
from video.services import participant_invite_guest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _signaling_settings(settings):
    settings.STUN_URLS = []
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def invite(setup, email="maria@example.org", name="Maria Interpreter", role="interpreter"):
    response = client_for(setup.host).post(
        f"/api/v1/rooms/{setup.room.room_id}/participants/", {"email": email, "role": role, "name": name}, format="json"
    )
    return response


def link_in_mail(to: str) -> tuple[str, str]:
    """(path, token) of the last invite link emailed to ``to``."""
    body = [m for m in mail.outbox if m.to == [to]][-1].body
    found = re.search(re.escape(settings.SITE_URL) + r"(/rooms/[^/]+/join/([^/\s]+)/)", body)
    assert found, body
    return found.group(1), found.group(2)


def guest_api(room_id: str, token: str):
    return Client().post(f"/api/v1/rooms/{room_id}/guest/", {"invite": token}, content_type="application/json")


async def open_as(room_id: str, cookie: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(
        application, f"/ws/rooms/{room_id}/", headers=[(b"origin", ORIGIN), (b"cookie", f"sessionid={cookie}".encode())]
    )
    connected, _ = await comm.connect(timeout=5)
    assert connected
    return comm


def test_host_invites_a_guest_by_email_who_joins_through_the_lobby_under_the_given_name(open_room):
    setup = open_room
    response = invite(setup)
    assert response.status_code == 201, response.json()
    guest = Participant.objects.get(guest_email="maria@example.org")
    assert response.json() == {
        "peer_id": str(guest.pk),
        "email": "maria@example.org",
        "role": "interpreter",
        "guest": True,
    }
    assert (guest.user_id, guest.guest_name, guest.admitted) == (None, "Maria Interpreter", False)
    path, token = link_in_mail("maria@example.org")
    assert path == f"/rooms/{setup.room.room_id}/join/{token}/"

    browser = Client()
    opened = browser.get(path)
    assert (opened.status_code, opened["Location"]) == (302, f"/rooms/{setup.room.room_id}/")
    page = browser.get(f"/rooms/{setup.room.room_id}/")
    assert page.status_code == 200
    assert (page.context["config"]["name"], page.context["config"]["lobby"]) == ("Maria Interpreter", True)
    cookie = browser.cookies["sessionid"].value
    hp = setup.host_participant

    async def scenario():
        host = await joined(setup.room.room_id, setup.host)
        guest_ws = await open_as(setup.room.room_id, cookie)
        assert await recv(guest_ws) == {"type": "lobby"}
        assert await recv(host) == {"type": "peer-waiting", "peer": peer(guest, "Maria Interpreter", None)}
        await host.send_json_to({"type": "admit", "peer_id": str(guest.pk)})
        assert await recv(guest_ws) == {"type": "admitted"}
        assert await recv(guest_ws) == {
            "type": "joined",
            "peer_id": str(guest.pk),
            "role": "interpreter",
            "peers": [peer(hp, "lawyer")],
            "ice_servers": [],
            "resumed": False,
        }
        assert await recv(host) == {
            "type": "peer-joined",
            "peer": peer(guest, "Maria Interpreter", None, resumed=False),
        }
        await guest_ws.disconnect()
        await host.disconnect()

    run_async(scenario)
    assert list(AttendanceEvent.objects.filter(participant=guest).values_list("kind", "by_id")) == [
        ("admit", setup.host.pk),
        ("join", None),
        ("leave", None),
    ]


def test_a_guest_without_a_name_is_refused(open_room):
    response = invite(open_room, name="")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"name": ["Give the name the others will see."]}
    assert not Participant.objects.filter(user__isnull=True).exists()


def test_the_guest_ticket_from_the_invite_opens_a_socket_for_that_guest_only(open_room):
    setup = open_room
    invite(setup)
    _, token = link_in_mail("maria@example.org")
    answer = guest_api(setup.room.room_id, token)
    assert answer.status_code == 200, answer.json()
    guest = Participant.objects.get(guest_email="maria@example.org")
    assert (answer.json()["role"], answer.json()["peer_id"], answer.json()["lobby"]) == (
        "interpreter",
        str(guest.pk),
        True,
    )
    ticket = answer.json()["ticket"]

    async def scenario():
        comm = await open_with_ticket(setup.room.room_id, setup.client)  # the helper's user ticket ...
        await recv_type(comm, "joined")
        guest_ws = WebsocketCommunicator(application, f"/ws/rooms/{setup.room.room_id}/")
        await guest_ws.connect(timeout=5)
        await guest_ws.send_json_to({"type": "auth", "ticket": ticket})  # ... and the guest's own
        assert await recv(guest_ws) == {"type": "lobby"}
        await guest_ws.disconnect()
        await comm.disconnect()

    run_async(scenario)


def test_a_link_for_another_room_is_refused_like_a_forged_one(open_room):
    other = make_room(prefix="other-")
    invite(open_room)
    path, token = link_in_mail("maria@example.org")
    wrong_room = path.replace(open_room.room.room_id, other.room.room_id)
    assert Client().get(wrong_room).status_code == 404
    assert guest_api(other.room.room_id, token).status_code == 404
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(path.replace(token, forged)).status_code == 404
    assert guest_api(open_room.room.room_id, forged).json()["error"]["code"] == "not_found"
    # A session that opened one room as a guest is nobody in the other.
    browser = Client()
    browser.get(path)
    assert browser.get(f"/rooms/{other.room.room_id}/").status_code == 302  # to the login page


def test_the_link_expires_with_the_room(fixed_room):
    # The room of 2024-05-06 12:00-12:30Z closed at 12:45Z (end plus grace): long over.
    guest = Participant.objects.create(
        room=fixed_room.room, guest_name="Late Guest", guest_email="late@example.org", role="witness", invite_nonce="n1"
    )
    from video.tickets import invite_issue

    token = invite_issue(participant_id=guest.pk, room_id=fixed_room.room.room_id, nonce="n1")
    answer = guest_api(fixed_room.room.room_id, token)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "room_ended")
    assert Client().get(f"/rooms/{fixed_room.room.room_id}/join/{token}/").status_code == 410
    # And the host cannot invite anyone into it any more.
    response = invite(fixed_room)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "room_ended")


def test_a_newer_invite_replaces_the_older_link(open_room):
    invite(open_room)
    old_path, old_token = link_in_mail("maria@example.org")
    browser = Client()
    browser.get(old_path)
    invite(open_room, name="Maria R. Interpreter")
    new_path, new_token = link_in_mail("maria@example.org")
    assert new_token != old_token
    assert Participant.objects.filter(user__isnull=True).count() == 1
    assert guest_api(open_room.room.room_id, old_token).status_code == 404
    assert Client().get(old_path).status_code == 404
    # The session opened with the old link no longer opens the room either.
    assert browser.get(f"/rooms/{open_room.room.room_id}/").status_code == 302
    assert guest_api(open_room.room.room_id, new_token).status_code == 200


def test_kicking_a_guest_revokes_the_link_and_the_session_on_the_server(open_room):
    setup = open_room
    invite(setup)
    path, token = link_in_mail("maria@example.org")
    guest = Participant.objects.get(guest_email="maria@example.org")
    browser = Client()
    browser.get(path)
    cookie = browser.cookies["sessionid"].value

    async def scenario():
        host = await joined(setup.room.room_id, setup.host)
        guest_ws = await open_as(setup.room.room_id, cookie)
        await recv_type(guest_ws, "lobby")
        await recv_type(host, "peer-waiting")
        await host.send_json_to({"type": "admit", "peer_id": str(guest.pk)})
        await recv_type(guest_ws, "admitted"), await recv_type(guest_ws, "joined")
        await recv_type(host, "peer-joined")
        await host.send_json_to({"type": "kick", "peer_id": str(guest.pk)})
        assert await until_closed(guest_ws) == ([{"type": "kicked", "reason": "kicked"}], 4403)
        again = await open_as(setup.room.room_id, cookie)
        assert await until_closed(again) == (
            [{"type": "error", "code": "removed", "message": "The host removed you from this room."}],
            4403,
        )
        await host.disconnect()

    run_async(scenario)
    answer = guest_api(setup.room.room_id, token)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "removed")
    assert Client().get(path).status_code == 403
    assert browser.get(f"/rooms/{setup.room.room_id}/").status_code == 403
    # Inviting the same email again does not bring a removed guest back.
    response = invite(setup)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "removed")


def test_the_system_can_add_a_guest_without_sending_mail_when_there_is_no_address(open_room):
    participant, token = participant_invite_guest(
        room=open_room.room, by=None, name="Consul Wang", email="", role="consular_officer"
    )
    assert (participant.guest_name, participant.guest_email, participant.role) == (
        "Consul Wang",
        "",
        "consular_officer",
    )
    assert mail.outbox == []
    assert guest_api(open_room.room.room_id, token).json()["role"] == "consular_officer"


def test_invite_links_carry_no_expiry_of_their_own_and_follow_a_reschedule(open_room):
    invite(open_room)
    _, token = link_in_mail("maria@example.org")
    appointment = open_room.room.appointment
    appointment.start -= timedelta(hours=3)  # now long past its end plus grace
    appointment.end -= timedelta(hours=3)
    appointment.blocked_start, appointment.blocked_end = appointment.start, appointment.end
    appointment.save()
    assert guest_api(open_room.room.room_id, token).json()["error"]["code"] == "room_ended"
