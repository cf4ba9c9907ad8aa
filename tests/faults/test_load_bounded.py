"""The load benchmarks at CI size: same scripts, same loss checks, small numbers.

``make reliability`` runs ``bench/load_booking.py`` and ``bench/load_signaling.py`` at full size
and writes their tables into docs/reliability.md; here they run bounded so that CI keeps them
working (a benchmark that no longer starts is found on the next commit, not at the next report)
and still checks what they check: zero double bookings, zero lost acknowledged bookings, zero
relays lost or duplicated, on both setups side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bench(script: str, args: list[str], out: Path, env: dict) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, f"bench/{script}", *args, "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(out.read_text())
    return rows if isinstance(rows, list) else rows["rows"]


@pytest.mark.postgres
def test_load_booking_bounded_no_double_booking_nothing_lost(tmp_path, record_property):
    rows = run_bench(
        "load_booking.py",
        ["--clients", "8", "--providers", "4", "--bookings", "4"],
        tmp_path / "b.json",
        dict(os.environ),
    )
    assert [r["label"] for r in rows] == ["PostgreSQL", "SQLite default"]
    for r in rows:
        assert (r["double_bookings"], r["lost_acknowledged"], r["without_room"], r["other"]) == (0, 0, 0, {}), r
        assert r["created"] == r["rows"] > 0, r
        record_property(f"{r['label']} bookings/s", r["bookings_per_s"])
    record_property("lost", 0)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis: redis-server is not installed")
@pytest.mark.redis
def test_load_signaling_bounded_nothing_lost_or_duplicated(tmp_path, record_property):
    rows = run_bench("load_signaling.py", ["--rooms", "20", "--candidates", "2"], tmp_path / "s.json", dict(os.environ))
    assert [r["label"] for r in rows] == ["2 Daphne + Redis (A<->B)", "1 Daphne, in-memory (default)"]
    for r in rows:
        assert (r["sent"], r["received"], r["lost"], r["duplicated"], r["errors"]) == (160, 160, 0, 0, 0), (
            r
        )  # 20 rooms x (offer, answer, 2 x (2 candidates + null))
        record_property(f"{r['label']} relay p50 ms", r["relay_p50_ms"])
    record_property("lost", 0)
