"""Benchmark (b): 50 concurrent POST /api/v1/appointments/ for one slot through a real Daphne server.

Issue 2, item 8(b). On PostgreSQL (``DATABASE_URL``, required) and then, for comparison, on
the embedded SQLite default: a fresh, migrated database; one provider (Asia/Shanghai, every
day 09:00-17:00), one 30-minute service and 50 client users with API tokens; Daphne started
as a subprocess on 127.0.0.1 and a free port; then 50 POSTs for the same slot, all released
at once from one asyncio event loop (httpx, one connection each).

Before the race, 5 bookings of other slots, one after the other, give the latency of a
booking that waits for nobody. Printed per database: how many of the 50 answered 201
(must be exactly 1), how many 409 ``slot_taken`` (must be the other 49), anything else,
p50/p99/max latency (client side, nearest rank), and the active appointments the database
holds at the slot (must be exactly 1).

The race is real inside one Daphne process: Django's ASGI handler runs each request's
synchronous view in a thread of its own (asgiref ``ThreadSensitiveContext`` per request),
so the 50 bookings hold 50 database connections at once and the database arbitrates
(on PostgreSQL the provider-row lock, with the exclusion constraint behind it; on SQLite
BEGIN IMMEDIATE). ``--servers N`` starts N Daphne processes on the same database and spreads the
requests over them round-robin, as a deployment with several workers does.

The scratch PostgreSQL database is created next to the one ``DATABASE_URL`` names (that one
is never touched) and dropped afterwards; the servers are always stopped. Exit status 0 only
when every database gave exactly one 201, 409 slot_taken for all others and one row.

Usage: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/lexmeet_bench python bench/booking_concurrency.py``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    base_env,
    free_port,
    is_postgres_url,
    migrate,
    percentile,
    postgres_admin_url,
    run_json,
    scratch_postgres,
)

ZONE = "Asia/Shanghai"
REQUESTS = 50
BASELINE = 5  # sequential, uncontended bookings of other slots first: the latency of one booking alone
SERVER_START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
RUN_TIMEOUT = 180.0


# --- subprocess helpers that run inside Django (config.settings) -------------------------


def do_setup(clients: int) -> dict:
    """Provider, service and ``clients`` client users with tokens; answers the first offered slot."""
    import django

    django.setup()
    from datetime import time as wall_time
    from datetime import timedelta

    from django.utils import timezone as dj_timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from scheduling import selectors
    from scheduling.models import AvailabilityRule, Provider, ServiceType

    service = ServiceType.objects.create(
        code="bench-30", name="Bench consultation", provider_kind="lawyer", duration_minutes=30
    )
    lawyer = User.objects.create_user("lawyer@bench.invalid", None, full_name="Bench Lawyer", timezone=ZONE)
    provider = Provider.objects.create(user=lawyer, kind="lawyer", timezone=ZONE)
    provider.services.set([service])
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(provider=provider, weekday=d, start_time=wall_time(9), end_time=wall_time(17))
        for d in range(1, 8)
    )
    tokens = []
    for n in range(clients):
        # No password: these users only use their API token (and Argon2 would make set-up slow).
        user = User.objects.create_user(
            f"client{n:02d}@bench.invalid", None, full_name=f"Client {n:02d}", timezone="America/New_York"
        )
        tokens.append(Token.objects.create(user=user).key)
    now = dj_timezone.now()
    offered = selectors.provider_slot_list(
        provider=provider,
        service=service,
        range_start=now + timedelta(days=1),
        range_end=now + timedelta(days=3),
        now=now,
    )
    later = selectors.provider_slot_list(
        provider=provider,
        service=service,
        range_start=now + timedelta(days=4),
        range_end=now + timedelta(days=6),
        now=now,
    )
    return {
        "provider": provider.pk,
        "service": service.pk,
        "start": offered[0].start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "baseline": [slot.start.strftime("%Y-%m-%dT%H:%M:%SZ") for slot in later[:BASELINE]],
        "tokens": tokens,
    }


def do_verify(provider_id: int, start: str) -> dict:
    import django

    django.setup()
    from datetime import datetime

    from django.db import connection

    from scheduling.models import ACTIVE_STATUSES, Appointment

    active = Appointment.objects.filter(provider_id=provider_id, status__in=ACTIVE_STATUSES)
    server_connections = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            server_connections = cursor.fetchone()[0]
    return {
        "active_rows": active.count(),
        "active_rows_at_slot": active.filter(start=datetime.fromisoformat(start.replace("Z", "+00:00"))).count(),
        "server_connections": server_connections,
    }


# --- the server -----------------------------------------------------------------------------


class Servers:
    """N Daphne processes on 127.0.0.1 and free ports; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, count: int, env: dict[str, str], log_dir: Path):
        self.count, self.env, self.log_dir = count, env, log_dir
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def __enter__(self) -> Servers:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        daphne = Path(sys.executable).with_name("daphne")
        try:
            for n in range(self.count):
                port = free_port()
                log = open(self.log_dir / f"daphne-{n}.log", "wb")  # noqa: SIM115 - closed with the process
                proc = subprocess.Popen(
                    [str(daphne), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                    cwd=REPO,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                log.close()
                self.procs.append(proc)
                self.ports.append(port)
            for n, port in enumerate(self.ports):
                self._wait_ready(n, port)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, n: int, port: int) -> None:
        import httpx

        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.procs[n].poll() is not None:
                raise RuntimeError(f"daphne exited ({self.procs[n].returncode}):\n{self.log_tail(n)}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"daphne on port {port} not ready after {SERVER_START_TIMEOUT:.0f} s:\n{self.log_tail(n)}")

    def log_tail(self, n: int) -> str:
        return (self.log_dir / f"daphne-{n}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # the session this script started for it
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def __exit__(self, *exc) -> None:
        self.stop()


# --- the race ---------------------------------------------------------------------------------


async def race(ports: list[int], setup: dict) -> tuple[list[tuple[int, str | None, float]], list[float]]:
    """All POSTs released together: ``(status, error code, latency ms)`` per request, and the baseline's ms.

    Before the race, ``BASELINE`` bookings of other (later) slots, one after the other, give
    the latency of a booking that waits for nobody.
    """
    import httpx

    body = {"provider": setup["provider"], "service": setup["service"], "start": setup["start"]}
    gate = asyncio.Event()
    limits = httpx.Limits(max_connections=len(setup["tokens"]), max_keepalive_connections=len(setup["tokens"]))
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        # One authenticated GET per server first, so no POST pays for first-request imports.
        for port in ports:
            warm = await client.get(
                f"http://127.0.0.1:{port}/api/v1/appointments/",
                headers={"Authorization": f"Token {setup['tokens'][0]}"},
            )
            warm.raise_for_status()
        baseline_ms = []
        for n, start in enumerate(setup["baseline"]):
            t0 = time.perf_counter()
            resp = await client.post(
                f"http://127.0.0.1:{ports[n % len(ports)]}/api/v1/appointments/",
                json={"provider": setup["provider"], "service": setup["service"], "start": start},
                headers={"Authorization": f"Token {setup['tokens'][n]}"},
            )
            baseline_ms.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 201:
                raise RuntimeError(f"baseline booking answered {resp.status_code}: {resp.text[:200]}")

        async def one(n: int, token: str) -> tuple[int, str | None, float]:
            url = f"http://127.0.0.1:{ports[n % len(ports)]}/api/v1/appointments/"
            await gate.wait()
            t0 = time.perf_counter()
            try:
                resp = await client.post(url, json=body, headers={"Authorization": f"Token {token}"})
            except httpx.HTTPError as exc:
                return 0, type(exc).__name__, (time.perf_counter() - t0) * 1000
            elapsed = (time.perf_counter() - t0) * 1000
            code = None
            if resp.status_code != 201:
                try:
                    code = resp.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = resp.text[:80]
            return resp.status_code, code, elapsed

        tasks = [asyncio.create_task(one(n, token)) for n, token in enumerate(setup["tokens"])]
        await asyncio.sleep(0.05)  # every task is parked on the gate
        gate.set()
        return list(await asyncio.wait_for(asyncio.gather(*tasks), RUN_TIMEOUT)), baseline_ms


def run_backend(label: str, env: dict[str, str], *, requests: int, servers: int, log_dir: Path) -> dict:
    t0 = time.monotonic()
    migrate(env)
    setup = run_json([str(Path(__file__).resolve()), "--setup", str(requests)], env=env, timeout=300)
    with Servers(servers, env, log_dir) as running:
        results, baseline_ms = asyncio.run(race(running.ports, setup))
        # While the servers still hold their (persistent) connections: how many they opened.
        verify = run_json(
            [str(Path(__file__).resolve()), "--verify", str(setup["provider"]), setup["start"]], env=env, timeout=120
        )
    latencies = [ms for _, _, ms in results]
    outcomes = Counter((status, code) for status, code, _ in results)
    return {
        "label": label,
        "servers": servers,
        "requests": len(results),
        "slot": setup["start"],
        "created": outcomes[(201, None)],
        "slot_taken": outcomes[(409, "slot_taken")],
        "other": {f"{s} {c}": n for (s, c), n in outcomes.items() if (s, c) not in {(201, None), (409, "slot_taken")}},
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "baseline": len(baseline_ms),
        "alone_p50_ms": percentile(baseline_ms, 50),
        "alone_ms": [round(x, 1) for x in baseline_ms],
        "wall_s": time.monotonic() - t0,
        **verify,
    }


def print_result(r: dict) -> bool:
    ok = (
        r["created"] == 1
        and r["slot_taken"] == r["requests"] - 1
        and r["active_rows_at_slot"] == 1
        and r["active_rows"] == 1 + r["baseline"]
    )
    procs = f"{r['servers']} Daphne process{'es' if r['servers'] > 1 else ''}"
    conns = f", {r['server_connections']} server connections" if r["server_connections"] is not None else ""
    print(f"  {r['label']} ({procs}{conns}), slot {r['slot']}")
    print(
        f"    201: {r['created']}   409 slot_taken: {r['slot_taken']}   other: {r['other'] or 0}"
        f"   (of {r['requests']} concurrent POSTs)"
    )
    print(
        f"    latency: p50 {r['p50_ms']:.1f} ms   p99 {r['p99_ms']:.1f} ms   max {r['max_ms']:.1f} ms"
        f"   (one booking alone, p50 of {r['baseline']}: {r['alone_p50_ms']:.1f} ms)"
    )
    print(
        f"    database: {r['active_rows_at_slot']} active appointment at the slot"
        f" ({r['active_rows']} in all, {r['baseline']} of them the baseline's)   -> {'OK' if ok else 'FAIL'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="concurrent POSTs (and client users)")
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes sharing the database")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the embedded SQLite comparison")
    parser.add_argument("--log-dir", help="keep the Daphne logs there (default: a temporary directory)")
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--verify", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup is not None:
        print(json.dumps(do_setup(args.setup)))
        return 0
    if args.verify:
        print(json.dumps(do_verify(int(args.verify[0]), args.verify[1])))
        return 0

    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres_url(url):
        print(
            "booking_concurrency: DATABASE_URL must be a PostgreSQL URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/lexmeet_bench python bench/booking_concurrency.py\n"
            "(a scratch database is created next to it and dropped afterwards).",
            file=sys.stderr,
        )
        return 2
    if not 1 <= args.requests <= 500 or not 1 <= args.servers <= 8:
        print("booking_concurrency: --requests is 1..500 and --servers 1..8", file=sys.stderr)
        return 2

    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(url), connect_timeout=10):
            pass
    except psycopg.OperationalError as exc:
        print(f"booking_concurrency: cannot reach PostgreSQL at DATABASE_URL: {exc}", file=sys.stderr)
        return 2

    # The booking throttle (60/minute per user) stays on: no user posts more than twice.
    print(
        f"Benchmark (b): {args.requests} concurrent POST /api/v1/appointments/ for one slot, "
        f"real Daphne server ({args.servers} process{'es' if args.servers > 1 else ''}), fresh database"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="lexmeet-bench-conc-") as scratch_dir:
        tmp = args.log_dir or scratch_dir
        Path(tmp).mkdir(parents=True, exist_ok=True)
        with scratch_postgres(url, label="conc") as scratch:
            pg = run_backend(
                "PostgreSQL",
                base_env(DATABASE_URL=scratch),
                requests=args.requests,
                servers=args.servers,
                log_dir=Path(tmp) / "postgresql",
            )
        ok &= print_result(pg)
        if not args.no_sqlite:
            lite = run_backend(
                "SQLite",
                base_env(SQLITE_PATH=str(Path(scratch_dir) / "conc.sqlite3")),
                requests=args.requests,
                servers=args.servers,
                log_dir=Path(tmp) / "sqlite",
            )
            ok &= print_result(lite)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
