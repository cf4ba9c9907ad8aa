"""Benchmark (a): open slots of one provider over 62 days with 500 existing bookings.

Issue 2, item 8(a). Lexmeet's read path (``scheduling.selectors.provider_slot_list`` on a
real database, and the pure engine ``scheduling.slots.slot_list`` alone) side by side with
django-appointment (PyPI) computing the same provider's slots on identical data in the same run.

Both sides get the same provider: Asia/Shanghai, Monday-Saturday 08:00-20:00, a 30-minute
service on a 30-minute grid, no buffers, and the same 500 bookings (a seeded sample of the
grid) in the 62 provider-local days starting tomorrow. Each side runs in its own subprocess
on its own fresh SQLite file (the embedded default; with a PostgreSQL ``DATABASE_URL`` ours
also runs on a scratch PostgreSQL database). The slot sets of both sides must be identical.

django-appointment's public per-day function is
``appointment.services.get_available_slots_for_staff(date, staff_member, day_of_week, service=)``;
its views call it once per date (the slot picker, "next available date"), so its 62-day
figure is 62 such calls, with the staff member and service already loaded, as ours gets the
provider and the service already loaded.

Usage: ``python bench/slots.py [--runs 30] [--profile]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time as time_mod
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH, base_env, is_postgres_url, run_json, scratch_postgres, summary_ms  # noqa: E402

ZONE = "Asia/Shanghai"
WEEKLY = [(weekday, "08:00", "20:00") for weekday in range(1, 7)]  # ISO weekdays Monday..Saturday
DURATION = 30  # minutes; also the slot grid
DAYS = 62
BOOKINGS = 500
SEED = 20260402
TARGET_MS = 20.0
TARGET_RATIO = 10.0


# --- the shared data ------------------------------------------------------------------


def make_spec(*, runs: int, warmup: int) -> dict:
    """The provider, the 62 days and the 500 bookings both sides load (wall-clock, provider-local)."""
    first_day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    grid = []
    for n in range(DAYS):
        day = first_day + timedelta(days=n)
        for weekday, start, end in WEEKLY:
            if day.isoweekday() != weekday:
                continue
            t = datetime.combine(day, time.fromisoformat(start))
            stop = datetime.combine(day, time.fromisoformat(end))
            while t + timedelta(minutes=DURATION) <= stop:
                grid.append(t)
                t += timedelta(minutes=DURATION)
    bookings = sorted(random.Random(SEED).sample(grid, BOOKINGS))
    return {
        "zone": ZONE,
        "weekly": WEEKLY,
        "duration": DURATION,
        "first_day": first_day.isoformat(),
        "days": DAYS,
        "bookings": [b.isoformat(timespec="minutes") for b in bookings],
        "grid_size": len(grid),
        "runs": runs,
        "warmup": warmup,
    }


def query_count(fn) -> int:
    """Database queries one untimed call of ``fn`` makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def timed(fn, *, runs: int, warmup: int) -> tuple[list[int], object]:
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(runs):
        t0 = time_mod.perf_counter_ns()
        result = fn()
        samples.append(time_mod.perf_counter_ns() - t0)
    return samples, result


# --- Lexmeet side (subprocess, config.settings) ---------------------------------------


def side_ours(spec: dict, *, profile: bool) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone as dj_timezone

    from accounts.models import User
    from scheduling import selectors
    from scheduling import slots as engine
    from scheduling.models import Appointment, AvailabilityRule, Provider, ServiceType

    call_command("migrate", verbosity=0, interactive=False)
    zone = ZoneInfo(spec["zone"])
    client = User.objects.create_user("client@bench.invalid", None, full_name="Bench Client", timezone="UTC")
    lawyer = User.objects.create_user("lawyer@bench.invalid", None, full_name="Bench Lawyer", timezone=spec["zone"])
    service = ServiceType.objects.create(
        code="bench-30",
        name="Bench consultation",
        provider_kind="lawyer",
        duration_minutes=spec["duration"],
        booking_window_days=spec["days"] + 30,
    )
    provider = Provider.objects.create(user=lawyer, kind="lawyer", timezone=spec["zone"])
    provider.services.set([service])
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(provider=provider, weekday=w, start_time=time.fromisoformat(s), end_time=time.fromisoformat(e))
        for w, s, e in spec["weekly"]
    )
    length = timedelta(minutes=spec["duration"])
    rows = []
    for wall in spec["bookings"]:
        start = engine.wall_to_utc(date.fromisoformat(wall[:10]), time.fromisoformat(wall[11:]), zone)
        rows.append(
            Appointment(
                provider=provider,
                service=service,
                client=client,
                start=start,
                end=start + length,
                blocked_start=start,
                blocked_end=start + length,
                client_timezone="UTC",
            )
        )
    Appointment.objects.bulk_create(rows)

    first_day = date.fromisoformat(spec["first_day"])
    range_start, range_end = engine.booker_day_bounds(first_day, first_day + timedelta(days=spec["days"] - 1), zone)
    now = dj_timezone.now()
    provider = Provider.objects.get(pk=provider.pk)
    service = ServiceType.objects.get(pk=service.pk)

    def read_path():
        return selectors.provider_slot_list(
            provider=provider, service=service, range_start=range_start, range_end=range_end, now=now
        )

    weekly, overrides = selectors.provider_rules(provider)
    rules = selectors.service_rules(service)
    busy = selectors.busy_intervals(
        provider=provider, start=range_start - timedelta(days=1), end=range_end + timedelta(days=1)
    )

    def engine_only():
        return engine.slot_list(
            zone=zone,
            weekly=weekly,
            overrides=overrides,
            rules=rules,
            busy=busy,
            now=now,
            range_start=range_start,
            range_end=range_end,
        )

    db_samples, found = timed(read_path, runs=spec["runs"], warmup=spec["warmup"])
    engine_samples, engine_found = timed(engine_only, runs=spec["runs"], warmup=spec["warmup"])
    assert engine_found == found, "engine alone and the read path disagree"
    out = {
        "vendor": connection.vendor,
        "read_path": summary_ms(db_samples),
        "queries": query_count(read_path),
        "engine": summary_ms(engine_samples),
        "busy_rows": len(busy),
        "slots": [s.start.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes") for s in found],
    }
    if profile:
        out["profile"] = profile_text(read_path)
    return out


def profile_text(fn, repeat: int = 20) -> str:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeat):
        fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    return buf.getvalue()


