"""The servers the end-to-end journey runs against, started for real as a deployment would run them.

Two shapes:

- **embedded**: one Daphne on its own SQLite file and the in-memory channel layer, what
  ``make run`` serves;
- **scaled** (``DATABASE_URL`` is PostgreSQL and ``REDIS_URL`` is set): a fresh PostgreSQL
  database, two Daphne processes sharing it and the Redis channel layer, behind a private
  nginx (Debian's binary, config generated in a temp dir from ``deploy/nginx/``, no system
  service touched). nginx listens on three ports: one balancing over both workers (what a
  province runs) and one pinned to each worker, so the test can put the two browser pages
  on different Daphne processes.

Each Daphne writes its access log (``WSCONNECT`` lines tell which process took a
WebSocket); emails go to files (``EMAIL_BACKEND`` filebased) in ``<tmp>/emails``.
"""

from __future__ import annotations

import email
import json
import os
import secrets
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.video.live import ROOT, Daphne, free_port, live_env, manage

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
DEPLOY = ROOT / "deploy" / "nginx"


def scaled_requested() -> bool:
    """The scaled shape runs when both a PostgreSQL ``DATABASE_URL`` and ``REDIS_URL`` are set."""
    url = os.environ.get("DATABASE_URL", "")
    return url.startswith(("postgres://", "postgresql://")) and bool(os.environ.get("REDIS_URL"))


@dataclass
class Stack:
    """Running servers: ``base`` balances over every worker; ``pinned[i]`` reaches worker ``i`` only."""

    shape: str
    base: str
    pinned: list[str]
    env: dict
    tmp: Path
    daphnes: list[Daphne] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    database: str | None = None
    seed: dict = field(default_factory=dict)

    @property
    def email_dir(self) -> Path:
        return self.tmp / "emails"

    @property
    def key_dir(self) -> Path:
        return self.tmp / "keys"

    def worker_base(self, index: int) -> str:
        """The base URL whose requests (pages, API, WebSocket) all reach Daphne ``index``."""
        return self.pinned[index % len(self.pinned)]

    def ws_connects(self, index: int, room_id: str) -> int:
        """How many WebSockets of ``room_id`` Daphne ``index`` accepted (its access log)."""
        log = self.daphnes[index].log
        log.flush()
        text = Path(log.name).read_text(errors="replace")
        return text.count(f"WSCONNECT /ws/rooms/{room_id}/")

    def emails(self) -> list[Message]:
        """Every email the servers have written so far (Django's filebased backend, one file per connection)."""
        found = []
        if not self.email_dir.exists():
            return found
        for path in sorted(self.email_dir.glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk.lstrip(b"\n")))
        return found

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        for daphne in self.daphnes:
            daphne.stop()
        if self.database:
            _pg(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def _pg(sql: str) -> None:
    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def start(tmp: Path, *, scaled: bool) -> Stack:
    """Create the database, migrate, seed (tests/e2e/seed.py), start the servers; the caller stops them."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = live_env(tmp / "db.sqlite3", redis=scaled)
    env.update(
        MEDIA_ROOT=str(tmp / "media"),
        NOTARY_KEY_DIR=str(tmp / "keys"),
        STATIC_ROOT=str(tmp / "public" / "static"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp / "emails"),
    )
    database = None
    if scaled:
        database = f"{urlsplit(os.environ['DATABASE_URL']).path.lstrip('/') or 'lexmeet'}_e2e_{secrets.token_hex(3)}"
        _pg(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}"))
    stack = Stack(shape="scaled" if scaled else "embedded", base="", pinned=[], env=env, tmp=tmp, database=database)
    try:
        if scaled:
            # nginx's ports first: SITE_URL (verify links, invites) must be the balanced address.
            ports = [free_port() for _ in range(3)]
            env["SITE_URL"] = f"http://127.0.0.1:{ports[0]}"
            env["PROXY_COUNT"] = "1"
            stack.seed = _prepare(env, collectstatic=True)
            args = ("--proxy-headers", "--access-log", "-")
            with ThreadPoolExecutor(max_workers=2) as pool:  # both start at once
                starting = [pool.submit(Daphne, env, tmp / f"daphne-{i}.log", extra_args=args) for i in range(2)]
            stack.daphnes = [future.result() for future in starting if future.exception() is None]
            for future in starting:  # a worker that failed to start: the others are stopped by stop()
                if future.exception() is not None:
                    raise future.exception()
            stack.nginx = _nginx(tmp, ports, [d.port for d in stack.daphnes])
            stack.base = env["SITE_URL"]
            stack.pinned = [f"http://127.0.0.1:{p}" for p in ports[1:]]
        else:
            stack.seed = _prepare(env, collectstatic=False)
            # SITE_URL follows the port served, as `make run` does.
            port = free_port()
            env["SITE_URL"] = f"http://127.0.0.1:{port}"
            stack.daphnes = [Daphne(env, tmp / "daphne-0.log", extra_args=("--access-log", "-"), port=port)]
            stack.base = env["SITE_URL"]
            stack.pinned = [stack.base]
    except BaseException:
        stack.stop()
        raise
    return stack


def _prepare(env: dict, *, collectstatic: bool) -> dict:
    """Migrate, optionally collectstatic, seed (tests/e2e/seed.py) in one process; the seed's JSON."""
    out = manage(env, "shell", "-c", f"from tests.e2e.seed import prepare; prepare(collectstatic={collectstatic})")
    return json.loads(out.strip().splitlines()[-1])


def nginx_config(tmp: Path, ports: list[int], workers: list[int]) -> str:
    """A whole nginx.conf: ``ports[0]`` balances over ``workers``, ``ports[1+i]`` reaches worker ``i`` only.

    The locations are deploy/nginx/lexmeet-locations.conf and the http-level maps and
    zones deploy/nginx/lexmeet-http.conf, included as they are in production.
    """
    upstreams = [
        "upstream lexmeet_daphne {\n    least_conn;\n"
        + "".join(f"    server 127.0.0.1:{w};\n" for w in workers)
        + "    keepalive 8;\n}"
    ]
    servers = []
    for index, port in enumerate(ports):
        name = "lexmeet_daphne" if index == 0 else f"lexmeet_worker_{index - 1}"
        if index:
            upstreams.append(f"upstream {name} {{\n    server 127.0.0.1:{workers[index - 1]};\n    keepalive 4;\n}}")
        servers.append(
            f"server {{\n    listen 127.0.0.1:{port};\n    server_name _;\n"
            f"    set $lexmeet_upstream {name};\n    set $lexmeet_public {tmp / 'public'};\n"
            f"    include {DEPLOY / 'lexmeet-locations.conf'};\n}}"
        )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp dir
    nl = "\n"
    return f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    include {DEPLOY / "lexmeet-http.conf"};
{nl.join(upstreams)}
{nl.join(servers)}
}}
"""


def _nginx(tmp: Path, ports: list[int], workers: list[int]) -> subprocess.Popen:
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_config(tmp, ports, workers))
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {(tmp / 'nginx-error.log').read_text()[-2000:]}")
        try:
            if all(httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=1).status_code == 200 for p in ports):
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("nginx did not answer in 20 s")


def nginx_available() -> bool:
    return bool(shutil.which(NGINX) or Path(NGINX).exists())
