"""The slot engine on its own (no database): cases S1, S2, S4, S5, S8, S9 of cases/scheduling.md and its rules."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.slots import (
    ServiceRules,
    WeeklyWindow,
    Window,
    booker_day_bounds,
    slot_list,
    wall_to_utc,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def starts(slots) -> list[str]:
    return [s.start.strftime("%Y-%m-%dT%H:%MZ") for s in slots]


def run(
    zone,
    weekly,
    *,
    day_from,
    day_to,
    booker="UTC",
    duration=30,
    interval=None,
    overrides=None,
    busy=(),
    now=LONG_AGO,
    notice=0,
    window_days=100000,
    before=0,
    after=0,
):
    rules = ServiceRules(
        duration=duration,
        interval=interval or duration,
        buffer_before=before,
        buffer_after=after,
        minimum_notice=notice,
        booking_window_days=window_days,
    )
    range_start, range_end = booker_day_bounds(day_from, day_to, ZoneInfo(booker))
    return slot_list(
        zone=ZoneInfo(zone),
        weekly=weekly,
        overrides=overrides or {},
        rules=rules,
        busy=list(busy),
        now=now,
        range_start=range_start,
        range_end=range_end,
    )


def test_wall_time_in_spring_forward_gap_uses_offset_before_gap():
    # RFC 5545 §3.3.5: 02:30 does not exist in New York on 2024-03-10; read with EST (-05:00).
    assert wall_to_utc(date(2024, 3, 10), time(2, 30), ZoneInfo("America/New_York")) == utc("2024-03-10T07:30Z")


def test_ambiguous_wall_time_is_first_occurrence():
    # 01:30 happens twice in New York on 2024-11-03; the first is EDT (-04:00).
    assert wall_to_utc(date(2024, 11, 3), time(1, 30), ZoneInfo("America/New_York")) == utc("2024-11-03T05:30Z")


def test_s1_chicago_sunday_keeps_three_pm_local_across_dst():
    weekly = [WeeklyWindow(7, time(15), time(16, 30))]
    got = {
        d: starts(run("America/Chicago", weekly, day_from=d, day_to=d, booker="America/Chicago", duration=90))
        for d in (date(2025, 3, 2), date(2025, 3, 9), date(2025, 3, 16))
    }
    assert got == {
        date(2025, 3, 2): ["2025-03-02T21:00Z"],
        date(2025, 3, 9): ["2025-03-09T20:00Z"],
        date(2025, 3, 16): ["2025-03-16T20:00Z"],
    }


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2023, 10, 30), "2023-10-30T13:00Z", "2023-10-30T20:30Z"),
        (date(2023, 11, 6), "2023-11-06T14:00Z", "2023-11-06T21:30Z"),
    ],
)
def test_s2_new_york_weekdays_sixteen_slots_before_and_after_dst_ends(day, first, last):
    weekly = [WeeklyWindow(d, time(9), time(17)) for d in range(1, 6)]
    got = starts(run("America/New_York", weekly, day_from=day, day_to=day, booker="America/New_York"))
    assert (len(got), got[0], got[-1]) == (16, first, last)


def test_s4_kolkata_booker_sees_both_los_angeles_days_on_one_date():
    weekly = [WeeklyWindow(d, time(9), time(17)) for d in (2, 3)]
    slots = run(
        "America/Los_Angeles", weekly, day_from=date(2024, 11, 13), day_to=date(2024, 11, 13), booker="Asia/Kolkata"
    )
    kolkata = [s.start.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") for s in slots]
    assert kolkata == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
        "04:00",
        "04:30",
        "05:00",
        "05:30",
        "06:00",
        "22:30",
        "23:00",
        "23:30",
    ]
    assert slots[13].start == utc("2024-11-13T17:00Z")


def test_s5_minimum_notice_moves_first_slot_to_next_grid_point():
    weekly = [WeeklyWindow(2, time(9), time(17))]
    got = starts(
        run(
            "Europe/Paris",
            weekly,
            day_from=date(2024, 3, 5),
            day_to=date(2024, 3, 5),
            booker="Europe/Paris",
            now=utc("2024-03-05T08:10Z"),
            notice=120,
        )
    )
    assert (got[0], len(got)) == ("2024-03-05T10:30Z", 11)


def test_s8_iso_weekdays_friday_and_sunday_only():
    weekly = [WeeklyWindow(5, time(9), time(17)), WeeklyWindow(7, time(9), time(17))]
    slots = run(
        "America/Los_Angeles", weekly, day_from=date(2025, 2, 7), day_to=date(2025, 2, 10), booker="America/Los_Angeles"
    )
    local_days = sorted({s.start.astimezone(ZoneInfo("America/Los_Angeles")).date() for s in slots})
    assert local_days == [date(2025, 2, 7), date(2025, 2, 9)]


def test_s9_overnight_window_on_spring_forward_night_has_four_hourly_slots():
    weekly = [WeeklyWindow(7, time(0), time(5))]
    got = starts(
        run(
            "America/New_York",
            weekly,
            day_from=date(2024, 3, 10),
            day_to=date(2024, 3, 10),
            booker="America/New_York",
            duration=60,
        )
    )
    assert got == ["2024-03-10T05:00Z", "2024-03-10T06:00Z", "2024-03-10T07:00Z", "2024-03-10T08:00Z"]


def test_s9_overnight_window_on_fall_back_night_has_six_distinct_slots():
    weekly = [WeeklyWindow(7, time(0), time(5))]
    got = starts(
        run(
            "America/New_York",
            weekly,
            day_from=date(2024, 11, 3),
            day_to=date(2024, 11, 3),
            booker="America/New_York",
            duration=60,
        )
    )
    assert got == [
        "2024-11-03T04:00Z",
        "2024-11-03T05:00Z",
        "2024-11-03T06:00Z",
        "2024-11-03T07:00Z",
        "2024-11-03T08:00Z",
        "2024-11-03T09:00Z",
    ]
    assert len(set(got)) == len(got)


def test_shanghai_monday_nine_am_is_one_am_utc_whatever_dst_does_elsewhere():
    weekly = [WeeklyWindow(1, time(9), time(12))]
    for monday in (date(2025, 3, 3), date(2025, 3, 10), date(2025, 11, 3)):
        got = run("Asia/Shanghai", weekly, day_from=monday, day_to=monday, booker="Asia/Shanghai", duration=60)
        assert starts(got)[0] == f"{monday}T01:00Z"


def test_window_crossing_midnight_continues_on_next_local_date():
    weekly = [WeeklyWindow(5, time(22), time(2))]  # Friday 22:00 - Saturday 02:00
    got = starts(
        run(
            "Europe/Berlin",
            weekly,
            day_from=date(2025, 6, 6),
            day_to=date(2025, 6, 7),
            booker="Europe/Berlin",
            duration=60,
        )
    )
    assert got == ["2025-06-06T20:00Z", "2025-06-06T21:00Z", "2025-06-06T22:00Z", "2025-06-06T23:00Z"]


def test_closed_override_removes_the_day_and_replacement_hours_replace_weekly():
    weekly = [WeeklyWindow(d, time(9), time(11)) for d in range(1, 8)]
    overrides = {date(2025, 1, 1): [], date(2025, 1, 2): [Window(time(14), time(15))]}
    got = starts(
        run(
            "Asia/Shanghai",
            weekly,
            day_from=date(2025, 1, 1),
            day_to=date(2025, 1, 2),
            booker="Asia/Shanghai",
            duration=60,
            overrides=overrides,
        )
    )
    assert got == ["2025-01-02T06:00Z"]


def test_busy_interval_and_buffers_remove_neighbouring_slots():
    weekly = [WeeklyWindow(1, time(9), time(12))]
    busy = [(utc("2025-06-02T08:00Z"), utc("2025-06-02T08:30Z"))]  # Berlin 10:00-10:30 taken
    got = starts(
        run(
            "Europe/Berlin",
            weekly,
            day_from=date(2025, 6, 2),
            day_to=date(2025, 6, 2),
            booker="Europe/Berlin",
            busy=busy,
            after=15,
        )
    )
    # 09:30 (07:30Z) + 15 min buffer after would run into 10:00; 10:30 (08:30Z) is free.
    assert got == ["2025-06-02T07:00Z", "2025-06-02T08:30Z", "2025-06-02T09:00Z", "2025-06-02T09:30Z"]


def test_booking_window_counts_provider_local_dates():
    weekly = [WeeklyWindow(d, time(9), time(10)) for d in range(1, 8)]
    now = utc("2025-06-01T20:00Z")  # already 2025-06-02 04:00 in Shanghai
    got = starts(
        run(
            "Asia/Shanghai",
            weekly,
            day_from=date(2025, 6, 1),
            day_to=date(2025, 6, 10),
            booker="Asia/Shanghai",
            duration=60,
            now=now,
            window_days=2,
        )
    )
    assert got == ["2025-06-02T01:00Z", "2025-06-03T01:00Z", "2025-06-04T01:00Z"]


def test_slot_interval_smaller_than_duration_gives_overlapping_offers():
    weekly = [WeeklyWindow(1, time(9), time(10))]
    got = starts(run("UTC", weekly, day_from=date(2025, 6, 2), day_to=date(2025, 6, 2), duration=30, interval=15))
    assert got == ["2025-06-02T09:00Z", "2025-06-02T09:15Z", "2025-06-02T09:30Z"]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        slot_list(
            zone=ZoneInfo("UTC"),
            weekly=[],
            overrides={},
            rules=ServiceRules(30, 30),
            busy=[],
            now=datetime(2025, 1, 1),
            range_start=LONG_AGO,
            range_end=LONG_AGO + timedelta(days=1),
        )
