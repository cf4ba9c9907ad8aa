"""Private, killable backing services for the fault tests: Redis, a PostgreSQL cluster, an SMTP server.

The machine's shared PostgreSQL (5432) and Redis (6379) are never touched: each fault test
starts its own instance on a free port, kills or restarts it, and removes it afterwards.
Processes are stopped by the ids this module started, never by name.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.video.live import free_port


def wait_port(port: int, *, up: bool, timeout: float = 30) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections (``up``) or refuses them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} not {'up' if up else 'down'} after {timeout} s")


class PrivateRedis:
    """``redis-server --port P --save "" --appendonly no`` that a test may kill and start again on the same port."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, up=True)

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-call, as a crash or a lost host would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        wait_port(self.port, up=False)


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` with ``initdb`` and ``pg_ctl``, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (``initdb`` + ``pg_ctl``) on a free port, run as the ``postgres`` OS user.

    initdb refuses to run as root, so when this process is root the cluster belongs to the
    ``postgres`` user (``runuser -u postgres --``). Trust authentication on 127.0.0.1 only.
    """

    def __init__(self):
        self.bin = postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="lexmeet-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/lexmeet"

    def _run(self, *args: str, timeout: float = 120) -> None:
        proc = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {proc.stderr[-2000:]}\n{log}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lexmeet")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='{self.dir}' -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", action, *extra
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every backend is terminated mid-query, then the server comes back."""
        self._ctl("restart", "-m", "fast")

    def stop_server(self) -> None:
        """``pg_ctl stop -m fast``: every backend is terminated mid-query; the cluster stays on disk."""
        self._ctl("stop", "-m", "fast")

    def stop(self) -> None:
        """Stop the server (immediate) and remove the cluster."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._ctl("stop", "-m", "immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


class SmtpServer:
    """A minimal SMTP server in a thread: it refuses every message with 554 until ``accept`` is set.

    Enough of RFC 5321 for Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
    ``refused`` counts refused transactions; ``messages`` holds the accepted ones' raw data.
    """

    def __init__(self):
        self.accept = False
        self.refused = 0
        self.messages: list[bytes] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 faults.invalid ESMTP test server")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.decode(errors="replace").strip().split(" ")[0].upper()
                    if verb == "EHLO":
                        self.wfile.write(b"250-faults.invalid\r\n250 8BITMIME\r\n")
                    elif verb in ("HELO", "RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "MAIL":
                        if outer.accept:
                            self.reply("250 OK")
                        else:
                            outer.refused += 1
                            self.reply("554 5.7.1 Service refused (fault test)")
                    elif verb == "RCPT":
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk)
                        outer.messages.append(b"".join(data))
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
