"""End-to-end fixtures: the running servers (tests/e2e/stack.py), the browser, and the phase clock.

Every test here is marked ``browser`` and skips, with a reason starting ``browser:``, when
Chromium, Playwright, the QR tools (``zbarimg``, ``pdftoppm``), libical (the emails' ``.ics``)
or, for the scaled shape, nginx are missing; CI's PostgreSQL + Redis pass fails on such a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, browser_acquire, browser_release
from tests.e2e.stack import NGINX, nginx_available, scaled_requested, start

HERE = Path(__file__).parent
TIMINGS: dict[str, list[tuple[str, float]]] = {}


def pytest_collection_modifyitems(config, items):
    reason = None
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        reason = f"browser: {CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "browser: the playwright package is not installed"
    if reason is None and not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        reason = "browser: zbarimg/pdftoppm are missing (apt-get install zbar-tools poppler-utils)"
    if reason is None and items_here(items) and not libical_available():
        reason = "browser: libical for the emails' .ics check is missing (apt-get install python3-gi gir1.2-ical-3.0)"
    if reason is None and scaled_requested() and not nginx_available():
        reason = f"browser: {NGINX} is missing for the scaled setup (apt-get install nginx)"
    mine = [item for item in items if Path(str(item.fspath)).is_relative_to(HERE) and "journey" in item.name]
    if mine and reason and os.environ.get("LEXMEET_E2E_STRICT"):
        raise pytest.UsageError(f"make deploy-check cannot run the journey: {reason}")
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def items_here(items) -> bool:
    return any(Path(str(item.fspath)).is_relative_to(HERE) and "journey" in item.name for item in items)


def libical_available() -> bool:
    """Debian's libical through GObject introspection, as tests/scheduling/ical_check.py runs it."""
    from tests.scheduling.ical_check import SYSTEM_PYTHON

    if not shutil.which(SYSTEM_PYTHON):
        return False
    probe = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    return subprocess.run([SYSTEM_PYTHON, "-I", "-c", probe], capture_output=True, timeout=60).returncode == 0


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, shared with tests/browser when both run in one session."""
    yield browser_acquire()
    browser_release()


def pytest_terminal_summary(terminalreporter):
    for shape, phases in TIMINGS.items():
        total = sum(seconds for _, seconds in phases)
        terminalreporter.write_sep("-", f"e2e journey wall-clock, {shape} setup: {total:.1f} s")
        for name, seconds in phases:
            terminalreporter.write_line(f"  {name:<48} {seconds:6.1f} s")


class PhaseClock:
    """Wall-clock per named phase, printed in pytest's summary (and appended to $LEXMEET_E2E_TIMINGS)."""

    def __init__(self, shape: str):
        self.shape = shape
        self.phases = TIMINGS.setdefault(shape, [])

    @contextmanager
    def phase(self, name: str):
        began = time.monotonic()
        try:
            yield
        finally:
            seconds = time.monotonic() - began
            self.phases.append((name, seconds))
            path = os.environ.get("LEXMEET_E2E_TIMINGS")
            if path:
                with open(path, "a") as handle:
                    handle.write(f"{self.shape}\t{name}\t{seconds:.2f}\n")


@pytest.fixture
def stack_and_clock(tmp_path):
    """``(Stack, PhaseClock)``: the servers of the shape the environment asks for, stopped afterwards."""
    scaled = scaled_requested()
    clock = PhaseClock("scaled: PostgreSQL + Redis, 2 Daphne behind nginx" if scaled else "embedded: SQLite, 1 Daphne")
    with clock.phase("servers: database, migrate, seed, Daphne (+ nginx)"):
        stack = start(tmp_path, scaled=scaled)
    try:
        yield stack, clock
    finally:
        stack.stop()
