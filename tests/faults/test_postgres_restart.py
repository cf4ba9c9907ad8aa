"""Fault: PostgreSQL restarts while bookings are in flight.

Real processes: a private PostgreSQL cluster (``initdb`` + ``pg_ctl``, on a free port) and a
Daphne process on it; six clients book continuously (each POST with an ``Idempotency-Key``)
while the server is stopped (``pg_ctl stop -m fast``: every backend terminated mid-query), kept
down for a second and started again. Every answer is 201 or 503 ``service_unavailable``, never a
500; every 503 retried with its key answers 201 (a replay of the same booking if its commit had
landed); the database then holds exactly the acknowledged bookings, each with its room: no
half-written row. Lost: nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter

import httpx
import pytest

from tests.faults.conftest import START_TIMEOUT, seed
from tests.faults.services import PrivatePostgres, postgres_bin
from tests.video.live import Daphne, live_env
from tests.video.ws import run_async

pytestmark = [pytest.mark.postgres]

CLIENTS = 6
SLOTS = 90
DOWN_SECONDS = 1.0


async def bookings_through_restart(server: Daphne, pg: PrivatePostgres, seeded: dict) -> dict:
    url = f"http://127.0.0.1:{server.port}/api/v1/appointments/"
    results: list[dict] = []
    restarted = asyncio.Event()
    answered = 0
    first_answers = asyncio.Event()

    async def worker(http: httpx.AsyncClient, n: int):
        nonlocal answered
        token = seeded["tokens"][n]
        for start in seeded["slots"][n::CLIENTS]:
            body = {"provider": seeded["provider"], "service": seeded["service"], "start": start}
            resp = await http.post(
                url, json=body, headers={"Authorization": f"Token {token}", "Idempotency-Key": start}
            )
            results.append({"token": token, "body": body, "status": resp.status_code, "json": resp.json()})
            answered += 1
            if resp.status_code == 503:
                await asyncio.sleep(0.2)  # a client backs off on 503 (Retry-After) before its next booking
            if answered >= 2 * CLIENTS:
                first_answers.set()
            if restarted.is_set() and sum(r["status"] == 201 for r in results[-CLIENTS:]) == CLIENTS:
                return  # past the restart and answering normally again

    async def restart():
        await first_answers.wait()
        t0 = time.monotonic()
        await asyncio.to_thread(pg.stop_server)
        await asyncio.sleep(DOWN_SECONDS)
        await asyncio.to_thread(pg.start)
        restarted.set()
        return time.monotonic() - t0

    async with httpx.AsyncClient(timeout=60) as http:
        tasks = [asyncio.ensure_future(worker(http, n)) for n in range(CLIENTS)]
        restart_task = asyncio.ensure_future(restart())
        await asyncio.gather(*tasks)
        outage_s = await restart_task
        retries = []
        for r in results:
            if r["status"] == 503:
                headers = {"Authorization": f"Token {r['token']}", "Idempotency-Key": r["body"]["start"]}
                resp = await http.post(url, json=r["body"], headers=headers)
                retries.append({"status": resp.status_code, "json": resp.json()})
    return {"results": results, "retries": retries, "outage_s": outage_s}


def stored(pg: PrivatePostgres, provider_id: int) -> dict:
    import psycopg

    with psycopg.connect(pg.url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT a.id, a.status, a.start, r.id FROM scheduling_appointment a "
            "LEFT JOIN video_room r ON r.appointment_id = a.id WHERE a.provider_id = %s",
            (provider_id,),
        ).fetchall()
    return {
        "ids": sorted(row[0] for row in rows),
        "statuses": Counter(row[1] for row in rows),
        "without_room": [row[0] for row in rows if row[3] is None],
        "starts": Counter(row[2] for row in rows),
    }


def test_postgres_restart_answers_201_or_503_and_keeps_every_acknowledged_booking(tmp_path, record_property):
    if postgres_bin() is None or shutil.which("runuser") is None:
        pytest.skip(
            "postgres: DATABASE_URL is PostgreSQL, but there is no pg_ctl or runuser here to run a private cluster"
        )
    pg = PrivatePostgres()
    server = None
    try:
        pg.init()
        env = {**live_env(tmp_path / "unused.sqlite3", redis=False), "DATABASE_URL": pg.url}
        seeded = seed(env, names=["pg"], clients=CLIENTS, slots=SLOTS, migrate=True)["pg"]
        server = Daphne(env, tmp_path / "daphne.log", start_timeout=START_TIMEOUT)
        r = run_async(lambda: bookings_through_restart(server, pg, seeded))
        db = stored(pg, seeded["provider"])
    finally:
        if server is not None:
            server.stop()
        pg.stop()

    statuses = Counter(x["status"] for x in r["results"])
    assert set(statuses) == {201, 503}, statuses  # the restart was hit, and nothing else came back
    assert {x["json"]["error"]["code"] for x in r["results"] if x["status"] == 503} == {"service_unavailable"}
    assert [x["status"] for x in r["retries"]] == [201] * statuses[503]
    acknowledged = sorted({x["json"]["id"] for x in r["results"] + r["retries"] if x["status"] == 201})
    assert db["ids"] == acknowledged  # every acknowledged booking stored, nothing else
    assert db["statuses"] == {"confirmed": len(acknowledged)}
    assert db["without_room"] == []  # no half-written booking
    assert max(db["starts"].values()) == 1  # no double booking
    record_property("bookings_201_first_try", statuses[201])
    record_property("answers_503_during_restart", statuses[503])
    record_property("retried_503_then_201", len(r["retries"]))
    record_property("outage_s", round(r["outage_s"], 2))
    record_property("answers_500", 0)
    record_property("lost", 0)