# --- django-appointment side (subprocess, bench/peer_settings.py) ----------------------


def side_peer(spec: dict, *, profile: bool) -> dict:
    import logging

    logging.disable(logging.WARNING)  # its "django-q is not installed" notice
    import django

    django.setup()
    from importlib.metadata import version

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    # The wheel ships no migrations: its tables come from --run-syncdb.
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    from appointment.models import (
        Appointment,
        AppointmentRequest,
        Config,
        Service,
        StaffMember,
        WorkingHours,
    )
    from appointment.services import get_available_slots_for_staff
    from appointment.utils.db_helpers import get_weekday_num_from_date

    user_model = get_user_model()
    staff_user = user_model.objects.create_user("lawyer", "lawyer@bench.invalid", None, first_name="Bench")
    client = user_model.objects.create_user("client", "client@bench.invalid", None, first_name="Client")
    length = timedelta(minutes=spec["duration"])
    service = Service.objects.create(name="Bench consultation", duration=length, price=0)
    # The site-wide defaults an installation sets in its admin (Config is a cached singleton).
    Config(slot_duration=spec["duration"], lead_time=time(8), finish_time=time(20), appointment_buffer_time=0).save()
    staff = StaffMember.objects.create(
        user=staff_user, slot_duration=spec["duration"], appointment_buffer_time=0, slot_gap_time=0
    )
    staff.services_offered.add(service)
    for weekday, start, end in spec["weekly"]:
        WorkingHours.objects.create(
            staff_member=staff,
            day_of_week=weekday % 7,  # its weeks start on Sunday = 0
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
        )
    requests = AppointmentRequest.objects.bulk_create(
        AppointmentRequest(
            date=date.fromisoformat(wall[:10]),
            start_time=time.fromisoformat(wall[11:]),
            end_time=(datetime.fromisoformat(wall) + length).time(),
            service=service,
            staff_member=staff,
        )
        for wall in spec["bookings"]
    )
    Appointment.objects.bulk_create(
        Appointment(client=client, appointment_request=ar, phone="", amount_to_pay=0, id_request=f"bench{ar.pk}")
        for ar in requests
    )

    staff = StaffMember.objects.get(pk=staff.pk)
    service = Service.objects.get(pk=service.pk)
    first_day = date.fromisoformat(spec["first_day"])
    days = [first_day + timedelta(days=n) for n in range(spec["days"])]

    def all_days():
        found = []
        for day in days:
            found.extend(get_available_slots_for_staff(day, staff, get_weekday_num_from_date(day), service=service))
        return found

    samples, found = timed(all_days, runs=spec["runs"], warmup=spec["warmup"])
    out = {
        "version": version("django-appointment"),
        "read_path": summary_ms(samples),
        "queries": query_count(all_days),
        "slots": [s.isoformat(timespec="minutes") for s in found],
    }
    if profile:
        out["profile"] = profile_text(all_days, repeat=3)
    return out


# --- orchestration ----------------------------------------------------------------------


