"""Regenerate ``docs/reliability.md``: run the hardening tests and the load benchmarks, write what they withstood.

``make reliability`` runs this with ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` set, so that the
``postgres``/``redis`` tests run instead of skipping. Steps:

1. ``pytest -m reliability tests/``: every test under one of ``tests/conftest.py``'s
   ``RELIABILITY_PATHS`` (faults, security, ...) or marked ``@pytest.mark.reliability`` anywhere,
   with a JUnit XML report. A test's figures are what it recorded with ``record_property(name,
   value)``; a test that checks for loss records ``lost`` (the report prints it; "-" where a test
   does not measure loss, e.g. a header check).
2. ``bench/load_booking.py`` and ``bench/load_signaling.py`` with ``--json`` (sizes from the
   options below); their tables are copied verbatim and their loss checks summarised.

Exit status: 0 only if every selected test passed (or skipped with a reason that is not a missing
backend) and both benchmarks reported nothing lost. ``--no-bench`` skips step 2 (the report then
says so); ``--output`` writes elsewhere than ``docs/reliability.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def run(args: list[str], *, timeout: float) -> tuple[int, str, float]:
    t0 = time.monotonic()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - t0


def run_tests(junit: Path, extra: list[str]) -> tuple[int, str, float]:
    return run(
        [
            PY,
            "-m",
            "pytest",
            "-m",
            "reliability",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rfEs",
            f"--junitxml={junit}",
            *extra,
        ],
        timeout=3600,
    )


def parse_junit(path: Path) -> list[dict]:
    """``[{id, group, outcome, message, seconds, properties}]`` from a pytest JUnit XML file."""
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        module = classname.replace(".", "/") + ".py"
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "FAILED", "error": "ERROR", "skipped": "skipped"}[tag]
                message = (node.get("message") or "").splitlines()[0][:160] if node.get("message") else ""
                break
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        cases.append(
            {
                "id": f"{module}::{name}",
                "group": str(Path(module).parent),
                "outcome": outcome,
                "message": message,
                "seconds": float(case.get("time") or 0),
                "properties": properties,
            }
        )
    return cases


def md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def tests_section(cases: list[dict]) -> list[str]:
    out = []
    groups: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        groups[case["group"]].append(case)
    for group in sorted(groups):
        out += [f"### `{group}/`", "", "| test | result | s | figures | lost |", "| --- | --- | ---: | --- | --- |"]
        for case in groups[group]:
            props = dict(case["properties"])
            lost = props.pop("lost", "-")
            figures = ", ".join(f"{k} {v}" for k, v in props.items())
            result = case["outcome"] + (f": {case['message']}" if case["message"] else "")
            name = case["id"].split("::", 1)[1]
            out.append(
                f"| `{md_escape(Path(case['id'].split('::')[0]).name)}::{md_escape(name)}` | {md_escape(result)} "
                f"| {case['seconds']:.1f} | {md_escape(figures)} | {md_escape(lost)} |"
            )
        out.append("")
    return out


def bench(script: str, options: list[str]) -> tuple[int, str, list[dict] | None, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out_json = Path(tmp) / "figures.json"
        code, output, seconds = run([PY, f"bench/{script}", *options, "--json", str(out_json)], timeout=3600)
        figures = json.loads(out_json.read_text()) if out_json.exists() else None
    return code, output, figures, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "reliability.md"))
    parser.add_argument("--no-bench", action="store_true", help="only the tests")
    parser.add_argument("--clients", type=int, default=40, help="load_booking: concurrent clients")
    parser.add_argument("--providers", type=int, default=20, help="load_booking: providers")
    parser.add_argument("--bookings", type=int, default=8, help="load_booking: POSTs per client")
    parser.add_argument("--rooms", type=int, default=200, help="load_signaling: rooms negotiating at once")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (default: tests/)")
    args = parser.parse_args()

    started = datetime.now(UTC)
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    ok = True

    print("reliability: running the hardening tests (pytest -m reliability) ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        code, output, test_seconds = run_tests(junit, args.pytest_args or ["tests/"])
        cases = parse_junit(junit) if junit.exists() else []
    summary = [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR", "SKIPPED"))]
    print("\n".join([*summary, *output.strip().splitlines()[-1:]]) or "(no output)", flush=True)
    if code != 0 or not cases:
        ok = False
    backend_skips = [c for c in cases if c["outcome"] == "skipped" and c["message"].startswith(("postgres:", "redis:"))]
    if backend_skips:
        ok = False

    benches = []
    if not args.no_bench:
        booking_options = [
            "--clients",
            str(args.clients),
            "--providers",
            str(args.providers),
            "--bookings",
            str(args.bookings),
        ]
        for script, options, what in (
            ("load_booking.py", booking_options, "booking"),
            ("load_signaling.py", ["--rooms", str(args.rooms)], "signaling"),
        ):
            print(f"reliability: bench/{script} ...", flush=True)
            code, output, figures, seconds = bench(script, options)
            print(output.strip(), flush=True)
            ok &= code == 0
            benches.append((script, what, code, output, figures, seconds, options))

    counts = defaultdict(int)
    for case in cases:
        counts[case["outcome"]] += 1
    lines = [
        "# What Lexmeet withstands",
        "",
        "Generated by `make reliability` (`tools/reliability.py`); do not edit by hand. "
        f"Last run: {started:%Y-%m-%d %H:%M} UTC, commit `{commit}`, {os.cpu_count()} cores "
        f"({platform.machine()}, shared: load average {load_before} at the start, so times vary run to run), "
        f"DATABASE_URL {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'unset (SQLite)'}, "
        f"REDIS_URL {'set' if os.environ.get('REDIS_URL') else 'unset'}.",
        "",
        "Each fault test runs real processes (Daphne servers, a private `redis-server`, a private "
        "PostgreSQL cluster, a local SMTP server), breaks one of them and checks against the stored data "
        "that nothing acknowledged was lost; `lost` is what the test counted. The same tests run in CI "
        "(`make test`; the `postgres`/`redis` ones in the PostgreSQL + Redis pass).",
        "",
        f"## Tests (`pytest -m reliability`): {counts['passed']} passed, {counts['FAILED'] + counts['ERROR']} failed, "
        f"{counts['skipped']} skipped, {test_seconds:.0f} s",
        "",
        "Collected from `tests/conftest.py` `RELIABILITY_PATHS` and `@pytest.mark.reliability`; figures are "
        "the tests' own `record_property` values.",
        "",
        *tests_section(cases),
        "What a client sees in each fault:",
        "",
        '- Redis goes away mid-call: every socket gets `error {code: "signaling_unavailable"}` and close '
        "code **4503**; a join while Redis is down gets the same; clients retry (`static/js/room.js`: 1, 2, 4, 8 s) "
        "and resume their place (`joined.resumed`) when Redis is back. HTTP goes on: the cache degrades to misses "
        "(`config/cache.py`; rate limits count nothing meanwhile).",
        "- PostgreSQL restarts: a request that loses its connection answers **503** `service_unavailable` with "
        "`Retry-After: 5` (never 500); its transaction rolled back, so a retry is safe, and a booking retried with "
        "its `Idempotency-Key` replays the first answer if the commit had landed.",
        "- The mail server refuses: the booking is kept (201); the email is recorded `failed` and "
        "`manage.py send_reminders` (cron) re-sends it, up to 8 attempts.",
        "- A Daphne process is killed: its clients' sockets drop (1006), they reconnect to another process and "
        "resume; the other peers see `peer-joined` with `resumed: true` and no `peer-left`.",
        "",
    ]
    if not benches:
        lines += ["## Load", "", "Not run this time (`--no-bench`).", ""]
    for script, what, code, output, figures, seconds, options in benches:
        lost_summary = ""
        if figures and what == "booking":
            lost_summary = "; ".join(
                f"{f['label']}: double bookings {f['double_bookings']}, lost acknowledged {f['lost_acknowledged']}"
                for f in figures
            )
        elif figures and what == "signaling":
            lost_summary = "; ".join(f"{f['label']}: lost {f['lost']}, duplicated {f['duplicated']}" for f in figures)
        table = [line for line in output.splitlines() if line.startswith(("Load", "  "))]
        lines += [
            f"## Load: `bench/{script} {' '.join(options)}` ({'OK' if code == 0 else 'FAILED'}, {seconds:.0f} s)",
            "",
            f"lost: {lost_summary or 'no figures (the benchmark failed)'}",
            "",
            "```",
            *(table or output.strip().splitlines()[-20:]),
            "```",
            "",
        ]
    Path(args.output).write_text("\n".join(lines).rstrip() + "\n")
    print(f"reliability: wrote {args.output} ({'OK' if ok else 'FAILURES, see the report'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
