"""Load: many clients booking many providers through real Daphne servers, then checked against the database.

Issue 7, item 4. On PostgreSQL (``DATABASE_URL``, required; a scratch database is created next to
it and dropped afterwards) through two Daphne processes, and side by side on the single-process
embedded default (SQLite): a fresh, migrated database; ``--providers`` providers (UTC, every day
00:00-23:30, one 30-minute service) and ``--clients`` client users with API tokens; every client
is one asyncio task with its own HTTP connection, pinned to one server (client n to server
n mod servers), and makes ``--bookings`` ``POST /api/v1/appointments/`` one after the other, each
for a (provider, slot) drawn at random (seeded) from a pool smaller than the number of
attempts, so clients also race for the same slots (409 ``slot_taken``).

Printed per database: attempts, 201s, 409 ``slot_taken``, anything else (must be 0), bookings
per second (201s over the wall time of the load) and requests per second, client-side latency
p50/p99 (nearest rank); then, from the database: double bookings (pairs of active appointments
of one provider whose blocked times overlap; must be 0), lost acknowledged bookings (a 201's id
missing or not confirmed; must be 0), appointments without their room (must be 0) and rows that
no 201 acknowledged (must be 0). Exit status 0 only when all of those are 0.

Usage: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/lexmeet_bench .venv/bin/python bench/load_booking.py``
``[--clients 40] [--providers 20] [--bookings 8] [--servers 2] [--no-sqlite] [--json FILE]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_env, is_postgres_url, migrate, percentile, postgres_admin_url, run_json, scratch_postgres  # noqa: E402
from booking_concurrency import Servers  # noqa: E402

SEED = 7
REQUEST_TIMEOUT = 60.0
RUN_TIMEOUT = 600.0


# --- subprocess helpers that run inside Django (config.settings) -------------------------


def do_setup(providers: int, clients: int, slots_per_provider: int) -> dict:
    """``providers`` providers with one service, ``clients`` token users; each provider's first offered slots."""
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
        code="load-30", name="Load consultation", provider_kind="lawyer", duration_minutes=30, booking_window_days=60
    )
    out = {"service": service.pk, "providers": [], "tokens": []}
    now = dj_timezone.now()
    for p in range(providers):
        user = User.objects.create_user(f"lawyer{p:03d}@load.invalid", None, full_name=f"Lawyer {p:03d}")
        provider = Provider.objects.create(user=user, kind="lawyer", timezone="UTC")
        provider.services.set([service])
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(provider=provider, weekday=d, start_time=wall_time(0), end_time=wall_time(23, 30))
            for d in range(1, 8)
        )
        offered = selectors.provider_slot_list(
            provider=provider,
            service=service,
            range_start=now + timedelta(days=1),
            range_end=now + timedelta(days=4),
            now=now,
        )
        out["providers"].append(
            {"id": provider.pk, "slots": [s.start.strftime("%Y-%m-%dT%H:%M:%SZ") for s in offered[:slots_per_provider]]}
        )
    for n in range(clients):
        user = User.objects.create_user(f"client{n:03d}@load.invalid", None, full_name=f"Client {n:03d}")
        out["tokens"].append(Token.objects.create(user=user).key)
    return out


def do_verify(acknowledged_path: str) -> dict:
    """Double bookings, lost acknowledged bookings, rows without a room, unacknowledged rows."""
    import django

    django.setup()
    from django.db.models import F, Q

    from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

    acknowledged = set(json.loads(Path(acknowledged_path).read_text()))
    active = Appointment.objects.filter(status__in=ACTIVE_STATUSES)
    double = (
        active.filter(
            provider__appointments__status__in=ACTIVE_STATUSES,
            provider__appointments__pk__gt=F("pk"),
            provider__appointments__blocked_start__lt=F("blocked_end"),
            provider__appointments__blocked_end__gt=F("blocked_start"),
        )
        .distinct()
        .count()
    )
    confirmed = set(Appointment.objects.filter(status=AppointmentStatus.CONFIRMED).values_list("pk", flat=True))
    every = set(Appointment.objects.values_list("pk", flat=True))
    return {
        "rows": len(every),
        "double_bookings": double,
        "lost_acknowledged": len(acknowledged - confirmed),
        "without_room": Appointment.objects.filter(Q(room__isnull=True)).count(),
        "unacknowledged_rows": len(every - acknowledged),
    }


