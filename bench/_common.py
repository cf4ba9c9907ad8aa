"""Helpers shared by the benchmarks: subprocess runs with a JSON answer, scratch databases, percentiles.

Nothing here imports Django: each benchmark side runs in its own subprocess with its own settings.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
# A throwaway key for the benchmark processes only (settings refuse the dev default with DEBUG off).
BENCH_SECRET_KEY = "bench-" + uuid.uuid4().hex + uuid.uuid4().hex


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql://"))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list: the smallest value with p% at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_ns: list[int]) -> dict:
    """Median, min and p90 in milliseconds of run times in nanoseconds."""
    ms = [s / 1e6 for s in samples_ns]
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "p90_ms": percentile(ms, 90), "runs": len(ms)}


def base_env(**extra: str) -> dict[str, str]:
    """The environment of a benchmark subprocess: no inherited database/Redis URL, DEBUG off, a bench key."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        SECRET_KEY=BENCH_SECRET_KEY,
        DEBUG="0",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        # DEBUG off requires https origins (checks lexmeet.E003/E004); the bench talks plain http to 127.0.0.1.
        SITE_URL="https://lexmeet.bench.invalid",
        CSRF_TRUSTED_ORIGINS="https://lexmeet.bench.invalid",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def run_json(args: list[str], *, env: dict[str, str], timeout: float, cwd: Path = REPO) -> dict:
    """Run ``python args...`` and return the JSON object printed on its last stdout line.

    Raises ``RuntimeError`` with the child's stderr when it fails or times out.
    """
    try:
        proc = subprocess.run(
            [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{' '.join(args)} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"{' '.join(args)} printed nothing:\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


def migrate(env: dict[str, str], *, timeout: float = 300) -> None:
    """``manage.py migrate`` against the database that ``env`` names."""
    proc = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{proc.stderr[-4000:]}")


def postgres_admin_url(url: str) -> str:
    """The URL of the ``postgres`` maintenance database on the server of ``url``."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


@contextlib.contextmanager
def scratch_postgres(url: str, *, label: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server of ``url``, dropped afterwards.

    Its name is the database of ``url`` plus ``_<label>_<pid>`` (the database in the URL is
    never touched). Yields the URL of the scratch database.
    """
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    base_name = parts.path.lstrip("/") or "lexmeet_bench"
    name = f"{base_name}_{label}_{os.getpid()}"[:63]
    admin_url = postgres_admin_url(url)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
