"""Helpers for consumer tests: open sockets on the real ASGI stack, read until close."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.utils import timezone as dj_timezone

from config.asgi import application
from tests.factories import sign_in
from video.tickets import ticket_issue

ORIGIN = b"http://testserver"


def session_cookie(user) -> str:
    client = Client()
    sign_in(client, user)
    return client.cookies["sessionid"].value


async def open_socket(room_id: str, *, user=None, origin: bytes | None = ORIGIN) -> WebsocketCommunicator:
    """A connected socket; with ``user`` it carries that user's session cookie."""
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    comm = WebsocketCommunicator(application, f"/ws/rooms/{room_id}/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    return comm


async def open_with_ticket(room_id: str, user, *, ticket_room: str | None = None, age: int = 0):
    comm = await open_socket(room_id, origin=None)
    now = dj_timezone.now()
    ticket = ticket_issue(
        user_id=user.pk, room_id=ticket_room or room_id, now=now.replace(microsecond=0) - _seconds(age)
    )
    await comm.send_json_to({"type": "auth", "ticket": ticket})
    return comm


def _seconds(n):
    from datetime import timedelta

    return timedelta(seconds=n)


async def recv(comm, timeout: float = 3) -> dict:
    return await comm.receive_json_from(timeout=timeout)


async def recv_type(comm, kind: str, timeout: float = 3) -> dict:
    """The next message, asserting its type."""
    message = await recv(comm, timeout)
    assert message["type"] == kind, message
    return message


async def until_closed(comm, timeout: float = 3) -> tuple[list[dict], int]:
    """Messages received before the server closed, and the close code; then the client side closes too."""
    messages = []
    while True:
        output = await comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            code = output.get("code", 1000)
            await comm.disconnect(code=code)
            return messages, code
        messages.append(json.loads(output["text"]))


async def silent(comm, timeout: float = 0.3) -> bool:
    return await comm.receive_nothing(timeout=timeout)


def run_async(scenario):
    """Run ``scenario()`` on a fresh event loop in a thread of its own.

    Not ``async_to_sync``/``asyncio.run`` in the test's thread: the session-wide
    Playwright browser of tests/browser keeps an event loop running there.
    """

    async def main():
        try:
            return await scenario()
        finally:
            # The ORM ran in asgiref's worker thread: close its connections, or the test
            # database cannot be dropped at the end of the session.
            await sync_to_async(connections.close_all)()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()
