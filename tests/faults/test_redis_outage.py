"""Fault: Redis (the channel layer and cache) goes away in the middle of a call.

Real processes: a private ``redis-server`` (killed with SIGKILL, then started again on the
same port) and a Daphne process on it. What the clients see: ``error {code:
"signaling_unavailable"}`` then close code 4503; joins while Redis is down get the same; once
Redis is back they rejoin (``resumed``) and the call goes on. Bookings over HTTP are not
affected. Lost: nothing (the booking made during the outage is stored, every relay after
the return arrives).
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.faults.conftest import START_TIMEOUT, Peer, Refused
from tests.faults.services import PrivateRedis
from tests.video.live import Daphne, live_env
from tests.video.ws import run_async

pytestmark = [pytest.mark.redis]


async def scenario(server: Daphne, redis: PrivateRedis, seeded: dict) -> dict:
    url = server.ws_url(seeded["room_id"])
    host = Peer("host", seeded["host"], seeded["room_id"])
    client = Peer("client", seeded["client"], seeded["room_id"])
    await host.join(url)
    await client.join(url)
    await host.expect("peer-joined")
    await client.send(type="offer", to=host.peer_id, sdp="v=0 before")
    assert (await host.expect("offer"))["sdp"] == "v=0 before"

    t0 = time.monotonic()
    await asyncio.to_thread(redis.kill)
    errors = [await peer.expect("error") for peer in (host, client)]
    closed = [await peer.expect("<closed>") for peer in (host, client)]
    error_after = time.monotonic() - t0

    # HTTP is not affected: a booking during the outage is accepted and stored.
    base = f"http://127.0.0.1:{server.port}/api/v1"
    auth = {"Authorization": f"Token {seeded['tokens'][0]}"}
    async with httpx.AsyncClient(timeout=20) as http:
        t1 = time.monotonic()
        booked = await http.post(
            f"{base}/appointments/",
            json={"provider": seeded["provider"], "service": seeded["service"], "start": seeded["slots"][0]},
            headers=auth,
        )
        booking_ms = (time.monotonic() - t1) * 1000
        # A rejoin while Redis is still down gets the same clear answer.
        refused = Peer("late", seeded["client"], seeded["room_id"])
        try:
            refused_answer = await refused.join(url)
        except Refused as exc:
            refused_answer = (exc.frame, exc.close_code)

        await asyncio.to_thread(redis.start)
        t2 = time.monotonic()
        host_back, _ = await host.join_retrying([url])
        client_back, _ = await client.join_retrying([url])
        rejoin_s = time.monotonic() - t2
        await host.expect("peer-joined")
        await client.send(type="offer", to=host.peer_id, sdp="v=0 after")
        offer = await host.expect("offer")
        await host.send(type="answer", to=client.peer_id, sdp="v=0 answer")
        answer = await client.expect("answer")
        stored = await http.get(f"{base}/appointments/{booked.json()['id']}/", headers=auth)
    await host.close()
    await client.close()
    return {
        "errors": errors,
        "closed": closed,
        "error_after_s": error_after,
        "booked": booked,
        "booking_ms": booking_ms,
        "refused": refused_answer,
        "host_back": host_back,
        "client_back": client_back,
        "rejoin_s": rejoin_s,
        "offer": offer,
        "answer": answer,
        "stored": stored,
    }


def test_redis_outage_mid_call_gives_a_clear_error_then_rejoin_and_bookings_go_on(
    faults_sqlite, tmp_path, record_property
):
    redis = PrivateRedis()
    redis.start()
    db_path, seeds = faults_sqlite
    seeded = seeds["redis"]
    env = {**live_env(db_path, redis=True), "REDIS_URL": redis.url, "VIDEO_RECONNECT_GRACE_SECONDS": "60"}
    server = None
    try:
        server = Daphne(env, tmp_path / "daphne.log", start_timeout=START_TIMEOUT)
        r = run_async(lambda: scenario(server, redis, seeded))
    finally:
        if server is not None:
            server.stop()
        redis.kill()

    assert [(e["type"], e["code"]) for e in r["errors"]] == [("error", "signaling_unavailable")] * 2
    assert [c["code"] for c in r["closed"]] == [4503, 4503]
    assert r["booked"].status_code == 201, r["booked"].text
    assert r["refused"] == (
        {"type": "error", "code": "signaling_unavailable", "message": r["errors"][0]["message"]},
        4503,
    )
    # Both take their places back (the drop kept them ``reconnecting``), and the call goes on.
    assert (r["host_back"]["resumed"], r["client_back"]["resumed"]) == (True, True)
    assert [p["state"] for p in r["client_back"]["peers"]] == ["online"]
    assert (r["offer"]["sdp"], r["answer"]["sdp"]) == ("v=0 after", "v=0 answer")
    assert (r["stored"].status_code, r["stored"].json()["status"]) == (200, "confirmed")
    record_property("error_after_kill_s", round(r["error_after_s"], 2))
    record_property("booking_during_outage_ms", round(r["booking_ms"], 1))
    record_property("rejoin_after_restart_s", round(r["rejoin_s"], 2))
    record_property("resumed", f"host {r['host_back']['resumed']}, client {r['client_back']['resumed']}")
    record_property("client_sees", "error signaling_unavailable, close 4503")
    record_property("lost", 0)
