"""Benchmark: a provider's calendar feed of 10,000 appointments, beside a bare icalendar serialization.

    .venv/bin/python bench/feed.py [--appointments 10000] [--runs 7]

Builds a throw-away SQLite database (never the configured one), a provider with
N confirmed appointments, then times (median of ``--runs``):

* ``feed GET``: ``GET /calendar/<token>.ics`` through Django with a cold cache (query,
  texts in two zones, our content-line writer, ETag), then with the body cached under its ETag;
* ``feed_render``: the same without the HTTP layer;
* ``304``: a poll with the current ETag;
* ``bare icalendar``: icalendar 7 building and serializing the same events from
  precomputed property values (no database, no text rendering): the peer.

Target (issue 3): feed GET under 1 s and within 1.5x of the bare serialization.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_seconds(fn, runs: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of this process): on a shared machine the CPU time is the
    steadier figure, the wall time is what a client waits."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="lexmeet-bench-feed-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        SQLITE_PATH=str(Path(workdir) / "bench.sqlite3"),
        SITE_URL="https://lexmeet.example",
        LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from icalendar import Calendar, Event

    from accounts.models import User
    from scheduling import feeds, invites
    from scheduling.models import Appointment, Organization, Provider, ServiceType

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(
        name="Taiyuan Legal Aid Centre", kind="legal_aid_centre", timezone="Asia/Shanghai", email="office@example.com"
    )
    service = ServiceType.objects.create(
        code="consult",
        name="Free legal consultation",
        name_zh="免费法律咨询",
        provider_kind="lawyer",
        duration_minutes=30,
    )
    lawyer = User.objects.create_user(
        "li.wei@example.com", None, full_name="李伟", timezone="Asia/Shanghai", role="lawyer"
    )
    provider = Provider.objects.create(user=lawyer, kind="lawyer", organization=org, timezone="Asia/Shanghai")
    zones = ["America/New_York", "Europe/Berlin", "Australia/Melbourne", "America/Sao_Paulo", "Asia/Kolkata"]
    clients = [
        User.objects.create_user(f"client{i}@example.com", None, full_name=f"Client {i}, «Ünïcode» 王{i}", timezone=z)
        for i, z in enumerate(zones)
    ]
    start0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    rows = []
    for i in range(args.appointments):
        start = start0 + timedelta(hours=i)
        client = clients[i % len(clients)]
        rows.append(
            Appointment(
                provider=provider,
                service=service,
                client=client,
                start=start,
                end=start + timedelta(minutes=30),
                blocked_start=start,
                blocked_end=start + timedelta(minutes=30),
                client_timezone=client.timezone,
                language="zh-hans" if i % 2 else "en",
                notes="请带护照；bring your passport, please." if i % 3 == 0 else "",
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=2000)

    feed = feeds.calendar_feed_get(user=lawyer)
    path = f"/calendar/{feed.token}.ics"
    http = Client()
    first = http.get(path)
    assert first.status_code == 200, first.status_code
    body = first.content
    etag = first["ETag"]
    assert body.count(b"BEGIN:VEVENT") == args.appointments

    now = datetime.now(UTC)
    entries = list(feeds.feed_entries(feed=feed, now=now))
    props = [invites.event_properties(data, role, feed=True) for data, role in entries]

    def bare_icalendar() -> bytes:
        cal = Calendar()
        cal.add("prodid", invites.PRODID)
        cal.add("version", "2.0")
        for event_props in props:
            event = Event()
            for prop in event_props:
                event.add(prop.name, invites._ical_value(prop), parameters=dict(prop.params) or None)
            cal.add_component(event)
        return cal.to_ical()

    prebuilt = Calendar.from_ical(bare_icalendar())

    def cold_get():
        cache.clear()
        return http.get(path)

    t_get = median_seconds(cold_get, args.runs)
    t_cached = median_seconds(lambda: http.get(path), args.runs)
    t_render = median_seconds(lambda: feeds.feed_render(feed=feed, now=datetime.now(UTC)), args.runs)
    t_304 = median_seconds(lambda: http.get(path, HTTP_IF_NONE_MATCH=etag), args.runs)
    t_bare = median_seconds(bare_icalendar, max(3, args.runs // 2))
    t_bare_serialize = median_seconds(prebuilt.to_ical, max(3, args.runs // 2))

    n = args.appointments
    load = os.getloadavg()[0]
    print(f"provider feed of {n:,} appointments, median of {args.runs} runs, {len(body) / 1e6:.1f} MB")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall times grow with load; CPU times less so)")
    print(f"{'':34}{'wall s':>9}{'CPU s':>9}{'CPU/event':>12}{'vs bare (CPU)':>15}")
    for label, (wall, cpu) in (
        ("feed GET /calendar/<token>.ics", t_get),
        ("same, body cached under its ETag", t_cached),
        ("feed_render (no HTTP)", t_render),
        ("304 Not Modified poll", t_304),
        ("bare icalendar build + to_ical", t_bare),
        ("bare icalendar to_ical only", t_bare_serialize),
    ):
        print(f"{label:34}{wall:9.3f}{cpu:9.3f}{cpu / n * 1e6:10.1f}us{cpu / t_bare[1]:14.2f}x")
    for what, index in (("wall", 0), ("CPU", 1)):
        get, bare = t_get[index], t_bare[index]
        print(
            f"target feed GET < 1 s ({what}): {'PASS' if get < 1.0 else 'FAIL'} ({get:.3f} s); "
            f"<= 1.5x bare icalendar: {'PASS' if get <= 1.5 * bare else 'FAIL'} ({get / bare:.2f}x)"
        )


if __name__ == "__main__":
    main()
