"""Signaling benchmarks (issue 4): printed figures, side by side with a bare ``websockets`` echo server.

1. Relay round trip (A sends ``offer`` to B, B answers back to A: two relays) through Daphne
   with the in-memory layer and with Redis, next to a bare ``websockets`` echo (A->server->A)
   and a bare ``websockets`` relay (A->server->B->server->A, the same topology) in the same run:
   same client library and client work, same offer frame, no compression on either server,
   warm connections, lines interleaved in blocks.
   The same round trips also give the one-relay time, A->server->B (A's send until B has
   decoded it, one process, one clock): the same socket hops as the echo's A->server->A, so
   that is the figure to set beside the echo; the two-relay round trip is set beside the bare
   relay. Also printed: each server's CPU time per round trip (not inflated by waiting for a
   core on a loaded machine) and whether the server accepted the client's permessage-deflate.
   Targets: p50 within 3x of the bare echo (in-memory); under 5 ms with Redis.
2. 1,000 concurrent idle room sockets on one Daphne process: its resident memory.
3. 200 rooms joining at once (two peers each): join latency (connect -> ``joined``) p50/p99.

Run: ``.venv/bin/python bench/signaling.py [--round-trip-only]``; Redis figures need ``REDIS_URL``
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


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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


OFFER_SDP = "v=0 " + "x" * 200  # the same offer frame (about 250 bytes) on every line


class OneRelay:
    """One-relay times of a relay line: from A's send of an offer until B has decoded it (one clock, one process).

    ``timed_block`` sets ``t0`` just before A sends; B's reader (``answerer``) appends ``now - t0``
    when it has decoded the offer, before it answers. A->server->B crosses the same sockets as
    the echo's A->server->A.
    """

    def __init__(self):
        self.t0: float | None = None
        self.times: list[float] = []


async def timed_block(
    a, frame: str, expect: str, n: int, times: list[float] | None, one: OneRelay | None = None
) -> None:
    """``n`` round trips on socket ``a``: send ``frame``, read (and JSON-decode) until a message of type ``expect``.

    The client work is the same on every line: one pre-encoded frame sent, every reply decoded.
    With ``times`` None (warm-up) nothing is recorded, not even the one-relay times.
    """
    for _ in range(n):
        t0 = time.perf_counter()
        if one is not None:
            one.t0 = t0 if times is not None else None
        await a.send(frame)
        while json.loads(await a.recv())["type"] != expect:
            pass
        if times is not None:
            times.append(time.perf_counter() - t0)


def answerer(b, answer: str, one: OneRelay) -> asyncio.Future:
    """B's side of a relay: decode each message; answer each offer with the pre-encoded ``answer``."""

    async def run():
        async for raw in b:
            if json.loads(raw)["type"] == "offer":
                if one.t0 is not None:
                    one.times.append(time.perf_counter() - one.t0)
                await b.send(answer)

    return asyncio.ensure_future(run())


async def daphne_pair(url: str, room: dict):
    """Two joined sockets of one room: A offers to B (``offer``), B answers A (``answer``)."""
    a, joined_a = await join(url, room["tickets"][0])
    b, joined_b = await join(url, room["tickets"][1])
    assert json.loads(await a.recv())["type"] == "peer-joined"
    offer = json.dumps({"type": "offer", "to": joined_b["peer_id"], "sdp": OFFER_SDP})
    answer = json.dumps({"type": "answer", "to": joined_a["peer_id"], "sdp": "v=0"})
    return a, b, offer, answer


async def bare_pair(port: int):
    a = await websockets.connect(f"ws://127.0.0.1:{port}/a", compression=None)
    b = await websockets.connect(f"ws://127.0.0.1:{port}/b", compression=None)
    await asyncio.sleep(0.1)
    offer = json.dumps({"type": "offer", "to": "2", "sdp": OFFER_SDP})
    # What B's client receives from our server, so B decodes a message of the same shape on both.
    answer = json.dumps({"type": "answer", "from": "2", "seq": 1, "sdp": "v=0"})
    return a, b, offer, answer


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, in seconds (``/proc/<pid>/stat``, clock-tick resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def round_trips(
    echo_port: int, echo_pid: int, daphnes: list[tuple[str, str, dict, int]]
) -> dict[str, list[float]]:
    """All lines in one loop, interleaved in blocks so that a change of machine load hits every line alike.

    Lines: bare echo A->server->A; bare relay A->server->B->server->A; for each Daphne server,
    A->Daphne->B->Daphne->A (``offer`` relayed to B, B's ``answer`` relayed back). Every
    connection is opened and warmed up (WARMUP round trips) before any timing. Each relay line
    also yields its one-relay times (A->server->B, key ``"<label> one relay"``) from the same
    round trips. Also returns, under ``"extensions"``, what each server answered to the
    client's offer of permessage-deflate (``None``: not negotiated), and under ``"cpu"`` the
    server process's CPU seconds per round trip of each line (summed over its timed blocks only:
    a figure that waiting for a contended core does not inflate).
    """
    lines: dict[str, tuple] = {}
    extensions: dict[str, str | None] = {}
    echo = await websockets.connect(f"ws://127.0.0.1:{echo_port}/", compression=None)
    lines["echo"] = (echo, None, json.dumps({"type": "offer", "to": "1", "sdp": OFFER_SDP}), "offer", None)
    pids = {"echo": echo_pid, "bare relay": echo_pid}
    a, b, offer, answer = await bare_pair(echo_port)
    one = OneRelay()
    lines["bare relay"] = (a, answerer(b, answer, one), offer, "answer", one)
    for label, url, room, pid in daphnes:
        pids[label] = pid
        a, b, offer, answer = await daphne_pair(url, room)
        extensions[label] = a.response.headers.get("Sec-WebSocket-Extensions")
        one = OneRelay()
        lines[label] = (a, answerer(b, answer, one), offer, "answer", one)
    for a, _, frame, expect, one in lines.values():
        await timed_block(a, frame, expect, WARMUP, None, one)
    times: dict[str, list[float]] = {label: [] for label in lines}
    cpu = dict.fromkeys(lines, 0.0)
    blocks = 10
    for _ in range(blocks):
        for label, (a, _, frame, expect, one) in lines.items():
            before = cpu_seconds(pids[label])
            await timed_block(a, frame, expect, ROUND_TRIPS // blocks, times[label], one)
            cpu[label] += cpu_seconds(pids[label]) - before
    for label, (a, task, _, _, one) in lines.items():
        if one is not None:
            times[f"{label} one relay"] = one.times
        if task is not None:
            task.cancel()
        await a.close()
    times["extensions"] = extensions
    times["cpu"] = {label: seconds / len(times[label]) for label, seconds in cpu.items()}
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
    # No permessage-deflate: Daphne (autobahn) does not negotiate it either.
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1]), compression=None):
        print("ready", flush=True)
        await asyncio.Future()
