"""Signaling benchmarks (issue 4): printed figures, side by side with a bare ``websockets`` echo server.

1. Relay round trip (A sends ``offer`` to B, B answers back to A: two relays) through Daphne
   with the in-memory layer and with Redis, next to a bare ``websockets`` echo (A->server->A)
   and a bare ``websockets`` relay (A->server->B->server->A, the same topology) in the same run.
   Targets: p50 within 3x of the bare echo (in-memory); under 5 ms with Redis.
2. 1,000 concurrent idle room sockets on one Daphne process: its resident memory.
3. 200 rooms joining at once (two peers each): join latency (connect -> ``joined``) p50/p99.

Run: ``.venv/bin/python bench/signaling.py``; Redis figures need ``REDIS_URL``
(e.g. ``redis://127.0.0.1:6379/7``). Servers bind 127.0.0.1 on free ports, with their own SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")

import websockets  # noqa: E402

from tests.video.live import Daphne, free_port, live_env, manage  # noqa: E402

ROUND_TRIPS = int(os.environ.get("BENCH_ROUND_TRIPS", "2000"))
WARMUP = 100


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fmt(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:7.3f} ms   p99 {pct(values, 99) * 1000:7.3f} ms   (n={len(values)})"


def seed(env: dict, rooms: int, per_room: int) -> list[dict]:
    env = {**env, "BENCH_ROOMS": str(rooms), "BENCH_PER_ROOM": str(per_room)}
    out = manage(env, "shell", "-c", "import runpy; runpy.run_path('bench/signaling_seed.py')")
    return json.loads(out.strip().splitlines()[-1])


async def join(url: str, ticket: str):
    ws = await websockets.connect(url, max_queue=None, open_timeout=60)
    await ws.send(json.dumps({"type": "auth", "ticket": ticket}))
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "joined":
            return ws, message


async def relay_round_trips(url: str, room: dict) -> list[float]:
    a, _ = await join(url, room["tickets"][0])
    b, joined_b = await join(url, room["tickets"][1])
    b_id = joined_b["peer_id"]
    assert json.loads(await a.recv())["type"] == "peer-joined"

    async def answerer():
        async for raw in b:
            message = json.loads(raw)
            if message["type"] == "offer":
                await b.send(json.dumps({"type": "answer", "to": message["from"], "sdp": "v=0"}))

    task = asyncio.ensure_future(answerer())
    offer = json.dumps({"type": "offer", "to": b_id, "sdp": "v=0 " + "x" * 200})
    times = []
    for i in range(WARMUP + ROUND_TRIPS):
        t0 = time.perf_counter()
        await a.send(offer)
        while json.loads(await a.recv())["type"] != "answer":
            pass
        if i >= WARMUP:
            times.append(time.perf_counter() - t0)
    task.cancel()
    await a.close()
    await b.close()
    return times


ECHO_SERVER = """
import asyncio, sys, websockets
peers = {}
async def echo(ws):
    # "/" echoes; "/a" and "/b" relay to each other (the same topology as a signaling relay).
    path = ws.request.path
    if path == "/":
        async for m in ws:
            await ws.send(m)
        return
    peers[path] = ws
    other = "/b" if path == "/a" else "/a"
    async for m in ws:
        await peers[other].send(m)
async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1])):
        print("ready", flush=True)
        await asyncio.Future()