def run_side(side: str, spec_path: Path, env: dict[str, str], *, profile: bool) -> dict:
    args = [str(Path(__file__).resolve()), "--side", side, "--spec", str(spec_path)]
    if profile:
        args.append("--profile")
    return run_json(args, env=env, timeout=600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per side (median reported)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each read path")
    parser.add_argument("--side", choices=["ours", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.side:
        spec = json.loads(Path(args.spec).read_text())
        result = side_ours(spec, profile=args.profile) if args.side == "ours" else side_peer(spec, profile=args.profile)
        print(json.dumps(result))
        return 0

    spec = make_spec(runs=args.runs, warmup=args.warmup)
    pg_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="lexmeet-bench-slots-") as tmp:
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        ours = run_side("ours", spec_path, base_env(SQLITE_PATH=str(Path(tmp) / "ours.sqlite3")), profile=args.profile)
        peer_env = base_env(
            DJANGO_SETTINGS_MODULE="peer_settings",
            PYTHONPATH=str(BENCH),
            PEER_SQLITE_PATH=str(Path(tmp) / "peer.sqlite3"),
            PEER_TIME_ZONE=spec["zone"],
        )
        peer = run_side("peer", spec_path, peer_env, profile=args.profile)
        ours_pg = None
        if is_postgres_url(pg_url):
            import psycopg

            try:
                with scratch_postgres(pg_url, label="slots") as url:
                    ours_pg = run_side("ours", spec_path, base_env(DATABASE_URL=url), profile=False)
            except psycopg.OperationalError as exc:
                print(f"(PostgreSQL row skipped: {exc})", file=sys.stderr)

    report(spec, ours, peer, ours_pg)
    if args.profile:
        print("\n--- cProfile: Lexmeet provider_slot_list x20 (SQLite) ---\n" + ours["profile"])
        print("\n--- cProfile: django-appointment 62 days x3 (SQLite) ---\n" + peer["profile"])
    same = ours["slots"] == peer["slots"] and (ours_pg is None or ours_pg["slots"] == ours["slots"])
    return 0 if same else 1


def report(spec: dict, ours: dict, peer: dict, ours_pg: dict | None) -> None:
    first = date.fromisoformat(spec["first_day"])
    last = first + timedelta(days=spec["days"] - 1)
    print("Benchmark (a): open slots of one provider over 62 days with 500 bookings")
    print(
        f"  provider {spec['zone']}, Mon-Sat 08:00-20:00, {spec['duration']}-minute service on a "
        f"{spec['duration']}-minute grid; days {first}..{last} ({spec['days']} days, {spec['grid_size']} grid slots); "
        f"{len(spec['bookings'])} bookings; {spec['runs']} timed runs after {spec['warmup']} warm-up runs per side"
    )
    rows = [
        ("Lexmeet selectors.provider_slot_list, SQLite", ours["read_path"], len(ours["slots"]), ours["queries"]),
        ("Lexmeet slots.slot_list (engine alone)", ours["engine"], len(ours["slots"]), 0),
    ]
    if ours_pg:
        rows.append(
            (
                "Lexmeet selectors.provider_slot_list, PostgreSQL",
                ours_pg["read_path"],
                len(ours_pg["slots"]),
                ours_pg["queries"],
            )
        )
    rows.append(
        (
            f"django-appointment {peer['version']}, SQLite (62 days)",
            peer["read_path"],
            len(peer["slots"]),
            peer["queries"],
        )
    )
    print(f"  {'':52} {'median ms':>10} {'min ms':>9} {'p90 ms':>9} {'slots':>6} {'queries':>8}")
    for name, s, count, queries in rows:
        print(f"  {name:52} {s['median_ms']:10.2f} {s['min_ms']:9.2f} {s['p90_ms']:9.2f} {count:6d} {queries:8d}")
    ours_ms = ours["read_path"]["median_ms"]
    ratio = peer["read_path"]["median_ms"] / ours_ms
    print(f"  ratio django-appointment / Lexmeet (median, both on SQLite): {ratio:.1f}x")
    if ours_pg:
        print(
            f"  ratio django-appointment / Lexmeet on PostgreSQL: {peer['read_path']['median_ms'] / ours_pg['read_path']['median_ms']:.1f}x"
        )
    ok = ours_ms < TARGET_MS and ratio >= TARGET_RATIO
    print(f"  target (< {TARGET_MS:.0f} ms and >= {TARGET_RATIO:.0f}x faster): {'met' if ok else 'MISSED'}")
    same = ours["slots"] == peer["slots"]
    if same:
        print(
            f"  slot sets: identical ({len(ours['slots'])} slots, {spec['grid_size']} - {len(spec['bookings'])} booked)"
        )
    else:
        only_ours = sorted(set(ours["slots"]) - set(peer["slots"]))[:5]
        only_peer = sorted(set(peer["slots"]) - set(ours["slots"]))[:5]
        print(f"  slot sets DIFFER: only ours {only_ours}..., only django-appointment {only_peer}...")
    if ours_pg and ours_pg["slots"] != ours["slots"]:
        print("  slot sets DIFFER between SQLite and PostgreSQL")


if __name__ == "__main__":
    sys.exit(main())