# --- the load -------------------------------------------------------------------------------


async def load(
    ports: list[int], setup: dict, *, bookings: int
) -> tuple[list[tuple[int, str | None, float, int | None]], float]:
    """Every client books ``bookings`` times; ``[(status, error code, ms, id)]`` and the wall time in seconds."""
    import httpx

    rng = random.Random(SEED)
    pool = [(p["id"], s) for p in setup["providers"] for s in p["slots"]]
    attempts = len(setup["tokens"]) * bookings
    # Each slot drawn about 1.5 times: two thirds of the attempts can succeed, the rest race
    # for a slot another client took (or takes at the same moment).
    pool = rng.sample(pool, min(len(pool), max(1, attempts * 2 // 3)))
    draws = pool * (attempts // len(pool) + 2)
    rng.shuffle(draws)
    draws = draws[:attempts]
    plans = [draws[n * bookings : (n + 1) * bookings] for n in range(len(setup["tokens"]))]
    results: list[tuple[int, str | None, float, int | None]] = []

    async def client(n: int, token: str) -> None:
        base = f"http://127.0.0.1:{ports[n % len(ports)]}/api/v1"
        headers = {"Authorization": f"Token {token}"}
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as http:
            await http.get(f"{base}/appointments/", headers=headers)  # warm: connection and first-request imports
            await gate.wait()
            for provider, start in plans[n]:
                body = {"provider": provider, "service": setup["service"], "start": start}
                t0 = time.perf_counter()
                try:
                    resp = await http.post(f"{base}/appointments/", json=body, headers=headers)
                except httpx.HTTPError as exc:
                    results.append((0, type(exc).__name__, (time.perf_counter() - t0) * 1000, None))
                    continue
                ms = (time.perf_counter() - t0) * 1000
                if resp.status_code == 201:
                    results.append((201, None, ms, resp.json()["id"]))
                else:
                    try:
                        code = resp.json()["error"]["code"]
                    except (ValueError, KeyError, TypeError):
                        code = resp.text[:80]
                    results.append((resp.status_code, code, ms, None))

    gate = asyncio.Event()
    tasks = [asyncio.create_task(client(n, token)) for n, token in enumerate(setup["tokens"])]
    await asyncio.sleep(1.0)  # every client warmed up and parked on the gate
    t0 = time.perf_counter()
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), RUN_TIMEOUT)
    return results, time.perf_counter() - t0


def run_backend(label: str, env: dict[str, str], *, args, servers: int, log_dir: Path) -> dict:
    migrate(env)
    slots_per_provider = max(4, args.clients * args.bookings // args.providers)
    setup = run_json(
        [str(Path(__file__).resolve()), "--setup", str(args.providers), str(args.clients), str(slots_per_provider)],
        env=env,
        timeout=600,
    )
    with Servers(servers, env, log_dir) as running:
        results, wall = asyncio.run(load(running.ports, setup, bookings=args.bookings))
    acknowledged = [i for status, _, _, i in results if status == 201]
    ack_path = log_dir / "acknowledged.json"
    ack_path.write_text(json.dumps(acknowledged))
    verify = run_json([str(Path(__file__).resolve()), "--verify", str(ack_path)], env=env, timeout=300)
    outcomes = Counter((status, code) for status, code, _, _ in results)
    latencies = [ms for _, _, ms, _ in results]
    return {
        "label": label,
        "servers": servers,
        "providers": args.providers,
        "clients": args.clients,
        "attempts": len(results),
        "created": outcomes[(201, None)],
        "slot_taken": outcomes[(409, "slot_taken")],
        "other": {f"{s} {c}": n for (s, c), n in outcomes.items() if (s, c) not in {(201, None), (409, "slot_taken")}},
        "wall_s": round(wall, 2),
        "bookings_per_s": round(outcomes[(201, None)] / wall, 1),
        "requests_per_s": round(len(results) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        **verify,
    }


def ok(r: dict) -> bool:
    return (
        not r["other"]
        and r["double_bookings"] == 0
        and r["lost_acknowledged"] == 0
        and r["without_room"] == 0
        and r["unacknowledged_rows"] == 0
        and r["created"] == r["rows"]
    )


def print_table(rows: list[dict]) -> None:
    lines = [
        ("", [f"{r['label']}, {r['servers']} Daphne" for r in rows]),
        ("attempts (POST)", [r["attempts"] for r in rows]),
        ("201 booked", [r["created"] for r in rows]),
        ("409 slot_taken", [r["slot_taken"] for r in rows]),
        ("other answers", [r["other"] or 0 for r in rows]),
        ("bookings per second", [r["bookings_per_s"] for r in rows]),
        ("requests per second", [r["requests_per_s"] for r in rows]),
        ("latency p50 ms", [r["p50_ms"] for r in rows]),
        ("latency p99 ms", [r["p99_ms"] for r in rows]),
        ("double bookings", [r["double_bookings"] for r in rows]),
        ("lost acknowledged bookings", [r["lost_acknowledged"] for r in rows]),
        ("bookings without their room", [r["without_room"] for r in rows]),
        ("rows no 201 acknowledged", [r["unacknowledged_rows"] for r in rows]),
        ("verdict", ["OK" if ok(r) else "FAIL" for r in rows]),
    ]
    for name, values in lines:
        print(f"  {name:<30}" + "".join(f"{str(v):>28}" for v in values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=40, help="concurrent clients (users with tokens)")
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=8, help="POSTs per client, one after the other (<= 50)")
    parser.add_argument("--servers", type=int, default=2, help="Daphne processes on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the embedded SQLite comparison")
    parser.add_argument("--json", help="also write the figures there")
    parser.add_argument("--setup", nargs=3, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--verify", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup:
        print(json.dumps(do_setup(*args.setup)))
        return 0
    if args.verify:
        print(json.dumps(do_verify(args.verify)))
        return 0

    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres_url(url):
        print(
            "load_booking: DATABASE_URL must be a PostgreSQL URL (a scratch database is made next to it)",
            file=sys.stderr,
        )
        return 2
    if not (1 <= args.clients <= 500 and 1 <= args.providers <= 500 and 1 <= args.bookings <= 50):
        print(
            "load_booking: --clients and --providers 1..500, --bookings 1..50 (the booking throttle)", file=sys.stderr
        )
        return 2
    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(url), connect_timeout=10):
            pass
    except psycopg.OperationalError as exc:
        print(f"load_booking: cannot reach PostgreSQL at DATABASE_URL: {exc}", file=sys.stderr)
        return 2

    print(
        f"Load (booking): {args.clients} clients x {args.bookings} bookings over {args.providers} providers, "
        f"real HTTP with token auth (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="lexmeet-load-booking-") as tmp:
        with scratch_postgres(url, label="load") as scratch:
            rows.append(
                run_backend(
                    "PostgreSQL",
                    base_env(DATABASE_URL=scratch),
                    args=args,
                    servers=args.servers,
                    log_dir=Path(tmp) / "pg",
                )
            )
        if not args.no_sqlite:
            rows.append(
                run_backend(
                    "SQLite default",
                    base_env(SQLITE_PATH=str(Path(tmp) / "load.sqlite3")),
                    args=args,
                    servers=1,
                    log_dir=Path(tmp) / "sqlite",
                )
            )
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0 if all(ok(r) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