asyncio.run(main())
"""


async def bare_relay_round_trips(port: int) -> list[float]:
    a = await websockets.connect(f"ws://127.0.0.1:{port}/a")
    b = await websockets.connect(f"ws://127.0.0.1:{port}/b")
    await asyncio.sleep(0.1)

    async def answerer():
        async for _ in b:
            await b.send(json.dumps({"type": "answer", "from": "2", "seq": 1, "sdp": "v=0"}))

    task = asyncio.ensure_future(answerer())
    frame = json.dumps({"type": "offer", "to": "2", "sdp": "v=0 " + "x" * 200})
    times = []
    for i in range(WARMUP + ROUND_TRIPS):
        t0 = time.perf_counter()
        await a.send(frame)
        await a.recv()
        if i >= WARMUP:
            times.append(time.perf_counter() - t0)
    task.cancel()
    await a.close()
    await b.close()
    return times


async def echo_round_trips(port: int) -> list[float]:
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/")
    frame = json.dumps({"type": "offer", "to": "1", "sdp": "v=0 " + "x" * 200})
    times = []
    for i in range(WARMUP + ROUND_TRIPS):
        t0 = time.perf_counter()
        await ws.send(frame)
        await ws.recv()
        if i >= WARMUP:
            times.append(time.perf_counter() - t0)
    await ws.close()
    return times


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def idle_sockets(server: Daphne, rooms: list[dict]) -> tuple[float, float, int]:
    before = rss_mib(server.proc.pid)
    sockets = []
    for room in rooms:
        joined = await asyncio.gather(*(join(server.ws_url(room["room_id"]), t) for t in room["tickets"]))
        sockets += [ws for ws, _ in joined]
    await asyncio.sleep(2)
    after = rss_mib(server.proc.pid)
    count = len(sockets)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return before, after, count


async def join_storm(server: Daphne, rooms: list[dict]) -> list[float]:
    async def timed(room, ticket):
        t0 = time.perf_counter()
        ws, _ = await join(server.ws_url(room["room_id"]), ticket)
        return time.perf_counter() - t0, ws

    results = await asyncio.gather(*(timed(room, t) for room in rooms for t in room["tickets"]))
    await asyncio.gather(*(ws.close() for _, ws in results), return_exceptions=True)
    return [t for t, _ in results]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lexmeet-bench-"))
    db = tmp / "db.sqlite3"
    redis_url = os.environ.get("REDIS_URL", "")
    env = live_env(db, redis=False)
    print(f"Lexmeet signaling benchmark ({os.cpu_count()} cores, {ROUND_TRIPS} round trips per line)")
    manage(env, "migrate", "--noinput")

    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, "-c", ECHO_SERVER, str(echo_port)], stdout=subprocess.PIPE, text=True)
    echo.stdout.readline()
    try:
        print("\n1. Round trip")
        echo_times = asyncio.run(echo_round_trips(echo_port))
        print(f"   bare websockets echo A->server->A      {fmt(echo_times)}")
        bare_times = asyncio.run(bare_relay_round_trips(echo_port))
        print(f"   bare websockets relay A->B->A          {fmt(bare_times)}")
        # Back-to-back round trips exceed the per-socket rate limit (100 frames/s): lift it here.
        unlimited = {"VIDEO_RATE_BURST": "1000000", "VIDEO_RATE_PER_SECOND": "1000000"}
        variants = [("in-memory layer", {**env, **unlimited})]
        if redis_url:
            variants.append(("Redis layer", {**live_env(db, redis=True), "REDIS_URL": redis_url, **unlimited}))
        else:
            print("   (REDIS_URL unset: Redis figures skipped)")
        for label, variant_env in variants:
            room = seed(variant_env, 1, 2)[0]
            server = Daphne(variant_env, tmp / f"daphne-{label.split()[0]}.log")
            try:
                times = asyncio.run(relay_round_trips(server.ws_url(room["room_id"]), room))
            finally:
                server.stop()
            ratio = pct(times, 50) / pct(echo_times, 50)
            ratio_relay = pct(times, 50) / pct(bare_times, 50)
            print(
                f"   Daphne relay A->B->A, {label:<16} {fmt(times)}   "
                f"p50 = {ratio:.1f}x echo, {ratio_relay:.1f}x bare relay"
            )
    finally:
        echo.terminate()
        echo.wait()

    print("\n2. 1,000 idle room sockets on one Daphne process (in-memory layer, 250 rooms x 4)")
    rooms = seed(env, 250, 4)
    server = Daphne(env, tmp / "daphne-idle.log")
    try:
        before, after, count = asyncio.run(idle_sockets(server, rooms))
    finally:
        server.stop()
    per_socket = (after - before) * 1024 / max(count, 1)
    print(
        f"   {count} sockets joined; Daphne RSS {before:.1f} MiB -> {after:.1f} MiB (+{per_socket:.1f} KiB per socket)"
    )

    print("\n3. 200 rooms joining at once (2 peers each: 400 sockets, in-memory layer)")
    rooms = seed(env, 200, 2)
    server = Daphne(env, tmp / "daphne-storm.log")
    try:
        times = asyncio.run(join_storm(server, rooms))
    finally:
        server.stop()
    print(f"   connect -> joined                       {fmt(times)}")


if __name__ == "__main__":
    main()
