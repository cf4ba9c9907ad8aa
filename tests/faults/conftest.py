"""Fixtures of the fault tests: a migrated SQLite file shared by the live servers, seeding, socket helpers."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import pytest

from tests.video.live import live_env, manage
from video.tickets import ticket_issue

websockets = pytest.importorskip("websockets")

TIMEOUT = 30  # seconds for any one expected event; generous, the machine is shared
REJOIN_TIMEOUT = 60  # the bound; a rejoin after a Redis restart took 0.03-0.22 s in 25 runs, loaded or not
START_TIMEOUT = 120  # seconds for a Daphne process to answer /healthz on a loaded 2-core machine


SQLITE_SEEDS = ("redis", "mail", "killed")  # one seed per SQLite fault test, made in one process


@pytest.fixture(scope="session")
def faults_sqlite(tmp_path_factory):
    """One SQLite file for the live servers of the SQLite fault tests: migrated and seeded in one process.

    Returns ``(path, {name: seed})`` (see :mod:`tests.faults.seed`); one Django start-up instead
    of one per step keeps these tests within their CI budget.
    """
    path = tmp_path_factory.mktemp("faults") / "db.sqlite3"
    return path, seed(live_env(path, redis=False), names=SQLITE_SEEDS, migrate=True)


def seed(env: dict, *, names=("default",), clients: int = 1, slots: int = 4, migrate: bool = False) -> dict:
    """Run :mod:`tests.faults.seed` in the servers' environment (after ``migrate``); ``{name: seed}``."""
    code = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0); " if migrate else ""
    ) + f"from tests.faults.seed import main; main(names={list(names)!r}, clients={clients}, slots={slots})"
    out = manage(env, "shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def ticket(user_id: int, room_id: str) -> str:
    return ticket_issue(user_id=user_id, room_id=room_id, now=datetime.now(UTC), ttl_seconds=600)


class Peer:
    """One test client of a room: a socket, what it read, and a reader that keeps every frame."""

    def __init__(self, name: str, user_id: int, room_id: str):
        self.name, self.user_id, self.room_id = name, user_id, room_id
        self.ws = None
        self.peer_id: str | None = None
        self.joined: dict | None = None
        self.frames: list[dict] = []
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.reader: asyncio.Task | None = None
        self.close_code: int | None = None

    async def join(self, url: str) -> dict:
        """Connect, authenticate with a fresh ticket, wait for ``joined``; raise ``Refused`` with the error otherwise."""
        self.close_code = None
        self.ws = await websockets.connect(url, open_timeout=TIMEOUT, max_queue=None)
        try:
            await self.ws.send(json.dumps({"type": "auth", "ticket": ticket(self.user_id, self.room_id)}))
        except websockets.ConnectionClosed:
            pass  # the server may answer (an error, a close) before the auth frame: read what it sent
        try:
            first = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
        except websockets.ConnectionClosed as exc:
            raise Refused(None, exc.rcvd.code if exc.rcvd else None) from exc
        if first["type"] != "joined":
            code = None
            try:
                await asyncio.wait_for(self.ws.wait_closed(), TIMEOUT)
                code = self.ws.close_code
            finally:
                raise Refused(first, code)
        self.joined, self.peer_id = first, first["peer_id"]
        self.reader = asyncio.ensure_future(self._read())
        return first

    async def join_retrying(self, urls: list[str], *, within: float = REJOIN_TIMEOUT) -> tuple[dict, list]:
        """Join through the first of ``urls`` that lets us in, retrying every 0.25 s; ``(joined, refusals)``."""
        refusals = []
        deadline = time.monotonic() + within
        while True:
            for url in urls:
                try:
                    return await self.join(url), refusals
                except Refused as exc:
                    refusals.append((exc.frame, exc.close_code))
                except OSError as exc:  # connection refused: that process is gone
                    refusals.append(({"type": "connect-failed", "error": type(exc).__name__}, None))
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} could not rejoin within {within} s: {refusals[-3:]}")
            await asyncio.sleep(0.25)

    async def _read(self):
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                self.frames.append(message)
                await self.inbox.put(message)
        except websockets.ConnectionClosed:
            pass
        self.close_code = self.ws.close_code
        await self.inbox.put({"type": "<closed>", "code": self.close_code})

    async def expect(self, kind: str, **match) -> dict:
        """The next frame of type ``kind`` whose fields include ``match`` (other frames are kept in ``frames``)."""
        while True:
            message = await asyncio.wait_for(self.inbox.get(), TIMEOUT)
            if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message
            if message["type"] == "<closed>" and kind != "<closed>":
                raise AssertionError(f"{self.name}: socket closed ({message['code']}) while waiting for {kind}")

    async def send(self, **frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


class Refused(Exception):
    def __init__(self, frame: dict | None, close_code: int | None):
        super().__init__(f"refused: {frame} close {close_code}")
        self.frame, self.close_code = frame, close_code
