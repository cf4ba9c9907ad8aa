"""Fault: the Daphne process of one participant is killed (SIGKILL) in the middle of a call.

Real processes: two Daphne processes sharing a private ``redis-server`` (channel layer) and one
SQLite file; the host on process B, the client on process A. A is killed; the client's socket
drops (no close frame), it reconnects to B (what a proxy in front of both would do) and takes
its place back (``joined.resumed``); the host sees the return as ``peer-joined`` with
``peer.resumed: true`` and never ``peer-left``; offers and answers flow again. A killed process
cannot announce the drop, so the host sees no ``peer-reconnecting`` in between (a drop that a
live process sees, e.g. a network cut, does announce it). Lost: nothing after the return
(relays sent to the dead process's channel while the client was away expire with it; the
client renegotiates on return, as ``static/js/room.js`` does with an ICE restart).
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from tests.faults.conftest import START_TIMEOUT, Peer
from tests.faults.services import PrivateRedis
from tests.video.live import Daphne, live_env
from tests.video.ws import run_async

pytestmark = [pytest.mark.redis]

RELAYS_AFTER = 20  # offers and answers each way after the return


async def scenario(a: Daphne, b: Daphne, seeded: dict) -> dict:
    room_id = seeded["room_id"]
    host = Peer("host", seeded["host"], room_id)
    client = Peer("client", seeded["client"], room_id)
    await host.join(b.ws_url(room_id))
    await client.join(a.ws_url(room_id))
    await host.expect("peer-joined")
    await client.send(type="offer", to=host.peer_id, sdp="v=0 before")
    await host.expect("offer", sdp="v=0 before")
    seen_before = len(host.frames)

    t0 = time.monotonic()
    a.proc.send_signal(signal.SIGKILL)
    await asyncio.to_thread(a.proc.wait, 10)
    dropped = await client.expect("<closed>")
    back, refusals = await client.join_retrying([a.ws_url(room_id), b.ws_url(room_id)])
    returned = await host.expect("peer-joined")
    rejoin_s = time.monotonic() - t0

    for n in range(RELAYS_AFTER):
        await client.send(type="offer", to=host.peer_id, sdp=f"v=0 after {n}")
        await host.send(type="answer", to=client.peer_id, sdp=f"v=0 answer {n}")
    offers = [(await host.expect("offer"))["sdp"] for _ in range(RELAYS_AFTER)]
    answers = [(await client.expect("answer"))["sdp"] for _ in range(RELAYS_AFTER)]
    await asyncio.sleep(0.3)  # anything else the host would be told (a late peer-left) arrives now
    host_saw = [f["type"] for f in host.frames[seen_before:]]
    await host.close()
    await client.close()
    return {
        "dropped": dropped,
        "back": back,
        "refusals": refusals,
        "returned": returned,
        "rejoin_s": rejoin_s,
        "offers": offers,
        "answers": answers,
        "host_saw": host_saw,
    }


def test_killed_daphne_clients_rejoin_the_other_process_and_the_room_goes_on(faults_sqlite, tmp_path, record_property):
    db_path, seeds = faults_sqlite
    seeded = seeds["killed"]
    redis = PrivateRedis()
    redis.start()
    env = {**live_env(db_path, redis=True), "REDIS_URL": redis.url}
    servers = []
    try:
        servers = [Daphne(env, tmp_path / f"daphne-{name}.log", start_timeout=START_TIMEOUT) for name in "ab"]
        r = run_async(lambda: scenario(*servers, seeded))
    finally:
        for server in servers:
            server.stop()
        redis.kill()

    assert r["dropped"]["code"] == 1006  # no close frame: the process died
    assert r["refusals"] == [({"type": "connect-failed", "error": "ConnectionRefusedError"}, None)]
    assert r["back"]["resumed"] is True
    assert [(p["role"], p["state"]) for p in r["back"]["peers"]] == [("host", "online")]
    assert r["returned"]["peer"]["peer_id"] == r["back"]["peer_id"]
    assert r["returned"]["peer"]["resumed"] is True
    assert "peer-left" not in r["host_saw"]
    assert r["offers"] == [f"v=0 after {n}" for n in range(RELAYS_AFTER)]
    assert r["answers"] == [f"v=0 answer {n}" for n in range(RELAYS_AFTER)]
    record_property("rejoin_after_kill_s", round(r["rejoin_s"], 2))
    record_property("host_saw", " ".join(r["host_saw"]))
    record_property("relays_after_return", 2 * RELAYS_AFTER)
    record_property("lost", 0)
