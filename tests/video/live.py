"""Live Daphne servers for end-to-end tests: own SQLite file (shared by every process), optional Redis."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = Path(sys.executable).with_name("daphne")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_env(db_path: Path, *, redis: bool) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if not redis:
        env.pop("REDIS_URL", None)
    env.update(SQLITE_PATH=str(db_path), STUN_URLS="", TURN_URLS="", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def seed_room(env: dict) -> dict:
    out = manage(env, "shell", "-c", "from tests.video.live_seed import main; main()")
    return json.loads(out.strip().splitlines()[-1])


class Daphne:
    """``daphne -b 127.0.0.1 -p <free port> [extra_args] config.asgi:application`` as a subprocess."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        extra_args: tuple[str, ...] = (),
        port: int | None = None,
        *,
        start_timeout: float = 90,
    ):
        self.port = port or free_port()
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(self.port), *extra_args, "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # Importing the project takes seconds; on a loaded CI machine (several helpers, 2 cores) over 30.
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {Path(log_path).read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"daphne did not start in {start_timeout:.0f} s")

    def ws_url(self, room_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{room_id}/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
