"""The room page ``/rooms/{room_id}/``: participants only, config for room.js, no ticket in the page."""

import json
import re

import pytest
from django.test import Client

from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db


def page(user, room_id):
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client.get(f"/rooms/{room_id}/")


def test_participant_gets_the_page_with_its_config(open_room, settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    response = page(open_room.client, open_room.room.room_id)
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(re.search(r'<script id="room-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["room_id"] == open_room.room.room_id
    assert config["peer_id"] == str(open_room.client_participant.pk)
    assert (config["role"], config["state"], config["lobby"]) == ("client", "open", False)
    assert config["ws_url"] == f"ws://testserver/ws/rooms/{open_room.room.room_id}/"
    assert config["ice_servers"] == [{"urls": ["stun:stun.example.org:3478"]}]
    assert "ticket" not in config
    assert "/static/js/room.js" in html
    assert 'id="btn-end"' not in html  # host only


def test_host_page_has_host_controls(open_room):
    html = page(open_room.host, open_room.room.room_id).content.decode()
    assert 'id="btn-end"' in html and 'id="lobby"' in html


def test_strangers_get_404_and_anonymous_users_log_in_first(open_room):
    stranger = make_user("stranger@example.com")
    assert page(stranger, open_room.room.room_id).status_code == 404
    assert page(stranger, "no-such-room").status_code == 404
    anonymous = page(None, open_room.room.room_id)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/accounts/login/?next=/rooms/{open_room.room.room_id}/"
