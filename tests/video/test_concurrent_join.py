"""Two sockets joining one room at the same moment: each hears of the other exactly once.

The consumer joins the room group before the join's snapshot (``joined.peers``) is taken; a
peer that joined in between was in the snapshot and its ``peer-joined`` reached the socket
too. room.js took the second announcement for a reload of the other page, dropped the
connection it was offering on and waited for an offer that never came (newcomer trial: 4
of 5 simultaneous opens of a lawyer room never connected).
"""

from __future__ import annotations

import asyncio
import os
import threading

import pytest
from channels.layers import channel_layers
from django.db import connection

from tests.video.ws import open_socket, recv, recv_type, run_async, until_closed
from video import services

pytestmark = pytest.mark.django_db(transaction=True)

ITERATIONS = 15  # 30 of 30 announced twice before the fix

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1500}}}


def redis_layers() -> dict:
    host = {"address": os.environ.get("REDIS_URL", ""), "socket_timeout": 16, "socket_connect_timeout": 5}
    return {
        "default": {
            "BACKEND": "config.layers.RedisChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": "lexmeet-test-concurrent-join", "capacity": 1500},
        }
    }


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def layer(request, settings):
    settings.STUN_URLS = []
    settings.CHANNEL_LAYERS = IN_MEMORY if request.param == "memory" else redis_layers()
    channel_layers.backends = {}
    yield request.param
    channel_layers.backends = {}


async def heard_until_quiet(comm, quiet: float = 0.25) -> list[dict]:
    messages = [await recv_type(comm, "joined", timeout=10)]
    while not await comm.receive_nothing(timeout=quiet):  # (a receive that times out cancels the app)
        messages.append(await recv(comm))
    return messages


def announcements(messages: list[dict], peer_id: str) -> list[str]:
    """Each time ``messages`` announce ``peer_id`` (in ``joined.peers`` or as ``peer-joined``)."""
    seen = []
    for m in messages:
        if m["type"] == "joined":
            seen += ["joined.peers" for p in m["peers"] if p["peer_id"] == peer_id]
        elif m["type"] == "peer-joined" and m["peer"]["peer_id"] == peer_id:
            seen.append("peer-joined")
    return seen


@pytest.fixture
def joins_in_turn_on_sqlite(monkeypatch):
    """SQLite's shared-cache test database refuses a second writer ("table is locked") instead of waiting
    as PostgreSQL's room-row lock does; serialize ``participant_connect`` there, as that lock would."""
    if connection.vendor != "sqlite":
        return
    lock, connect = threading.Lock(), services.participant_connect

    def in_turn(**kwargs):
        with lock:
            return connect(**kwargs)

    monkeypatch.setattr(services, "participant_connect", in_turn)


def test_concurrent_joins_announce_each_peer_once(open_room, layer, joins_in_turn_on_sqlite):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant

    async def scenario():
        failures = []
        for i in range(ITERATIONS):
            host, client = await asyncio.gather(
                open_socket(room.room_id, user=open_room.host), open_socket(room.room_id, user=open_room.client)
            )
            host_heard, client_heard = await asyncio.gather(heard_until_quiet(host), heard_until_quiet(client))
            got = (announcements(host_heard, str(cp.pk)), announcements(client_heard, str(hp.pk)))
            if any(len(a) != 1 for a in got):
                failures.append((i, got))
            for comm in (host, client):
                await comm.send_json_to({"type": "leave"})
            # Each side may still hear the other leave before its own close.
            for comm in (host, client):
                messages, code = await until_closed(comm)
                assert code == 1000 and all(m["type"] == "peer-left" for m in messages), messages
        assert failures == [], f"{len(failures)}/{ITERATIONS} iterations announced a peer twice or never"

    run_async(scenario)


def test_a_reload_is_announced_again_with_a_new_connection(open_room, layer):
    """The dedup keys on the connection: the other page's reload is still a new announcement."""
    room, cp = open_room.room, open_room.client_participant

    async def scenario():
        host = await open_socket(room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        first = await open_socket(room.room_id, user=open_room.client)
        await recv_type(first, "joined")
        one = (await recv_type(host, "peer-joined"))["peer"]
        second = await open_socket(room.room_id, user=open_room.client)  # the reload, or another tab
        await recv_type(second, "joined")
        two = (await recv_type(host, "peer-joined"))["peer"]
        assert (one["peer_id"], two["peer_id"]) == (str(cp.pk), str(cp.pk))
        assert len(one["connection"]) == 16 and one["connection"] != two["connection"] and two["resumed"] is True
        messages, code = await until_closed(first)
        assert code == 4001
        for comm in (second, host):
            await comm.disconnect()

    run_async(scenario)
