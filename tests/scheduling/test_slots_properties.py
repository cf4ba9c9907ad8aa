"""Property tests for the slot engine: whatever the zone, rules and bookings, every slot obeys the rules."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.slots import ServiceRules, WeeklyWindow, slot_list, window_instants, windows_for_date

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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
