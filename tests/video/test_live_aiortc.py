"""Case V2: two aiortc peers (client and lawyer) connect through live Daphne servers.

The newcomer (the client) offers to the peer already in the room (the host),
which answers; both must reach ``connectionState == "connected"``. Then the
same with the Redis channel layer and each peer on its own Daphne process.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

aiortc = pytest.importorskip("aiortc")
websockets = pytest.importorskip("websockets")

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402

from tests.video.live import Daphne, live_env, manage, seed_room  # noqa: E402
from tests.video.ws import run_async  # noqa: E402
from video.tickets import ticket_issue  # noqa: E402

TIMEOUT = 30


@pytest.fixture(scope="module")
def live_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "db.sqlite3"
    manage(live_env(path, redis=False), "migrate", "--noinput")
    return path


async def run_peer(url: str, ticket: str, *, role: str, result: dict) -> None:
    """Join, offer if we are the newcomer (someone is already there), answer offers; wait for ``connected``."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    async def on_state():
        result.setdefault(f"{role}_states", []).append(pc.connectionState)
        if pc.connectionState == "connected":
            connected.set()

    async with websockets.connect(url, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth", "ticket": ticket}))
        joined = json.loads(await ws.recv())
        assert joined["type"] == "joined", joined
        result[f"{role}_joined"] = joined
        if joined["peers"]:
            pc.createDataChannel("chat")
            await pc.setLocalDescription(await pc.createOffer())
            to = joined["peers"][0]["peer_id"]
            await ws.send(json.dumps({"type": "offer", "to": to, "sdp": pc.localDescription.sdp}))

        async def read():
            async for raw in ws:
                message = json.loads(raw)
                result.setdefault(f"{role}_messages", []).append(message["type"])
                if message["type"] == "offer":
                    await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
                    await pc.setLocalDescription(await pc.createAnswer())
                    await ws.send(json.dumps({"type": "answer", "to": message["from"], "sdp": pc.localDescription.sdp}))
                elif message["type"] == "answer":
                    await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))

        reader = asyncio.ensure_future(read())
        try:
            await asyncio.wait_for(connected.wait(), TIMEOUT)
            result[role] = pc.connectionState
            await asyncio.sleep(0.5)  # let the other side see it too before we hang up
        finally:
            reader.cancel()
            await pc.close()


async def two_peers(host_url: str, client_url: str, seeded: dict) -> dict:
    now = datetime.now(UTC)
    result: dict = {}
    host = asyncio.ensure_future(
        run_peer(
            host_url,
            ticket_issue(user_id=seeded["host"], room_id=seeded["room_id"], now=now),
            role="host",
            result=result,
        )
    )
    while "host_joined" not in result:
        await asyncio.sleep(0.05)
        if host.done():
            host.result()
    client = run_peer(
        client_url,
        ticket_issue(user_id=seeded["client"], room_id=seeded["room_id"], now=now),
        role="client",
        result=result,
    )
    await asyncio.wait_for(asyncio.gather(host, client), TIMEOUT + 10)
    return result


@pytest.mark.parametrize(
    "processes", [1, pytest.param(2, marks=pytest.mark.redis)], ids=["one-daphne", "two-daphnes-redis"]
)
def test_v2_two_aiortc_peers_connect_through_daphne(live_db, tmp_path, processes):
    env = live_env(live_db, redis=processes == 2)
    seeded = seed_room(env)
    servers = [Daphne(env, tmp_path / f"daphne-{i}.log") for i in range(processes)]
    try:
        urls = servers[0].ws_url(seeded["room_id"]), servers[-1].ws_url(seeded["room_id"])
        result = run_async(lambda: two_peers(*urls, seeded))
    finally:
        for server in servers:
            server.stop()
    assert (result["host"], result["client"]) == ("connected", "connected")
    assert result["host_joined"]["peers"] == []
    assert [p["role"] for p in result["client_joined"]["peers"]] == ["host"]
    assert result["host_messages"][:2] == ["peer-joined", "offer"]
    assert result["client_messages"][0] == "answer"
