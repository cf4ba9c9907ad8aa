"""The slot engine: pure functions from availability to bookable UTC instants.

Nothing here touches the database or the clock; callers pass ``now``.

Rules (DESIGN.md, "Time"):

* Windows are wall-clock times in the provider's IANA zone, for each
  provider-local date. A weekly window applies on its ISO weekday (Monday=1);
  a date override replaces all weekly windows of that local date (closed, or
  its own windows). ``end <= start`` means the window ends on the next local date.
* A wall-clock time becomes an instant as RFC 5545 §3.3.5 says: a time in a
  spring-forward gap takes the UTC offset from before the gap; an ambiguous
  time is its first occurrence. That is exactly zoneinfo with ``fold=0``
  (PEP 495).
* Slots step through the window in elapsed minutes from its start, so a
  00:00-05:00 window on a spring-forward night has four one-hour slots and on
  a fall-back night six.
* A slot is dropped when its buffered interval ``[start - buffer_before,
  end + buffer_after)`` overlaps a busy interval (other appointments, already
  widened by their own buffers), when it starts before ``now + minimum
  notice``, or when its provider-local date is after ``today + booking window``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Instants the service accepts at all; anything outside is refused as invalid input
# before any arithmetic (a day either side of year 1 or 9999 overflows datetime).
EARLIEST_SUPPORTED = datetime(1971, 1, 1, tzinfo=UTC)
LATEST_SUPPORTED = datetime(2199, 12, 31, tzinfo=UTC)


def is_supported_instant(value: datetime) -> bool:
    """True for an aware ``value`` between 1971 and 2199 (UTC)."""
    return value.tzinfo is not None and EARLIEST_SUPPORTED <= value <= LATEST_SUPPORTED


@dataclass(frozen=True, slots=True)
class Window:
    """Wall-clock hours on one provider-local date; ``end <= start`` crosses midnight."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A weekly availability rule: ISO ``weekday`` (1 = Monday ... 7 = Sunday)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class ServiceRules:
    """The booking rules of a service, all in minutes except the window (provider-local days)."""

    duration: int
    interval: int
    buffer_before: int = 0
    buffer_after: int = 0
    minimum_notice: int = 0
    booking_window_days: int = 60


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable interval, UTC-aware, half-open ``[start, end)``."""

    start: datetime
    end: datetime


def wall_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``wall`` on local date ``day`` in ``zone``.

    RFC 5545 §3.3.5: a nonexistent time (spring-forward gap) is read with the
    offset before the gap, so 02:30 in New York on 2024-03-10 is 07:30Z; an
    ambiguous time (fall back) is the first occurrence. zoneinfo with
    ``fold=0`` implements both.
    """
    return datetime.combine(day, wall, tzinfo=zone).replace(fold=0).astimezone(UTC)


def windows_for_date(
    day: date,
    weekly: list[WeeklyWindow],
    overrides: dict[date, list[Window]],
) -> list[Window]:
    """The windows that apply on provider-local ``day``: its override if any, else the weekly rules."""
    if day in overrides:
        return overrides[day]
    weekday = day.isoweekday()
    return [Window(rule.start, rule.end) for rule in weekly if rule.weekday == weekday]


def window_instants(day: date, window: Window, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC ``(start, end)`` of ``window`` on local ``day``; the end falls on the next day when ``end <= start``."""
    end_day = day if window.end > window.start else day + timedelta(days=1)
    return wall_to_utc(day, window.start, zone), wall_to_utc(end_day, window.end, zone)


def local_date_range(start_utc: datetime, end_utc: datetime, zone: ZoneInfo) -> list[date]:
    """Provider-local dates whose windows can produce a slot starting in ``[start_utc, end_utc)``.

    Includes the day before, because a window may run past midnight.
    """
    first = start_utc.astimezone(zone).date() - timedelta(days=1)
    last = end_utc.astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def merge_intervals(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sort and merge overlapping or touching half-open intervals."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class _BusyIndex:
    """Merged busy intervals with an O(log n) overlap test for half-open intervals."""

    def __init__(self, busy: list[tuple[datetime, datetime]]):
        self.intervals = merge_intervals([(s, e) for s, e in busy if e > s])
        self.starts = [s for s, _ in self.intervals]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The last busy interval starting before `end` is the only candidate:
        # merged intervals are disjoint and sorted.
        i = bisect.bisect_left(self.starts, end) - 1
        return i >= 0 and self.intervals[i][1] > start


def slot_list(
    *,
    zone: ZoneInfo,
    weekly: list[WeeklyWindow],
    overrides: dict[date, list[Window]],
    rules: ServiceRules,
    busy: list[tuple[datetime, datetime]],
    now: datetime,
    range_start: datetime,
    range_end: datetime,
) -> list[Slot]:
    """Bookable slots whose start lies in ``[range_start, range_end)``, sorted, without duplicates.

    ``zone``: the provider's zone; ``weekly`` and ``overrides`` (keyed by
    provider-local date; an empty list means closed) are wall-clock rules in it.
    ``busy``: UTC intervals already taken, widened by their own buffers.
    ``now``, ``range_start``, ``range_end``: UTC-aware datetimes.
    Returns UTC-aware :class:`Slot` objects; rendering in a viewer's zone is the caller's.
    Raises ``ValueError`` for naive datetimes or a non-positive duration/interval.
    """
    for value in (now, range_start, range_end):
        if value.tzinfo is None:
            raise ValueError("slot_list needs aware datetimes")
    if rules.duration <= 0 or rules.interval <= 0:
        raise ValueError("duration and interval must be positive minutes")

    duration = timedelta(minutes=rules.duration)
    step = timedelta(minutes=rules.interval)
    before = timedelta(minutes=rules.buffer_before)
    after = timedelta(minutes=rules.buffer_after)
    earliest = now + timedelta(minutes=rules.minimum_notice)
    last_bookable_day = now.astimezone(zone).date() + timedelta(days=rules.booking_window_days)
    # A slot must start before the provider-local midnight that ends the booking window.
    window_limit = wall_to_utc(last_bookable_day + timedelta(days=1), time(0, 0), zone)
    latest = min(range_end, window_limit)
    index = _BusyIndex(busy)

    found: set[datetime] = set()
    for day in local_date_range(range_start, range_end, zone):
        if day > last_bookable_day:
            break
        for window in windows_for_date(day, weekly, overrides):
            window_start, window_end = window_instants(day, window, zone)
            t = window_start
            while t + duration <= window_end:
                if (
                    t >= range_start
                    and t < latest
                    and t >= earliest
                    and not index.overlaps(t - before, t + duration + after)
                ):
                    found.add(t)
                t += step
    return [Slot(start, start + duration) for start in sorted(found)]


def booker_day_bounds(start_day: date, end_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` covering the booker's local days ``start_day`` to ``end_day`` inclusive."""
    return (
        wall_to_utc(start_day, time(0, 0), zone),
        wall_to_utc(end_day + timedelta(days=1), time(0, 0), zone),
    )
