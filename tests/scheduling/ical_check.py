"""Independent checks of generated iCalendar bytes: raw line rules, icalendar, vobject and libical.

libical runs in Debian's own Python (``/usr/bin/python3`` with python3-gi and
gir1.2-ical-3.0, installed by .ci/run): our venv's Python cannot import ``gi``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("libical_probe.py")


def assert_wire_format(ics: bytes) -> list[bytes]:
    """CRLF everywhere, every physical line <= 75 octets and valid UTF-8 on its own; returns the lines."""
    assert ics.endswith(b"\r\n")
    lines = ics[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a fold never splits a character
        assert not any(b < 0x20 and b != 0x09 for b in line), line
    return lines


def unfold(ics: bytes) -> list[str]:
    """Logical content lines (RFC 5545 §3.1 unfolding)."""
    return ics.decode().replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def icalendar_events(ics: bytes):
    cal = Calendar.from_ical(ics)
    return cal, list(cal.walk("VEVENT"))


def vobject_calendar(ics: bytes):
    """vobject's strict-ish parse; raises on a malformed file."""
    return vobject.readOne(ics.decode(), validate=True)


def libical_parse(files: list[bytes]) -> list[dict]:
    """Parse with libical; skips the test (with the reason) when Debian's python3-gi/ICalGLib is missing."""
    if not shutil.which(SYSTEM_PYTHON):
        pytest.skip(f"libical: {SYSTEM_PYTHON} is missing (apt-get install python3-gi gir1.2-ical-3.0)")
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-I", str(PROBE)],
        input=json.dumps([f.decode() for f in files]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode == 3:
        pytest.skip(
            f"libical: {SYSTEM_PYTHON} cannot import gi/ICalGLib ({proc.stderr.strip()}); "
            "apt-get install python3-gi gir1.2-ical-3.0"
        )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    for result in results:
        assert result["errors"] == [], result["errors"]
    return results
