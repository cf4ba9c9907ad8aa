"""Load: hundreds of rooms negotiating at once through two Daphne processes sharing Redis; nothing may be lost.

Issue 7, item 4. ``--rooms`` rooms of two peers (host and client). Line 1: two Daphne processes on
one private ``redis-server`` (started by this script on a free port, ``--save "" --appendonly no``,
killed afterwards; the machine's shared Redis is not used), the host of every room on process A and
its client on process B, so every relay crosses Redis between processes. Line 2, side by side: the
embedded default, one Daphne process with the in-memory channel layer. Both lines share one SQLite
file (rooms seeded by ``bench/signaling_seed.py``).

Sockets join in waves of 50 (a refused handshake is retried, and counted); then, once every
socket has joined, all rooms are released together. Per room: the client sends an
``offer`` to the host; the host answers (``answer``) and sends ``--candidates`` ICE candidates and
the end-of-candidates ``null``; the client, once it has the answer, sends as many candidates and
its ``null``. Printed per line: relayed messages sent and received (every frame carries a unique
tag; received = distinct tags that reached the right peer), lost (must be 0), duplicated (must be
0), relay latency p50/p99 (send -> the peer's socket, same clock) and the time for a whole room
to negotiate (offer sent -> both ends have every frame) p50/p99, with the join time.

Usage: ``.venv/bin/python bench/load_signaling.py [--rooms 200] [--candidates 8] [--json FILE]``
(``BENCH_KEEP=1`` keeps the Daphne logs and prints where).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")

import websockets  # noqa: E402

from tests.faults.services import PrivateRedis  # noqa: E402
from tests.video.live import Daphne, live_env, manage  # noqa: E402

JOIN_WAVE = 50  # sockets joining at the same time
JOIN_ATTEMPTS = 5
SETTLE_TIMEOUT = 120.0  # seconds to wait for the last frame before counting the rest as lost


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)] if ordered else float("nan")


def seed(env: dict, rooms: int) -> list[dict]:
    env = {**env, "BENCH_ROOMS": str(rooms), "BENCH_PER_ROOM": "2"}
    out = manage(env, "shell", "-c", "import runpy; runpy.run_path('bench/signaling_seed.py')")
    return json.loads(out.strip().splitlines()[-1])


class Side:
    """One socket: joins, then records every relayed frame it receives with the time."""

    def __init__(self, url: str, ticket: str, end_tag: str):
        self.url, self.ticket = url, ticket
        self.end_tag = end_tag  # the tag of the peer's end-of-candidates (null carries none)
        self.got: dict[str, float] = {}  # tag -> arrival (perf_counter)
        self.dupes = 0
        self.errors: list[dict] = []
        self.answer = asyncio.Event()
        self.offer_from: str | None = None
        self.offered = asyncio.Event()

    async def join(self) -> None:
        self.ws = await websockets.connect(self.url, open_timeout=120, max_queue=None, compression=None)
        await self.ws.send(json.dumps({"type": "auth", "ticket": self.ticket}))
        while True:
            message = json.loads(await self.ws.recv())
            if message["type"] == "joined":
                self.peer_id = message["peer_id"]
                return
            if message["type"] == "error":
                raise RuntimeError(f"join refused: {message}")

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message["type"]
                if kind == "error":
                    self.errors.append(message)
                    continue
                if kind not in ("offer", "answer", "candidate"):
                    continue
                if kind == "candidate":
                    tag = message["candidate"]["sdpMid"] if message["candidate"] else self.end_tag
                else:
                    tag = message["sdp"]
                if tag in self.got:
                    self.dupes += 1
                self.got[tag] = now
                if kind == "offer":
                    self.offer_from = message["from"]
                    self.offered.set()
                elif kind == "answer":
                    self.answer.set()
        except websockets.ConnectionClosed:
            pass


async def room_negotiation(r: int, host: Side, client: Side, candidates: int, sent: dict, gate: asyncio.Event):
    """The offer/answer/candidates exchange of room ``r``; ``sent`` maps each tag to its send time."""

    async def send(side: Side, to: str, kind: str, tag: str, final: bool = False):
        if kind == "candidate":
            cand = (
                None
                if final
                else {
                    "candidate": f"candidate:{tag} 1 udp 2122260223 10.0.0.1 9 typ host",
                    "sdpMid": tag,
                    "sdpMLineIndex": 0,
                }
            )
            frame = {"type": "candidate", "to": to, "candidate": cand}
        else:
            frame = {"type": kind, "to": to, "sdp": tag}
        sent[tag] = time.perf_counter()
        await side.ws.send(json.dumps(frame))

    async def host_side():
        await host.offered.wait()
        await send(host, client.peer_id, "answer", f"r{r}-answer")
        for i in range(candidates):
            await send(host, client.peer_id, "candidate", f"r{r}-h{i}")
        await send(host, client.peer_id, "candidate", f"r{r}-end-h", final=True)

    async def client_side():
        await gate.wait()
        await send(client, host.peer_id, "offer", f"r{r}-offer")
        await client.answer.wait()
        for i in range(candidates):
            await send(client, host.peer_id, "candidate", f"r{r}-c{i}")
        await send(client, host.peer_id, "candidate", f"r{r}-end-c", final=True)

    await asyncio.gather(host_side(), client_side())


async def run_line(host_urls: list[str], client_urls: list[str], rooms: list[dict], candidates: int) -> dict:
    pairs = [
        (Side(host_urls[r], room["tickets"][0], f"r{r}-end-c"), Side(client_urls[r], room["tickets"][1], f"r{r}-end-h"))
        for r, room in enumerate(rooms)
    ]
    t0 = time.perf_counter()
    # Joins in waves of JOIN_WAVE sockets, each retried (as a client does) when the handshake is refused:
    # Daphne answers 403 to a handshake the application has not accepted within 5 s, which a loaded
    # 2-core machine reaches with hundreds at once. The negotiations below all start together.
    wave = asyncio.Semaphore(JOIN_WAVE)
    retries = 0

    async def join(side: Side) -> None:
        nonlocal retries
        async with wave:
            for attempt in range(JOIN_ATTEMPTS):
                try:
                    await side.join()
                    return
                except (websockets.InvalidStatus, TimeoutError, OSError):
                    if attempt == JOIN_ATTEMPTS - 1:
                        raise
                    retries += 1
                    await asyncio.sleep(0.5 * (attempt + 1))

    await asyncio.gather(*(join(side) for pair in pairs for side in pair))
    join_s = time.perf_counter() - t0
    readers = [asyncio.ensure_future(side.read()) for pair in pairs for side in pair]
    sent: dict[str, float] = {}
    gate = asyncio.Event()
    negotiations = [
        asyncio.ensure_future(room_negotiation(r, host, client, candidates, sent, gate))
        for r, (host, client) in enumerate(pairs)
    ]
    await asyncio.sleep(0.5)
    t1 = time.perf_counter()
    gate.set()
    expected = len(pairs) * (2 + 2 * (candidates + 1))
    deadline = time.monotonic() + SETTLE_TIMEOUT
    try:
        await asyncio.wait_for(asyncio.gather(*negotiations), SETTLE_TIMEOUT)
    except TimeoutError:
        pass
    while time.monotonic() < deadline:
        received = sum(len(side.got) for pair in pairs for side in pair)
        if received >= expected:
            break
        await asyncio.sleep(0.1)
    negotiate_s = time.perf_counter() - t1
    await asyncio.sleep(0.5)  # late duplicates, if any, arrive now
    latencies, per_room = [], []
    for host, client in pairs:
        arrivals = []
        for side in (host, client):
            for tag, at in side.got.items():
                latencies.append((at - sent[tag]) * 1000)
                arrivals.append(at)
        if len(arrivals) == 2 + 2 * (candidates + 1):
            first = min(sent[t] for side in (host, client) for t in side.got)
            per_room.append((max(arrivals) - first) * 1000)
    received = sum(len(side.got) for pair in pairs for side in pair)
    for task in negotiations + readers:
        task.cancel()
    await asyncio.gather(*(side.ws.close() for pair in pairs for side in pair), return_exceptions=True)
    return {
        "rooms": len(pairs),
        "sockets": 2 * len(pairs),
        "join_all_s": round(join_s, 2),
        "join_retries": retries,
        "sent": len(sent),
        "received": received,
        "lost": len(sent) - received,
        "duplicated": sum(side.dupes for pair in pairs for side in pair),
        "errors": sum(len(side.errors) for pair in pairs for side in pair),
        "error_codes": dict(Counter(e.get("code") for pair in pairs for side in pair for e in side.errors)),
        "relay_p50_ms": round(pct(latencies, 50), 1),
        "relay_p99_ms": round(pct(latencies, 99), 1),
        "room_p50_ms": round(pct(per_room, 50), 1),
        "room_p99_ms": round(pct(per_room, 99), 1),
        "all_rooms_s": round(negotiate_s, 2),
    }


def print_table(lines: list[tuple[str, dict]]) -> None:
    rows = [
        ("", [label for label, _ in lines]),
        ("rooms (sockets)", [f"{r['rooms']} ({r['sockets']})" for _, r in lines]),
        ("all sockets joined in s", [r["join_all_s"] for _, r in lines]),
        ("joins retried (handshake 403)", [r["join_retries"] for _, r in lines]),
        ("relayed messages sent", [r["sent"] for _, r in lines]),
        ("relayed messages received", [r["received"] for _, r in lines]),
        ("lost", [r["lost"] for _, r in lines]),
        ("duplicated", [r["duplicated"] for _, r in lines]),
        ("error frames", [r["errors"] for _, r in lines]),
        ("error codes", [",".join(f"{k}:{v}" for k, v in r["error_codes"].items()) or "-" for _, r in lines]),
        ("relay latency p50 ms", [r["relay_p50_ms"] for _, r in lines]),
        ("relay latency p99 ms", [r["relay_p99_ms"] for _, r in lines]),
        ("one room negotiated p50 ms", [r["room_p50_ms"] for _, r in lines]),
        ("one room negotiated p99 ms", [r["room_p99_ms"] for _, r in lines]),
        ("all rooms negotiated in s", [r["all_rooms_s"] for _, r in lines]),
    ]
    for name, values in rows:
        print(f"  {name:<28}" + "".join(f"{str(v):>34}" for v in values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--candidates", type=int, default=8, help="ICE candidates per peer (plus the null)")
    parser.add_argument("--json", help="also write the figures there")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("load_signaling: needs redis-server on PATH (a private one is started)", file=sys.stderr)
        return 2
    if not (1 <= args.rooms <= 1000 and 0 <= args.candidates <= 100):
        print("load_signaling: --rooms 1..1000, --candidates 0..100 (the per-socket rate limit)", file=sys.stderr)
        return 2
    print(
        f"Load (signaling): {args.rooms} rooms x 2 peers negotiating at once, {args.candidates} candidates per peer "
        f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    tmp = Path(tempfile.mkdtemp(prefix="lexmeet-load-signaling-"))
    db = tmp / "db.sqlite3"
    env = {**live_env(db, redis=False), "VIDEO_RECONNECT_GRACE_SECONDS": "5"}
    manage(env, "migrate", "--noinput")
    lines = []
    redis = PrivateRedis()
    redis.start()
    servers: list[Daphne] = []
    try:
        rooms = seed(env, args.rooms)
        redis_env = {**live_env(db, redis=True), "REDIS_URL": redis.url}
        servers = [Daphne(redis_env, tmp / f"daphne-redis-{n}.log") for n in "ab"]
        a, b = servers
        result = asyncio.run(
            run_line(
                [a.ws_url(r["room_id"]) for r in rooms], [b.ws_url(r["room_id"]) for r in rooms], rooms, args.candidates
            )
        )
        lines.append(("2 Daphne + Redis (A<->B)", result))
        for server in servers:
            server.stop()
        servers = []

        rooms = seed(env, args.rooms)
        servers = [Daphne(env, tmp / "daphne-memory.log")]
        urls = [servers[0].ws_url(r["room_id"]) for r in rooms]
        lines.append(("1 Daphne, in-memory (default)", asyncio.run(run_line(urls, urls, rooms, args.candidates))))
    finally:
        for server in servers:
            server.stop()
        redis.kill()
        if os.environ.get("BENCH_KEEP"):
            print(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table(lines)
    if args.json:
        Path(args.json).write_text(json.dumps([{"label": label, **r} for label, r in lines], indent=2))
    return 0 if all(r["lost"] == 0 and r["duplicated"] == 0 for _, r in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
