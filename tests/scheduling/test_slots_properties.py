"""Property tests for the slot engine: whatever the zone, rules and bookings, every slot obeys the rules."""

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.slots import ServiceRules, WeeklyWindow, Window, slot_list, window_instants, windows_for_date

# `make fuzz` multiplies the examples (FUZZ_SCALE=10); CI runs the default budget.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Asia/Shanghai",
    "Pacific/Chatham",
    "America/St_Johns",
    "Africa/Casablanca",
    "UTC",
]

quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
weekly_windows = st.lists(st.builds(WeeklyWindow, st.integers(1, 7), quarter_hours, quarter_hours), max_size=6)
rules_strategy = st.builds(
    ServiceRules,
    duration=st.sampled_from([15, 30, 45, 60, 90]),
    interval=st.sampled_from([15, 30, 60]),
    buffer_before=st.sampled_from([0, 5, 15]),
    buffer_after=st.sampled_from([0, 10, 30]),
    minimum_notice=st.sampled_from([0, 120, 1440]),
    booking_window_days=st.integers(1, 60),
)


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_name=st.sampled_from(ZONES),
    weekly=weekly_windows,
    rules=rules_strategy,
    first_day=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    days=st.integers(1, 10),
    now_offset_hours=st.integers(-48, 48),
    busy_offsets=st.lists(st.tuples(st.integers(0, 240), st.integers(1, 8)), max_size=12),
)
def test_every_slot_obeys_windows_grid_busy_notice_and_window(
    zone_name, weekly, rules, first_day, days, now_offset_hours, busy_offsets
):
    zone = ZoneInfo(zone_name)
    range_start = datetime.combine(first_day, time(0), tzinfo=UTC)
    range_end = range_start + timedelta(days=days)
    now = range_start + timedelta(hours=now_offset_hours)
    busy = [
        (range_start + timedelta(hours=h), range_start + timedelta(hours=h, minutes=15 * n)) for h, n in busy_offsets
    ]

    slots = slot_list(
        zone=zone,
        weekly=weekly,
        overrides={},
        rules=rules,
        busy=busy,
        now=now,
        range_start=range_start,
        range_end=range_end,
    )

    starts = [s.start for s in slots]
    assert starts == sorted(set(starts)), "sorted, no duplicate instant"
    duration = timedelta(minutes=rules.duration)
    last_day = now.astimezone(zone).date() + timedelta(days=rules.booking_window_days)
    for slot in slots:
        assert slot.end - slot.start == duration
        assert range_start <= slot.start < range_end
        assert slot.start >= now + timedelta(minutes=rules.minimum_notice)
        assert slot.start.astimezone(zone).date() <= last_day
        padded = (slot.start - timedelta(minutes=rules.buffer_before), slot.end + timedelta(minutes=rules.buffer_after))
        assert all(not (b0 < padded[1] and b1 > padded[0]) for b0, b1 in busy), "overlaps a booking or its buffers"
        # Inside some window of the provider-local day it belongs to, on that window's grid.
        local_day = slot.start.astimezone(zone).date()
        homes = []
        for day in (local_day - timedelta(days=1), local_day):
            for window in windows_for_date(day, weekly, {}):
                w0, w1 = window_instants(day, window, zone)
                if w0 <= slot.start and slot.end <= w1:
                    homes.append((slot.start - w0) % timedelta(minutes=rules.interval) == timedelta(0))
        assert any(homes), "outside every window or off the grid"


# --- date overrides, and no slot missing ----------------------------------------------------------


def expected_starts(*, zone, weekly, overrides, rules, busy, now, range_start, range_end) -> set[datetime]:
    """Every start the rules allow, found by brute force independently of the engine's loop.

    A local day's windows are its override's (an empty list closes the day) or else its weekday's rules;
    walk each window in elapsed ``interval`` steps from its start and keep what fits, starts in the range,
    respects the notice and the booking window, and whose buffered interval meets no busy interval.
    """
    found = set()
    duration = timedelta(minutes=rules.duration)
    step = timedelta(minutes=rules.interval)
    last_day = now.astimezone(zone).date() + timedelta(days=rules.booking_window_days)
    day = range_start.astimezone(zone).date() - timedelta(days=2)
    while day <= range_end.astimezone(zone).date() + timedelta(days=1):
        if day in overrides:
            windows = overrides[day]
        else:
            windows = [(w.start, w.end) for w in weekly if w.weekday == day.isoweekday()]
            windows = [Window(a, b) for a, b in windows]
        for window in windows:
            w0, w1 = window_instants(day, window, zone)
            start = w0
            while start + duration <= w1:
                padded = (
                    start - timedelta(minutes=rules.buffer_before),
                    start + duration + timedelta(minutes=rules.buffer_after),
                )
                if (
                    range_start <= start < range_end
                    and start >= now + timedelta(minutes=rules.minimum_notice)
                    and start.astimezone(zone).date() <= last_day
                    and not any(b0 < padded[1] and b1 > padded[0] for b0, b1 in busy)
                ):
                    found.add(start)
                start += step
        day += timedelta(days=1)
    return found


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_name=st.sampled_from(ZONES),
    weekly=weekly_windows,
    override_days=st.dictionaries(
        st.integers(-1, 8),
        st.lists(st.builds(Window, quarter_hours, quarter_hours), max_size=2),
        max_size=4,
    ),
    rules=rules_strategy,
    first_day=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    days=st.integers(1, 7),
    now_offset_hours=st.integers(-48, 48),
    busy_offsets=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 8)), max_size=8),
)
def test_overrides_replace_the_weekly_hours_and_no_allowed_slot_is_missing(
    zone_name, weekly, override_days, rules, first_day, days, now_offset_hours, busy_offsets
):
    zone = ZoneInfo(zone_name)
    range_start = datetime.combine(first_day, time(0), tzinfo=UTC)
    range_end = range_start + timedelta(days=days)
    now = range_start + timedelta(hours=now_offset_hours)
    overrides = {first_day + timedelta(days=n): windows for n, windows in override_days.items()}
    busy = [
        (range_start + timedelta(hours=h), range_start + timedelta(hours=h, minutes=15 * n)) for h, n in busy_offsets
    ]
    arguments = dict(
        zone=zone,
        weekly=weekly,
        overrides=overrides,
        rules=rules,
        busy=busy,
        now=now,
        range_start=range_start,
        range_end=range_end,
    )

    slots = slot_list(**arguments)

    starts = [s.start for s in slots]
    assert starts == sorted(set(starts)), "sorted, no duplicate instant"
    assert all(s.end - s.start == timedelta(minutes=rules.duration) for s in slots)
    assert set(starts) == expected_starts(**arguments)
    closed = {day for day, windows in overrides.items() if not windows}
    for slot in slots:
        # A closed day offers nothing of its own (a window of the day before may still run into it).
        home_days = {
            day
            for day in (slot.start.astimezone(zone).date() - timedelta(days=1), slot.start.astimezone(zone).date())
            for window in windows_for_date(day, weekly, overrides)
            if window_instants(day, window, zone)[0] <= slot.start and slot.end <= window_instants(day, window, zone)[1]
        }
        assert home_days - closed, "a slot from a closed day"