asyncio.run(main())
"""


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
    servers = []
    try:
        print(f"\n1. Round trip (load average before: {load()})")
        # Back-to-back round trips exceed the per-socket rate limit (100 frames/s): lift it here.
        unlimited = {"VIDEO_RATE_BURST": "1000000", "VIDEO_RATE_PER_SECOND": "1000000"}
        variants = [("Daphne relay A->B->A, in-memory layer", {**env, **unlimited})]
        if redis_url:
            redis_env = {**live_env(db, redis=True), "REDIS_URL": redis_url, **unlimited}
            variants.append(("Daphne relay A->B->A, Redis layer", redis_env))
        daphnes = []
        for i, (label, variant_env) in enumerate(variants):
            room = seed(variant_env, 1, 2)[0]
            servers.append(Daphne(variant_env, tmp / f"daphne-rt{i}.log"))
            daphnes.append((label, servers[-1].ws_url(room["room_id"]), room, servers[-1].proc.pid))
        times = asyncio.run(round_trips(echo_port, echo.pid, daphnes))
    finally:
        for server in servers:
            server.stop()
        echo.terminate()
        echo.wait()
    echo_p50, bare_p50 = pct(times["echo"], 50), pct(times["bare relay"], 50)
    bare_one_p50 = pct(times["bare relay one relay"], 50)
    w = 46
    print("   One relay, A->server->B (the same socket hops as the echo): compare with the echo")
    print(f"   {'bare websockets echo A->server->A':<{w}} {fmt(times['echo'])}")
    print(
        f"   {'bare websockets relay, one relay A->server->B':<{w}} {fmt(times['bare relay one relay'])}"
        f"   p50 = {bare_one_p50 / echo_p50:.1f}x echo"
    )
    for label, _, _, _ in daphnes:
        p50 = pct(times[f"{label} one relay"], 50)
        print(
            f"   {label.replace('A->B->A', 'one relay A->B'):<{w}} {fmt(times[f'{label} one relay'])}"
            f"   p50 = {p50 / echo_p50:.1f}x echo, {p50 / bare_one_p50:.1f}x bare one relay"
        )
    print("   Round trip, two relays A->server->B->server->A: compare with the bare relay (the echo is one crossing)")
    print(
        f"   {'bare websockets relay A->B->A':<{w}} {fmt(times['bare relay'])}   p50 = {bare_p50 / echo_p50:.1f}x echo"
    )
    for label, _, _, _ in daphnes:
        p50 = pct(times[label], 50)
        print(
            f"   {label:<{w}} {fmt(times[label])}   p50 = {p50 / echo_p50:.1f}x echo, {p50 / bare_p50:.1f}x bare relay"
        )
    for label, _, _, _ in daphnes:
        offered = times["extensions"][label]
        print(
            f"   {label}: permessage-deflate offered by the client, server answered: {offered or 'none (not negotiated)'}"
        )
    cpu = times["cpu"]
    print("   Server CPU (user + system) per round trip, in the timed blocks (not inflated by waiting for a core):")
    print(f"   {'bare echo':<{w}} {cpu['echo'] * 1e6:7.0f} us")
    print(f"   {'bare relay (two relays)':<{w}} {cpu['bare relay'] * 1e6:7.0f} us")
    for label, _, _, _ in daphnes:
        print(f"   {label:<{w}} {cpu[label] * 1e6:7.0f} us   = {cpu[label] / cpu['bare relay']:.1f}x bare relay")
    if not redis_url:
        print("   (REDIS_URL unset: Redis figures skipped)")
    print(f"   load average after: {load()}")
    if "--round-trip-only" in sys.argv:
        return

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
